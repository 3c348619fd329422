/**
 * Joins in the streaming planner, from the most to the least state-frugal:
 * - `FOR SYSTEM_TIME AS OF l.rowtime`: an event-time temporal join (versions of the right side kept per
 *   key until the watermark makes them obsolete); `AS OF l.proctime`: point lookups into a table-store table (or
 *   a lookup into a bounded table read first);
 * - equal windows on both sides (`l.window_start = r.window_start AND l.window_end = r.window_end`):
 *   a window join, each window joined once when it ends;
 * - time bounds between two rowtimes (`l.t BETWEEN r.t - INTERVAL .. AND r.t + INTERVAL ..`): an
 *   interval join whose rows expire with the watermark;
 * - otherwise a regular join that keeps both inputs and propagates updates.
 */
import type { JoinNode } from '../logical-plan.ts';
import type { BoundExpr } from '../../exec/expr/expr.ts';
import { conjuncts, remapInputs, inputRef } from '../../exec/expr/expr.ts';
import type { LookupSpec, PhysicalPlan, PhysicalJoinType } from '../../exec/physical-plan.ts';
import { joinSchema } from '../logical-plan.ts';
import type { Field } from '../../types/batch.ts';
import { FreshetError, SqlState } from '../../util/errors.ts';
import { andAll } from '../rules/util.ts';
import { splitCondition, withKeyColumns } from '../physical/join-keys.ts';
import { planTemporalJoin } from '../physical/temporal-join.ts';
import { INSERT_ONLY, INSERT_DELETE, INSERT_UPDATE, RETRACT, isInsertOnly } from './changelog-mode.ts';
import { calc, requireInsertOnly, type Planned } from './planned.ts';
import type { StreamPlanner } from './stream-planner.ts';

export function planJoinNode(planner: StreamPlanner, j: JoinNode): Planned {
  const left = planner.plan(j.left);
  const right = planner.plan(j.right);
  if (j.temporal) return planTemporal(planner, j, left, right);
  const lw = j.left.schema.length;
  const appendOnly = isInsertOnly(left.mode) && isInsertOnly(right.mode);
  const t = j.joinType;
  const timed = t === 'inner' || t === 'left' || t === 'right' || t === 'full';
  if (appendOnly && left.window && right.window && left.window.time === right.window.time) {
    const w = windowJoinOf(j, left, right, lw);
    if (w) return w(planner);
  }
  if (appendOnly && timed) {
    const bounds = intervalBounds(j, left, right, lw);
    if (bounds) return planInterval(planner, j, left, right, bounds);
  }
  return planRegular(planner, j, left, right);
}

interface EquiPlan {
  left: PhysicalPlan;
  right: PhysicalPlan;
  leftKeys: number[];
  rightKeys: number[];
  nullSafe: boolean[];
  residual: BoundExpr | null;
  /** Width of the left input before and after key columns were appended. */
  lw: number;
  lw2: number;
  widened: boolean;
}

/** Keys and residual of `condition` (over the join's original layout), with key expressions projected onto the sides. */
function equiPlan(j: JoinNode, left: PhysicalPlan, right: PhysicalPlan, condition: BoundExpr | null): EquiPlan {
  const { keys, residual } = splitCondition({ ...j, condition });
  const l = withKeyColumns(left, keys.map((k) => k.left));
  const r = withKeyColumns(right, keys.map((k) => k.right));
  const lw = left.schema.length;
  const lw2 = l.plan.schema.length;
  return {
    left: l.plan, right: r.plan, leftKeys: l.indices, rightKeys: r.indices, nullSafe: keys.map((k) => k.nullSafe),
    residual: residual.length > 0 ? remapInputs(andAll(residual), (i) => (i < lw ? i : i - lw + lw2)) : null,
    lw, lw2, widened: l.plan !== left || r.plan !== right,
  };
}

/** The join operator's own output schema (with appended key columns), per join type. */
function operatorSchema(t: PhysicalJoinType, e: EquiPlan): Field[] {
  return joinSchema(t, e.left.schema, e.right.schema);
}

/** Drops appended key columns again: the join's declared output. */
function finish(planner: StreamPlanner, j: JoinNode, e: EquiPlan, op: Planned): Planned {
  if (!e.widened) return { ...op, plan: { ...op.plan, schema: j.schema } as PhysicalPlan };
  planner.record(op);
  const t = j.joinType;
  const leftOnly = t === 'semi' || t === 'anti';
  const keep = j.schema.map((_, i) => {
    if (i < e.lw) return i;
    if (t === 'mark') return e.lw2; // the mark column follows the widened left side
    return leftOnly ? i : i - e.lw + e.lw2;
  });
  return calc(op, keep.map((c, i) => inputRef(c, j.schema[i]!.type)), null, j.schema);
}

/** Rowtimes of a join's output that keep their meaning: both sides' (interval and window joins). */
function shiftedRowtimes(left: Planned, right: Planned, e: EquiPlan, rightToo: boolean): Set<number> {
  const out = new Set(left.rowtimes);
  if (rightToo) for (const c of right.rowtimes) out.add(c + e.lw2);
  return out;
}

function planRegular(planner: StreamPlanner, j: JoinNode, left: Planned, right: Planned): Planned {
  const e = equiPlan(j, left.plan, right.plan, j.condition);
  const t = j.joinType as PhysicalJoinType;
  const appendOnly = isInsertOnly(left.mode) && isInsertOnly(right.mode);
  let mode = RETRACT;
  if (appendOnly) {
    if (t === 'inner' || t === 'semi') mode = INSERT_ONLY;
    else if (t === 'mark') mode = INSERT_UPDATE;
    else mode = INSERT_DELETE; // outer rows padded with NULLs are deleted when their first match arrives
  }
  const op: Planned = {
    plan: {
      kind: 'StreamJoin', joinType: t, left: e.left, right: e.right, leftKeys: e.leftKeys, rightKeys: e.rightKeys,
      nullSafe: e.nullSafe, residual: e.residual, nullAware: j.nullAware, schema: operatorSchema(t, e),
    },
    mode,
    // a regular join can emit a row for any old time: its output carries no event time
    rowtimes: new Set(),
    window: null,
    uniqueKey: null,
  };
  return finish(planner, j, e, op);
}

// ---------------------------------------------------------------- temporal joins

function planTemporal(planner: StreamPlanner, j: JoinNode, left: Planned, right: Planned): Planned {
  const spec = j.temporal!;
  if (spec.rightTime < 0) {
    // processing time: a table that answers point lookups is asked per batch of left rows; any other
    // right side must be bounded, and is read in full first and hashed
    const plan = planTemporalJoin(j, left.plan, right.plan, true);
    const join = plan.kind === 'Calc' ? plan.input : plan;
    if (join.kind === 'LookupJoin') {
      const lookup = lookupSpec(join);
      if (lookup) {
        const withLookup: PhysicalPlan = { ...join, lookup };
        return lookupPlanned(planner, plan.kind === 'Calc' ? { ...plan, input: withLookup } : withLookup, left);
      }
    }
    if (!boundedScan(j.right)) {
      throw new FreshetError(SqlState.featureNotSupported, 'a processing-time temporal join (lookup join) needs a table that answers lookups by its join key, or a bounded table, on its right side', {
        hint: 'Join a table-store table on plain columns of it (its primary key is fastest), or a table backed by files or values; for a changing stream use an event-time temporal join (FOR SYSTEM_TIME AS OF a rowtime column).',
      });
    }
    return lookupPlanned(planner, plan, left);
  }
  requireInsertOnly(left, 'an event-time temporal join (FOR SYSTEM_TIME AS OF) on its left side', 'The left side of a temporal join must be an append-only stream of events.');
  if (!left.rowtimes.has(spec.leftTime)) {
    throw new FreshetError(SqlState.featureNotSupported, `FOR SYSTEM_TIME AS OF \`${j.left.schema[spec.leftTime]!.name}\`: the column is not a rowtime attribute the watermark bounds here`, {
      hint: 'Use the rowtime column of the left table directly, before any regular join or aggregation.',
    });
  }
  if (!right.rowtimes.has(spec.rightTime)) {
    throw new FreshetError(SqlState.featureNotSupported, `the versioned table's time column \`${j.right.schema[spec.rightTime]!.name}\` is not a rowtime attribute here`, {
      hint: 'Join the versioned table itself, with its WATERMARK.',
    });
  }
  const plan = planTemporalJoin(j, left.plan, right.plan, false);
  const node = plan.kind === 'Calc' ? plan.input : plan;
  const op = planner.record({ plan: node, mode: INSERT_ONLY, rowtimes: new Set(left.rowtimes), window: null, uniqueKey: null });
  if (plan.kind !== 'Calc') return op;
  return calc(op, plan.projection, null, plan.schema);
}

function lookupPlanned(planner: StreamPlanner, plan: PhysicalPlan, left: Planned): Planned {
  const node = plan.kind === 'Calc' ? plan.input : plan;
  const op = planner.record({ plan: node, mode: left.mode, rowtimes: new Set(left.rowtimes), window: left.window, uniqueKey: null });
  if (plan.kind !== 'Calc') return op;
  return calc(op, plan.projection, null, plan.schema);
}

/**
 * How the right side of a lookup join can be asked for rows: it must be a scan of a source that does
 * lookups (perhaps under one projection/filter, perhaps with a watermark the lookup ignores), joined on
 * plain columns with `=`.
 */
function lookupSpec(p: Extract<PhysicalPlan, { kind: 'LookupJoin' }>): LookupSpec | undefined {
  if (p.nullSafe.some((x) => x)) return undefined;
  let r = p.right;
  let calc: LookupSpec['calc'] = null;
  if (r.kind === 'Calc') {
    calc = { projection: r.projection, condition: r.condition };
    r = r.input;
  }
  if (r.kind === 'WatermarkAssigner') r = r.input;
  if (r.kind !== 'TableSourceScan' || !r.source.createLookup) return undefined;
  const keyColumns: number[] = [];
  for (const k of p.rightKeys) {
    const e = calc ? calc.projection[k]! : null;
    if (e && e.kind !== 'input') return undefined;
    keyColumns.push(r.columns[e ? e.index : k]!);
  }
  return { source: r.source, keyColumns, columns: r.columns, predicates: r.predicates, calc };
}

function boundedScan(p: JoinNode['right']): boolean {
  if (p.kind === 'scan') return p.source.bounded;
  if (p.kind === 'values') return true;
  if (p.kind === 'join') return boundedScan(p.left) && boundedScan(p.right);
  if (p.kind === 'union') return p.inputs.every(boundedScan);
  if (p.kind === 'setop') return boundedScan(p.left) && boundedScan(p.right);
  return boundedScan(p.input);
}

// ---------------------------------------------------------------- window joins

function isColumnEquality(e: BoundExpr, a: number, b: number): boolean {
  if (e.kind !== 'call' || e.fn !== '=') return false;
  const [x, y] = e.args as [BoundExpr, BoundExpr];
  if (x.kind !== 'input' || y.kind !== 'input') return false;
  return (x.index === a && y.index === b) || (x.index === b && y.index === a);
}

function windowJoinOf(j: JoinNode, left: Planned, right: Planned, lw: number): ((planner: StreamPlanner) => Planned) | null {
  const lwin = left.window!;
  const rwin = right.window!;
  const terms = conjuncts(j.condition);
  const starts = terms.some((c) => isColumnEquality(c, lwin.start, lw + rwin.start));
  const ends = terms.some((c) => isColumnEquality(c, lwin.end, lw + rwin.end));
  if (!starts || !ends) return null;
  return (planner) => {
    const e = equiPlan(j, left.plan, right.plan, j.condition);
    const t = j.joinType as PhysicalJoinType;
    const op: Planned = {
      plan: {
        kind: 'WindowJoin', joinType: t, left: e.left, right: e.right, leftWindowEnd: lwin.end, rightWindowEnd: rwin.end,
        leftKeys: e.leftKeys, rightKeys: e.rightKeys, nullSafe: e.nullSafe, residual: e.residual, time: lwin.time, ltz: lwin.ltz,
        schema: operatorSchema(t, e),
      },
      mode: INSERT_ONLY,
      rowtimes: new Set([lwin.end, ...(lwin.timeCol !== null && left.rowtimes.has(lwin.timeCol) ? [lwin.timeCol] : [])].filter((c) => left.rowtimes.has(c))),
      window: { ...lwin },
      uniqueKey: null,
    };
    return finish(planner, j, e, op);
  };
}

// ---------------------------------------------------------------- interval joins

export interface IntervalBounds {
  leftTime: number;
  rightTime: number;
  /** lower <= left.time - right.time <= upper, in milliseconds */
  lower: number;
  upper: number;
  rowtime: boolean;
  /** The condition without the time-bound terms. */
  rest: BoundExpr | null;
}

/** `col`, `col ± INTERVAL`, `INTERVAL + col`: the column and its offset in milliseconds. */
function timeTerm(e: BoundExpr): { col: number; offset: number } | null {
  if (e.kind === 'input') return { col: e.index, offset: 0 };
  if (e.kind === 'cast' && e.arg.kind === 'input' && (e.type.kind === 'TIMESTAMP' || e.type.kind === 'TIMESTAMP_LTZ') && e.arg.type.kind === e.type.kind) return { col: e.arg.index, offset: 0 };
  if (e.kind !== 'call' || (e.fn !== '+' && e.fn !== '-')) return null;
  const [a, b] = e.args as [BoundExpr, BoundExpr];
  const ms = (x: BoundExpr): number | null => (x.kind === 'literal' && x.type.kind === 'INTERVAL_DAY_TIME' && typeof x.value === 'number' ? x.value : null);
  if (a.kind === 'input' && ms(b) !== null) return { col: a.index, offset: e.fn === '+' ? ms(b)! : -ms(b)! };
  if (e.fn === '+' && b.kind === 'input' && ms(a) !== null) return { col: b.index, offset: ms(a)! };
  return null;
}

const FLIP: Record<string, string> = { '<': '>', '<=': '>=', '>': '<', '>=': '<=', '=': '=' };

function intervalBounds(j: JoinNode, left: Planned, right: Planned, lw: number): IntervalBounds | null {
  const terms = conjuncts(j.condition);
  let pair: { l: number; r: number } | null = null;
  let lower = -Infinity;
  let upper = Infinity;
  const used = new Set<BoundExpr>();
  const timeKind = (p: Planned, col: number, schema: Field[]): 'rowtime' | 'proctime' | null => {
    if (p.rowtimes.has(col)) return 'rowtime';
    if (schema[col]!.type.timeAttribute === 'PROCTIME') return 'proctime';
    return null;
  };
  let kind: 'rowtime' | 'proctime' | null = null;
  for (const c of terms) {
    if (c.kind !== 'call' || !(c.fn in FLIP)) continue;
    const a = timeTerm(c.args[0]!);
    const b = timeTerm(c.args[1]!);
    if (!a || !b) continue;
    let op = c.fn;
    let l: { col: number; offset: number };
    let r: { col: number; offset: number };
    if (a.col < lw && b.col >= lw) { l = a; r = { col: b.col - lw, offset: b.offset }; }
    else if (b.col < lw && a.col >= lw) { l = b; r = { col: a.col - lw, offset: a.offset }; op = FLIP[op]!; }
    else continue;
    const lk = timeKind(left, l.col, j.left.schema);
    const rk = timeKind(right, r.col, j.right.schema);
    if (lk === null || lk !== rk) continue;
    if (pair && (pair.l !== l.col || pair.r !== r.col)) continue;
    pair = { l: l.col, r: r.col };
    kind = lk;
    // l + lo OP r + ro  ⇔  l - r OP ro - lo
    const bound = r.offset - l.offset;
    if (op === '<') upper = Math.min(upper, bound - 1);
    else if (op === '<=') upper = Math.min(upper, bound);
    else if (op === '>') lower = Math.max(lower, bound + 1);
    else if (op === '>=') lower = Math.max(lower, bound);
    else { lower = Math.max(lower, bound); upper = Math.min(upper, bound); }
    used.add(c);
  }
  if (!pair || !Number.isFinite(lower) || !Number.isFinite(upper) || kind === null) return null;
  const rest = terms.filter((c) => !used.has(c));
  return { leftTime: pair.l, rightTime: pair.r, lower, upper, rowtime: kind === 'rowtime', rest: rest.length > 0 ? andAll(rest) : null };
}

function planInterval(planner: StreamPlanner, j: JoinNode, left: Planned, right: Planned, b: IntervalBounds): Planned {
  const e = equiPlan(j, left.plan, right.plan, b.rest);
  const t = j.joinType as PhysicalJoinType;
  const op: Planned = {
    plan: {
      kind: 'IntervalJoin', joinType: t, left: e.left, right: e.right, leftKeys: e.leftKeys, rightKeys: e.rightKeys, nullSafe: e.nullSafe,
      leftTime: b.leftTime, rightTime: b.rightTime, lower: b.lower, upper: b.upper, residual: e.residual, rowtime: b.rowtime,
      schema: operatorSchema(t, e),
    },
    mode: INSERT_ONLY,
    rowtimes: b.rowtime ? shiftedRowtimes(left, right, e, true) : new Set(),
    window: null,
    uniqueKey: null,
  };
  return finish(planner, j, e, op);
}
