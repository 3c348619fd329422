/**
 * A test connector whose rows the test pushes while a streaming job runs: `'connector' = 'test-queue',
 * 'queue' = 'name'`. Rows are arrays of values (a changelog queue takes `['+I', ...values]`); each push
 * is one batch; `end(name)` ends the input.
 *
 * A queue is a log: batches stay after they are read, and a read is at an offset (the batches taken so
 * far), which it reports as its position, so a job resumed from a checkpoint reads the batches after the
 * checkpoint again. A read started afresh begins where earlier reads of the queue got to. A queue can
 * be told to fail its next reads (failReads), for tests of restarts.
 */
import type { Batch, Field } from '../../src/types/batch.ts';
import { batchFromRows } from '../../src/types/batch.ts';
import type { ConnectorFactory, ScanRequest, ScanSource, TableDescriptor, ScanContext } from '../../src/connectors/connector.ts';
import { registerConnector } from '../../src/connectors/registry.ts';

interface Queue {
  batches: Array<unknown[][] | 'end'>;
  /** The furthest any read of the queue got (batches taken). */
  taken: number;
  wake: (() => void) | null;
  /** The source has taken every batch and waits for more (so everything pushed has been processed). */
  idle: boolean;
  /** Reads of a batch that fail on purpose before it is handed out (see failReads). */
  failures: { left: number; message: string };
}

const queues = new Map<string, Queue>();

function queue(name: string): Queue {
  let q = queues.get(name);
  if (!q) {
    q = { batches: [], taken: 0, wake: null, idle: false, failures: { left: 0, message: '' } };
    queues.set(name, q);
  }
  return q;
}

const KINDS: Record<string, number> = { '+I': 0, '-U': 1, '+U': 2, '-D': 3 };

/** Adds one batch of rows to queue `name`. */
export function pushRows(name: string, rows: unknown[][]): void {
  const q = queue(name);
  q.batches.push(rows);
  q.wake?.();
}

/** Ends the input of queue `name`. */
export function endQueue(name: string): void {
  const q = queue(name);
  q.batches.push('end');
  q.wake?.();
}

/** Resolves once the job has read and processed every batch pushed to queue `name`. */
export async function drained(name: string, ms = 5000): Promise<void> {
  const start = Date.now();
  const q = queue(name);
  while (!(q.taken === q.batches.length && q.idle)) {
    if (Date.now() - start > ms) throw new Error(`queue ${name} was not drained`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** The next `times` reads of a batch of queue `name` throw an Error with `message` (a source failing on purpose). */
export function failReads(name: string, times: number, message: string): void {
  queue(name).failures = { left: times, message };
}

/** The next read of queue `name` started afresh begins with its first batch. */
export function rewindQueue(name: string): void {
  queue(name).taken = 0;
}

export function resetQueues(): void {
  queues.clear();
}

class QueueSource implements ScanSource {
  readonly fields: Field[];
  readonly bounded = false;
  readonly resumable = true;
  readonly changelogMode: 'append' | 'retract';
  private readonly name: string;

  constructor(desc: TableDescriptor) {
    this.fields = desc.physicalColumns;
    this.name = desc.options['queue']!;
    this.changelogMode = desc.options['changelog'] === 'true' ? 'retract' : 'append';
  }

  describe(): string {
    return `test-queue(${this.name})`;
  }

  async *open(req: ScanRequest, ctx: ScanContext): AsyncIterable<Batch> {
    const q = queue(this.name);
    const types = this.fields.map((f) => f.type);
    let offset = (ctx.restoredPosition as { offset: number } | undefined)?.offset ?? q.taken;
    for (;;) {
      while (q.batches.length <= offset) {
        if (ctx.isCancelled()) return;
        q.idle = true;
        await new Promise<void>((resolve) => {
          q.wake = resolve;
          setTimeout(resolve, 20);
        });
        q.wake = null;
      }
      q.idle = false;
      if (q.failures.left > 0) {
        q.failures.left--;
        throw new Error(q.failures.message);
      }
      const next = q.batches[offset++]!;
      q.taken = Math.max(q.taken, offset);
      if (next === 'end') return;
      let kinds: Uint8Array | undefined;
      let rows = next;
      if (this.changelogMode === 'retract') {
        kinds = Uint8Array.from(next.map((r) => KINDS[r[0] as string]!));
        rows = next.map((r) => r.slice(1));
      }
      const b = batchFromRows(types, rows, kinds);
      ctx.reportPosition?.({ offset });
      yield { columns: req.columns.map((c) => b.columns[c]!), length: b.length, kinds: b.kinds };
    }
  }
}

const factory: ConnectorFactory = {
  identifier: 'test-queue',
  requiredOptions: ['queue'],
  optionalOptions: ['changelog'],
  createSource: (d) => new QueueSource(d),
};

registerConnector(factory);
