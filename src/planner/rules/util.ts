/** Small expression helpers for rules. */
import type { BoundExpr } from '../../exec/expr/expr.ts';
import { literal } from '../../exec/expr/expr.ts';
import { T, notNull, withNullable } from '../../types/data-type.ts';

export function andAll(es: BoundExpr[]): BoundExpr {
  if (es.length === 0) return literal(true, notNull(T.boolean()));
  if (es.length === 1) return es[0]!;
  return { kind: 'call', fn: 'and', args: es, type: withNullable(T.boolean(), es.some((e) => e.type.nullable)) };
}
