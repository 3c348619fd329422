/**
 * How the versions of one key become one row: the merge engine. It runs wherever versions meet — when
 * the write buffer is flushed, when files are compacted and when a read merges files — so it must be
 * associative: merging a merged row with newer versions gives the same result as merging everything
 * at once.
 *
 * A merge function sees a group: the rows of one key, oldest first (by sequence number, or by
 * `sequence.field` then sequence number). It answers with the index of a row to keep as it is, with
 * MERGED when it made a new row (in `row`, with kind +I and sequence number `rowSeq`), or with NONE
 * (no row: the key is gone).
 * A kept row with a retraction kind (-U, -D) is a tombstone: it hides older versions until a compaction
 * that includes the oldest data drops it.
 */
import type { DataType } from '../../types/data-type.ts';
import type { KvBatch } from '../kv.ts';
import type { TableLayout } from '../layout.ts';
import { FreshetError, SqlState } from '../../util/errors.ts';

export const MERGED = -1;
export const NONE = -2;
/**
 * The group held a delete that ended the key's life, and rows after it: the builder got the row those
 * later rows make. Writers keep the delete (member `deleteMember`) as a tombstone before that row
 * unless no older data can exist, so that older versions never leak back into the new life of the key.
 */
export const MERGED_AFTER_DELETE = -3;

/** The rows of one key, oldest first. Reused between groups: read it, do not keep it. */
export class KeyGroup {
  batches: KvBatch[] = [];
  rows: number[] = [];
  size = 0;

  clear(): void {
    this.size = 0;
  }

  add(batch: KvBatch, row: number): void {
    this.batches[this.size] = batch;
    this.rows[this.size] = row;
    this.size++;
  }

  kind(m: number): number {
    return this.batches[m]!.kinds[this.rows[m]!]!;
  }

  seq(m: number): number {
    return this.batches[m]!.seq[this.rows[m]!]!;
  }

  isNull(m: number, col: number): boolean {
    const c = this.batches[m]!.columns[col]!;
    return c.nulls !== null && c.nulls[this.rows[m]!] === 1;
  }

  value(m: number, col: number): unknown {
    const c = this.batches[m]!.columns[col]!;
    const r = this.rows[m]!;
    return c.nulls !== null && c.nulls[r] === 1 ? null : (c.values as ArrayLike<unknown>)[r];
  }

  maxSeq(): number {
    let s = -Infinity;
    for (let m = 0; m < this.size; m++) s = Math.max(s, this.seq(m));
    return s;
  }

  /** Reorders members by `compare` (stable), for `sequence.field` ordering. */
  sortBy(compare: (a: number, b: number) => number): void {
    const order = Array.from({ length: this.size }, (_, i) => i).sort((a, b) => compare(a, b) || a - b);
    const bs = order.map((i) => this.batches[i]!);
    const rs = order.map((i) => this.rows[i]!);
    for (let i = 0; i < this.size; i++) {
      this.batches[i] = bs[i]!;
      this.rows[i] = rs[i]!;
    }
  }
}

export interface MergeFunction {
  /** Merges a group of at least one row. */
  merge(group: KeyGroup): number;
  /** The row made by the last merge that answered MERGED or MERGED_AFTER_DELETE. */
  readonly row?: readonly unknown[];
  readonly rowSeq?: number;
  /** After MERGED_AFTER_DELETE: the group member that is the delete. */
  readonly deleteMember?: number;
  /** Whether files may hold several rows of one key (a tombstone before a new life), so reads always merge. */
  readonly keepsDeleteBeforeRow?: boolean;
  /**
   * Checks a row about to be written (kind `kind`) and says whether to keep it. Rows an engine cannot
   * take (a retraction where retractions make no sense) fail here, at write time, naming the table.
   */
  accept(kind: number): boolean;
}

/** What a merge function knows about the columns it merges. */
export interface MergeContext {
  layout: TableLayout;
  /** Table field index of each column of the rows it sees. */
  fields: readonly number[];
  types: readonly DataType[];
}

export function retractionRejected(table: string, engine: string, hint: string): FreshetError {
  return new FreshetError(SqlState.featureNotSupported, `table ${table} (merge engine '${engine}') cannot take updates or deletes of earlier rows (-U/-D)`, { hint });
}
