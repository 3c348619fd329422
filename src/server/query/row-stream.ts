/**
 * A statement's rows as the wire reads them: a little at a time, never all at once. Row-returning
 * statements (a query, a subscription, a cursor's FETCH, SHOW) become a RowStream, and the connection
 * pulls chunks from it between socket writes: while the client is not reading, nothing is pulled, and
 * the query behind the stream pauses (its result queue fills up).
 *
 * A finite stream (a query's result) fills each read up to the count asked for. A continuous one (a
 * SUBSCRIBE) waits for at least one row, then returns only what has already arrived: a client reading
 * a subscription sees each change as soon as it is committed, not once `n` have piled up.
 */
import type { ResultColumn, StreamResult } from '../../session/result.ts';

export interface RowStream {
  /** The result's columns; the connection may rename them (catalog queries get Postgres' names). */
  columns: ResultColumn[];
  /** What the command tag starts with: SELECT, SUBSCRIBE, FETCH, SHOW, ... */
  readonly command: string;
  /** Notices to send once the rows are through. */
  readonly warnings: string[];
  /** Rows come as changes are committed (a subscription) and the stream does not end by itself. */
  readonly continuous: boolean;
  /**
   * Up to `max` rows; an empty array only at the end, or (continuous streams) when `deadline` (epoch
   * milliseconds) passed before any row arrived.
   */
  read(max: number, deadline?: number): Promise<unknown[][]>;
  /** No more rows will come. */
  readonly ended: boolean;
  /** Stops the statement behind the stream. */
  cancel(): void;
}

/** Rows already in memory (SHOW, EXPLAIN, an INSERT's nothing, a FETCH's rows). */
export function arrayStream(columns: ResultColumn[], rows: readonly unknown[][], command: string, warnings: string[] = []): RowStream {
  let at = 0;
  return {
    columns, command, warnings, continuous: false,
    get ended() { return at >= rows.length; },
    async read(max: number) {
      const out = rows.slice(at, Math.min(rows.length, at + max));
      at += out.length;
      return out;
    },
    cancel() { at = rows.length; },
  };
}

const IDLE = Symbol('idle');

/** The rows of a query result that only grows (StreamResult with inserts only: a batch query, a SUBSCRIBE). */
export class ResultRowStream implements RowStream {
  columns: ResultColumn[];
  readonly command: string;
  readonly continuous: boolean;
  private readonly result: StreamResult;
  private readonly it: AsyncIterator<{ rows: unknown[][] }>;
  private buffer: unknown[][] = [];
  private pos = 0;
  private done = false;
  /** The batch being waited for (kept across reads that gave up waiting: it is not lost). */
  private pending: Promise<IteratorResult<{ rows: unknown[][] }>> | null = null;
  private settled = false;

  constructor(result: StreamResult, continuous: boolean) {
    this.result = result;
    this.columns = result.columns;
    this.command = result.command;
    this.continuous = continuous;
    this.it = result.changes[Symbol.asyncIterator]();
  }

  get warnings(): string[] {
    return this.result.warnings;
  }

  get ended(): boolean {
    return this.done && this.pos >= this.buffer.length;
  }

  cancel(): void {
    this.result.cancel();
  }

  private request(): Promise<IteratorResult<{ rows: unknown[][] }>> {
    if (this.pending === null) {
      const p = this.it.next();
      this.pending = p;
      this.settled = false;
      p.then(() => { if (this.pending === p) this.settled = true; }, () => { if (this.pending === p) this.settled = true; });
    }
    return this.pending;
  }

  /** Takes the next batch into the buffer; false at the end or when the deadline passed first. */
  private async fill(deadline: number | undefined): Promise<boolean> {
    const p = this.request();
    let r: IteratorResult<{ rows: unknown[][] }> | typeof IDLE;
    if (deadline === undefined) r = await p;
    else {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<typeof IDLE>((resolve) => { timer = setTimeout(() => resolve(IDLE), Math.max(0, deadline - Date.now())); });
      try {
        r = await Promise.race([p, timeout]);
      } finally {
        clearTimeout(timer);
      }
      if (r === IDLE) return false;
    }
    this.pending = null;
    if (r.done) {
      this.done = true;
      return false;
    }
    this.buffer = r.value.rows;
    this.pos = 0;
    return true;
  }

  async read(max: number, deadline?: number): Promise<unknown[][]> {
    const out: unknown[][] = [];
    while (out.length < max) {
      if (this.pos < this.buffer.length) {
        const n = Math.min(max - out.length, this.buffer.length - this.pos);
        for (let i = 0; i < n; i++) out.push(this.buffer[this.pos + i]!);
        this.pos += n;
        continue;
      }
      if (this.done) break;
      if (this.continuous && out.length > 0) {
        // only what has already arrived: give the queue one turn of the event loop, then return
        this.request();
        if (!this.settled) await new Promise<void>((resolve) => setImmediate(resolve));
        if (!this.settled) break;
      }
      if (!(await this.fill(this.continuous ? deadline : undefined))) break;
    }
    return out;
  }
}
