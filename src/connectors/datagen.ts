/**
 * `datagen`: generated rows. Bounded with `number-of-rows` (or a sequence field); reproducible with `seed`.
 * Per field: `fields.<f>.kind` = random | sequence; random numbers between `min` and `max`, strings of
 * `length`, timestamps up to `max-past` before now; sequences from `start` to `end`; `null-rate`.
 *
 * Without a bound the table is an endless stream, generated at `rows-per-second` (default 10000): rows
 * come in batches of about a tenth of a second's worth, each released when its time has come (timers,
 * never spinning), so the rate holds on average; a rate the machine cannot reach is simply run flat
 * out. Random timestamps and dates then follow the clock as the stream goes on. Reading an unbounded
 * table needs the streaming runtime (a ScanContext with `streaming: true`); batch mode refuses it.
 * A bounded table is generated as fast as possible in batch mode; in a streaming job it is paced only
 * when `rows-per-second` is given.
 *
 *   CREATE TABLE orders (id BIGINT, amount DOUBLE) WITH (
 *     'connector' = 'datagen', 'number-of-rows' = '1000', 'seed' = '42',
 *     'fields.id.kind' = 'sequence', 'fields.id.start' = '1', 'fields.id.end' = '1000');
 */
import type { Batch, Field } from '../types/batch.ts';
import { ColumnBuilder } from '../types/batch.ts';
import type { DataType } from '../types/data-type.ts';
import { physicalOf, isInteger, typeToString } from '../types/data-type.ts';
import type { ConnectorFactory, ScanContext, ScanRequest, ScanSource, TableDescriptor } from './connector.ts';
import { FreshetError, SqlState } from '../util/errors.ts';
import { parseDuration } from './options.ts';

/** A small, fast, seedable generator (mulberry32). */
export class Random {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** The generator's whole state (a checkpoint records it; `restore` continues the same sequence). */
  get position(): number {
    return this.state;
  }

  restore(state: number): void {
    this.state = state >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
}

interface FieldGen {
  next(row: number): unknown;
}

/** Where a datagen read is: rows emitted, the seed and time it generates from, and each field's random state. */
interface DatagenPosition {
  row: number;
  seed: number;
  now: number;
  random: number[];
}

const ALNUM = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

function opt(desc: TableDescriptor, field: string, key: string): string | undefined {
  return desc.options[`fields.${field}.${key}`];
}

function num(desc: TableDescriptor, field: string, key: string, fallback: number): number {
  const v = opt(desc, field, key);
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isFinite(n)) throw new FreshetError(SqlState.invalidParameterValue, `option 'fields.${field}.${key}' of table ${desc.name} must be a number, got '${v}'`);
  return n;
}

/** The time random dates and timestamps are generated around (advances in an unbounded stream). */
interface GenClock {
  now: number;
}

function fieldGenerator(desc: TableDescriptor, f: Field, rnd: Random, clock: GenClock): FieldGen {
  const kind = opt(desc, f.name, 'kind') ?? 'random';
  const t = f.type;
  if (kind === 'sequence') {
    if (!isInteger(t) && t.kind !== 'VARCHAR' && t.kind !== 'CHAR' && t.kind !== 'DECIMAL') {
      throw new FreshetError(SqlState.invalidParameterValue, `a sequence field must be an integer or string; ${f.name} is ${typeToString(t, false)}`);
    }
    const start = num(desc, f.name, 'start', NaN);
    const end = num(desc, f.name, 'end', NaN);
    if (Number.isNaN(start) || Number.isNaN(end)) {
      throw new FreshetError(SqlState.invalidParameterValue, `sequence field ${f.name} of table ${desc.name} needs 'fields.${f.name}.start' and 'fields.${f.name}.end'`);
    }
    return { next: (row) => (t.kind === 'VARCHAR' || t.kind === 'CHAR' ? String(start + row) : start + row) };
  }
  if (kind !== 'random') {
    throw new FreshetError(SqlState.invalidParameterValue, `option 'fields.${f.name}.kind' must be 'random' or 'sequence', got '${kind}'`);
  }
  const nullRate = num(desc, f.name, 'null-rate', 0);
  const gen = randomGenerator(desc, f, t, rnd, clock);
  if (nullRate <= 0) return gen;
  return { next: (row) => (rnd.next() < nullRate ? null : gen.next(row)) };
}

/** `fields.<f>.min` and `.max` when both are given must not be reversed. */
function range(desc: TableDescriptor, f: Field, lo: number, hi: number): [number, number] {
  const min = num(desc, f.name, 'min', lo);
  const max = num(desc, f.name, 'max', hi);
  if (min > max) {
    throw new FreshetError(SqlState.invalidParameterValue, `option 'fields.${f.name}.min' (${min}) of table ${desc.name} is greater than 'fields.${f.name}.max' (${max})`);
  }
  return [min, max];
}

function randomGenerator(desc: TableDescriptor, f: Field, t: DataType, rnd: Random, clock: GenClock): FieldGen {
  switch (t.kind) {
    case 'BOOLEAN': return { next: () => rnd.next() < 0.5 };
    case 'TINYINT': case 'SMALLINT': case 'INT': case 'BIGINT': {
      const [dlo, dhi] = t.kind === 'TINYINT' ? [-128, 127] : t.kind === 'SMALLINT' ? [-32768, 32767] : t.kind === 'INT' ? [-2147483648, 2147483647] : [-(2 ** 53) + 1, 2 ** 53 - 1];
      const [lo, hi] = range(desc, f, dlo, dhi);
      return { next: () => rnd.int(lo, hi) };
    }
    case 'FLOAT': case 'DOUBLE': {
      const [lo, hi] = range(desc, f, 0, 1_000_000);
      return { next: () => lo + rnd.next() * (hi - lo) };
    }
    case 'DECIMAL': {
      const s = t.scale ?? 0;
      const [lo, hi] = range(desc, f, 0, Math.min(10 ** ((t.precision ?? 10) - s) - 1, 1e12));
      return { next: () => Math.round((lo + rnd.next() * (hi - lo)) * 10 ** s) };
    }
    case 'CHAR': case 'VARCHAR': {
      const len = num(desc, f.name, 'length', 100);
      return {
        next: () => {
          let s = '';
          for (let i = 0; i < len; i++) s += ALNUM[Math.floor(rnd.next() * ALNUM.length)];
          return s;
        },
      };
    }
    case 'DATE': return { next: () => Math.floor(clock.now / 86_400_000) - rnd.int(0, 365) };
    case 'TIMESTAMP': case 'TIMESTAMP_LTZ': {
      const past = parseDuration(opt(desc, f.name, 'max-past') ?? '0') ?? 0;
      return { next: () => Math.floor(clock.now - rnd.next() * past) };
    }
    case 'TIME': return { next: () => rnd.int(0, 86_399_999) };
    default:
      throw new FreshetError(SqlState.featureNotSupported, `datagen cannot generate ${typeToString(t, false)} (column ${f.name})`);
  }
}

const DEFAULT_ROWS_PER_SECOND = 10_000;
/** Pacing releases about this many milliseconds' worth of rows at a time. */
const PACE_MS = 100;
/** A generator this far behind its schedule stops trying to catch up (no burst after a stall). */
const MAX_LAG_MS = 1000;
/** How often a waiting generator checks whether it was cancelled. */
const CANCEL_POLL_MS = 50;

/** Whether a scan runs in a streaming job: the streaming runtime marks its ScanContext with `streaming: true`. */
function streamingScan(ctx: ScanContext): boolean {
  return (ctx as ScanContext & { readonly streaming?: boolean }).streaming === true;
}

/** Sleeps until performance.now() reaches `until`, in short timers; false if cancelled meanwhile. */
async function sleepUntil(until: number, ctx: ScanContext): Promise<boolean> {
  for (;;) {
    if (ctx.isCancelled()) return false;
    const left = until - performance.now();
    if (left <= 0) return true;
    await new Promise<void>((resolve) => setTimeout(resolve, Math.min(left, CANCEL_POLL_MS)));
  }
}

class DatagenSource implements ScanSource {
  readonly fields: Field[];
  readonly bounded: boolean;
  /** Generation is sequential per field: a read resumes from its row count and random states. */
  readonly resumable = true;
  private readonly desc: TableDescriptor;
  private readonly rows: number;
  /** Rows per second, or undefined when not given. */
  private readonly rate: number | undefined;

  constructor(desc: TableDescriptor) {
    this.desc = desc;
    this.fields = desc.physicalColumns;
    const n = desc.options['number-of-rows'];
    this.rows = n === undefined ? Infinity : Number(n);
    if (n !== undefined && !(Number.isInteger(this.rows) && this.rows >= 0)) {
      throw new FreshetError(SqlState.invalidParameterValue, `option 'number-of-rows' of table ${desc.name} must be a non-negative integer, got '${n}'`);
    }
    this.bounded = Number.isFinite(this.rows);
    const rate = desc.options['rows-per-second'];
    if (rate !== undefined && !(Number(rate) > 0)) {
      throw new FreshetError(SqlState.invalidParameterValue, `option 'rows-per-second' of table ${desc.name} must be a positive number, got '${rate}'`);
    }
    this.rate = rate === undefined ? undefined : Number(rate);
    const seedText = desc.options['seed'];
    if (seedText !== undefined && !/^-?\d+$/.test(seedText.trim())) {
      throw new FreshetError(SqlState.invalidParameterValue, `option 'seed' of table ${desc.name} must be an integer, got '${seedText}'`);
    }
    // sequences bound the row count too
    for (const f of this.fields) {
      if (opt(desc, f.name, 'kind') === 'sequence') {
        const len = num(desc, f.name, 'end', 0) - num(desc, f.name, 'start', 0) + 1;
        if (len < this.rows || !this.bounded) {
          this.rows = Math.min(this.rows, len);
          this.bounded = true;
        }
      }
    }
    for (const f of this.fields) fieldGenerator(desc, f, new Random(0), { now: 0 });
  }

  describe(): string {
    return this.bounded ? `datagen(rows=${this.rows})` : `datagen(rows=unbounded, rows-per-second=${this.rate ?? DEFAULT_ROWS_PER_SECOND})`;
  }

  estimatedRows(): number {
    return this.bounded ? this.rows : 1e9;
  }

  async *open(req: ScanRequest, ctx: ScanContext): AsyncIterable<Batch> {
    const streaming = streamingScan(ctx);
    if (!this.bounded && !streaming) {
      throw new FreshetError(SqlState.featureNotSupported, `table ${this.desc.name} is unbounded (datagen without 'number-of-rows') and cannot be read in batch mode`, {
        hint: "Add 'number-of-rows' to the table, or query it in streaming mode.",
      });
    }
    const restored = ctx.restoredPosition as DatagenPosition | undefined;
    if (restored !== undefined && (typeof restored !== 'object' || restored === null || !Array.isArray(restored.random) || restored.random.length !== this.fields.length || typeof restored.row !== 'number')) {
      throw new FreshetError(SqlState.dataCorrupted, `a checkpoint holds a position for datagen table ${this.desc.name} that does not fit its ${this.fields.length} column(s)`);
    }
    const seed = restored?.seed ?? Number(this.desc.options['seed'] ?? Date.now() % 2 ** 31);
    const clock: GenClock = { now: restored?.now ?? Date.now() };
    // one generator per field so a field's values do not depend on which other columns are read
    const randoms = this.fields.map((_, i) => new Random((seed * 31 + i * 7919) >>> 0));
    if (restored !== undefined) randoms.forEach((r, i) => r.restore(restored.random[i]!));
    const gens = this.fields.map((f, i) => fieldGenerator(this.desc, f, randoms[i]!, clock));
    const rate = this.bounded ? (streaming ? this.rate : undefined) : (this.rate ?? DEFAULT_ROWS_PER_SECOND);
    // paced: about PACE_MS worth of rows per batch (at least one row), never more than a batch holds
    const chunk = rate === undefined ? ctx.batchSize : Math.max(1, Math.min(ctx.batchSize, Math.round((rate * PACE_MS) / 1000)));
    let start = performance.now();
    let released = 0;
    let row = restored?.row ?? 0;
    while (row < this.rows && !ctx.isCancelled()) {
      if (rate !== undefined) {
        // the batch is due when the rows released since `start` are what the rate allows
        const due = start + (released * 1000) / rate;
        const now = performance.now();
        if (now - due > MAX_LAG_MS) {
          start = now;
          released = 0;
        } else if (due > now && !(await sleepUntil(due, ctx))) return;
        if (!this.bounded) clock.now = Date.now();
      }
      const n = Math.min(chunk, this.rows - row);
      const columns = req.columns.map((c) => {
        const b = new ColumnBuilder(physicalOf(this.fields[c]!.type), n);
        const g = gens[c]!;
        for (let i = 0; i < n; i++) b.append(g.next(row + i));
        return b.build();
      });
      // advance generators of unread columns so values stay reproducible
      for (let c = 0; c < this.fields.length; c++) if (!req.columns.includes(c)) for (let i = 0; i < n; i++) gens[c]!.next(row + i);
      row += n;
      released += n;
      if (ctx.reportPosition) ctx.reportPosition({ row, seed, now: clock.now, random: randoms.map((r) => r.position) } satisfies DatagenPosition);
      yield { columns, length: n, kinds: null };
    }
  }
}

export const datagenConnector: ConnectorFactory = {
  identifier: 'datagen',
  requiredOptions: [],
  optionalOptions: ['number-of-rows', 'rows-per-second', 'seed', 'fields.*'],
  validate: (d) => void new DatagenSource(d),
  createSource: (d) => new DatagenSource(d),
};
