/**
 * Reads only the columns a query uses: walks the plan top-down with the set of columns each parent
 * needs, drops unused projections, aggregates and window calls, and narrows table scans to the columns
 * referenced (so Parquet and CSV readers decode less).
 */
import type { BoundExpr } from '../../exec/expr/expr.ts';
import { inputRefs, remapInputs, inputRef } from '../../exec/expr/expr.ts';
import type { LogicalPlan } from '../logical-plan.ts';
import * as L from '../logical-plan.ts';

interface Pruned {
  plan: LogicalPlan;
  /** old output column → new output column, for every column that was required */
  map: Map<number, number>;
}

const all = (n: number): Set<number> => new Set(Array.from({ length: n }, (_, i) => i));

function identity(n: number): Map<number, number> {
  return new Map(Array.from({ length: n }, (_, i) => [i, i]));
}

function refsOf(es: BoundExpr[], into: Set<number>): Set<number> {
  for (const e of es) inputRefs(e, into);
  return into;
}

function remap(e: BoundExpr, map: Map<number, number>): BoundExpr {
  return remapInputs(e, (i) => {
    const j = map.get(i);
    if (j === undefined) throw new Error(`column pruning lost column ${i}`);
    return j;
  });
}

export function pruneColumns(plan: LogicalPlan): LogicalPlan {
  return prune(plan, all(plan.schema.length)).plan;
}

function prune(p: LogicalPlan, required: Set<number>): Pruned {
  switch (p.kind) {
    case 'scan': {
      const keep = p.projection.filter((_, i) => required.has(i));
      const map = new Map<number, number>();
      let k = 0;
      p.projection.forEach((_, i) => {
        if (required.has(i)) map.set(i, k++);
      });
      return { plan: { ...L.scan(p.tableName, p.source, keep), pushedFilters: p.pushedFilters }, map };
    }
    case 'values': {
      const cols = [...required].sort((a, b) => a - b);
      const map = new Map(cols.map((c, i) => [c, i]));
      return { plan: L.values(p.rows.map((r) => cols.map((c) => r[c])), cols.map((c) => p.schema[c]!)), map };
    }
    case 'project': {
      const cols = [...required].sort((a, b) => a - b);
      const child = prune(p.input, refsOf(cols.map((c) => p.exprs[c]!), new Set()));
      const exprs = cols.map((c) => remap(p.exprs[c]!, child.map));
      const map = new Map(cols.map((c, i) => [c, i]));
      return { plan: L.project(child.plan, exprs, cols.map((c) => p.schema[c]!.name)), map };
    }
    case 'filter': {
      const child = prune(p.input, refsOf([p.predicate], new Set(required)));
      return { plan: L.filter(child.plan, remap(p.predicate, child.map)), map: child.map };
    }
    case 'aggregate': {
      const k = p.groupKeys.length;
      const keepAggs = p.aggs.map((_, i) => i).filter((i) => required.has(k + i));
      const need = new Set<number>(p.groupKeys);
      for (const i of keepAggs) {
        const a = p.aggs[i]!;
        a.args.forEach((x) => need.add(x));
        if (a.filter !== null) need.add(a.filter);
        a.orderBy.forEach((o) => need.add(o.index));
      }
      const child = prune(p.input, need);
      const m = (i: number): number => child.map.get(i)!;
      const aggs = keepAggs.map((i) => {
        const a = p.aggs[i]!;
        return { ...a, args: a.args.map(m), filter: a.filter === null ? null : m(a.filter), orderBy: a.orderBy.map((o) => ({ ...o, index: m(o.index) })) };
      });
      const node = L.aggregate(child.plan, p.groupKeys.map(m), aggs, p.groupingSets);
      const map = new Map<number, number>();
      for (let i = 0; i < k; i++) map.set(i, i);
      keepAggs.forEach((a, j) => map.set(k + a, k + j));
      if (p.groupingSets !== null) map.set(k + p.aggs.length, k + aggs.length);
      return { plan: node, map };
    }
    case 'join': {
      const lw = p.left.schema.length;
      const condRefs = p.condition ? inputRefs(p.condition) : new Set<number>();
      const leftReq = new Set<number>();
      const rightReq = new Set<number>();
      // output positions and condition positions differ past the left columns: a mark join outputs its
      // mark at `lw` where its condition sees the first right column, semi/anti joins output no right columns
      const rightInOutput = p.joinType !== 'mark' && p.joinType !== 'semi' && p.joinType !== 'anti';
      for (const i of required) {
        if (i < lw) leftReq.add(i);
        else if (rightInOutput) rightReq.add(i - lw);
      }
      for (const i of condRefs) (i < lw ? leftReq : rightReq).add(i < lw ? i : i - lw);
      if (p.temporal) {
        leftReq.add(p.temporal.leftTime);
        if (p.temporal.rightTime >= 0) rightReq.add(p.temporal.rightTime);
        p.temporal.rightKey.forEach((k) => rightReq.add(k));
      }
      const l = prune(p.left, leftReq);
      const r = prune(p.right, rightReq);
      const lw2 = l.plan.schema.length;
      const condMap = new Map<number, number>();
      l.map.forEach((v, k2) => condMap.set(k2, v));
      r.map.forEach((v, k2) => condMap.set(k2 + lw, v + lw2));
      const cond = p.condition ? remap(p.condition, condMap) : null;
      const node = L.join(p.joinType, l.plan, r.plan, cond, p.nullAware);
      if (p.temporal) {
        const t = p.temporal;
        node.temporal = { leftTime: l.map.get(t.leftTime)!, rightTime: t.rightTime < 0 ? -1 : r.map.get(t.rightTime)!, rightKey: t.rightKey.map((k) => r.map.get(k)!) };
      }
      const map = new Map<number, number>();
      l.map.forEach((v, k2) => map.set(k2, v));
      if (p.joinType === 'mark') map.set(lw, lw2);
      else if (p.joinType !== 'semi' && p.joinType !== 'anti') r.map.forEach((v, k2) => map.set(k2 + lw, v + lw2));
      return { plan: node, map };
    }
    case 'sort': {
      const child = prune(p.input, new Set([...required, ...p.keys.map((k) => k.index)]));
      return { plan: L.sort(child.plan, p.keys.map((k) => ({ ...k, index: child.map.get(k.index)! }))), map: child.map };
    }
    case 'limit': {
      const child = prune(p.input, required);
      return { plan: L.limit(child.plan, p.limit, p.offset), map: child.map };
    }
    case 'union': {
      const cols = [...required].sort((a, b) => a - b);
      const inputs = p.inputs.map((i) => {
        const c = prune(i, new Set(cols));
        return exact(c, cols);
      });
      return { plan: L.union(inputs, cols.map((c) => p.schema[c]!)), map: new Map(cols.map((c, i) => [c, i])) };
    }
    case 'setop': {
      const n = p.left.schema.length;
      const l = exact(prune(p.left, all(n)), [...all(n)]);
      const r = exact(prune(p.right, all(n)), [...all(n)]);
      return { plan: { ...p, left: l, right: r }, map: identity(n) };
    }
    case 'window': {
      const width = p.input.schema.length;
      const keep = p.calls.map((_, i) => i).filter((i) => required.has(width + i));
      const need = new Set<number>([...required].filter((i) => i < width));
      for (const i of keep) {
        const c = p.calls[i]!;
        c.args.forEach((x) => need.add(x));
        c.partitionBy.forEach((x) => need.add(x));
        c.orderBy.forEach((o) => need.add(o.index));
        if (c.filter !== null) need.add(c.filter);
      }
      const child = prune(p.input, need);
      const m = (i: number): number => child.map.get(i)!;
      const calls = keep.map((i) => {
        const c = p.calls[i]!;
        return { ...c, args: c.args.map(m), partitionBy: c.partitionBy.map(m), orderBy: c.orderBy.map((o) => ({ ...o, index: m(o.index) })), filter: c.filter === null ? null : m(c.filter) };
      });
      if (calls.length === 0) return child;
      const w2 = child.plan.schema.length;
      const map = new Map(child.map);
      keep.forEach((c, j) => map.set(width + c, w2 + j));
      return { plan: L.window(child.plan, calls), map };
    }
    case 'unnest': {
      const width = p.input.schema.length;
      const need = refsOf(p.exprs, new Set([...required].filter((i) => i < width)));
      const child = prune(p.input, need);
      const exprs = p.exprs.map((e) => remap(e, child.map));
      const names = p.schema.slice(width).map((f) => f.name);
      const node = L.unnest(child.plan, exprs, p.withOrdinality, names, p.outer);
      const map = new Map(child.map);
      const w2 = child.plan.schema.length;
      for (let i = 0; i < p.schema.length - width; i++) map.set(width + i, w2 + i);
      return { plan: node, map };
    }
    case 'windowTvf': {
      const width = p.input.schema.length;
      const w = p.window;
      const need = new Set<number>([...required].filter((i) => i < width));
      need.add(w.timeColumn);
      w.partitionKeys.forEach((k) => need.add(k));
      const child = prune(p.input, need);
      const m = (i: number): number => child.map.get(i)!;
      const node = L.windowTvf(child.plan, { ...w, timeColumn: m(w.timeColumn), partitionKeys: w.partitionKeys.map(m) });
      const map = new Map(child.map);
      const w2 = child.plan.schema.length;
      for (let i = 0; i < 3; i++) map.set(width + i, w2 + i);
      return { plan: node, map };
    }
    case 'watermark': {
      const child = prune(p.input, refsOf([p.expr], new Set([...required, p.rowtime])));
      return { plan: L.watermark(child.plan, child.map.get(p.rowtime)!, remap(p.expr, child.map)), map: child.map };
    }
    case 'sink': {
      const n = p.input.schema.length;
      return { plan: { ...p, input: exact(prune(p.input, all(n)), [...all(n)]) }, map: new Map() };
    }
  }
}

/** Projects a pruned plan to exactly `cols` (in that order). */
function exact(r: Pruned, cols: number[]): LogicalPlan {
  const idx = cols.map((c) => r.map.get(c)!);
  if (idx.length === r.plan.schema.length && idx.every((v, i) => v === i)) return r.plan;
  return L.project(r.plan, idx.map((i) => inputRef(i, r.plan.schema[i]!.type)), idx.map((i) => r.plan.schema[i]!.name));
}
