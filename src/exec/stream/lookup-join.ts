/**
 * Lookup join: `FROM l JOIN r FOR SYSTEM_TIME AS OF l.proc_time ON l.k = r.k`, where the right table
 * answers point lookups itself (a table-store table). Each batch of left rows asks for its keys once
 * (one await per batch, never per row) and meets the right rows as they are at that moment; later
 * changes of the right table do not revise rows already joined, as in Flink.
 *
 * Operators are synchronous, so the lookup runs as deferred work: batches, watermarks, idleness and the
 * end of input are chained so that they leave the operator in the order they came in, and the driver
 * waits for the chain before it reads the next batch.
 */
import type { Batch, Column } from '../../types/batch.ts';
import { gatherColumn, gatherColumnOrNull } from '../../types/batch.ts';
import type { DataType } from '../../types/data-type.ts';
import { physicalOf } from '../../types/data-type.ts';
import type { BoundExpr } from '../expr/expr.ts';
import { compileColumn, compilePairPredicate, compilePredicate, type ColumnKernel, type PairPredicateKernel, type PredicateKernel } from '../expr/compile.ts';
import type { Emitter, ExecContext, Operator } from '../operator.ts';
import type { LookupFunction } from '../../connectors/connector.ts';
import { snapshotOf, stateMismatch, stateOf, type Checkpointable, type OperatorSnapshot } from './checkpointable.ts';

const KIND = 'LookupJoin';
const VERSION = 1;

export interface LookupJoinSpec {
  joinType: 'inner' | 'left';
  leftTypes: DataType[];
  /** Types of the right side as the join sees it (after its projection). */
  rightTypes: DataType[];
  leftKeys: number[];
  /** Types of the fetched source columns. */
  fetchedTypes: DataType[];
  calc: { projection: BoundExpr[]; condition: BoundExpr | null } | null;
  residual: BoundExpr | null;
  lookup: LookupFunction;
}

/**
 * Checkpoints: the operator holds no state (each left row meets the table as it is when looked up), but
 * it chains work that is still in flight. A snapshot is only taken once that chain has settled (the
 * driver drains deferred work before a checkpoint); taking one earlier is an error, since the rows in
 * flight would be lost.
 */
export class LookupJoinOperator implements Operator, Checkpointable {
  private readonly out: Emitter;
  private readonly ctx: ExecContext;
  private readonly spec: LookupJoinSpec;
  private readonly projection: ColumnKernel[] | null;
  private readonly condition: PredicateKernel | null;
  private readonly residual: PairPredicateKernel | null;
  /** Everything this operator still has to emit, in order. */
  private chain: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(out: Emitter, ctx: ExecContext, spec: LookupJoinSpec) {
    this.out = out;
    this.ctx = ctx;
    this.spec = spec;
    this.projection = spec.calc ? spec.calc.projection.map((e) => compileColumn(e, spec.fetchedTypes, ctx.env)) : null;
    this.condition = spec.calc?.condition ? compilePredicate(spec.calc.condition, spec.fetchedTypes, ctx.env) : null;
    this.residual = spec.residual ? compilePairPredicate(spec.residual, spec.leftTypes, spec.rightTypes, ctx.env) : null;
  }

  /** Steps chained and not yet finished. */
  private inFlight = 0;

  private then(step: () => void | Promise<void>): void {
    this.inFlight++;
    this.chain = this.chain.then(step).finally(() => { this.inFlight--; });
    this.ctx.defer(this.chain);
  }

  snapshotState(): OperatorSnapshot {
    if (this.inFlight > 0) throw stateMismatch(`a lookup join has ${this.inFlight} batch(es) or signals in flight; a snapshot must wait until deferred work is drained`, 'Drain the job (StreamJob.drain) before snapshotting its operators.');
    return snapshotOf(KIND, VERSION, {});
  }

  restoreState(snap: OperatorSnapshot): void {
    stateOf(snap, KIND, VERSION);
  }

  push(batch: Batch): void {
    if (batch.length === 0) return;
    this.then(() => this.join(batch));
  }

  watermark(wm: number): void {
    this.then(() => this.out.watermark(wm));
  }

  idle(flag: boolean): void {
    this.then(() => this.out.idle(flag));
  }

  end(): void {
    this.then(async () => {
      this.out.end();
      await this.close();
    });
  }

  private async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.spec.lookup.close();
  }

  private async join(left: Batch): Promise<void> {
    const s = this.spec;
    const n = left.length;
    const keys: Column[] = s.leftKeys.map((k) => left.columns[k]!);
    const found = await s.lookup.lookup(keys, n);
    // the right side's own filter and projection over the fetched rows
    let probe: Int32Array = found.probe;
    let right: Batch = found.rows;
    if (this.condition) {
      const { sel, n: m } = this.condition(right, null, right.length);
      const kept = new Int32Array(m);
      for (let k = 0; k < m; k++) kept[k] = probe[sel[k]!]!;
      probe = kept;
      right = this.project(right, sel, m);
    } else if (this.projection) {
      right = this.project(right, null, right.length);
    }
    // pairs (left row, right row), in left row order as the lookup returned them
    let li: Int32Array = probe;
    let ri: Int32Array = new Int32Array(probe.length);
    for (let k = 0; k < ri.length; k++) ri[k] = k;
    if (this.residual && li.length > 0) {
      const { sel, n: m } = this.residual(left, right, li, ri, li.length);
      const l2 = new Int32Array(m);
      const r2 = new Int32Array(m);
      for (let k = 0; k < m; k++) { l2[k] = li[sel[k]!]!; r2[k] = ri[sel[k]!]!; }
      li = l2;
      ri = r2;
    }
    if (s.joinType === 'left') ({ li, ri } = padUnmatched(li, ri, n));
    const m = li.length;
    if (m === 0) return;
    const columns: Column[] = [];
    for (let c = 0; c < s.leftTypes.length; c++) columns.push(gatherColumn(left.columns[c]!, physicalOf(s.leftTypes[c]!), li, m));
    for (let c = 0; c < s.rightTypes.length; c++) {
      const phys = physicalOf(s.rightTypes[c]!);
      columns.push(s.joinType === 'left' ? gatherColumnOrNull(right.columns[c]!, phys, ri, m) : gatherColumn(right.columns[c]!, phys, ri, m));
    }
    let kinds: Uint8Array | null = null;
    if (left.kinds) {
      kinds = new Uint8Array(m);
      for (let k = 0; k < m; k++) kinds[k] = left.kinds[li[k]!]!;
    }
    this.out.emit({ columns, length: m, kinds });
  }

  private project(rows: Batch, sel: Int32Array | null, n: number): Batch {
    if (!this.projection) {
      return { columns: rows.columns.map((c, i) => gatherColumn(c, physicalOf(this.spec.fetchedTypes[i]!), sel!, n)), length: n, kinds: null };
    }
    return { columns: this.projection.map((k) => k(rows, sel, n)), length: n, kinds: null };
  }
}

/** Adds a (row, -1) pair for every left row in 0..n-1 without a match, keeping left row order. */
function padUnmatched(li: Int32Array, ri: Int32Array, n: number): { li: Int32Array; ri: Int32Array } {
  // at most every pair plus one padded row per left row
  const outL = new Int32Array(li.length + n);
  const outR = new Int32Array(li.length + n);
  let m = 0;
  let k = 0;
  for (let i = 0; i < n; i++) {
    if (k < li.length && li[k] === i) {
      while (k < li.length && li[k] === i) { outL[m] = i; outR[m++] = ri[k++]!; }
    } else {
      outL[m] = i;
      outR[m++] = -1;
    }
  }
  return { li: outL.subarray(0, m), ri: outR.subarray(0, m) };
}
