/**
 * Which bucket a row belongs to: a hash of its bucket-key columns modulo the bucket count.
 *
 * The hash is part of the stored format: rows already written sit in the bucket this function chose,
 * and a writer must choose the same bucket for the same key forever. So it is defined here value by
 * value (never on JS object identity or engine internals): integers and integer-valued numbers hash as
 * 64-bit two's complement, doubles by their IEEE bits (with -0 as 0 and one NaN), strings by UTF-16
 * code units, bytes by byte; each value is mixed with murmur3's finalizer and combined in column order.
 */
import type { Column } from '../types/batch.ts';
import type { DataType } from '../types/data-type.ts';
import { physicalOf } from '../types/data-type.ts';
import { fmix32 } from '../util/hash.ts';

const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);


function mix(h: number, k: number): number {
  k = Math.imul(k, 0xcc9e2d51);
  k = (k << 15) | (k >>> 17);
  k = Math.imul(k, 0x1b873593);
  h ^= k;
  h = (h << 13) | (h >>> 19);
  return (Math.imul(h, 5) + 0xe6546b64) | 0;
}

const TWO32 = 4294967296;

function hashInt64(h: number, v: number | bigint): number {
  if (typeof v === 'bigint') {
    const u = BigInt.asUintN(64, v);
    return mix(mix(h, Number(u & 0xffffffffn) | 0), Number(u >> 32n) | 0);
  }
  const hi = Math.floor(v / TWO32);
  const lo = v - hi * TWO32;
  return mix(mix(h, lo | 0), hi | 0);
}

function hashDouble(h: number, d: number): number {
  if (d === 0) d = 0;
  if (Number.isNaN(d)) d = NaN;
  f64[0] = d;
  return mix(mix(h, u32[0]! | 0), u32[1]! | 0);
}

function hashString(h: number, s: string): number {
  for (let i = 0; i < s.length; i++) h = mix(h, s.charCodeAt(i));
  return mix(h, s.length);
}

function hashBytes(h: number, b: Uint8Array): number {
  for (let i = 0; i < b.length; i++) h = mix(h, b[i]!);
  return mix(h, b.length);
}

const NULL_HASH = 0x5bd1e995;

export type RowHasher = (cols: readonly Column[], row: number) => number;

/** A hasher over the given columns (positions in `cols`) of the given types. */
export function rowHasher(positions: readonly number[], types: readonly DataType[]): RowHasher {
  const kinds = types.map((t) => physicalOf(t));
  return (cols, row) => {
    let h = 42;
    for (let k = 0; k < positions.length; k++) {
      const c = cols[positions[k]!]!;
      if (c.nulls !== null && c.nulls[row] === 1) {
        h = mix(h, NULL_HASH);
        continue;
      }
      const v = (c.values as ArrayLike<unknown>)[row];
      switch (kinds[k]) {
        case 'bool': case 'i32': h = hashInt64(h, v as number); break;
        case 'i64': h = hashInt64(h, v as number | bigint); break;
        case 'f64': h = hashDouble(h, v as number); break;
        default:
          if (typeof v === 'string') h = hashString(h, v);
          else if (v instanceof Uint8Array) h = hashBytes(h, v);
          else h = hashString(h, JSON.stringify(v));
      }
    }
    return fmix32(h);
  };
}

/** Bucket of a hash among `n` buckets. */
export function bucketOf(hash: number, n: number): number {
  return hash % n;
}
