/**
 * Turns a physical plan into running operators wired by emitters, and lists its sources in the order
 * they must run: a hash join's build input before its probe input, so probes never wait in memory.
 */
import type { PhysicalPlan } from './physical-plan.ts';
import type { Emitter, ExecContext, Operator } from './operator.ts';
import { into } from './operator.ts';
import { CalcOperator } from './operators/calc.ts';
import { ExpandOperator } from './operators/expand.ts';
import { HashAggregateOperator } from './operators/hash-aggregate.ts';
import { HashJoinOperator } from './operators/hash-join.ts';
import { SortOperator } from './operators/sort.ts';
import { SortLimitOperator } from './operators/sort-limit.ts';
import { LimitOperator } from './operators/limit.ts';
import { UnionOperator } from './operators/union.ts';
import { HashSetOpOperator } from './operators/set-op.ts';
import { OverAggregateOperator } from './operators/over-aggregate.ts';
import { CorrelateOperator } from './operators/correlate.ts';
import { ScanRunner, ValuesRunner, type SourceRunner, type DriverHooks } from './operators/sources.ts';
import { SinkOperator } from './operators/sink.ts';
import { WindowTvfOperator } from './operators/window-tvf.ts';
import { WatermarkAssignerOperator } from './stream/watermark-assigner.ts';
import { GroupAggregateOperator } from './stream/group-aggregate.ts';
import { StreamJoinOperator } from './stream/stream-join.ts';
import { RankOperator } from './stream/rank.ts';
import { DeduplicateOperator } from './stream/deduplicate.ts';
import { WindowAggregateOperator } from './stream/window-aggregate.ts';
import { SessionWindowAggregateOperator } from './stream/session-window-aggregate.ts';
import { WindowRankOperator } from './stream/window-rank.ts';
import { WindowJoinOperator } from './stream/window-join.ts';
import { IntervalJoinOperator } from './stream/interval-join.ts';
import { LookupJoinOperator } from './stream/lookup-join.ts';
import { TemporalJoinOperator } from './stream/temporal-join.ts';
import { StreamOverAggregateOperator } from './stream/over-aggregate.ts';
import { TemporalSortOperator } from './stream/temporal-sort.ts';
import { StreamSetOpOperator } from './stream/set-op.ts';
import { MaterializeOperator } from './operators/materialize.ts';
import { RecomputeOverOperator } from './stream/recompute-over.ts';
import type { ColumnPredicate, ScanSource, SinkWriter } from '../connectors/connector.ts';
import { FreshetError, SqlState, internalError } from '../util/errors.ts';
import { physicalInputs } from './physical-plan.ts';
import { typeToString } from '../types/data-type.ts';
import { isCheckpointable, isIncremental, stateMismatch, type Checkpointable, type OperatorSnapshot } from './stream/checkpointable.ts';
import { FULL_STATE, applyDelta, type StateWriter } from '../state/state-delta.ts';

/**
 * A stateful operator of a built pipeline. `id` is derived from the physical plan alone (the node's
 * pre-order index and kind, e.g. `3:GroupAggregate`), so the same query planned again on restart maps
 * saved state to the same operators. `signature` (the node's output types) catches a plan that kept
 * its shape but changed what an operator computes.
 */
export interface StatefulOperator {
  id: string;
  signature: string;
  op: Checkpointable;
}

export interface BuiltPipeline {
  sources: SourceRunner[];
  sinks: SinkOperator[];
  /** The checkpointable operators, in plan pre-order. */
  stateful: StatefulOperator[];
  /** Operators that hold state but cannot save it yet (ids as above): such a pipeline cannot be snapshotted. */
  uncheckpointable: string[];
}

/** The saved state of a whole pipeline: one snapshot per stateful operator, by stable id. */
export interface PipelineSnapshot {
  format: 'freshet-pipeline-state';
  version: number;
  operators: Array<{ id: string; signature: string; state: OperatorSnapshot; delta?: true }>;
  /**
   * Set on a delta (an incremental checkpoint): operators marked `delta` hold only what changed since
   * the previous checkpoint (see state-delta.ts), the others their full state; `applyPipelineDelta`
   * brings the previous full state up to date with it.
   */
  delta?: true;
}

const PIPELINE_STATE_VERSION = 1;

/**
 * Snapshots every stateful operator. Call it between batches, once asynchronous work the operators
 * chained (lookup joins) has settled (StreamJob.drain): the job is then at a consistent cut.
 */
export function snapshotPipeline(p: BuiltPipeline, w: StateWriter = FULL_STATE): PipelineSnapshot {
  if (p.uncheckpointable.length > 0) {
    throw new FreshetError(SqlState.featureNotSupported, `the state of operator ${p.uncheckpointable.join(', ')} cannot be saved in a checkpoint yet`, { hint: 'A lookup join over a changelog table that is not a table-store table holds the table in a batch hash join.' });
  }
  const operators = p.stateful.map((s): PipelineSnapshot['operators'][number] => {
    // with the delta writer, operators that cannot write only their changes are saved whole
    if (w.delta && isIncremental(s.op)) return { id: s.id, signature: s.signature, state: s.op.snapshotState(w), delta: true };
    return { id: s.id, signature: s.signature, state: s.op.snapshotState() };
  });
  const snap: PipelineSnapshot = { format: 'freshet-pipeline-state', version: PIPELINE_STATE_VERSION, operators };
  if (w.delta) snap.delta = true;
  return snap;
}

/**
 * The full state `base` (plain data, modified in place) brought up to date with `delta`, a snapshot
 * taken with the delta writer after the state `base` holds. Fails, naming the operator, when the two
 * are not of the same pipeline.
 */
export function applyPipelineDelta(base: PipelineSnapshot, delta: PipelineSnapshot): PipelineSnapshot {
  if (base?.format !== 'freshet-pipeline-state' || delta?.format !== 'freshet-pipeline-state') throw stateMismatch('the saved state is not the state of a pipeline');
  if (base.delta === true) throw stateMismatch('the saved base state is itself incremental');
  if (delta.delta !== true) return delta;
  if (delta.version !== base.version) throw stateMismatch(`the incremental state has format version ${delta.version}, its base version ${base.version}`);
  const byId = new Map(base.operators.map((o) => [o.id, o]));
  if (delta.operators.length !== base.operators.length || delta.operators.some((o) => !byId.has(o.id))) {
    throw stateMismatch(`the incremental state is for operators (${delta.operators.map((o) => o.id).join(', ')}), its base for (${base.operators.map((o) => o.id).join(', ')})`);
  }
  for (const d of delta.operators) {
    const b = byId.get(d.id)!;
    if (d.delta !== true) {
      b.state = d.state;
      b.signature = d.signature;
      continue;
    }
    if (b.state?.kind !== d.state?.kind || b.state?.version !== d.state?.version || b.signature !== d.signature) {
      throw stateMismatch(`the incremental state of operator ${d.id} (${d.state?.kind} version ${d.state?.version}) does not fit its base (${b.state?.kind} version ${b.state?.version})`);
    }
    b.state.state = applyDelta(b.state.state, d.state.state, d.id);
  }
  return base;
}

export interface RestoreOptions {
  /** Saved state of operators this plan does not have is dropped instead of failing the restore. */
  allowUnclaimed?: boolean;
}

/**
 * Restores saved state into a pipeline freshly built from the same plan, before any batch reaches it.
 * Fails, naming the operator, when the saved operators do not match this plan's (state of operators
 * the plan lacks is dropped with `allowUnclaimed`; an operator of the plan without saved state always fails,
 * as operator ids follow the plan's shape and a missing one means the plan changed).
 */
export function restorePipeline(p: BuiltPipeline, saved: PipelineSnapshot, opts: RestoreOptions = {}): void {
  if (saved === null || typeof saved !== 'object' || saved.format !== 'freshet-pipeline-state') throw stateMismatch('the saved state is not the state of a pipeline');
  if (saved.delta === true) throw stateMismatch('the saved state holds only the changes since an earlier checkpoint; it cannot be restored on its own');
  if (saved.version !== PIPELINE_STATE_VERSION) throw stateMismatch(`the saved pipeline state has format version ${saved.version}, this version of Freshet reads version ${PIPELINE_STATE_VERSION}`);
  const byId = new Map(saved.operators.map((o) => [o.id, o]));
  const planIds = p.stateful.map((s) => s.id);
  for (const o of saved.operators) {
    if (!p.stateful.some((s) => s.id === o.id) && opts.allowUnclaimed !== true) {
      throw stateMismatch(`the saved state has state for operator ${o.id}, which this plan does not have (its stateful operators: ${planIds.join(', ') || 'none'})`);
    }
  }
  for (const s of p.stateful) {
    const o = byId.get(s.id);
    if (o === undefined) throw stateMismatch(`the saved state has no state for operator ${s.id} of this plan (saved operators: ${saved.operators.map((x) => x.id).join(', ') || 'none'})`);
    if (o.signature !== s.signature) throw stateMismatch(`the saved state of operator ${s.id} is for output (${o.signature}); the operator in this plan produces (${s.signature})`);
  }
  for (const s of p.stateful) {
    try {
      s.op.restoreState(byId.get(s.id)!.state);
    } catch (e) {
      if (e instanceof Error) e.message = `operator ${s.id}: ${e.message}`;
      throw e;
    }
  }
}

/** Pre-order index of every node of a plan (inputs in physicalInputs order). */
function preorder(plan: PhysicalPlan): Map<PhysicalPlan, number> {
  const index = new Map<PhysicalPlan, number>();
  const walk = (n: PhysicalPlan): void => {
    if (!index.has(n)) index.set(n, index.size);
    physicalInputs(n).forEach(walk);
  };
  walk(plan);
  return index;
}

export interface BuildOptions {
  ctx: ExecContext;
  hooks: DriverHooks;
  /** Writers opened for Sink nodes, in plan order (pre-order). */
  writers: SinkWriter[];
  /** Whether a node's output carries updates (streaming plans); absent means insert-only. */
  updating?: (p: PhysicalPlan) => boolean;
  /** Creates the runner of a table scan (the streaming driver's runners); absent: the batch ScanRunner. */
  sourceFactory?: (id: number, source: ScanSource, columns: number[], predicates: ColumnPredicate[], out: Emitter) => SourceRunner;
}

export function buildPipeline(plan: PhysicalPlan, out: Emitter, opts: BuildOptions): BuiltPipeline {
  const sources: SourceRunner[] = [];
  const sinks: SinkOperator[] = [];
  const stateful: StatefulOperator[] = [];
  const order = preorder(plan);
  const tracked = new Set<Operator>();
  const uncheckpointable: string[] = [];
  /** Records a checkpointable operator built for node `p` (`part` names a second operator of one node). */
  const track = <O extends Operator>(p: PhysicalPlan, op: O, part = ''): O => {
    if (tracked.has(op)) return op;
    tracked.add(op);
    if (op instanceof HashJoinOperator) uncheckpointable.push(`${order.get(p)}:${p.kind}${part}`);
    else if (isCheckpointable(op)) {
      stateful.push({ id: `${order.get(p)}:${p.kind}${part}`, signature: p.schema.map((f) => typeToString(f.type, false)).join(', '), op });
    }
    return op;
  };
  let nextSource = 0;
  let nextWriter = 0;
  const { ctx, hooks } = opts;

  const typesOf = (p: PhysicalPlan) => p.schema.map((f) => f.type);
  const namesOf = (p: PhysicalPlan) => p.schema.map((f) => f.name);

  /** Builds `p` so that it emits into `emitter`; returns the ids of the sources below it. */
  const build = (p: PhysicalPlan, emitter: Emitter): number[] => {
    const sub = (child: PhysicalPlan, op: Operator, port: number) => build(child, into(track(p, op), port));
    switch (p.kind) {
      case 'TableSourceScan': {
        const id = nextSource++;
        sources.push(opts.sourceFactory ? opts.sourceFactory(id, p.source, p.columns, p.predicates, emitter) : new ScanRunner(id, p.source, p.columns, p.predicates, emitter, ctx, hooks));
        return [id];
      }
      case 'Values': {
        const id = nextSource++;
        sources.push(new ValuesRunner(id, typesOf(p), p.rows, emitter));
        return [id];
      }
      case 'Calc': {
        const op = new CalcOperator(emitter, ctx, typesOf(p.input), p.projection, p.condition, namesOf(p.input));
        return sub(p.input, op, 0);
      }
      case 'Expand':
        return sub(p.input, new ExpandOperator(emitter, ctx, typesOf(p.input), p.projections), 0);
      case 'HashAggregate':
        return sub(p.input, new HashAggregateOperator(emitter, ctx, typesOf(p.input), p.groupKeys, p.aggs), 0);
      case 'HashJoin': case 'NestedLoopJoin': {
        const hash = p.kind === 'HashJoin';
        const op = new HashJoinOperator(emitter, ctx, {
          joinType: p.joinType,
          leftTypes: typesOf(p.left),
          rightTypes: typesOf(p.right),
          leftKeys: hash ? p.leftKeys : [],
          rightKeys: hash ? p.rightKeys : [],
          nullSafe: hash ? p.nullSafe : [],
          residual: hash ? p.residual : p.condition,
          buildSide: hash ? p.buildSide : 'right',
          nullAware: p.nullAware,
          outputColumns: p.outputColumns,
        });
        const buildLeft = hash && p.buildSide === 'left';
        // the build side's sources run first
        const first = buildLeft ? sub(p.left, op, 0) : sub(p.right, op, 1);
        const second = buildLeft ? sub(p.right, op, 1) : sub(p.left, op, 0);
        return [...first, ...second];
      }
      case 'Sort':
        return sub(p.input, new SortOperator(emitter, ctx, typesOf(p.input), p.keys), 0);
      case 'SortLimit':
        return sub(p.input, new SortLimitOperator(emitter, ctx, typesOf(p.input), p.keys, p.limit, p.offset), 0);
      case 'Limit': {
        // the limit needs to know its sources before they are built; wire through a forwarding emitter
        let op: LimitOperator | null = null;
        const forward: Operator = { push: (b) => op!.push(b), end: () => op!.end(), watermark: (wm) => op!.watermark(wm), idle: (f) => op!.idle(f) };
        const ids = build(p.input, into(forward, 0));
        op = track(p, new LimitOperator(emitter, ctx, p.limit, p.offset, ids));
        return ids;
      }
      case 'Union': {
        const op = new UnionOperator(emitter, p.inputs.length);
        return p.inputs.flatMap((i, port) => sub(i, op, port));
      }
      case 'HashSetOp': {
        const op = new HashSetOpOperator(emitter, ctx, typesOf(p.left), p.op, p.all);
        const right = sub(p.right, op, 1);
        return [...right, ...sub(p.left, op, 0)];
      }
      case 'OverAggregate':
        return sub(p.input, new OverAggregateOperator(emitter, ctx, typesOf(p.input), p.calls), 0);
      case 'Correlate':
        return sub(p.input, new CorrelateOperator(emitter, ctx, typesOf(p.input), p.exprs, typesOf(p), p.withOrdinality, p.outer), 0);
      case 'WindowTableFunction':
        return sub(p.input, new WindowTvfOperator(emitter, ctx, typesOf(p.input), p.window), 0);
      case 'WatermarkAssigner':
        return sub(p.input, new WatermarkAssignerOperator(emitter, ctx, typesOf(p.input), p.watermark), 0);
      case 'GroupAggregate':
        return sub(p.input, new GroupAggregateOperator(emitter, ctx, typesOf(p.input), p.groupKeys, p.aggs, typesOf(p), opts.updating?.(p.input) ?? true), 0);
      case 'StreamJoin': {
        const op = new StreamJoinOperator(emitter, ctx, {
          joinType: p.joinType, leftTypes: typesOf(p.left), rightTypes: typesOf(p.right), leftKeys: p.leftKeys, rightKeys: p.rightKeys,
          nullSafe: p.nullSafe, residual: p.residual, nullAware: p.nullAware,
        });
        return [...sub(p.left, op, 0), ...sub(p.right, op, 1)];
      }
      case 'Rank':
        return sub(p.input, new RankOperator(emitter, ctx, {
          inputTypes: typesOf(p.input), partitionKeys: p.partitionKeys, orderKeys: p.orderKeys, rankFn: p.rankFn,
          start: p.start, end: p.end, outputRank: p.outputRank, retracting: opts.updating?.(p.input) ?? true,
        }), 0);
      case 'Deduplicate':
        return sub(p.input, new DeduplicateOperator(emitter, ctx, {
          inputTypes: typesOf(p.input), keys: p.keys, keepLast: p.keepLast, timeColumn: p.timeColumn, rowtime: p.rowtime, outputRank: p.outputRank,
        }), 0);
      case 'WindowAggregate':
        return sub(p.input, new WindowAggregateOperator(emitter, ctx, {
          inputTypes: typesOf(p.input), outputTypes: typesOf(p), windowStart: p.windowStart, windowEnd: p.windowEnd, windowTime: p.windowTime,
          groupKeys: p.groupKeys, aggs: p.aggs, time: p.time, ltz: p.ltz, retracting: opts.updating?.(p.input) ?? true,
        }), 0);
      case 'SessionWindowAggregate':
        return sub(p.input, new SessionWindowAggregateOperator(emitter, ctx, {
          inputTypes: typesOf(p.input), outputTypes: typesOf(p), window: p.window, groupKeys: p.groupKeys, aggs: p.aggs, ltz: p.ltz,
        }), 0);
      case 'WindowRank':
        return sub(p.input, new WindowRankOperator(emitter, ctx, {
          inputTypes: typesOf(p.input), windowEnd: p.windowEnd, partitionKeys: p.partitionKeys, orderKeys: p.orderKeys, rankFn: p.rankFn,
          start: p.start, end: p.end, outputRank: p.outputRank, time: p.time, ltz: p.ltz,
        }), 0);
      case 'WindowJoin': {
        const op = new WindowJoinOperator(emitter, ctx, {
          joinType: p.joinType, leftTypes: typesOf(p.left), rightTypes: typesOf(p.right), leftWindowEnd: p.leftWindowEnd, rightWindowEnd: p.rightWindowEnd,
          leftKeys: p.leftKeys, rightKeys: p.rightKeys, nullSafe: p.nullSafe, residual: p.residual, time: p.time, ltz: p.ltz,
        });
        return [...sub(p.left, op, 0), ...sub(p.right, op, 1)];
      }
      case 'IntervalJoin': {
        const op = new IntervalJoinOperator(emitter, ctx, {
          joinType: p.joinType, leftTypes: typesOf(p.left), rightTypes: typesOf(p.right), leftKeys: p.leftKeys, rightKeys: p.rightKeys,
          nullSafe: p.nullSafe, leftTime: p.leftTime, rightTime: p.rightTime, lower: p.lower, upper: p.upper, residual: p.residual, rowtime: p.rowtime,
        });
        return [...sub(p.left, op, 0), ...sub(p.right, op, 1)];
      }
      case 'TemporalJoin': {
        const op = new TemporalJoinOperator(emitter, ctx, {
          joinType: p.joinType, leftTypes: typesOf(p.left), rightTypes: typesOf(p.right), leftKeys: p.leftKeys, rightKeys: p.rightKeys,
          nullSafe: p.nullSafe, leftTime: p.leftTime, rightTime: p.rightTime, residual: p.residual,
        });
        // versions first: in a bounded run every left row then finds its version at once
        const right = sub(p.right, op, 1);
        return [...right, ...sub(p.left, op, 0)];
      }
      case 'LookupJoin': {
        if (p.lookup) {
          const l = p.lookup;
          const fn = l.source.createLookup!(l.keyColumns, l.columns, l.predicates);
          if (!fn) throw internalError(`${l.source.describe()} declined a lookup it was planned with`);
          const fetchedTypes = l.columns.map((c) => l.source.fields[c]!.type);
          const op = new LookupJoinOperator(emitter, ctx, {
            joinType: p.joinType, leftTypes: typesOf(p.left), rightTypes: typesOf(p.right), leftKeys: p.leftKeys,
            fetchedTypes, calc: l.calc, residual: p.residual, lookup: fn,
          });
          // the right side is not run: the table answers lookups as left rows arrive
          return sub(p.left, op, 0);
        }
        const op = new HashJoinOperator(emitter, ctx, {
          joinType: p.joinType, leftTypes: typesOf(p.left), rightTypes: typesOf(p.right), leftKeys: p.leftKeys, rightKeys: p.rightKeys,
          nullSafe: p.nullSafe, residual: p.residual, buildSide: 'right', nullAware: false, outputColumns: null,
        });
        // a changelog table is looked up as the rows its changes add up to
        const right = opts.updating?.(p.right)
          ? build(p.right, into(track(p, new MaterializeOperator(into(op, 1), typesOf(p.right), ctx.batchSize), '/Materialize'), 0))
          : sub(p.right, op, 1);
        return [...right, ...sub(p.left, op, 0)];
      }
      case 'StreamOverAggregate':
        return sub(p.input, new StreamOverAggregateOperator(emitter, ctx, { inputTypes: typesOf(p.input), calls: p.calls, timeColumn: p.timeColumn, rowtime: p.rowtime }), 0);
      case 'RecomputeOverAggregate':
        return sub(p.input, new RecomputeOverOperator(emitter, ctx, typesOf(p.input), p.calls, p.partitionKeys), 0);
      case 'TemporalSort':
        return sub(p.input, new TemporalSortOperator(emitter, ctx, typesOf(p.input), p.keys), 0);
      case 'StreamSetOp': {
        const op = new StreamSetOpOperator(emitter, ctx, typesOf(p.left), p.op, p.all);
        return [...sub(p.left, op, 0), ...sub(p.right, op, 1)];
      }
      case 'Sink': {
        const writer = opts.writers[nextWriter++];
        if (!writer) throw internalError('sink writer missing');
        const op = new SinkOperator(writer, ctx);
        sinks.push(op);
        const ids = sub(p.input, op, 0);
        // a sink produces no rows for its parent
        emitter.end();
        return ids;
      }
    }
  };

  build(plan, out);
  // pre-order, whatever order the operators were built in (some joins build their right input first)
  stateful.sort((a, b) => parseInt(a.id, 10) - parseInt(b.id, 10) || (a.id < b.id ? -1 : 1));
  return { sources, sinks, stateful, uncheckpointable };
}
