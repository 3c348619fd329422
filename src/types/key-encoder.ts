/**
 * Turns the key columns of a row into one JS value usable as a Map key: the value itself for a single
 * primitive column (number, bigint, string), a canonical string for several columns or nested values.
 * Equal keys give equal encodings (NULL = NULL when null-safe, -0 = 0, NaN = NaN).
 */
import type { Column } from './batch.ts';
import type { DataType } from './data-type.ts';
import { physicalOf, isCharacter } from './data-type.ts';
import { groupKeyOf } from './value.ts';
import { normalize } from './int64.ts';

/** The encoding of a NULL key (grouping and IS NOT DISTINCT FROM joins). */
export const NULL_KEY = Symbol('NULL');

export type KeyValue = number | bigint | string | boolean | symbol;

/**
 * Encodes row i of `cols`. Returns undefined if a key column is NULL and that column is not null-safe
 * (SQL `=` never matches NULL).
 */
export type KeyEncoder = (cols: readonly Column[], i: number) => KeyValue | undefined;

export function keyEncoder(types: readonly DataType[], nullSafe: readonly boolean[]): KeyEncoder {
  const n = types.length;
  if (n === 0) return () => 0;
  if (n === 1) {
    const t = types[0]!;
    const safe = nullSafe[0] ?? true;
    const phys = physicalOf(t);
    if (phys === 'i64') {
      // a batch built by hand may hold a safe integer as a bigint: it is the same key as the number
      return (cols, i) => {
        const c = cols[0]!;
        if (c.nulls !== null && c.nulls[i] === 1) return safe ? NULL_KEY : undefined;
        const v = (c.values as ArrayLike<KeyValue>)[i]!;
        return typeof v === 'bigint' ? normalize(v) : v === 0 ? 0 : v;
      };
    }
    const primitive = phys !== 'obj' || isCharacter(t);
    if (primitive) {
      return (cols, i) => {
        const c = cols[0]!;
        if (c.nulls !== null && c.nulls[i] === 1) return safe ? NULL_KEY : undefined;
        const v = (c.values as ArrayLike<KeyValue>)[i]!;
        return v === 0 ? 0 : v; // -0 and 0 are one key
      };
    }
    return (cols, i) => {
      const c = cols[0]!;
      if (c.nulls !== null && c.nulls[i] === 1) return safe ? NULL_KEY : undefined;
      return groupKeyOf((c.values as ArrayLike<unknown>)[i]);
    };
  }
  const kinds = types.map((t) => (physicalOf(t) === 'bool' ? 'b' : physicalOf(t) === 'obj' && !isCharacter(t) ? 'o' : 'p'));
  return (cols, i) => {
    let key = '';
    for (let k = 0; k < n; k++) {
      const c = cols[k]!;
      if (c.nulls !== null && c.nulls[i] === 1) {
        if (!(nullSafe[k] ?? true)) return undefined;
        key += 'N|';
        continue;
      }
      const v = (c.values as ArrayLike<unknown>)[i];
      switch (kinds[k]) {
        case 'p':
          key += typeof v === 'string' ? 's' + v.length + ':' + v + '|' : 'n' + (v === 0 ? '0' : String(v)) + '|';
          break;
        case 'b':
          key += v === 1 ? 'T|' : 'F|';
          break;
        default:
          key += groupKeyOf(v) + '|';
      }
    }
    return key;
  };
}
