/**
 * GROUPING SETS / ROLLUP / CUBE as physical steps, shared by the batch and streaming planners: an Expand
 * that copies each row once per set (keys absent from the set NULL, plus the set's `$g` bits), an
 * aggregate on the keys and `$g`, and a projection back to the declared order (keys, aggregates, `$g`).
 */
import type { BoundExpr } from '../../exec/expr/expr.ts';
import { inputRef, literal } from '../../exec/expr/expr.ts';
import type { Field } from '../../types/batch.ts';
import { T, notNull, nullable } from '../../types/data-type.ts';
import type { AggregateNode } from '../logical-plan.ts';

export interface GroupingSetsSteps {
  expandSchema: Field[];
  projections: BoundExpr[][];
  /** Group keys of the aggregate: the declared keys, then `$g`. */
  groupKeys: number[];
  /** Output of the aggregate: keys, `$g`, aggregates. */
  aggSchema: Field[];
  /** From the aggregate's output to the declared order. */
  reorder: BoundExpr[];
}

export function groupingSetsSteps(p: AggregateNode): GroupingSetsSteps {
  const sets = p.groupingSets!;
  const k = p.groupKeys.length;
  const inSchema = p.input.schema;
  const expandSchema: Field[] = [
    ...inSchema.map((f, i) => (p.groupKeys.includes(i) ? { name: f.name, type: nullable(f.type) } : f)),
    { name: '$g', type: notNull(T.bigint()) },
  ];
  const projections: BoundExpr[][] = sets.map((set) => {
    const present = new Set(set.map((pos) => p.groupKeys[pos]!));
    let g = 0;
    for (let pos = 0; pos < k; pos++) if (!set.includes(pos)) g |= 1 << (k - 1 - pos);
    return [
      ...inSchema.map((f, i) => (p.groupKeys.includes(i) && !present.has(i) ? literal(null, nullable(f.type)) : inputRef(i, expandSchema[i]!.type))),
      literal(g, notNull(T.bigint())),
    ];
  });
  const aggSchema = [...p.schema.slice(0, k), p.schema[p.schema.length - 1]!, ...p.schema.slice(k, p.schema.length - 1)];
  const reorder = [
    ...p.schema.slice(0, k).map((f, i) => inputRef(i, f.type)),
    ...p.aggs.map((a, i) => inputRef(k + 1 + i, a.type)),
    inputRef(k, notNull(T.bigint())),
  ];
  return { expandSchema, projections, groupKeys: [...p.groupKeys, inSchema.length], aggSchema, reorder };
}
