/**
 * `partial-update`: each version updates only the columns it has (non-NULL values win over older
 * ones), so several writers can each fill in their columns of a wide row.
 *
 * Sequence groups (`'fields.<seq>.sequence-group' = 'a,b'`) version columns separately: the columns
 * of a group (and its sequence column) change only when a row's sequence value is at least the group's
 * current one, and then all of them change, NULLs included. A retraction (-U/-D) clears a group's
 * columns the same way. Without groups, retractions are refused unless 'ignore-delete' drops them or
 * 'partial-update.remove-record-on-delete' makes a -D end the key (and a -U be ignored).
 */
import type { KeyGroup, MergeContext, MergeFunction } from './merge-function.ts';
import { MERGED, MERGED_AFTER_DELETE, NONE, retractionRejected } from './merge-function.ts';
import { DELETE, isRetractionKind } from './kinds.ts';
import { valueComparator } from '../value-codec.ts';
import type { Comparator } from '../../types/value.ts';
import { FreshetError, SqlState } from '../../util/errors.ts';

interface SequenceGroup {
  /** Positions (in the merged rows) of the group's sequence columns. */
  seq: number[];
  seqCompare: Comparator[];
  /** Positions of the columns the group versions (sequence columns not included). */
  cols: number[];
}

export class PartialUpdateMerge implements MergeFunction {
  private readonly table: string;
  private readonly keys: number[];
  /** Columns updated by "newer non-NULL wins". */
  private readonly plain: number[];
  private readonly groups: SequenceGroup[];
  private readonly ignoreDelete: boolean;
  private readonly removeOnDelete: boolean;
  private readonly acc: unknown[];
  private readonly groupSeq: Array<unknown[] | null>;
  deleteMember = -1;
  rowSeq = 0;
  get row(): readonly unknown[] {
    return this.acc;
  }
  readonly keepsDeleteBeforeRow: boolean;

  constructor(ctx: MergeContext) {
    const { layout, fields } = ctx;
    this.table = layout.name;
    const pos = (fieldIndex: number): number => fields.indexOf(fieldIndex);
    const byName = (name: string, option: string): number => {
      const i = layout.fields.findIndex((f) => f.name === name) >= 0 ? layout.fields.findIndex((f) => f.name === name) : layout.fields.findIndex((f) => f.name.toLowerCase() === name.toLowerCase());
      if (i < 0) throw new FreshetError(SqlState.undefinedColumn, `table ${layout.name}: option '${option}' names \`${name}\`, which is not a column`, { hint: `Columns: ${layout.fields.map((f) => f.name).join(', ')}.` });
      return i;
    };
    this.keys = layout.primaryKey.map(pos);
    this.groups = [];
    const grouped = new Set<number>();
    for (const [seqSpec, colSpec] of layout.options.fieldOptions('sequence-group')) {
      const option = `fields.${seqSpec}.sequence-group`;
      const seqFields = seqSpec.split(',').map((s) => byName(s.trim(), option));
      const colFields = colSpec.split(',').map((s) => s.trim()).filter((s) => s !== '').map((s) => byName(s, option));
      for (const f of [...seqFields, ...colFields]) {
        if (layout.primaryKey.includes(f)) throw new FreshetError(SqlState.invalidParameterValue, `table ${layout.name}: option '${option}' includes primary key column ${layout.fields[f]!.name}`);
        if (grouped.has(f)) throw new FreshetError(SqlState.invalidParameterValue, `table ${layout.name}: column ${layout.fields[f]!.name} is in two sequence groups`, { hint: 'Each column belongs to at most one sequence group.' });
        grouped.add(f);
      }
      this.groups.push({ seq: seqFields.map(pos), seqCompare: seqFields.map((f) => valueComparator(layout.types[f]!)), cols: colFields.map(pos) });
    }
    this.plain = fields.map((_, p) => p).filter((p) => !this.keys.includes(p) && !grouped.has(fields[p]!));
    this.ignoreDelete = layout.options.ignoreDelete();
    this.removeOnDelete = layout.options.removeRecordOnDelete();
    this.keepsDeleteBeforeRow = this.removeOnDelete;
    this.acc = new Array(fields.length).fill(null);
    this.groupSeq = this.groups.map(() => null);
  }

  accept(kind: number): boolean {
    if (!isRetractionKind(kind)) return true;
    if (this.ignoreDelete) return false;
    if (this.removeOnDelete) return kind === DELETE;
    if (this.groups.length > 0) return true;
    throw retractionRejected(this.table, 'partial-update',
      "Set 'partial-update.remove-record-on-delete' = 'true' (a delete removes the row), 'ignore-delete' = 'true' (deletes are dropped), or define sequence groups ('fields.<seq>.sequence-group').");
  }

  /** Whether member m's sequence values for group gi are at least the group's current ones. */
  private newer(g: KeyGroup, m: number, gi: number): unknown[] | null {
    const grp = this.groups[gi]!;
    const vals = grp.seq.map((p) => g.value(m, p));
    if (vals.some((v) => v === null)) return null;
    const cur = this.groupSeq[gi];
    if (cur === null || cur === undefined) return vals;
    for (let k = 0; k < vals.length; k++) {
      const c = grp.seqCompare[k]!(vals[k], cur[k]);
      if (c !== 0) return c > 0 ? vals : null;
    }
    return vals;
  }

  merge(g: KeyGroup): number {
    const acc = this.acc;
    acc.fill(null);
    this.groupSeq.fill(null);
    let haveRow = false;
    let deleted = false;
    this.deleteMember = -1;
    for (let m = 0; m < g.size; m++) {
      const kind = g.kind(m);
      if (isRetractionKind(kind)) {
        if (this.removeOnDelete) {
          if (kind === DELETE) {
            acc.fill(null);
            this.groupSeq.fill(null);
            deleted = true;
            haveRow = false;
            this.deleteMember = m;
          }
          continue;
        }
        for (let gi = 0; gi < this.groups.length; gi++) {
          const vals = this.newer(g, m, gi);
          if (vals === null) continue;
          const grp = this.groups[gi]!;
          for (const p of grp.cols) acc[p] = null;
          grp.seq.forEach((p, k) => { acc[p] = vals[k]; });
          this.groupSeq[gi] = vals;
          haveRow = true;
        }
        continue;
      }
      haveRow = true;
      for (const p of this.plain) {
        const v = g.value(m, p);
        if (v !== null) acc[p] = v;
      }
      for (let gi = 0; gi < this.groups.length; gi++) {
        const vals = this.newer(g, m, gi);
        if (vals === null) continue;
        const grp = this.groups[gi]!;
        for (const p of grp.cols) acc[p] = g.value(m, p);
        grp.seq.forEach((p, k) => { acc[p] = vals[k]; });
        this.groupSeq[gi] = vals;
      }
    }
    if (!haveRow) return deleted ? this.deleteMember : NONE;
    // a lone row is its own result only without sequence groups: a group gates its columns by the
    // group's sequence (a NULL one leaves them unset) and a retraction clears them, even in one row
    if (!deleted && g.size === 1 && this.groups.length === 0) return 0;
    for (const p of this.keys) acc[p] = g.value(g.size - 1, p);
    this.rowSeq = g.maxSeq();
    return deleted ? MERGED_AFTER_DELETE : MERGED;
  }
}
