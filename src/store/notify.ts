/**
 * In-process commit notifications: a streaming reader in the same process as the writer learns of a
 * new snapshot at once instead of at its next poll. Readers in other processes (or when a notification
 * is missed) still find new snapshots by polling every 'continuous.discovery-interval'.
 */
type Waiter = () => void;

const waiters = new Map<string, Set<Waiter>>();

/** Commits to each table in this process: a cheap "did anything change" signal for caches. */
const counters = new Map<string, { count: number }>();

export function commitCounter(path: string): { readonly count: number } {
  let c = counters.get(path);
  if (!c) counters.set(path, (c = { count: 0 }));
  return c;
}

/** Tells readers of the table at `path` that a snapshot was committed. */
export function notifyCommit(path: string): void {
  const c = counters.get(path);
  if (c) c.count++;
  else counters.set(path, { count: 1 });
  const set = waiters.get(path);
  if (!set) return;
  waiters.delete(path);
  for (const w of set) w();
}

/** Resolves at the next commit to the table at `path`, or after `timeoutMs`, or when `signal` aborts. */
export function waitForCommit(path: string, timeoutMs: number, signal?: { aborted: boolean; onAbort?: (f: () => void) => void }): Promise<void> {
  return new Promise((resolve) => {
    let set = waiters.get(path);
    if (!set) {
      set = new Set();
      waiters.set(path, set);
    }
    const done = (): void => {
      clearTimeout(timer);
      waiters.get(path)?.delete(done);
      resolve();
    };
    const timer = setTimeout(done, timeoutMs);
    set.add(done);
    signal?.onAbort?.(done);
  });
}
