/**
 * Compacting keyed state: once most slots of a key space or row store are released (expired state, keys
 * whose groups emptied), the live ones are renumbered densely, in order, and the arrays are allocated
 * again at the size they need, so memory and checkpoints shrink with the state instead of keeping the
 * size of the peak. The store renumbers itself (KeySlots.compact, RowArena.compact) and returns the
 * renumbering; whoever keeps arrays indexed by those numbers moves them with the helpers here.
 */

/**
 * The renumbering that compacts slots [0, high) of which `free` are released: each live slot gets the
 * number of live slots below it (order kept, so remap[s] <= s); released ones get -1.
 */
export function liveRemap(high: number, free: readonly number[]): Int32Array {
  const remap = new Int32Array(high);
  for (const s of free) remap[s] = -1;
  let n = 0;
  for (let s = 0; s < high; s++) if (remap[s] === 0) remap[s] = n++;
  return remap;
}

/** Whether compacting a store of `capacity` slots holding `live` pays: most of it is released, and it is not tiny. */
export function worthCompacting(capacity: number, live: number): boolean {
  return capacity >= 64 && live * 2 <= capacity;
}

type Typed = Float64Array | Int32Array | Uint8Array;

/**
 * A per-slot typed array renumbered by `remap`, in a new array of max(n, min) entries; entries past the
 * live ones are `fill` (what a fresh slot starts with).
 */
export function remapTyped<A extends Typed>(a: A, remap: Int32Array, n: number, fill = 0, min = 16): A {
  const out = new (a.constructor as { new (n: number): A })(Math.max(n, min));
  if (fill !== 0) out.fill(fill);
  const m = Math.min(remap.length, a.length);
  for (let s = 0; s < m; s++) {
    const t = remap[s]!;
    if (t >= 0) out[t] = a[s]!;
  }
  return out;
}

/** A per-slot plain array renumbered by `remap`, `n` entries long (entries past the live ones are dropped). */
export function remapArray<T>(a: T[], remap: Int32Array, n: number): T[] {
  const out = new Array<T>(Math.min(n, a.length));
  const m = Math.min(remap.length, a.length);
  for (let s = 0; s < m; s++) {
    const t = remap[s]!;
    if (t >= 0 && t < out.length) out[t] = a[s]!;
  }
  return out;
}

/** Renumbers, in place, the first `n` entries of `ids` whose values are renumbered rows or slots; -1 stays -1. */
export function renumberIds(ids: Int32Array, remap: Int32Array, n: number): void {
  for (let k = 0; k < n; k++) {
    const id = ids[k]!;
    if (id >= 0) ids[k] = remap[id]!;
  }
}
