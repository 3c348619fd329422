/**
 * A test connector whose rows the test pushes while a streaming job runs: `'connector' = 'test-queue',
 * 'queue' = 'name'`. Rows are arrays of values (a changelog queue takes `['+I', ...values]`); each push
 * is one batch; `end(name)` ends the input.
 */
import type { Batch, Field } from '../../src/types/batch.ts';
import { batchFromRows } from '../../src/types/batch.ts';
import type { ConnectorFactory, ScanRequest, ScanSource, TableDescriptor, ScanContext } from '../../src/connectors/connector.ts';
import { registerConnector } from '../../src/connectors/registry.ts';

interface Queue {
  batches: Array<unknown[][] | 'end'>;
  wake: (() => void) | null;
  /** The source has taken every batch and waits for more (so everything pushed has been processed). */
  idle: boolean;
}

const queues = new Map<string, Queue>();

function queue(name: string): Queue {
  let q = queues.get(name);
  if (!q) {
    q = { batches: [], wake: null, idle: false };
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
  while (!(q.batches.length === 0 && q.idle)) {
    if (Date.now() - start > ms) throw new Error(`queue ${name} was not drained`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

export function resetQueues(): void {
  queues.clear();
}

class QueueSource implements ScanSource {
  readonly fields: Field[];
  readonly bounded = false;
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
    for (;;) {
      while (q.batches.length === 0) {
        if (ctx.isCancelled()) return;
        q.idle = true;
        await new Promise<void>((resolve) => {
          q.wake = resolve;
          setTimeout(resolve, 20);
        });
        q.wake = null;
      }
      q.idle = false;
      const next = q.batches.shift()!;
      if (next === 'end') return;
      let kinds: Uint8Array | undefined;
      let rows = next;
      if (this.changelogMode === 'retract') {
        kinds = Uint8Array.from(next.map((r) => KINDS[r[0] as string]!));
        rows = next.map((r) => r.slice(1));
      }
      const b = batchFromRows(types, rows, kinds);
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
