/**
 * Cursors of one connection: DECLARE opens a statement's rows as a RowStream under a name, FETCH and
 * MOVE read on from where the cursor is, CLOSE ends it. As in Postgres, a cursor lives until the end of
 * the transaction block it was declared in, unless declared WITH HOLD (then until CLOSE or the end of
 * the session); names are case-folded unless quoted. Cursors read forward only: FETCH NEXT, FORWARD n,
 * ALL, and ABSOLUTE / RELATIVE to a row not yet passed. A cursor over a SUBSCRIBE is continuous: FETCH
 * waits for at least one row, then returns what has arrived, up to the count (Materialize's way), or
 * nothing once `WITH (timeout = ..)` has passed.
 */
import type * as A from '../../sql/ast.ts';
import { FreshetError, SqlState } from '../../util/errors.ts';
import { parseDuration } from '../../connectors/options.ts';
import { PgState } from '../errors.ts';
import type { RowStream } from './row-stream.ts';

export interface Cursor {
  name: string;
  stream: RowStream;
  hold: boolean;
  /** Rows are sent in binary format (DECLARE .. BINARY CURSOR). */
  binary: boolean;
  /** Rows read so far (the cursor is after row `position`). */
  position: number;
  /** The last row read (FETCH RELATIVE 0 returns it again). */
  last: unknown[] | undefined;
  /** Declared in the transaction block still open (a ROLLBACK closes it, even WITH HOLD). */
  inBlock: boolean;
}

/** A cursor name as Postgres compares it: unquoted names fold to lower case. */
export function cursorName(id: A.Identifier): string {
  return id.quoted ? id.value : id.value.toLowerCase();
}

export class Cursors {
  private readonly open = new Map<string, Cursor>();

  /** Fails when a cursor of that name is open (checked before the cursor's query starts). */
  checkFree(name: string): void {
    if (this.open.has(name)) throw new FreshetError(PgState.duplicateCursor, `cursor "${name}" already exists`, { hint: `CLOSE ${name} first, or choose another name.` });
  }

  declare(name: string, stream: RowStream, hold: boolean, binary: boolean, inBlock: boolean): void {
    if (this.open.has(name)) {
      stream.cancel();
      throw new FreshetError(PgState.duplicateCursor, `cursor "${name}" already exists`, { hint: `CLOSE ${name} first, or choose another name.` });
    }
    this.open.set(name, { name, stream, hold, binary, position: 0, last: undefined, inBlock });
  }

  get(name: string): Cursor {
    const c = this.open.get(name);
    if (!c) throw new FreshetError(PgState.invalidCursorName, `cursor "${name}" does not exist`, { hint: this.open.size > 0 ? `Open cursors: ${[...this.open.keys()].join(', ')}.` : 'DECLARE it first (inside BEGIN .. COMMIT unless WITH HOLD).' });
    return c;
  }

  close(name: string): void {
    this.get(name).stream.cancel();
    this.open.delete(name);
  }

  closeAll(): void {
    for (const c of this.open.values()) c.stream.cancel();
    this.open.clear();
  }

  /** The transaction block ended: cursors without HOLD close; a ROLLBACK also closes those declared in it. */
  endBlock(committed: boolean): void {
    for (const [name, c] of this.open) {
      if (!c.hold || (!committed && c.inBlock)) {
        c.stream.cancel();
        this.open.delete(name);
      } else c.inBlock = false;
    }
  }
}

/** What a FETCH or MOVE returns: the rows (FETCH) and how many rows it went over. */
export interface FetchOutcome {
  rows: unknown[][];
  count: number;
}

const forwardOnly = (what: string): FreshetError => new FreshetError('55000', `cursor can only scan forward: ${what} is not supported`, {
  hint: 'Freshet cursors read forward only: FETCH NEXT, FORWARD n, ALL, or ABSOLUTE / RELATIVE to a row not read yet.',
});

/** The `timeout` of FETCH .. WITH (timeout = '1s'), in milliseconds. */
export function fetchTimeout(options: readonly A.PgOption[]): number | undefined {
  let timeout: number | undefined;
  for (const o of options) {
    if (o.name !== 'timeout') throw new FreshetError(SqlState.invalidParameterValue, `FETCH has no option ${o.name}`, { hint: "Its option is timeout, e.g. FETCH 10 c WITH (timeout = '1s')." });
    const ms = o.value === undefined ? undefined : /^\d+(\.\d+)?$/.test(o.value) ? Number(o.value) * 1000 : parseDuration(o.value);
    if (ms === undefined || ms < 0) throw new FreshetError(SqlState.invalidParameterValue, `FETCH timeout must be a duration such as '1s' or '500ms', not '${o.value ?? ''}'`);
    timeout = ms;
  }
  return timeout;
}

/** Runs a FETCH or MOVE on a cursor. */
export async function fetch(c: Cursor, st: A.FetchStatement, timeoutMs: number | undefined): Promise<FetchOutcome> {
  const deadline = timeoutMs === undefined ? undefined : Date.now() + timeoutMs;
  const keep = !st.move;
  const d = st.direction;
  const take = async (n: number): Promise<FetchOutcome> => {
    const rows: unknown[][] = [];
    let count = 0;
    while (count < n && !c.stream.ended) {
      const got = await c.stream.read(Math.min(n - count, 4096), deadline);
      if (got.length === 0) break;
      count += got.length;
      c.position += got.length;
      c.last = got[got.length - 1];
      if (keep) for (const r of got) rows.push(r);
      // a subscription answers with what has arrived: at least one row, then no more waiting
      if (c.stream.continuous) break;
    }
    return { rows, count };
  };
  /** Moves to just before row `target` (1-based), then reads it. */
  const goTo = async (target: number, what: string): Promise<FetchOutcome> => {
    if (target <= c.position) {
      if (target === c.position && c.last !== undefined) return { rows: keep ? [c.last] : [], count: 1 };
      throw forwardOnly(what);
    }
    const skip = target - 1 - c.position;
    if (skip > 0) {
      const skipped = await skipRows(c, skip, deadline);
      if (skipped < skip) return { rows: [], count: 0 };
    }
    return take(1);
  };
  switch (d.kind) {
    case 'forward':
      if (d.count === 0) return c.last !== undefined ? { rows: keep ? [c.last] : [], count: 1 } : { rows: [], count: 0 };
      return take(d.count === 'all' ? Number.POSITIVE_INFINITY : d.count);
    case 'backward':
      throw forwardOnly(`${st.move ? 'MOVE' : 'FETCH'} BACKWARD`);
    case 'absolute':
      if (d.position <= 0) throw forwardOnly(`ABSOLUTE ${d.position}`);
      return goTo(d.position, `ABSOLUTE ${d.position}`);
    case 'relative':
      if (d.offset < 0) throw forwardOnly(`RELATIVE ${d.offset}`);
      if (d.offset === 0) return c.last !== undefined ? { rows: keep ? [c.last] : [], count: 1 } : { rows: [], count: 0 };
      return goTo(c.position + d.offset, `RELATIVE ${d.offset}`);
    case 'last': {
      if (c.stream.continuous) throw new FreshetError(SqlState.featureNotSupported, 'FETCH LAST on a subscription would wait forever', { hint: 'FETCH n or FETCH ALL returns what has arrived.' });
      const before = c.position;
      await skipRows(c, Number.POSITIVE_INFINITY, deadline);
      if (c.last === undefined || c.position === before && before === 0) return { rows: [], count: 0 };
      return { rows: keep ? [c.last] : [], count: 1 };
    }
  }
}

async function skipRows(c: Cursor, n: number, deadline: number | undefined): Promise<number> {
  let skipped = 0;
  while (skipped < n && !c.stream.ended) {
    const got = await c.stream.read(Math.min(n - skipped, 4096), deadline);
    if (got.length === 0) break;
    skipped += got.length;
    c.position += got.length;
    c.last = got[got.length - 1];
  }
  return skipped;
}
