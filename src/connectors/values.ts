/**
 * `values`: an in-memory table for tests and demos. Rows come from the `data` option (a JSON array of
 * rows, each an array of values in column order or an object by column name) plus whatever was
 * inserted into the table while the engine runs. INSERT OVERWRITE replaces the inserted rows.
 *
 *   CREATE TABLE t (id INT, name STRING) WITH ('connector' = 'values', 'data' = '[[1, "a"], [2, "b"]]');
 *
 * For tests of the streaming runtime: `'changelog-mode' = 'I,UB,UA,D'` makes it a changelog, each row
 * starting with its kind (`'[["+I", 1, "a"], ["-U", 1, "a"], ["+U", 1, "b"]]'`); `'rows-per-batch'`
 * cuts the rows into batches of that many (so watermarks advance between them).
 */
import type { Batch, Field } from '../types/batch.ts';
import { batchFromRows, concatBatches, sliceBatch } from '../types/batch.ts';
import type { DataType } from '../types/data-type.ts';
import { T, isCharacter } from '../types/data-type.ts';
import { makeCast } from '../types/cast.ts';
import type { ConnectorFactory, ScanSource, SinkTarget, TableDescriptor, ScanRequest, ScanContext } from './connector.ts';
import { FreshetError, SqlState } from '../util/errors.ts';
import { parseJsonExact } from '../util/json-exact.ts';
import { gatherColumn } from '../types/batch.ts';
import { physicalOf } from '../types/data-type.ts';

/**
 * Rows inserted per table. Keyed by the table's options object, which lives exactly as long as the
 * catalog entry: a table dropped and created again under the same name starts empty.
 */
let inserted = new WeakMap<object, Batch[]>();

/** Converts a JSON value to the internal representation of `type`. */
function fromJson(v: unknown, type: DataType, where: string): unknown {
  if (v === null || v === undefined) return null;
  try {
    if (type.kind === 'BOOLEAN' && typeof v === 'boolean') return v;
    if (typeof v === 'number' && (type.kind === 'DOUBLE' || type.kind === 'FLOAT')) return v;
    if (type.kind === 'ARRAY' && Array.isArray(v)) return v.map((x) => fromJson(x, type.element!, where));
    if (type.kind === 'MAP' && typeof v === 'object') return new Map(Object.entries(v as object).map(([k, x]) => [fromJson(k, type.key!, where), fromJson(x, type.value!, where)]));
    if (type.kind === 'ROW' && Array.isArray(v)) return type.fields!.map((f, i) => fromJson(v[i], f.type, where));
    const text = typeof v === 'string' ? v : String(v);
    return makeCast(T.string(), type, { timeZone: 'UTC' })(text);
  } catch (e) {
    if (e instanceof FreshetError) throw new FreshetError(e.sqlState, `${where}: ${e.message}`, { hint: e.hint });
    throw e;
  }
}

const KINDS: Record<string, number> = { '+I': 0, '-U': 1, '+U': 2, '-D': 3 };

/** Whether the table is a changelog ('changelog-mode' lists more kinds than I). */
function isChangelog(desc: TableDescriptor): boolean {
  const m = desc.options['changelog-mode'];
  if (m === undefined) return false;
  const kinds = m.split(',').map((k) => k.trim().toUpperCase());
  const bad = kinds.find((k) => !['I', 'UB', 'UA', 'D'].includes(k));
  if (bad !== undefined || !kinds.includes('I')) {
    throw new FreshetError(SqlState.invalidParameterValue, `option 'changelog-mode' of table ${desc.name} must list row kinds among I, UB, UA, D (with I), got '${m}'`);
  }
  return kinds.some((k) => k !== 'I');
}

function rowsPerBatch(desc: TableDescriptor): number | undefined {
  const v = desc.options['rows-per-batch'];
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v) || Number(v) === 0) throw new FreshetError(SqlState.invalidParameterValue, `option 'rows-per-batch' of table ${desc.name} must be a positive integer, got '${v}'`);
  return Number(v);
}

/** The rows of 'data' and, for a changelog table, each row's kind. */
function parseRows(desc: TableDescriptor): { rows: unknown[][]; kinds: Uint8Array | null } {
  if (!isChangelog(desc)) return { rows: parseData(desc, false), kinds: null };
  const raw = parseData(desc, true);
  const kinds = new Uint8Array(raw.length);
  const rows = raw.map((r, i) => {
    kinds[i] = r[0] as number;
    return r.slice(1);
  });
  return { rows, kinds };
}

function parseData(desc: TableDescriptor, withKinds = false): unknown[][] {
  const text = desc.options['data'];
  if (text === undefined) return [];
  let json: unknown;
  try {
    // exact: a BIGINT or DECIMAL written as a JSON number keeps every digit
    json = parseJsonExact(text);
  } catch (e) {
    throw new FreshetError(SqlState.invalidParameterValue, `option 'data' of table ${desc.name} is not valid JSON: ${(e as Error).message}`, {
      hint: `Write rows as a JSON array: '[[1, "a"], [2, "b"]]'.`,
    });
  }
  if (!Array.isArray(json)) throw new FreshetError(SqlState.invalidParameterValue, `option 'data' of table ${desc.name} must be a JSON array of rows`);
  const cols = desc.physicalColumns;
  return json.map((row, r) => {
    let kind: number | undefined;
    let data: unknown = row;
    if (withKinds) {
      if (!Array.isArray(row) || typeof row[0] !== 'string' || KINDS[row[0]] === undefined) {
        throw new FreshetError(SqlState.invalidParameterValue, `row ${r + 1} of 'data' in changelog table ${desc.name} must start with its kind: "+I", "-U", "+U" or "-D"`);
      }
      kind = KINDS[row[0]]!;
      data = row.slice(1);
    }
    const values = Array.isArray(data) ? data : cols.map((c) => (data as Record<string, unknown>)[c.name]);
    if (Array.isArray(data) && data.length !== cols.length) {
      throw new FreshetError(SqlState.invalidParameterValue, `row ${r + 1} of 'data' in table ${desc.name} has ${data.length} values, the table has ${cols.length} columns`);
    }
    const converted = cols.map((c, i) => fromJson(values[i], c.type, `row ${r + 1}, column ${c.name} of table ${desc.name}`));
    return kind === undefined ? converted : [kind, ...converted];
  });
}

class ValuesSource implements ScanSource {
  readonly fields: Field[];
  readonly bounded = true;
  /** A read resumes after the rows it had taken (position `{ rows }`). */
  readonly resumable = true;
  readonly changelogMode: 'append' | 'retract';
  private readonly desc: TableDescriptor;

  constructor(desc: TableDescriptor) {
    this.desc = desc;
    this.fields = desc.physicalColumns;
    this.changelogMode = isChangelog(desc) ? 'retract' : 'append';
  }

  describe(): string {
    return 'values';
  }

  estimatedRows(): number {
    return parseRows(this.desc).rows.length + (inserted.get(this.desc.options) ?? []).reduce((s, b) => s + b.length, 0);
  }

  async *open(req: ScanRequest, ctx: ScanContext): AsyncIterable<Batch> {
    const types = this.fields.map((f) => f.type);
    const { rows, kinds } = parseRows(this.desc);
    const data = batchFromRows(types, rows, kinds ?? undefined);
    const all = concatBatches([data, ...(inserted.get(this.desc.options) ?? [])], types);
    const size = rowsPerBatch(this.desc) ?? ctx.batchSize;
    const from = (ctx.restoredPosition as { rows?: number } | undefined)?.rows ?? 0;
    for (let s = from; s < all.length; s += size) {
      const b = sliceBatch(all, s, Math.min(all.length, s + size));
      ctx.reportPosition?.({ rows: s + b.length });
      yield { columns: req.columns.map((c) => b.columns[c]!), length: b.length, kinds: b.kinds };
    }
  }
}

class ValuesSink implements SinkTarget {
  readonly fields: Field[];
  readonly partitionKeys: string[];
  readonly acceptsChanges = false;
  private readonly key: object;

  constructor(desc: TableDescriptor) {
    this.fields = desc.physicalColumns;
    this.partitionKeys = desc.partitionKeys;
    this.key = desc.options;
  }

  describe(): string {
    return 'values';
  }

  async open(opts: { overwrite: boolean }) {
    const pending: Batch[] = [];
    const types = this.fields.map((f) => f.type);
    return {
      write: (b: Batch) => {
        // keep only the columns' own arrays: the batch may be a view into larger buffers
        const idx = Int32Array.from({ length: b.length }, (_, i) => i);
        pending.push({ columns: b.columns.map((c, i) => gatherColumn(c, physicalOf(types[i]!), idx)), length: b.length, kinds: null });
      },
      finish: async () => {
        const rows = pending.reduce((s, b) => s + b.length, 0);
        inserted.set(this.key, opts.overwrite ? pending : [...(inserted.get(this.key) ?? []), ...pending]);
        return rows;
      },
      abort: async () => {
        pending.length = 0;
      },
    };
  }
}

export const valuesConnector: ConnectorFactory = {
  identifier: 'values',
  requiredOptions: [],
  optionalOptions: ['data', 'changelog-mode', 'rows-per-batch'],
  validate: (d) => {
    parseRows(d);
    rowsPerBatch(d);
  },
  createSource: (d) => new ValuesSource(d),
  createSink: (d) => new ValuesSink(d),
};

/** Forgets rows inserted into values tables (tests). */
export function clearValuesTables(): void {
  inserted = new WeakMap();
}

void isCharacter;
