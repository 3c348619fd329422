/**
 * Incremental snapshots of keyed state. An operator writes its snapshot through a `StateWriter`: the
 * full writer copies every per-slot array whole; the delta writer copies only the entries of slots
 * marked in a ChangedSlots (see changed-slots.ts) and records them as patches. Both writers are driven
 * by the same snapshot code, so a delta has exactly the shape of a full snapshot, with patches where
 * the full one has per-slot arrays, free lists or per-slot lists.
 *
 * `applyDelta` turns a full snapshot plus a delta into the full snapshot as of the delta, on plain data
 * (after node:v8 deserialize), so operators restore from it as from any full snapshot. It walks the
 * delta: a patch is applied to the array at the same place in the base; arrays and plain objects that
 * hold patches are merged entry by entry (the same code wrote base and delta, so they have the same
 * shape); anything else (numbers, Maps, small arrays and objects saved whole) replaces what the base had.
 *
 * Patches:
 *  - slots: entries `ids` of an array of length `n` (new entries beyond the base's length not in `ids`
 *    get `fill`: the value a grown array holds there);
 *  - stack: a free list whose first `keep` entries are the base's, followed by `tail`;
 *  - lists: per-slot lists of ints (packed), the lists of slots `ids` replaced.
 */
import { FreshetError, SqlState } from '../util/errors.ts';
import type { ChangedSlots } from './changed-slots.ts';

/** Marks a patch in a delta snapshot. */
export const PATCH = '\u0000patch';

type TypedArray = Float64Array | Int32Array | Uint8Array;
type SlotArray = TypedArray | unknown[];

export interface SlotPatch {
  [PATCH]: 'slots';
  n: number;
  ids: Int32Array;
  values: SlotArray;
  fill: unknown;
}

export interface StackPatch {
  [PATCH]: 'stack';
  keep: number;
  tail: Int32Array;
}

/** Lists of ints per slot (Top-N partitions, session rows, ...) in bulk: lengths (-1 = no list) and all items. */
export interface ListsSnapshot {
  lengths: Int32Array;
  items: Int32Array;
}

export interface ListsPatch {
  [PATCH]: 'lists';
  n: number;
  ids: Int32Array;
  lists: ListsSnapshot;
}

type Patch = SlotPatch | StackPatch | ListsPatch;

export function packLists(lists: ReadonlyArray<readonly number[] | undefined>, n = lists.length, ids?: ArrayLike<number>): ListsSnapshot {
  const m = ids === undefined ? n : ids.length;
  const at = (k: number): number => (ids === undefined ? k : ids[k]!);
  const lengths = new Int32Array(m);
  let total = 0;
  for (let k = 0; k < m; k++) {
    const l = lists[at(k)];
    lengths[k] = l === undefined ? -1 : l.length;
    if (l !== undefined) total += l.length;
  }
  const items = new Int32Array(total);
  let j = 0;
  for (let k = 0; k < m; k++) {
    const l = lists[at(k)];
    if (l !== undefined) for (let i = 0; i < l.length; i++) items[j++] = l[i]!;
  }
  return { lengths, items };
}

export function unpackLists(p: ListsSnapshot): Array<number[] | undefined> {
  const out: Array<number[] | undefined> = new Array(p.lengths.length);
  let k = 0;
  for (let s = 0; s < p.lengths.length; s++) {
    const len = p.lengths[s]!;
    if (len < 0) {
      out[s] = undefined;
      continue;
    }
    const l = new Array<number>(len);
    for (let j = 0; j < len; j++) l[j] = p.items[k++]!;
    out[s] = l;
  }
  return out;
}

/**
 * How an operator's snapshot code copies its per-slot state. In a delta the returned values are
 * patches where the declared types say arrays: a delta is only ever read by `applyDelta`.
 */
export interface StateWriter {
  /** True for the writer of deltas. */
  readonly delta: boolean;
  /**
   * Entries [0, n) of a per-slot array (n capped by its length): a copy, or a patch of the entries at
   * the `changed` slots. `each` copies one entry of a plain array (default: as it is).
   */
  slots<A extends SlotArray>(values: A, n: number, changed: ChangedSlots, each?: (v: unknown) => unknown): A;
  /** A stack of ints (a free list) whose entries below `low` have not changed since the last checkpoint. */
  stack(items: readonly number[], low: number): Int32Array;
  /** Per-slot lists of ints of slots [0, n). */
  lists(lists: ReadonlyArray<readonly number[] | undefined>, n: number, changed: ChangedSlots): ListsSnapshot;
}

const identity = (v: unknown): unknown => v;

/** Complete copies: a full snapshot. */
export const FULL_STATE: StateWriter = {
  delta: false,
  slots<A extends SlotArray>(values: A, n: number, _changed: ChangedSlots, each = identity): A {
    const m = Math.min(n, values.length);
    if (Array.isArray(values)) return (each === identity ? values.slice(0, m) : values.slice(0, m).map(each)) as A;
    return (values as TypedArray).slice(0, m) as A;
  },
  stack: (items) => Int32Array.from(items),
  lists: (lists, n) => packLists(lists, n),
};

/** What changed since the last checkpoint: a delta. */
export const CHANGED_STATE: StateWriter = {
  delta: true,
  slots<A extends SlotArray>(values: A, n: number, changed: ChangedSlots, each = identity): A {
    const m = Math.min(n, values.length);
    const ids = changed.below(m);
    let out: SlotArray;
    if (Array.isArray(values)) {
      const a = new Array<unknown>(ids.length);
      for (let k = 0; k < ids.length; k++) a[k] = each(values[ids[k]!]);
      out = a;
    } else {
      const t = values as TypedArray;
      const a = new (t.constructor as Float64ArrayConstructor)(ids.length);
      for (let k = 0; k < ids.length; k++) a[k] = t[ids[k]!]!;
      out = a;
    }
    // entries a grown array holds beyond what was ever written: the last one, unless it was written
    const fill = Array.isArray(values) && m > 0 && !changed.has(m - 1) ? each(values[m - 1]) : undefined;
    const p: SlotPatch = { [PATCH]: 'slots', n: m, ids, values: out, fill };
    return p as unknown as A;
  },
  stack(items, low) {
    const keep = Math.min(low, items.length);
    const p: StackPatch = { [PATCH]: 'stack', keep, tail: Int32Array.from(items.slice(keep)) };
    return p as unknown as Int32Array;
  },
  lists(lists, n, changed) {
    const ids = changed.below(n);
    const p: ListsPatch = { [PATCH]: 'lists', n, ids, lists: packLists(lists, n, ids) };
    return p as unknown as ListsSnapshot;
  },
};

function isPlainObject(x: unknown): x is Record<string, unknown> {
  if (x === null || typeof x !== 'object' || Array.isArray(x) || ArrayBuffer.isView(x)) return false;
  const p = Object.getPrototypeOf(x) as object | null;
  return p === Object.prototype || p === null;
}

function isPatch(x: unknown): x is Patch {
  return isPlainObject(x) && PATCH in x;
}

function badDelta(path: string, what: string): FreshetError {
  return new FreshetError(SqlState.dataCorrupted, `the incremental state at ${path || 'the top'} ${what}`, {
    hint: 'The checkpoint does not fit the one it was written on; the job resumes from the previous complete checkpoint, if one is retained.',
  });
}

function applySlots(base: unknown, p: SlotPatch, path: string): SlotArray {
  const { n, ids, values } = p;
  if (Array.isArray(values)) {
    let a: unknown[];
    if (Array.isArray(base)) a = base;
    else if (base === null || base === undefined) a = [];
    else if (ArrayBuffer.isView(base)) a = Array.from(base as TypedArray); // a BIGINT column that widened
    else throw badDelta(path, 'patches a value that is not an array');
    const old = a.length;
    a.length = n;
    for (let i = old; i < n; i++) a[i] = p.fill;
    for (let k = 0; k < ids.length; k++) a[ids[k]!] = values[k];
    return a;
  }
  const Ctor = values.constructor as Float64ArrayConstructor;
  let t: TypedArray;
  if (base === null || base === undefined) t = new Ctor(n);
  else if (ArrayBuffer.isView(base) && base.constructor === Ctor) {
    const b = base as Float64Array;
    if (b.length === n) t = b;
    else {
      t = new Ctor(n);
      t.set(b.length > n ? b.subarray(0, n) : b);
    }
  } else throw badDelta(path, `patches a ${Array.isArray(base) ? 'plain array' : typeof base} with a ${Ctor.name}`);
  for (let k = 0; k < ids.length; k++) t[ids[k]!] = (values as Float64Array)[k]!;
  return t;
}

function applyPatch(base: unknown, p: Patch, path: string): unknown {
  switch (p[PATCH]) {
    case 'slots':
      return applySlots(base, p, path);
    case 'stack': {
      if (!(base instanceof Int32Array) || base.length < p.keep) throw badDelta(path, `keeps ${p.keep} entries of a free list the base does not have`);
      const out = new Int32Array(p.keep + p.tail.length);
      out.set(base.subarray(0, p.keep));
      out.set(p.tail, p.keep);
      return out;
    }
    case 'lists': {
      const b = base as ListsSnapshot | undefined;
      if (!b || !(b.lengths instanceof Int32Array)) throw badDelta(path, 'patches lists the base does not have');
      const lists = unpackLists(b);
      lists.length = p.n;
      const changed = unpackLists(p.lists);
      for (let k = 0; k < p.ids.length; k++) lists[p.ids[k]!] = changed[k];
      return packLists(lists, p.n);
    }
    default:
      throw badDelta(path, `has an unknown patch ${String((p as Record<string, unknown>)[PATCH])}`);
  }
}

/** Collects the arrays and plain objects of a delta that hold a patch somewhere inside. */
function patchedContainers(x: unknown, into: Set<object>): boolean {
  if (x === null || typeof x !== 'object' || ArrayBuffer.isView(x)) return false;
  if (isPatch(x)) return true;
  let found = false;
  if (Array.isArray(x)) {
    for (const v of x) if (patchedContainers(v, into)) found = true;
  } else if (isPlainObject(x)) {
    for (const k of Object.keys(x)) if (patchedContainers(x[k], into)) found = true;
  }
  if (found) into.add(x);
  return found;
}

function merge(base: unknown, delta: unknown, patched: Set<object>, path: string): unknown {
  if (isPatch(delta)) return applyPatch(base, delta, path);
  if (delta === null || typeof delta !== 'object' || !patched.has(delta)) return delta;
  // a container with patches inside: written by the same code as the base's, so of the same shape
  if (Array.isArray(delta)) {
    if (!Array.isArray(base) || base.length !== delta.length) throw badDelta(path, `has ${delta.length} entries where its base has ${Array.isArray(base) ? base.length : 'none'}`);
    for (let i = 0; i < delta.length; i++) base[i] = merge(base[i], delta[i], patched, `${path}[${i}]`);
    return base;
  }
  if (!isPlainObject(base)) throw badDelta(path, 'patches a value its base does not have');
  const d = delta as Record<string, unknown>;
  for (const k of Object.keys(d)) base[k] = merge(base[k], d[k], patched, path === '' ? k : `${path}.${k}`);
  return base;
}

/**
 * The full snapshot `base` (plain data, modified in place) brought up to date with `delta`, a snapshot
 * taken by the delta writer on the state `base` was taken of (or on a later one, with the deltas in
 * between applied first). Parts of the delta without patches replace what the base had; arrays and
 * objects with patches inside are merged entry by entry.
 */
export function applyDelta(base: unknown, delta: unknown, path = ''): unknown {
  const patched = new Set<object>();
  patchedContainers(delta, patched);
  return merge(base, delta, patched, path);
}
