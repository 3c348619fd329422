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
 */
import type { Accumulators } from '../functions/aggregate/aggregate.ts';
import { stateMismatch } from './checkpointable.ts';

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

/** The complete state of one call's accumulators, as plain data. */
export function snapshotAccumulators(acc: Accumulators): unknown {
  return captureObject(acc);
}

/** Restores into the fresh accumulators of the same aggregate call. */
export function restoreAccumulators(acc: Accumulators, saved: unknown, name: string): void {
  if (!isCaptured(saved)) throw stateMismatch(`the saved state of aggregate ${name} is not an accumulator snapshot`);
  restoreObject(acc, saved, name);
}
