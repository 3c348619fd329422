/**
 * `nexmark`: the event generator of the Nexmark benchmark (people, auctions and bids of an online auction
 * site) as a source table. Bounded with `events.num` > 0, unbounded otherwise. Reproducible: the same
 * options and seed give the same events, whatever the batch size and whichever columns are read.
 *
 *   CREATE TABLE bid (auction BIGINT, bidder BIGINT, price BIGINT, channel STRING, url STRING,
 *                     dateTime TIMESTAMP(3), extra STRING)
 *   WITH ('connector' = 'nexmark', 'nexmark.table' = 'bid', 'events.num' = '1000000');
 *
 * Without `nexmark.table` the table has the nested form of the Flink benchmark:
 * `event_type INT, person ROW<..>, auction ROW<..>, bid ROW<..>` (see schema.ts).
 */
import type { Batch, Column, Field } from '../../types/batch.ts';
import type { ConnectorFactory, ScanContext, ScanRequest, ScanSource, TableDescriptor } from '../connector.ts';
import { FreshetError, SqlState } from '../../util/errors.ts';
import { NexmarkGenerator } from './generator.ts';
import { NEXMARK_OPTION_KEYS, parseNexmarkOptions, type NexmarkOptions } from './options.ts';
import { kindNumber, resolveFlatColumns, resolveNestedColumns, type NestedColumn } from './schema.ts';

/** Rows per batch when the context asks for none. */
const DEFAULT_BATCH = 4096;

/** Whether a scan runs in a streaming job: the streaming runtime marks its ScanContext with `streaming: true`. */
function streamingScan(ctx: ScanContext): boolean {
  return (ctx as ScanContext & { readonly streaming?: boolean }).streaming === true;
}

export class NexmarkSource implements ScanSource {
  readonly fields: Field[];
  readonly bounded: boolean;
  readonly options: NexmarkOptions;
  /** Events are a pure function of their number: a read resumes at the next one (position `{ next }`). */
  readonly resumable = true;
  private readonly name: string;
  private readonly flatFields: number[] | null;
  private readonly nested: NestedColumn[] | null;

  constructor(desc: TableDescriptor) {
    this.options = parseNexmarkOptions(desc.name, desc.options);
    this.name = desc.name;
    this.fields = desc.physicalColumns;
    this.bounded = this.options.eventsNum > 0;
    if (desc.physicalColumns.length === 0) {
      throw new FreshetError(SqlState.invalidParameterValue, `nexmark table ${desc.name} declares no columns`);
    }
    if (desc.partitionKeys.length > 0) {
      throw new FreshetError(SqlState.invalidParameterValue, `nexmark table ${desc.name} cannot be partitioned`);
    }
    if (this.options.table !== null) {
      this.flatFields = resolveFlatColumns(desc.name, this.options.table, desc.physicalColumns);
      this.nested = null;
    } else {
      this.flatFields = null;
      this.nested = resolveNestedColumns(desc.name, desc.physicalColumns);
    }
  }

  describe(): string {
    const o = this.options;
    const events = this.bounded ? `events=${o.eventsNum}` : 'unbounded';
    return `nexmark(${o.table ?? 'nested'}, ${events}, rate=${o.firstEventRate}${o.nextEventRate !== o.firstEventRate ? `/${o.nextEventRate}` : ''}, seed=${o.seed})`;
  }

  /** Rows the table has: all events in the nested form, the events of its kind in the flat form. */
  rowCount(): number {
    const o = this.options;
    if (!this.bounded) return Infinity;
    if (o.table === null) return o.eventsNum;
    const gen = new NexmarkGenerator(o);
    return gen.model.countOfKind(kindNumber(o.table), o.eventsNum);
  }

  estimatedRows(): number {
    return this.bounded ? this.rowCount() : 1e9;
  }

  open(request: ScanRequest, ctx: ScanContext): AsyncIterable<Batch> {
    if (!this.bounded && !streamingScan(ctx)) {
      throw new FreshetError(SqlState.featureNotSupported, `table ${this.name} is unbounded (nexmark without 'events.num') and cannot be read in batch mode`, {
        hint: "Set 'events.num' on the table, or query it in streaming mode (SET 'execution.runtime-mode' = 'streaming').",
      });
    }
    const gen = new NexmarkGenerator(this.options);
    const batchSize = ctx.batchSize > 0 ? ctx.batchSize : DEFAULT_BATCH;
    if (this.options.table !== null) return this.flat(gen, kindNumber(this.options.table), request.columns, batchSize, ctx);
    return this.nestedBatches(gen, request.columns, batchSize, ctx);
  }

  private async *flat(gen: NexmarkGenerator, kind: number, columns: number[], batchSize: number, ctx: ScanContext): AsyncIterable<Batch> {
    const total = this.rowCount();
    const fields = columns.map((c) => this.flatFields![c]!);
    if (gen.model.kindCount[kind] === 0) return;
    let ev = new Float64Array(batchSize);
    let row = startAt(ctx);
    while (row < total && !ctx.isCancelled()) {
      const count = Math.min(batchSize, total - row);
      if (ev.length < count) ev = new Float64Array(count);
      gen.model.eventsOfKind(kind, row, count, ev);
      const out: Column[] = new Array(fields.length);
      for (let c = 0; c < fields.length; c++) out[c] = gen.column(kind, fields[c]!, ev, count);
      row += count;
      ctx.reportPosition?.({ next: row });
      yield { columns: out, length: count, kinds: null };
    }
  }

  private async *nestedBatches(gen: NexmarkGenerator, columns: number[], batchSize: number, ctx: ScanContext): AsyncIterable<Batch> {
    const total = this.rowCount();
    const model = gen.model;
    const specs = columns.map((c) => this.nested![c]!);
    // event numbers of each kind within the batch, and their row positions
    const kindEvents = [new Float64Array(batchSize), new Float64Array(batchSize), new Float64Array(batchSize)];
    const kindRows = [new Int32Array(batchSize), new Int32Array(batchSize), new Int32Array(batchSize)];
    const kindCounts = [0, 0, 0];
    const types = new Int32Array(batchSize);
    let n0 = startAt(ctx);
    while (n0 < total && !ctx.isCancelled()) {
      const count = Math.min(batchSize, total - n0);
      kindCounts[0] = kindCounts[1] = kindCounts[2] = 0;
      const tot = model.total;
      const s1 = model.kindStart[1];
      const s2 = model.kindStart[2];
      let idx = n0 % tot;
      for (let i = 0; i < count; i++) {
        const k = idx < s1 ? 0 : idx < s2 ? 1 : 2;
        types[i] = k;
        const j = kindCounts[k]!++;
        kindEvents[k]![j] = n0 + i;
        kindRows[k]![j] = i;
        if (++idx === tot) idx = 0;
      }
      const out: Column[] = new Array(specs.length);
      for (let c = 0; c < specs.length; c++) {
        const spec = specs[c]!;
        if (spec.what === 'eventType') {
          out[c] = { values: types.slice(0, count), nulls: null };
          continue;
        }
        const k = spec.kind;
        const m = kindCounts[k]!;
        const ev = kindEvents[k]!;
        const fieldColumns = spec.fields.map((f) => gen.column(k, f, ev, m).values as ArrayLike<unknown>);
        const values: unknown[] = new Array(count).fill(null);
        const nulls = new Uint8Array(count).fill(1);
        const rows = kindRows[k]!;
        const nf = fieldColumns.length;
        for (let j = 0; j < m; j++) {
          const row = new Array(nf);
          for (let f = 0; f < nf; f++) row[f] = fieldColumns[f]![j];
          const r = rows[j]!;
          values[r] = row;
          nulls[r] = 0;
        }
        out[c] = { values, nulls: m === count ? null : nulls };
      }
      n0 += count;
      ctx.reportPosition?.({ next: n0 });
      yield { columns: out, length: count, kinds: null };
    }
  }
}

/** Where a read starts: 0, or the row (flat) or event (nested) number a checkpoint recorded. */
function startAt(ctx: ScanContext): number {
  const p = ctx.restoredPosition as { next?: unknown } | undefined;
  if (p === undefined) return 0;
  if (typeof p !== 'object' || p === null || typeof p.next !== 'number' || !Number.isSafeInteger(p.next) || p.next < 0) {
    throw new FreshetError(SqlState.dataCorrupted, `a checkpoint holds ${JSON.stringify(p)} as the position of a nexmark read, which is not one`);
  }
  return p.next;
}

export const nexmarkConnector: ConnectorFactory = {
  identifier: 'nexmark',
  requiredOptions: [],
  optionalOptions: [...NEXMARK_OPTION_KEYS],
  validate: (d) => void new NexmarkSource(d),
  createSource: (d) => new NexmarkSource(d),
};
