/**
 * Snapshots of aggregate accumulators (COUNT, SUM/AVG, MIN/MAX with their per-value counts, DISTINCT
 * wrappers, LISTAGG/ARRAY_AGG/FIRST_VALUE/LAST_VALUE lists, ordered calls, statistics). Accumulators keep
 * their state in their own fields: typed arrays indexed by group, arrays of per-group lists or Maps, and
 * nested accumulators (DISTINCT and ORDER BY wrappers, AVG over SUM). Rather than have every aggregate
 * implement a format, the fields are captured as they are: data is copied (typed arrays in bulk),
 * nested accumulator objects are captured recursively under their class name, and functions (the
 * comparators and factories an accumulator was built with) are left out; the fresh accumulators of the
 * same plan already hold them.
 *
 * Restoring checks that each object has the class and the field names it was saved with, so an
 * accumulator whose layout changed fails with a clear error instead of computing nonsense. An
 * accumulator may also define `snapshotState()`/`restoreState(s)` itself; those take precedence.
 *
 * Incremental checkpoints rest on the Accumulators contract: state is indexed by group, so every array
 * field of an accumulator (typed, or a plain array of per-group values) is per group, and only the
 * groups marked as changed are written (as patches, see state-delta.ts). Other fields (counters,
 * Maps not indexed by group) are written whole. Accumulators therefore keep no scratch arrays in their
 * fields.
 */
import type { Accumulators } from '../functions/aggregate/aggregate.ts';
import { stateMismatch } from './checkpointable.ts';
import { FULL_STATE, type StateWriter } from '../../state/state-delta.ts';
import type { ChangedSlots } from '../../state/changed-slots.ts';

/** Stands for a function field: kept from the fresh instance. */
const FN = '\u0000fn';
/** Marks a captured class instance: { [CLASS]: name, f: fields }. */
const CLASS = '\u0000class';

interface CapturedObject {
  [CLASS]: string;
  f: Record<string, unknown>;
}

interface SelfSnapshotting {
  snapshotState(): unknown;
  restoreState(s: unknown): void;
}

function selfSnapshotting(x: object): x is SelfSnapshotting {
  return typeof (x as SelfSnapshotting).snapshotState === 'function' && typeof (x as SelfSnapshotting).restoreState === 'function';
}

function isPlain(x: object): boolean {
  const p = Object.getPrototypeOf(x) as object | null;
  return p === Object.prototype || p === null;
}

function capture(v: unknown): unknown {
  if (typeof v === 'function') return FN;
  if (v === null || typeof v !== 'object') return v;
  if (ArrayBuffer.isView(v)) return (v as unknown as Float64Array).slice();
  if (Array.isArray(v)) return v.map(capture);
  if (v instanceof Map) {
    const m = new Map<unknown, unknown>();
    for (const [k, x] of v) m.set(capture(k), capture(x));
    return m;
  }
  if (v instanceof Set) {
    const s = new Set<unknown>();
    for (const x of v) s.add(capture(x));
    return s;
  }
  if (v instanceof Date) return new Date(v.getTime());
  if (isPlain(v)) {
    const o: Record<string, unknown> = {};
    for (const k of Object.keys(v)) o[k] = capture((v as Record<string, unknown>)[k]);
    return o;
  }
  return captureObject(v);
}

function captureObject(obj: object): CapturedObject {
  if (selfSnapshotting(obj)) return { [CLASS]: obj.constructor.name, f: { self: obj.snapshotState() } };
  const f: Record<string, unknown> = {};
  for (const k of Object.keys(obj)) f[k] = capture((obj as Record<string, unknown>)[k]);
  return { [CLASS]: obj.constructor.name, f };
}

/**
 * A field of an accumulator in a delta: arrays are per group (patched at the changed groups), objects
 * are walked the same way (nested accumulators, plain holders of per-group arrays), the rest is whole.
 */
function captureChanged(v: unknown, w: StateWriter, changed: ChangedSlots): unknown {
  if (v === null || typeof v !== 'object') return capture(v);
  if (ArrayBuffer.isView(v)) return w.slots(v as Float64Array, (v as Float64Array).length, changed);
  if (Array.isArray(v)) return w.slots(v, v.length, changed, capture);
  if (v instanceof Map || v instanceof Set || v instanceof Date) return capture(v);
  if (isPlain(v)) {
    const o: Record<string, unknown> = {};
    for (const k of Object.keys(v)) o[k] = captureChanged((v as Record<string, unknown>)[k], w, changed);
    return o;
  }
  if (selfSnapshotting(v)) return captureObject(v);
  const f: Record<string, unknown> = {};
  for (const k of Object.keys(v)) f[k] = captureChanged((v as Record<string, unknown>)[k], w, changed);
  return { [CLASS]: v.constructor.name, f };
}

function isCaptured(x: unknown): x is CapturedObject {
  return typeof x === 'object' && x !== null && !Array.isArray(x) && CLASS in x;
}

/** A fresh copy of captured data; `current` is the fresh instance's value there (kept for functions and nested objects). */
function revive(saved: unknown, current: unknown, path: string): unknown {
  if (saved === FN) return current;
  if (saved === null || typeof saved !== 'object') return saved;
  if (isCaptured(saved)) {
    if (current === null || typeof current !== 'object') throw stateMismatch(`saved aggregate state has an object at ${path} where the aggregate has none`);
    restoreObject(current, saved, path);
    return current;
  }
  if (ArrayBuffer.isView(saved)) return (saved as unknown as Float64Array).slice();
  if (Array.isArray(saved)) {
    const cur = Array.isArray(current) ? current : [];
    return saved.map((x, i) => revive(x, cur[i], path));
  }
  if (saved instanceof Map) {
    const m = new Map<unknown, unknown>();
    for (const [k, x] of saved) m.set(revive(k, undefined, path), revive(x, undefined, path));
    return m;
  }
  if (saved instanceof Set) {
    const s = new Set<unknown>();
    for (const x of saved) s.add(revive(x, undefined, path));
    return s;
  }
  if (saved instanceof Date) return new Date(saved.getTime());
  const o: Record<string, unknown> = {};
  const cur = (current ?? {}) as Record<string, unknown>;
  for (const k of Object.keys(saved)) o[k] = revive((saved as Record<string, unknown>)[k], cur[k], `${path}.${k}`);
  return o;
}

function restoreObject(target: object, saved: CapturedObject, path: string): void {
  const name = target.constructor.name;
  if (saved[CLASS] !== name) throw stateMismatch(`saved aggregate state at ${path} belongs to ${saved[CLASS]}, the aggregate is a ${name}`);
  if (selfSnapshotting(target)) {
    target.restoreState(saved.f['self']);
    return;
  }
  const want = Object.keys(target).sort().join(',');
  const have = Object.keys(saved.f).sort().join(',');
  if (want !== have) throw stateMismatch(`saved aggregate state of ${name} has fields (${have}), the aggregate has (${want}): its state format changed`);
  const t = target as Record<string, unknown>;
  for (const k of Object.keys(saved.f)) t[k] = revive(saved.f[k], t[k], `${path}.${k}`);
}

/**
 * The complete state of one call's accumulators, as plain data; with the delta writer, that of the
 * groups marked in `changed` (the operator's key space).
 */
export function snapshotAccumulators(acc: Accumulators, w: StateWriter = FULL_STATE, changed?: ChangedSlots): unknown {
  return w.delta && changed !== undefined ? captureChanged(acc, w, changed) : captureObject(acc);
}

/** Restores into the fresh accumulators of the same aggregate call. */
export function restoreAccumulators(acc: Accumulators, saved: unknown, name: string): void {
  if (!isCaptured(saved)) throw stateMismatch(`the saved state of aggregate ${name} is not an accumulator snapshot`);
  restoreObject(acc, saved, name);
}
