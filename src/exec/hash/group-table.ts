/**
 * Assigns dense group ids (0, 1, 2, ...) to distinct keys and remembers each group's key values, so a
 * hash aggregate can keep its accumulators in arrays indexed by group id.
 */
import type { Column } from '../../types/batch.ts';
import { ColumnBuilder } from '../../types/batch.ts';
import type { DataType } from '../../types/data-type.ts';
import { physicalOf } from '../../types/data-type.ts';
import { keyEncoder, type KeyEncoder, type KeyValue } from './key-encoder.ts';

export class GroupTable {
  private readonly ids = new Map<KeyValue, number>();
  private readonly encode: KeyEncoder;
  private readonly keyBuilders: ColumnBuilder[];
  private readonly noKeys: boolean;
  private count = 0;
  private idBuf = new Int32Array(1024);

  constructor(keyTypes: readonly DataType[]) {
    this.encode = keyEncoder(keyTypes, keyTypes.map(() => true));
    this.keyBuilders = keyTypes.map((t) => new ColumnBuilder(physicalOf(t)));
    this.noKeys = keyTypes.length === 0;
  }

  /** Number of groups so far. */
  get size(): number {
    return this.count;
  }

  /**
   * Group ids for rows `rows[0..n)` (or 0..n when rows is null) of `keyCols`; new keys get new ids.
   * The returned array is reused by the next call.
   */
  assign(keyCols: readonly Column[], rows: Int32Array | null, n: number): Int32Array {
    if (this.idBuf.length < n) this.idBuf = new Int32Array(Math.max(n, this.idBuf.length * 2));
    const out = this.idBuf;
    if (this.noKeys) {
      if (this.count === 0) this.count = 1;
      out.fill(0, 0, n);
      return out;
    }
    const ids = this.ids;
    const encode = this.encode;
    for (let k = 0; k < n; k++) {
      const i = rows === null ? k : rows[k]!;
      const key = encode(keyCols, i)!;
      let g = ids.get(key);
      if (g === undefined) {
        g = this.count++;
        ids.set(key, g);
        for (let c = 0; c < keyCols.length; c++) this.keyBuilders[c]!.appendFrom(keyCols[c]!, i);
      }
      out[k] = g;
    }
    return out;
  }

  /** The id of a key if the group exists, else -1 (no insertion). */
  find(keyCols: readonly Column[], i: number): number {
    if (this.noKeys) return this.count > 0 ? 0 : -1;
    const key = this.encode(keyCols, i)!;
    return this.ids.get(key) ?? -1;
  }

  /** Key columns of all groups, in id order. */
  keyColumns(): Column[] {
    return this.keyBuilders.map((b) => b.build());
  }
}
