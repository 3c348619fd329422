/**
 * Assigns dense group ids (0, 1, 2, ...) to distinct keys and remembers each group's key values, so a
 * hash aggregate can keep its accumulators in arrays indexed by group id.
 *
 * One numeric key column (the common case: INT, BIGINT, DATE, TIMESTAMP, DOUBLE) goes through a typed
 * open-addressing table; other keys are encoded to one JS value and go through a Map.
 */
import type { Column } from '../../types/batch.ts';
import { ColumnBuilder } from '../../types/batch.ts';
import type { DataType } from '../../types/data-type.ts';
import { physicalOf } from '../../types/data-type.ts';
import { keyEncoder, type KeyEncoder, type KeyValue } from '../../types/key-encoder.ts';
import { NumberTable } from '../../util/number-table.ts';

export class GroupTable {
  private readonly ids = new Map<KeyValue, number>();
  private readonly encode: KeyEncoder;
  private readonly keyBuilders: ColumnBuilder[];
  private readonly noKeys: boolean;
  /** Set when there is exactly one numeric key column. */
  private readonly numbers: NumberTable | null;
  /** Exactly one string key column: the strings themselves are the Map keys. */
  private readonly stringKey: boolean;
  private nullId = -1;
  private count = 0;
  private idBuf = new Int32Array(1024);

  constructor(keyTypes: readonly DataType[]) {
    this.encode = keyEncoder(keyTypes, keyTypes.map(() => true));
    this.keyBuilders = keyTypes.map((t) => new ColumnBuilder(physicalOf(t)));
    this.noKeys = keyTypes.length === 0;
    const p = keyTypes.length === 1 ? physicalOf(keyTypes[0]!) : null;
    this.numbers = p === 'i32' || p === 'f64' || p === 'i64' ? new NumberTable() : null;
    this.stringKey = keyTypes.length === 1 && (keyTypes[0]!.kind === 'VARCHAR' || keyTypes[0]!.kind === 'CHAR');
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
    if (this.numbers !== null) {
      this.assignNumbers(keyCols[0]!, rows, n, out);
      return out;
    }
    if (this.stringKey) {
      this.assignStrings(keyCols[0]!, rows, n, out);
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

  private assignNumbers(col: Column, rows: Int32Array | null, n: number, out: Int32Array): void {
    const table = this.numbers!;
    const builder = this.keyBuilders[0]!;
    const vals = col.values as ArrayLike<number | bigint>;
    const nulls = col.nulls;
    const typed = !Array.isArray(vals);
    for (let k = 0; k < n; k++) {
      const i = rows === null ? k : rows[k]!;
      if (nulls !== null && nulls[i] === 1) {
        if (this.nullId < 0) {
          this.nullId = this.count++;
          builder.appendNull();
        }
        out[k] = this.nullId;
        continue;
      }
      const v = vals[i]!;
      if (typed || typeof v === 'number') {
        const before = this.count;
        const g = table.getOrInsert(v as number, before);
        if (g === before) {
          this.count++;
          builder.append(v);
        }
        out[k] = g;
      } else {
        // a bigint beyond the safe range (BIGINT/DECIMAL): rare, kept in the Map
        let g = this.ids.get(v);
        if (g === undefined) {
          g = this.count++;
          this.ids.set(v, g);
          builder.append(v);
        }
        out[k] = g;
      }
    }
  }

  private assignStrings(col: Column, rows: Int32Array | null, n: number, out: Int32Array): void {
    const ids = this.ids as Map<unknown, number>;
    const builder = this.keyBuilders[0]!;
    const vals = col.values as ArrayLike<string>;
    const nulls = col.nulls;
    for (let k = 0; k < n; k++) {
      const i = rows === null ? k : rows[k]!;
      if (nulls !== null && nulls[i] === 1) {
        if (this.nullId < 0) {
          this.nullId = this.count++;
          builder.appendNull();
        }
        out[k] = this.nullId;
        continue;
      }
      const v = vals[i]!;
      let g = ids.get(v);
      if (g === undefined) {
        g = this.count++;
        ids.set(v, g);
        builder.append(v);
      }
      out[k] = g;
    }
  }

  /** The id of a key if the group exists, else -1 (no insertion). */
  find(keyCols: readonly Column[], i: number): number {
    if (this.noKeys) return this.count > 0 ? 0 : -1;
    if (this.numbers !== null) {
      const c = keyCols[0]!;
      if (c.nulls !== null && c.nulls[i] === 1) return this.nullId;
      const v = (c.values as ArrayLike<number | bigint>)[i]!;
      return typeof v === 'number' ? this.numbers.get(v) : this.ids.get(v) ?? -1;
    }
    if (this.stringKey) {
      const c = keyCols[0]!;
      if (c.nulls !== null && c.nulls[i] === 1) return this.nullId;
      return this.ids.get((c.values as ArrayLike<string>)[i]!) ?? -1;
    }
    const key = this.encode(keyCols, i)!;
    return this.ids.get(key) ?? -1;
  }

  /** Key columns of all groups, in id order. */
  keyColumns(): Column[] {
    return this.keyBuilders.map((b) => b.build());
  }
}
