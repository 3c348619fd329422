/**
 * Moves filter terms as close to the data as they can go: through projections (inlining the projected
 * expressions), into the sides of joins (respecting outer-join semantics), below aggregates when they
 * only test grouping keys, into every input of a UNION ALL, and into table scans as column predicates
 * the connector can use to skip files or partitions.
 */
import type { BoundExpr } from '../../exec/expr/expr.ts';
import { conjuncts, inputRefs, remapInputs, substituteInputs, inputRef, visitExpr } from '../../exec/expr/expr.ts';
import type { LogicalPlan } from '../logical-plan.ts';
import * as L from '../logical-plan.ts';
import type { ColumnPredicate, PredicateOp } from '../../connectors/connector.ts';
import { lookupScalar } from '../../exec/functions/registry.ts';
import type { InSetInfo } from '../../exec/functions/scalar/operators.ts';
import { andAll } from './util.ts';

function deterministic(e: BoundExpr): boolean {
  let ok = true;
  visitExpr(e, (x) => {
    if (x.kind === 'call' && (x.fn.startsWith('$') || lookupScalar(x.fn)?.deterministic === false)) ok = false;
  });
  return ok;
}

function within(e: BoundExpr, lo: number, hi: number): boolean {
  for (const i of inputRefs(e)) if (i < lo || i >= hi) return false;
  return true;
}

function wrap(p: LogicalPlan, preds: BoundExpr[]): LogicalPlan {
  return preds.length === 0 ? p : L.filter(p, andAll(preds));
}

export function pushDownPredicates(plan: LogicalPlan): LogicalPlan {
  return push(plan, []);
}

function push(p: LogicalPlan, preds: BoundExpr[]): LogicalPlan {
  switch (p.kind) {
    case 'filter':
      return push(p.input, [...preds, ...conjuncts(p.predicate)]);
    case 'project': {
      const down: BoundExpr[] = [];
      const stay: BoundExpr[] = [];
      for (const c of preds) {
        const refs = [...inputRefs(c)];
        // inline only cheap, deterministic projections
        if (deterministic(c) && refs.every((i) => deterministic(p.exprs[i]!) && !p.exprs[i]!.type.timeAttribute)) down.push(substituteInputs(c, p.exprs));
        else stay.push(c);
      }
      return wrap({ ...p, input: push(p.input, down) }, stay);
    }
    case 'join': return pushJoin(p, preds);
    case 'aggregate': {
      const keys = p.groupKeys.length;
      const down: BoundExpr[] = [];
      const stay: BoundExpr[] = [];
      const stable = p.groupingSets === null;
      for (const c of preds) {
        if (stable && deterministic(c) && within(c, 0, keys)) down.push(remapInputs(c, (i) => p.groupKeys[i]!));
        else stay.push(c);
      }
      return wrap({ ...p, input: push(p.input, down) }, stay);
    }
    case 'union':
      return { ...p, inputs: p.inputs.map((i) => push(i, preds)) };
    case 'sort':
      return { ...p, input: push(p.input, preds) };
    case 'window': {
      const width = p.input.schema.length;
      const common = p.calls.reduce<Set<number> | null>((acc, c) => {
        const s = new Set(c.partitionBy);
        return acc === null ? s : new Set([...acc].filter((x) => s.has(x)));
      }, null) ?? new Set<number>();
      const down: BoundExpr[] = [];
      const stay: BoundExpr[] = [];
      for (const c of preds) {
        const refs = [...inputRefs(c)];
        if (refs.every((i) => i < width && common.has(i)) && deterministic(c)) down.push(c);
        else stay.push(c);
      }
      return wrap({ ...p, input: push(p.input, down) }, stay);
    }
    case 'unnest': {
      const width = p.input.schema.length;
      const down = preds.filter((c) => within(c, 0, width) && deterministic(c));
      const stay = preds.filter((c) => !down.includes(c));
      return wrap({ ...p, input: push(p.input, down) }, stay);
    }
    case 'windowTvf': {
      // terms over the input's columns commute with window assignment (which copies rows for HOP)
      const width = p.input.schema.length;
      const down = preds.filter((c) => within(c, 0, width) && deterministic(c));
      const stay = preds.filter((c) => !down.includes(c));
      return wrap({ ...p, input: push(p.input, down) }, stay);
    }
    case 'watermark': {
      // filtering before the watermark is computed keeps every bounded-disorder guarantee (the bound holds
      // between any two rows) and lets sources skip what the query never reads
      const down = preds.filter(deterministic);
      const stay = preds.filter((c) => !down.includes(c));
      return wrap({ ...p, input: push(p.input, down) }, stay);
    }
    case 'scan': return pushScan(p, preds);
    case 'limit': return wrap({ ...p, input: push(p.input, []) }, preds);
    case 'setop': return wrap({ ...p, left: push(p.left, []), right: push(p.right, []) }, preds);
    case 'sink': return { ...p, input: push(p.input, []) };
    case 'values': return wrap(p, preds);
  }
}

function pushJoin(p: L.JoinNode, preds: BoundExpr[]): LogicalPlan {
  const lw = p.left.schema.length;
  const rw = p.right.schema.length;
  const t = p.joinType;
  const toLeft: BoundExpr[] = [];
  const toRight: BoundExpr[] = [];
  const stay: BoundExpr[] = [];
  const cond: BoundExpr[] = [];
  // filter terms above the join: a side may take the terms that only mention it when it is not
  // NULL-padded by the join
  const leftPreserved = t === 'inner' || t === 'left' || t === 'semi' || t === 'anti' || t === 'mark' || t === 'single';
  // a versioned table's rows are versions: filtering them first would expose an older version instead of no match
  const rightPreserved = (t === 'inner' || t === 'right') && !p.temporal;
  for (const c of preds) {
    if (!deterministic(c)) stay.push(c);
    else if (within(c, 0, lw) && leftPreserved) toLeft.push(c);
    else if (within(c, lw, lw + rw) && rightPreserved) toRight.push(remapInputs(c, (i) => i - lw));
    else if (t === 'inner') cond.push(c);
    else stay.push(c);
  }
  // ON terms that mention one side only filter that side's rows before matching, unless that side is
  // preserved. A null-aware join's condition is the IN comparison itself: it must see the NULLs of the
  // subquery (`5 IN (1, NULL)` is unknown, not false), so none of it moves into an input.
  const onLeft = !p.nullAware && (t === 'inner' || t === 'right' || t === 'semi');
  const onRight = !p.nullAware && !p.temporal && (t === 'inner' || t === 'left' || t === 'semi' || t === 'anti' || t === 'mark' || t === 'single');
  for (const c of conjuncts(p.condition)) {
    if (!deterministic(c)) cond.push(c);
    else if (within(c, 0, lw) && onLeft) toLeft.push(c);
    else if (within(c, lw, lw + rw) && onRight) toRight.push(remapInputs(c, (i) => i - lw));
    else cond.push(c);
  }
  const joined: LogicalPlan = {
    ...p,
    left: push(p.left, toLeft),
    right: push(p.right, toRight),
    condition: cond.length > 0 ? andAll(cond) : null,
  };
  return wrap(joined, stay);
}

const FLIP: Record<string, PredicateOp> = { '=': '=', '<>': '<>', '<': '>', '<=': '>=', '>': '<', '>=': '<=' };

/** A predicate as `column op constants` over the scan's output, if it has that shape. */
function asColumnPredicate(e: BoundExpr, projection: number[]): ColumnPredicate | undefined {
  if (e.kind !== 'call') return undefined;
  const [a, b] = e.args;
  if ((e.fn === 'is_null' || e.fn === 'is_not_null') && a?.kind === 'input') {
    return { column: projection[a.index]!, op: e.fn === 'is_null' ? 'isNull' : 'isNotNull', values: [] };
  }
  if (e.fn === 'in_set' && a?.kind === 'input') {
    const info = e.info as InSetInfo;
    if (info.keyed || info.hasNull) return undefined;
    return { column: projection[a.index]!, op: 'in', values: [...info.set] };
  }
  if (!(e.fn in FLIP) || !a || !b) return undefined;
  if (a.kind === 'input' && b.kind === 'literal' && b.value !== null) return { column: projection[a.index]!, op: e.fn as PredicateOp, values: [b.value] };
  if (b.kind === 'input' && a.kind === 'literal' && a.value !== null) return { column: projection[b.index]!, op: FLIP[e.fn]!, values: [a.value] };
  return undefined;
}

function pushScan(p: L.ScanNode, preds: BoundExpr[]): LogicalPlan {
  const stay: BoundExpr[] = [];
  const pushed: ColumnPredicate[] = [...p.pushedFilters];
  for (const c of preds) {
    const cp = asColumnPredicate(c, p.projection);
    const support = cp ? p.source.predicateSupport?.(cp) ?? 'none' : 'none';
    if (cp && support !== 'none') pushed.push(cp);
    if (support !== 'exact') stay.push(c);
  }
  return wrap({ ...p, pushedFilters: pushed }, stay);
}

export { inputRef };
