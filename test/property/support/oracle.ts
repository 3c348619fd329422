/**
 * Runs the same query in Freshet and in DuckDB (the oracle) and compares the answers.
 *
 * Both engines' results are normalised to engine-neutral cells (exact numbers as canonical decimal text,
 * doubles as numbers, dates as days, timestamps as epoch milliseconds), so that the comparison does not
 * depend on which of two equivalent types an engine chose (DECIMAL(11, 2) vs DECIMAL(12, 2), INT vs BIGINT).
 * An error is an outcome like any other: when one engine errors the other must error too.
 */
import { DuckDBDateValue, DuckDBDecimalValue, DuckDBInstance, DuckDBTimestampValue, type DuckDBAppender, type DuckDBConnection } from '@duckdb/node-api';
import { Engine } from '../../../src/session/engine.ts';
import type { Session } from '../../../src/session/session.ts';
import type { DataType } from '../../../src/types/data-type.ts';
import { FreshetError, formatError } from '../../../src/util/errors.ts';
import { canonicalExact, duckCreateTable, freshetCreateTable, type TableSpec, type Ty, type Value } from './sql-model.ts';

/** One normalised result cell. */
export type Cell =
  | null
  | { k: 'x'; v: string } // exact number (INT, BIGINT, DECIMAL, HUGEINT) as canonical text
  | { k: 'f'; v: number } // DOUBLE / FLOAT
  | { k: 's'; v: string }
  | { k: 'b'; v: boolean }
  | { k: 'd'; v: number } // DATE, days
  | { k: 't'; v: number }; // TIMESTAMP, epoch millis

export type Outcome =
  | { ok: true; rows: Cell[][]; types: string[] }
  /** `crash` marks an error that is not a FreshetError (a TypeError escaping the engine, say). */
  | { ok: false; message: string; crash?: boolean; sqlState?: string };

export class Oracle {
  readonly engine: Engine;
  readonly session: Session;
  readonly duck: DuckDBConnection;
  private readonly instance: DuckDBInstance;
  private readonly duckSetup: string[];

  private constructor(engine: Engine, instance: DuckDBInstance, duck: DuckDBConnection, duckSetup: string[]) {
    this.engine = engine;
    // the batch runtime against DuckDB; the streaming runtime is compared with the batch one elsewhere
    this.session = engine.createSession({ 'execution.runtime-mode': 'batch' });
    this.instance = instance;
    this.duck = duck;
    this.duckSetup = duckSetup;
  }

  /**
   * DuckDB gets macros that give its operators Flink's semantics where the two differ on purpose:
   * integer division and MOD by zero fail (DuckDB returns NULL), `MOD(x, -1)` is 0 (DuckDB reports an
   * overflow for MIN % -1), AND/OR do not evaluate their right side once the left side decides (DuckDB
   * evaluates both, so an error on the right would surface).
   */
  static async open(): Promise<Oracle> {
    const engine = await Engine.open();
    const instance = await DuckDBInstance.create(':memory:', { threads: '1' });
    const duck = await instance.connect();
    const setup = [
      // no folding or common-subexpression elimination: they drop or hoist failing subexpressions
      `PRAGMA disable_optimizer`,
      // both operands are evaluated (as in Flink's generated code) before the NULL check: `+` never short-circuits
      `CREATE MACRO fdiv(a, b) AS CASE WHEN CAST(a IS NULL AS INTEGER) + CAST(b IS NULL AS INTEGER) > 0 THEN NULL WHEN b = 0 THEN error('division by zero') ELSE a // b END`,
      `CREATE MACRO fmod(a, b) AS CASE WHEN CAST(a IS NULL AS INTEGER) + CAST(b IS NULL AS INTEGER) > 0 THEN NULL WHEN b = 0 THEN error('division by zero') WHEN b = -1 THEN a - a ELSE a % b END`,
      `CREATE MACRO fdivd(a, b) AS CASE WHEN CAST(a IS NULL AS INTEGER) + CAST(b IS NULL AS INTEGER) > 0 THEN NULL WHEN b = 0 THEN error('division by zero') ELSE CAST(a AS DOUBLE) / CAST(b AS DOUBLE) END`,
      `CREATE MACRO fand(a, b) AS CASE WHEN a IS FALSE THEN FALSE ELSE a AND b END`,
      `CREATE MACRO f_or(a, b) AS CASE WHEN a IS TRUE THEN TRUE ELSE a OR b END`,
    ];
    for (const s of setup) await duck.run(s);
    return new Oracle(engine, instance, duck, setup);
  }

  close(): void {
    this.duck.closeSync();
    this.instance.closeSync();
  }

  /**
   * Replaces table `t.name` in both engines. DuckDB is loaded through its appender (an INSERT of
   * thousands of rows is slow to parse); repro scripts show the equivalent INSERT.
   */
  async createTable(t: TableSpec): Promise<void> {
    await this.session.execute(`DROP TABLE IF EXISTS ${t.name}`);
    await this.session.execute(freshetCreateTable(t));
    await this.duck.run(duckCreateTable(t)[0]!);
    const app = await this.duck.createAppender(t.name);
    try {
      for (const row of t.rows) {
        row.forEach((v, i) => appendValue(app, t.columns[i]!.type, v));
        app.endRow();
      }
    } finally {
      app.closeSync();
    }
  }

  async freshet(sql: string): Promise<Outcome> {
    try {
      const r = await this.session.execute(sql);
      if (r.kind !== 'rows') return { ok: true, rows: [], types: [] };
      return { ok: true, types: r.columns.map((c) => c.type.kind), rows: r.rows.map((row) => row.map((v, i) => freshetCell(r.columns[i]!.type, v))) };
    } catch (e) {
      if (e instanceof FreshetError) {
        const at = e.position ? ` (at line ${e.position.line}, column ${e.position.column})` : '';
        return { ok: false, message: e.message + at, sqlState: e.sqlState };
      }
      return { ok: false, crash: true, message: `${(e as Error)?.constructor?.name ?? 'non-error'}: ${formatError(e)}` };
    }
  }

  async duckdb(sql: string): Promise<Outcome> {
    try {
      const r = await this.duck.runAndReadAll(sql);
      const types = r.columnTypes().map((t) => t.toString());
      return { ok: true, types, rows: r.getRows().map((row) => row.map((v, i) => duckCell(types[i]!, v))) };
    } catch (e) {
      return { ok: false, message: (e as Error).message.split('\n')[0]! };
    }
  }

  /** A script that sets up DuckDB like this oracle does, for repros. */
  duckPrelude(): string {
    return this.duckSetup.map((s) => s + ';').join('\n');
  }
}

function appendValue(app: DuckDBAppender, t: Ty, v: Value): void {
  if (v === null) return app.appendNull();
  switch (t.kind) {
    case 'INT': return app.appendInteger(v as number);
    case 'BIGINT': return app.appendBigInt(v as bigint);
    case 'DECIMAL': return app.appendDecimal(new DuckDBDecimalValue(v as bigint, t.p!, t.s!));
    case 'DOUBLE': return app.appendDouble(v as number);
    case 'STRING': return app.appendVarchar(v as string);
    case 'BOOLEAN': return app.appendBoolean(v as boolean);
    case 'DATE': return app.appendDate(new DuckDBDateValue(v as number));
    case 'TIMESTAMP': return app.appendTimestamp(new DuckDBTimestampValue(BigInt(v as number) * 1000n));
  }
}

// ---------------------------------------------------------------- normalisation

export function freshetCell(type: DataType, v: unknown): Cell {
  if (v === null || v === undefined) return null;
  switch (type.kind) {
    case 'TINYINT': case 'SMALLINT': case 'INT': case 'BIGINT':
      if (!isWhole(v)) return { k: 's', v: `<${type.kind} holding ${String(v)}>` };
      return { k: 'x', v: canonicalExact(BigInt(v), 0) };
    case 'DECIMAL':
      if (!isWhole(v)) return { k: 's', v: `<DECIMAL holding ${String(v)}>` };
      return { k: 'x', v: canonicalExact(BigInt(v), type.scale ?? 0) };
    case 'FLOAT': case 'DOUBLE':
      return { k: 'f', v: v as number };
    case 'CHAR': case 'VARCHAR':
      return { k: 's', v: v as string };
    case 'BOOLEAN':
      return { k: 'b', v: v as boolean };
    case 'DATE':
      return { k: 'd', v: v as number };
    case 'TIMESTAMP':
      return { k: 't', v: v as number };
    default:
      return { k: 's', v: `<${type.kind}> ${String(v)}` };
  }
}

function isWhole(v: unknown): v is number | bigint {
  return typeof v === 'bigint' || (typeof v === 'number' && Number.isInteger(v));
}

export function duckCell(type: string, v: unknown): Cell {
  if (v === null || v === undefined) return null;
  if (v instanceof DuckDBDecimalValue) return { k: 'x', v: canonicalExact(v.value, v.scale) };
  if (v instanceof DuckDBDateValue) return { k: 'd', v: v.days };
  if (v instanceof DuckDBTimestampValue) return { k: 't', v: Number(v.micros / 1000n) };
  if (typeof v === 'bigint') return { k: 'x', v: canonicalExact(v, 0) };
  if (typeof v === 'number') return type === 'DOUBLE' || type === 'FLOAT' ? { k: 'f', v } : { k: 'x', v: canonicalExact(BigInt(v), 0) };
  if (typeof v === 'string') return { k: 's', v };
  if (typeof v === 'boolean') return { k: 'b', v };
  return { k: 's', v: `<${type}> ${String(v)}` };
}

export function cellText(c: Cell): string {
  if (c === null) return 'NULL';
  switch (c.k) {
    case 'x': return c.v;
    case 'f': return Object.is(c.v, -0) ? '-0.0' : String(c.v);
    case 's': return JSON.stringify(c.v);
    case 'b': return c.v ? 'TRUE' : 'FALSE';
    case 'd': return `DATE ${new Date(c.v * 86_400_000).toISOString().slice(0, 10)} (${c.v})`;
    case 't': return `TIMESTAMP ${new Date(c.v).toISOString().replace('T', ' ').replace('Z', '')} (${c.v})`;
  }
}

export function outcomeText(o: Outcome, maxRows = 20): string {
  if (!o.ok) return `${o.crash ? 'CRASH ' : 'ERROR '}${o.sqlState ? o.sqlState + ' ' : ''}${o.message}`;
  const shown = o.rows.slice(0, maxRows).map((r) => '  ' + r.map(cellText).join(' | '));
  const more = o.rows.length > maxRows ? [`  ... ${o.rows.length - maxRows} more`] : [];
  return [`${o.rows.length} row(s) [${o.types.join(', ')}]`, ...shown, ...more].join('\n');
}

export interface Tolerance {
  /** Relative tolerance for doubles (and for a double compared with an exact number). */
  rel: number;
  /** Absolute tolerance for doubles near zero. */
  abs: number;
}

export const EXACT_DOUBLES: Tolerance = { rel: 1e-12, abs: 1e-12 };

export function cellsEqual(a: Cell, b: Cell, tol: Tolerance): boolean {
  if (a === null || b === null) return a === b;
  const num = (c: Exclude<Cell, null>): number | undefined => (c.k === 'f' ? c.v : c.k === 'x' ? Number(c.v) : undefined);
  if (a.k === 'f' || b.k === 'f') {
    const x = num(a);
    const y = num(b);
    if (x === undefined || y === undefined) return false;
    if (Number.isNaN(x) || Number.isNaN(y)) return Number.isNaN(x) && Number.isNaN(y);
    if (x === y) return true;
    if (!Number.isFinite(x) || !Number.isFinite(y)) return false;
    return Math.abs(x - y) <= Math.max(tol.abs, tol.rel * Math.max(Math.abs(x), Math.abs(y)));
  }
  return a.k === b.k && a.v === b.v;
}

export function rowsEqual(a: readonly Cell[], b: readonly Cell[], tol: Tolerance): boolean {
  return a.length === b.length && a.every((c, i) => cellsEqual(c, b[i]!, tol));
}

/** A total order on rows for rowsort (NULL first), on the cells' text. */
export function compareRows(a: readonly Cell[], b: readonly Cell[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x === null || y === null) {
      if (x === y) continue;
      return x === null ? -1 : 1;
    }
    if (x.k === 'x' && y.k === 'x') {
      // exactly: 2^64 and 2^64 + 1 are one double
      const c = compareExactText(x.v, y.v);
      if (c !== 0) return c;
      continue;
    }
    const nx = x.k === 'x' || x.k === 'f' ? Number(x.v) : undefined;
    const ny = y.k === 'x' || y.k === 'f' ? Number(y.v) : undefined;
    if (nx !== undefined && ny !== undefined) {
      // NaN above everything, so that the order is total
      const c = Number.isNaN(nx) ? (Number.isNaN(ny) ? 0 : 1) : Number.isNaN(ny) ? -1 : nx < ny ? -1 : nx > ny ? 1 : 0;
      if (c !== 0) return c;
      continue;
    }
    const tx = cellText(x);
    const ty = cellText(y);
    if (tx !== ty) return tx < ty ? -1 : 1;
  }
  return a.length - b.length;
}

/** Compares two exact decimal texts ("-12.5", "3") by value. */
function compareExactText(a: string, b: string): number {
  const parse = (t: string): [bigint, number] => {
    const neg = t.startsWith('-');
    const [i, f = ''] = (neg ? t.slice(1) : t).split('.');
    const u = BigInt(i! + f);
    return [neg ? -u : u, f.length];
  };
  const [ua, sa] = parse(a);
  const [ub, sb] = parse(b);
  const s = Math.max(sa, sb);
  const x = ua * 10n ** BigInt(s - sa);
  const y = ub * 10n ** BigInt(s - sb);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** Compares two outcomes: both errors, or equal rows (in order, or as multisets with `rowsort`). */
export function outcomesAgree(fr: Outcome, dk: Outcome, opts: { rowsort: boolean; tol: Tolerance }): boolean {
  if (!fr.ok || !dk.ok) return !fr.ok && !dk.ok && !fr.crash;
  if (fr.rows.length !== dk.rows.length) return false;
  const a = opts.rowsort ? [...fr.rows].sort(compareRows) : fr.rows;
  const b = opts.rowsort ? [...dk.rows].sort(compareRows) : dk.rows;
  return a.every((r, i) => rowsEqual(r, b[i]!, opts.tol));
}

/** The text a failing property prints: a script that reproduces the disagreement in each engine. */
export function reproText(o: {
  title: string;
  tables: readonly TableSpec[];
  freshetSql: string;
  duckSql: string;
  fr: Outcome;
  dk: Outcome;
  duckPrelude: string;
}): string {
  return [
    o.title,
    '-- Freshet (Flink SQL):',
    ...o.tables.map((t) => freshetCreateTable(t) + ';'),
    o.freshetSql + ';',
    '-- DuckDB:',
    o.duckPrelude,
    ...o.tables.flatMap((t) => duckCreateTable(t).map((s) => s + ';')),
    o.duckSql + ';',
    '-- Freshet answered:',
    outcomeText(o.fr),
    '-- DuckDB answered:',
    outcomeText(o.dk),
  ].join('\n');
}
