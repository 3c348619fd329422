/**
 * The `lookup` changelog producer: when the writer flushes, every key it writes is looked up in the
 * bucket's current state and the exact change is emitted — +I for a new key, -U old / +U new for a
 * changed one, -D old for a deleted one — so streaming readers get a complete changelog without a
 * normalizing operator of their own.
 *
 * The state of a bucket is kept as references to rows of immutable batches (one entry per live key),
 * loaded from the bucket's files the first time the bucket is written and kept current by every flush
 * of this writer.
 */
import type { Physical } from '../../types/data-type.ts';
import { valuesEqual } from '../../types/value.ts';
import type { KvBatch } from '../kv.ts';
import { KvBuilder } from '../kv.ts';
import { keyEncoder, type KeyEncoder, type KeyValue } from '../../types/key-encoder.ts';
import type { DataType } from '../../types/data-type.ts';
import { KeyGroup, MERGED, MERGED_AFTER_DELETE, NONE, type MergeFunction } from '../merge/merge-function.ts';
import { DELETE, INSERT, UPDATE_AFTER, UPDATE_BEFORE, isRetractionKind } from '../merge/kinds.ts';

interface RowRef {
  b: KvBatch;
  r: number;
}

export class LookupState {
  private readonly map = new Map<KeyValue, RowRef>();
  private readonly keyPositions: readonly number[];
  private readonly encode: KeyEncoder;
  private readonly phys: readonly Physical[];
  private readonly merge: MergeFunction;
  private readonly rowDeduplicate: boolean;
  /** Orders the old and the new version by 'sequence.field' (when set) before they are merged. */
  private readonly orderGroup: ((g: KeyGroup) => void) | undefined;

  constructor(keyPositions: readonly number[], keyTypes: readonly DataType[], phys: readonly Physical[], merge: MergeFunction, rowDeduplicate: boolean, orderGroup?: (g: KeyGroup) => void) {
    this.keyPositions = keyPositions;
    this.encode = keyEncoder(keyTypes, keyTypes.map(() => true));
    this.phys = phys;
    this.merge = merge;
    this.rowDeduplicate = rowDeduplicate;
    this.orderGroup = orderGroup;
  }

  private keyOf(_b: KvBatch, i: number, keyCols: KvBatch['columns']): KeyValue {
    return this.encode(keyCols, i)!;
  }

  /** Loads merged rows (tombstones dropped) of the bucket as it is before this writer's flushes. */
  load(b: KvBatch): void {
    const keyCols = this.keyPositions.map((p) => b.columns[p]!);
    for (let i = 0; i < b.length; i++) this.map.set(this.keyOf(b, i, keyCols), { b, r: i });
  }

  get size(): number {
    return this.map.size;
  }

  private sameRow(x: RowRef, y: RowRef): boolean {
    for (let c = 0; c < this.phys.length; c++) {
      const cx = x.b.columns[c]!;
      const cy = y.b.columns[c]!;
      const nx = cx.nulls !== null && cx.nulls[x.r] === 1;
      const ny = cy.nulls !== null && cy.nulls[y.r] === 1;
      if (nx || ny) {
        if (nx !== ny) return false;
        continue;
      }
      if (!valuesEqual((cx.values as ArrayLike<unknown>)[x.r], (cy.values as ArrayLike<unknown>)[y.r])) return false;
    }
    return true;
  }

  /**
   * The changelog of writing `flushed` (rows sorted by key, as a flush or compaction wrote them),
   * updating the state. A key appears once, or as a tombstone followed by its new life; the rows are
   * taken in segments in which every key is distinct, so each key's change depends only on the state
   * before its segment.
   */
  produce(flushed: KvBatch): KvBatch {
    const out = new KvBuilder(this.phys, flushed.length + 16);
    const keyCols = this.keyPositions.map((p) => flushed.columns[p]!);
    let start = 0;
    while (start < flushed.length) {
      const seen = new Set<KeyValue>();
      let end = start;
      while (end < flushed.length) {
        const k = this.keyOf(flushed, end, keyCols);
        if (seen.has(k)) break;
        seen.add(k);
        end++;
      }
      this.segment(flushed, start, end, keyCols, out);
      start = end;
    }
    return out.build();
  }

  private segment(flushed: KvBatch, start: number, end: number, keyCols: KvBatch['columns'], out: KvBuilder): void {
    const group = new KeyGroup();
    const made = new KvBuilder(this.phys, 64);
    const n = end - start;
    // per row: the next state as a row of a batch (ref), a row the merge made (index), or none
    const keys: KeyValue[] = new Array(n);
    const olds: Array<RowRef | undefined> = new Array(n);
    const nexts: Array<RowRef | number | undefined> = new Array(n);
    for (let j = 0; j < n; j++) {
      const i = start + j;
      const key = this.keyOf(flushed, i, keyCols);
      const old = this.map.get(key);
      keys[j] = key;
      olds[j] = old;
      group.clear();
      if (old) group.add(old.b, old.r);
      group.add(flushed, i);
      if (old && this.orderGroup) this.orderGroup(group);
      const r = this.merge.merge(group);
      // the merge kept the old row itself (first-row; an older 'sequence.field' version): nothing changed
      if (r >= 0 && old && group.batches[r] === old.b && group.rows[r] === old.r) nexts[j] = old;
      else if (r >= 0) nexts[j] = isRetractionKind(group.kind(r)) ? undefined : { b: group.batches[r]!, r: group.rows[r]! };
      else if (r === MERGED || r === MERGED_AFTER_DELETE) {
        made.append(this.merge.row!, INSERT, this.merge.rowSeq!);
        nexts[j] = made.length - 1;
      } else if (r === NONE) nexts[j] = undefined;
    }
    const madeBatch = made.build();
    for (let j = 0; j < n; j++) {
      const old = olds[j];
      const x = nexts[j];
      const next: RowRef | undefined = typeof x === 'number' ? { b: madeBatch, r: x } : x;
      const seq = flushed.seq[start + j]!;
      if ((old === undefined && next === undefined) || old === next) continue;
      if (old === undefined) out.copy(next!.b, next!.r, INSERT, seq);
      else if (next === undefined) out.copy(old.b, old.r, DELETE, seq);
      else if (!(this.rowDeduplicate && this.sameRow(old, next))) {
        out.copy(old.b, old.r, UPDATE_BEFORE, seq);
        out.copy(next.b, next.r, UPDATE_AFTER, seq);
      }
      if (next === undefined) this.map.delete(keys[j]!);
      else this.map.set(keys[j]!, next);
    }
  }
}
