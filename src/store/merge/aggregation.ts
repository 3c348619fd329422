/**
 * `aggregation`: every non-key column is combined across versions by its aggregate function
 * (`'fields.<f>.aggregate-function'`, default `'fields.default-aggregate-function'`, else
 * last_non_null_value). Sequence fields always keep the newest value. With
 * 'aggregation.remove-record-on-delete' a -D ends the key; later rows start it afresh.
 */
import type { KeyGroup, MergeContext, MergeFunction } from './merge-function.ts';
import { MERGED, MERGED_AFTER_DELETE, NONE } from './merge-function.ts';
import { DELETE, isRetractionKind } from './kinds.ts';
import { fieldAggregator, type FieldAggregator } from './field-aggregators.ts';
import { FreshetError, SqlState } from '../../util/errors.ts';

export class AggregationMerge implements MergeFunction {
  private readonly table: string;
  private readonly keys: number[];
  /** Aggregator per merged column (null: key column, copied). */
  private readonly aggs: Array<FieldAggregator | null>;
  private readonly ignoreRetract: boolean[];
  private readonly names: string[];
  private readonly removeOnDelete: boolean;
  private readonly ignoreDelete: boolean;
  private readonly acc: unknown[];
  private readonly seen: boolean[];
  private readonly allIdentity: boolean;
  deleteMember = -1;
  rowSeq = 0;
  get row(): readonly unknown[] {
    return this.acc;
  }
  readonly keepsDeleteBeforeRow: boolean;

  constructor(ctx: MergeContext) {
    const { layout, fields, types } = ctx;
    this.table = layout.name;
    this.keys = layout.primaryKey.map((f) => fields.indexOf(f));
    const fns = layout.options.fieldOptions('aggregate-function');
    const ignore = layout.options.fieldOptions('ignore-retract');
    const delims = layout.options.fieldOptions('list-agg-delimiter');
    const fallback = layout.options.get('fields.default-aggregate-function') ?? 'last_non_null_value';
    const known = new Set(layout.fields.map((f) => f.name));
    for (const name of [...fns.keys(), ...ignore.keys()]) {
      if (!known.has(name)) {
        throw new FreshetError(SqlState.undefinedColumn, `table ${layout.name}: option 'fields.${name}.…' names \`${name}\`, which is not a column`, { hint: `Columns: ${layout.fields.map((f) => f.name).join(', ')}.` });
      }
    }
    this.names = fields.map((f) => layout.fields[f]!.name);
    this.aggs = fields.map((f, p) => {
      if (this.keys.includes(p)) return null;
      const name = layout.fields[f]!.name;
      if (layout.primaryKey.includes(f)) return null;
      const fn = layout.sequenceFields.includes(f) ? 'last_value' : (fns.get(name) ?? fallback).trim().toLowerCase();
      return fieldAggregator(fn, types[p]!, layout.name, name, { delimiter: delims.get(name) ?? ',' });
    });
    this.ignoreRetract = this.names.map((n) => (ignore.get(n) ?? 'false').trim().toLowerCase() === 'true');
    this.removeOnDelete = layout.options.removeRecordOnDelete();
    this.ignoreDelete = layout.options.ignoreDelete();
    this.keepsDeleteBeforeRow = this.removeOnDelete;
    this.acc = new Array(fields.length).fill(null);
    this.seen = new Array(fields.length).fill(false);
    this.allIdentity = this.aggs.every((a) => a === null || a.identityOnOne);
  }

  /** Input values become what is stored (count's 0/1); applied once, when a row is written. */
  prepare(values: unknown[]): void {
    for (let p = 0; p < this.aggs.length; p++) {
      const a = this.aggs[p];
      if (a?.prepare) values[p] = a.prepare(values[p]);
    }
  }

  get needsPrepare(): boolean {
    return this.aggs.some((a) => a?.prepare !== undefined);
  }

  accept(kind: number): boolean {
    if (!isRetractionKind(kind)) return true;
    if (this.ignoreDelete) return false;
    if (this.removeOnDelete && kind === DELETE) return true;
    let any = false;
    for (let p = 0; p < this.aggs.length; p++) {
      const a = this.aggs[p];
      if (a === null || this.ignoreRetract[p]) continue;
      if (!a.retract) {
        throw new FreshetError(SqlState.featureNotSupported, `table ${this.table}: aggregate function '${a.name}' of column ${this.names[p]} cannot take back a retracted value (-U/-D)`, {
          hint: `Set 'fields.${this.names[p]}.ignore-retract' = 'true' to ignore retractions for it, use 'sum', 'count' or 'last_value', or set 'ignore-delete' = 'true'.`,
        });
      }
      any = true;
    }
    return any;
  }

  merge(g: KeyGroup): number {
    if (g.size === 1 && this.allIdentity && !isRetractionKind(g.kind(0))) return 0;
    const acc = this.acc;
    const seen = this.seen;
    acc.fill(null);
    seen.fill(false);
    let haveRow = false;
    let deleted = false;
    this.deleteMember = -1;
    for (let m = 0; m < g.size; m++) {
      const kind = g.kind(m);
      if (kind === DELETE && this.removeOnDelete) {
        acc.fill(null);
        seen.fill(false);
        haveRow = false;
        deleted = true;
        this.deleteMember = m;
        continue;
      }
      const retract = isRetractionKind(kind);
      haveRow = true;
      for (let p = 0; p < this.aggs.length; p++) {
        const a = this.aggs[p];
        if (a === null) continue;
        const v = g.value(m, p);
        if (retract) {
          if (this.ignoreRetract[p] || !a.retract) continue;
          acc[p] = a.retract(seen[p] ? acc[p] : null, v);
          seen[p] = true;
        } else if (!seen[p]) {
          acc[p] = v;
          seen[p] = true;
        } else acc[p] = a.add(acc[p], v);
      }
    }
    if (!haveRow) return deleted ? this.deleteMember : NONE;
    for (const p of this.keys) acc[p] = g.value(g.size - 1, p);
    this.rowSeq = g.maxSeq();
    return deleted ? MERGED_AFTER_DELETE : MERGED;
  }
}
