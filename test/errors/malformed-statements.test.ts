/**
 * Runs the corpus of malformed and invalid statements (corpus.ts). For every entry, in a fresh engine
 * with the small schema:
 * - executing the statement throws one FreshetError (never a TypeError, RangeError or other plain error,
 *   never XX000 "internal error") within a few seconds;
 * - its message (or hint) says what is wrong, as the entry expects;
 * - it says where: a position inside the statement whose rendered form (formatError) shows the line with
 *   a caret under the position, and for "syntax error at 'x'" the position is where 'x' starts; or, for
 *   errors found while running, the message or detail names the offending object or value;
 * - afterwards the same session answers a valid query, and nothing changed: the same tables and views,
 *   the same rows in them, no option set.
 * Entries marked `knownBug` are engine bugs: they run as expected failures (`it.fails`), so that a fix
 * shows up as a failing test that asks for the marker to be removed.
 */
import { describe, expect, it } from 'vitest';
import { Engine } from '../../src/session/engine.ts';
import type { Session } from '../../src/session/session.ts';
import { FreshetError, formatError, positionOf } from '../../src/util/errors.ts';
import { CORPUS, SCHEMA, type Case } from './corpus.ts';

const TIMEOUT_MS = 10_000;

async function freshSession(setup: readonly string[]): Promise<Session> {
  const session = (await Engine.open()).createSession({ 'execution.runtime-mode': 'batch' });
  for (const sql of [...SCHEMA, ...setup]) await session.execute(sql);
  return session;
}

/** What must not change when a statement fails. */
async function snapshot(s: Session): Promise<unknown> {
  const rows = async (sql: string): Promise<unknown> => {
    const r = await s.execute(sql);
    return r.kind === 'rows' ? r.rows : r;
  };
  return {
    tables: await rows('SHOW TABLES'),
    views: await rows('SHOW VIEWS'),
    orders: await rows('SELECT id, customer, amount, ts FROM orders ORDER BY id'),
    customers: await rows('SELECT id, name, city FROM customers ORDER BY id'),
    options: await rows('SET'),
  };
}

/** Executes `sql` and returns what it threw (fails the test if it did not throw, or took too long). */
async function failure(s: Session, sql: string): Promise<unknown> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`HUNG: no answer after ${TIMEOUT_MS} ms`)), TIMEOUT_MS);
  });
  try {
    const r = await Promise.race([s.execute(sql), timeout]);
    throw new Error(`the statement succeeded, but it must fail; it returned: ${JSON.stringify(r, (_k, v) => (typeof v === 'bigint' ? String(v) : v)).slice(0, 300)}`);
  } catch (e) {
    if (e instanceof Error && (e.message.startsWith('HUNG') || e.message.startsWith('the statement succeeded'))) throw e;
    return e;
  } finally {
    clearTimeout(timer);
  }
}

function checkPosition(err: FreshetError, sql: string): void {
  const pos = err.position!;
  const lines = sql.split('\n');
  expect(pos.line, 'error line inside the statement').toBeGreaterThanOrEqual(1);
  expect(pos.line, 'error line inside the statement').toBeLessThanOrEqual(lines.length);
  expect(pos.column, 'error column inside its line').toBeGreaterThanOrEqual(1);
  expect(pos.column, 'error column inside its line').toBeLessThanOrEqual(lines[pos.line - 1]!.length + 1);
  expect(positionOf(sql, pos.offset), 'line and column agree with the offset').toEqual(pos);
  // the rendered error shows the offending line with a caret under the position
  const rendered = formatError(err);
  const lineText = lines[pos.line - 1]!.replace(/\t/g, ' ');
  expect(rendered, 'formatError shows the offending line').toContain(`\n  ${lineText}\n  ${' '.repeat(pos.column - 1)}^`);
  expect(rendered).toContain(`(line ${pos.line}, column ${pos.column})`);
  // "syntax error at 'x'" must point at x; "at end of input" at the end (give or take whitespace and comments)
  const at = /^syntax error at '((?:[^']|'')*)'/.exec(err.message);
  if (at) expect(sql.slice(pos.offset), `the position points at '${at[1]}'`).toMatch(new RegExp('^' + escapeRegExp(at[1]!.replace(/…$/, ''))));
  if (/^syntax error at end of input/.test(err.message)) {
    expect(sql.slice(pos.offset).replace(/--[^\n]*|\/\*[^]*?\*\//g, '').trim(), 'the position is at the end').toBe('');
  }
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

async function runCase([sql, expected, opts = {}]: Case): Promise<void> {
  const s = await freshSession(opts.setup ?? []);
  const before = await snapshot(s);
  const err = await failure(s, sql);

  if (!(err instanceof FreshetError)) {
    const e = err as Error;
    throw new Error(`expected a FreshetError, got ${e?.constructor?.name ?? typeof err}: ${e?.message ?? String(err)}`);
  }
  expect(err.sqlState, `not an internal error: ${err.message}`).not.toBe('XX000');
  expect(err.sqlState).toMatch(/^[0-9A-Z]{5}$/);
  expect(`${err.message}\n${err.hint ?? ''}`).toMatch(expected);

  if (err.position) checkPosition(err, sql);
  else {
    expect(err.sqlState, `a syntax error must have a position: ${err.message}`).not.toBe('42601');
    expect(opts.names, `the error has no position, so it must name the offending object: ${err.message} / ${err.detail ?? ''}`).toBeDefined();
    expect(`${err.message}\n${err.detail ?? ''}`).toContain(opts.names!);
  }

  // still usable, and nothing changed
  const probe = await s.execute('SELECT COUNT(*) FROM orders');
  expect(probe.kind === 'rows' ? probe.rows : probe).toEqual([[3]]);
  expect(await snapshot(s)).toEqual(before);
}

function title(sql: string): string {
  const flat = sql.replace(/\r?\n/g, ' ⏎ ').replace(/\t/g, ' ⇥ ').replace(/\u0000/g, '\\0');
  const shown = flat.length > 90 ? `${flat.slice(0, 87)}... (${sql.length} chars)` : flat;
  return shown.trim() === '' ? `<${JSON.stringify(sql)}>` : shown;
}

const total = Object.values(CORPUS).reduce((n, cs) => n + cs.length, 0);

describe(`malformed statements (${total} in the corpus)`, () => {
  for (const [section, cases] of Object.entries(CORPUS)) {
    describe(section, () => {
      const seen = new Map<string, number>();
      for (const c of cases) {
        let name = title(c[0]);
        const n = (seen.get(name) ?? 0) + 1;
        seen.set(name, n);
        if (n > 1) name += ` #${n}`;
        if (c[2]?.knownBug) it.fails(`${name}  [KNOWN BUG: ${c[2].knownBug}]`, () => runCase(c));
        else it(name, () => runCase(c));
      }
    });
  }

  it('the corpus has at least 200 statements', () => {
    expect(total).toBeGreaterThanOrEqual(200);
  });
});
