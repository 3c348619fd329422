/**
 * Aggregate and window calls found while binding a SELECT. They are bound against the FROM clause's
 * columns and stand in the expression as placeholders (`$agg` / `$win` calls) until the aggregate and
 * window nodes are planned and the placeholders become column references.
 */
import type { BoundExpr } from '../../exec/expr/expr.ts';
import { call, exprEquals } from '../../exec/expr/expr.ts';
import type { DataType } from '../../types/data-type.ts';
import type { Frame } from '../../exec/plan-types.ts';
import type { WindowSpec } from '../ast.ts';

export interface OrderExpr {
  expr: BoundExpr;
  desc: boolean;
  nullsFirst: boolean;
}

export interface PendingAgg {
  fn: string;
  args: BoundExpr[];
  constArgs: unknown[];
  distinct: boolean;
  filter: BoundExpr | null;
  orderBy: OrderExpr[];
  ignoreNulls: boolean;
  type: DataType;
}

export interface PendingWindow extends PendingAgg {
  partitionBy: BoundExpr[];
  windowOrder: OrderExpr[];
  frame: Frame;
}

function sameOrder(a: OrderExpr[], b: OrderExpr[]): boolean {
  return a.length === b.length && a.every((x, i) => x.desc === b[i]!.desc && x.nullsFirst === b[i]!.nullsFirst && exprEquals(x.expr, b[i]!.expr));
}

function sameAgg(a: PendingAgg, b: PendingAgg): boolean {
  return a.fn === b.fn && a.distinct === b.distinct && a.ignoreNulls === b.ignoreNulls
    && a.args.length === b.args.length && a.args.every((x, i) => exprEquals(x, b.args[i]!))
    && JSON.stringify(a.constArgs) === JSON.stringify(b.constArgs)
    && (a.filter === null ? b.filter === null : b.filter !== null && exprEquals(a.filter, b.filter))
    && sameOrder(a.orderBy, b.orderBy);
}

export class AggCollector {
  readonly aggs: PendingAgg[] = [];

  /** Registers a call (identical calls share one) and returns its placeholder. */
  add(a: PendingAgg): BoundExpr {
    let i = this.aggs.findIndex((x) => sameAgg(x, a));
    if (i < 0) {
      this.aggs.push(a);
      i = this.aggs.length - 1;
    }
    return call('$agg', [], a.type, i);
  }
}

export class WindowCollector {
  readonly calls: PendingWindow[] = [];
  /** WINDOW w AS (...) definitions of the SELECT. */
  readonly named = new Map<string, WindowSpec>();

  add(w: PendingWindow): BoundExpr {
    let i = this.calls.findIndex((x) => sameAgg(x, w) && x.partitionBy.length === w.partitionBy.length
      && x.partitionBy.every((p, k) => exprEquals(p, w.partitionBy[k]!)) && sameOrder(x.windowOrder, w.windowOrder)
      && JSON.stringify(x.frame) === JSON.stringify(w.frame));
    if (i < 0) {
      this.calls.push(w);
      i = this.calls.length - 1;
    }
    return call('$win', [], w.type, i);
  }
}

export function isPlaceholder(e: BoundExpr, kind: '$agg' | '$win'): boolean {
  return e.kind === 'call' && e.fn === kind;
}
