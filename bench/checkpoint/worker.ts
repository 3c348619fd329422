/**
 * One size of `freshet bench checkpoint`, in its own process (its heap is its own, and freed after):
 *
 *   worker.ts <state MB> <updates per checkpoint> <checkpoints> <warehouse dir>
 *
 * A durable streaming job (a statement set: a GROUP BY over `ev`, and `ev` joined with `dim` on the
 * key) runs in an engine on a local warehouse. Its sources (the `bench-keys` connector below) first
 * load K keys (one `ev` row and one `dim` row each), K chosen so that the full state reaches the
 * target: a first 100,000 keys are loaded and measured (bytes of a full snapshot), the rest follow.
 * The first checkpoint is then a full base. After it, each round lets the sources emit a fixed number
 * of `ev` rows with uniformly random keys of [0, K) (an update per key for the aggregate, a new row for
 * the join), waits until the job has taken them in, and takes a checkpoint, timed by the driver (the
 * cut, the write, the commit). Finally the job is abandoned as a crash would and recovery is timed:
 * reading the newest checkpoint (every file verified, base plus deltas merged), and opening a new
 * engine on the warehouse, which resumes the job (read, plan, restore, commit).
 *
 * Prints one line of JSON with the measurements, or { error }.
 */
import { serialize } from 'node:v8';
import { Engine } from '../../src/session/engine.ts';
import { registerConnector } from '../../src/connectors/registry.ts';
import type { ScanContext, ScanRequest, ScanSource, TableDescriptor } from '../../src/connectors/connector.ts';
import type { Batch, Column } from '../../src/types/batch.ts';
import type { StreamJob } from '../../src/exec/stream/driver.ts';
import { CheckpointStorage } from '../../src/exec/stream/checkpoint-storage.ts';

const [targetMbArg, updatesArg, roundsArg, warehouse] = process.argv.slice(2);
const targetBytes = Number(targetMbArg) * 1024 * 1024;
const updates = Number(updatesArg);
const rounds = Number(roundsArg);

const CALIBRATION_KEYS = 100_000;
const BATCH = 4096;

// ------------------------------------------------------------------------------------------ source

/** How many rows each table's sources may emit so far; sources wait for more. Row p is a pure function of p. */
const available = { ev: 0, dim: 0 };
let keys = 0;
const waiting = new Set<() => void>();
/** Per open scan: its position and whether it waits with everything emitted. */
const scans: Array<{ table: 'ev' | 'dim'; position: number; idle: boolean }> = [];

function wake(): void {
  for (const w of [...waiting]) w();
  waiting.clear();
}

/** The key of `ev` row p: the load rows 0..K-1 in order, then updates at random (a fixed hash of p). */
function evKey(p: number, k: number): number {
  if (p < k) return p;
  let h = Math.imul(p ^ 0x9e3779b9, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return (h >>> 0) % k;
}

function evBatch(from: number, n: number): Column[] {
  const k = new Float64Array(n);
  const v = new Float64Array(n);
  const s = new Array<string>(n);
  for (let i = 0; i < n; i++) {
    const p = from + i;
    k[i] = evKey(p, keys);
    v[i] = p % 1000;
    s[i] = `item-${p % 100_003}`;
  }
  return [{ values: k, nulls: null }, { values: v, nulls: null }, { values: s, nulls: null }];
}

function dimBatch(from: number, n: number): Column[] {
  const k = new Float64Array(n);
  const name = new Array<string>(n);
  for (let i = 0; i < n; i++) {
    k[i] = from + i;
    name[i] = `customer-${from + i}`;
  }
  return [{ values: k, nulls: null }, { values: name, nulls: null }];
}

class BenchKeysSource implements ScanSource {
  readonly fields;
  readonly bounded = false;
  readonly resumable = true;
  private readonly table: 'ev' | 'dim';

  constructor(d: TableDescriptor) {
    this.fields = d.physicalColumns;
    this.table = d.options['table'] === 'dim' ? 'dim' : 'ev';
  }

  describe(): string {
    return `bench-keys(${this.table})`;
  }

  async *open(req: ScanRequest, ctx: ScanContext): AsyncIterable<Batch> {
    const scan = { table: this.table, position: typeof ctx.restoredPosition === 'number' ? ctx.restoredPosition : 0, idle: false };
    scans.push(scan);
    while (!ctx.isCancelled()) {
      const n = Math.min(BATCH, available[this.table] - scan.position);
      if (n <= 0) {
        scan.idle = true;
        await new Promise<void>((r) => {
          waiting.add(r);
          setTimeout(r, 50);
        });
        scan.idle = false;
        continue;
      }
      const cols = this.table === 'ev' ? evBatch(scan.position, n) : dimBatch(scan.position, n);
      scan.position += n;
      ctx.reportPosition?.(scan.position);
      yield { columns: req.columns.map((c) => cols[c]!), length: n, kinds: null };
    }
  }
}

registerConnector({ identifier: 'bench-keys', requiredOptions: [], optionalOptions: ['table'], createSource: (d) => new BenchKeysSource(d) });

/** Lets the sources emit up to `ev` and `dim` rows and waits until every scan has emitted and the job taken them in. */
async function feed(ev: number, dim: number, job: StreamJob): Promise<void> {
  available.ev = ev;
  available.dim = dim;
  wake();
  for (;;) {
    const done = scans.length > 0 && scans.every((s) => s.idle && s.position === available[s.table]);
    if (done) break;
    if (job.status !== 'RUNNING') throw new Error(`the job is ${job.status}`);
    await new Promise((r) => setTimeout(r, 5));
  }
  await job.drain();
}

// ------------------------------------------------------------------------------------------ job

const DDL = [
  "CREATE TABLE ev (k BIGINT, v BIGINT, s STRING) WITH ('connector' = 'bench-keys', 'table' = 'ev')",
  "CREATE TABLE dim (k BIGINT, name STRING) WITH ('connector' = 'bench-keys', 'table' = 'dim')",
  "CREATE TABLE agg_out (k BIGINT, n BIGINT, total BIGINT, top STRING) WITH ('connector' = 'blackhole')",
  "CREATE TABLE join_out (k BIGINT, name STRING, v BIGINT) WITH ('connector' = 'blackhole')",
];

const JOB = `EXECUTE STATEMENT SET BEGIN
  INSERT INTO agg_out SELECT k, COUNT(*), SUM(v), MAX(s) FROM ev GROUP BY k;
  INSERT INTO join_out SELECT d.k, d.name, e.v FROM dim d JOIN ev e ON d.k = e.k;
END`;

const p50 = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main(): Promise<object> {
  const engine = await Engine.open({ warehouse });
  const session = engine.createSession({ 'execution.runtime-mode': 'streaming', 'table.local-time-zone': 'UTC' });
  for (const d of DDL) await session.execute(d);
  await session.execute("SET 'execution.checkpointing.interval' = '1 h'"); // the bench takes them
  await session.execute(`SET 'execution.checkpointing.incremental.max-deltas' = '${rounds + 1}'`);
  const r = await session.execute(JOB);
  if (r.kind !== 'ok' || r.jobId === undefined) throw new Error('expected a job');
  const id = r.jobId;
  const job = engine.jobs.get(id).job;

  // calibration: bytes of the full state per key, on the first keys
  keys = Number.MAX_SAFE_INTEGER; // load rows only, until K is known
  const t0 = performance.now();
  await feed(CALIBRATION_KEYS, CALIBRATION_KEYS, job);
  const perKey = serialize(await job.snapshotState()).length / CALIBRATION_KEYS;
  keys = Math.max(CALIBRATION_KEYS, Math.round(targetBytes / perKey));
  await feed(keys, keys, job);
  const loadMs = performance.now() - t0;

  // the first checkpoint: the full state (its size is the state's size)
  await job.checkpoint();
  const full = { ms: job.checkpointStats.lastDuration!, bytes: job.checkpointStats.lastSize! };

  const durations: number[] = [];
  const sizes: number[] = [];
  for (let i = 1; i <= rounds; i++) {
    await feed(keys + i * updates, keys, job);
    await job.checkpoint();
    if (job.status !== 'RUNNING') throw new Error(`the job is ${job.status}`);
    durations.push(job.checkpointStats.lastDuration!);
    sizes.push(job.checkpointStats.lastSize!);
  }
  const lastId = job.checkpointStats.lastId;
  const dir = (engine.jobStore.checkpoints(id, 1) as CheckpointStorage).dir;
  await engine.jobs.abandonAll();
  await engine.close();
  (globalThis as { gc?: () => void }).gc?.();

  // recovery: the newest checkpoint read back (verified and merged), then a resumed job
  const storage = engine.jobStore.checkpoints(id, 1);
  let t = performance.now();
  const latest = await storage.latest();
  const readMs = performance.now() - t;
  if (latest?.id !== lastId) throw new Error(`read back checkpoint ${latest?.id}, the job completed ${lastId}`);
  const chainFiles = latest.chain?.files.length ?? 1;
  (globalThis as { gc?: () => void }).gc?.();
  t = performance.now();
  const again = await Engine.open({ warehouse });
  const resumeMs = performance.now() - t;
  const resumed = again.jobs.get(id);
  if (resumed.job.status !== 'RUNNING' || resumed.job.checkpointStats.lastId !== lastId) throw new Error(`the job did not resume from checkpoint ${lastId}: ${resumed.error ?? resumed.job.status}`);
  await again.jobs.abandonAll();
  await again.close();
  return {
    targetMb: Number(targetMbArg), keys, stateBytes: full.bytes, loadMs: Math.round(loadMs), dir,
    fullCheckpointMs: full.ms, updatesPerCheckpoint: updates,
    incrementalMs: durations, incrementalBytes: sizes, incrementalP50Ms: p50(durations), incrementalP50Bytes: p50(sizes),
    recoveryReadMs: Math.round(readMs), recoveryResumeMs: Math.round(resumeMs), chainFiles,
    maxRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
  };
}

try {
  process.stdout.write(JSON.stringify(await main()) + '\n');
  process.exit(0);
} catch (e) {
  process.stdout.write(JSON.stringify({ error: (e as Error).message.split('\n')[0] }) + '\n');
  process.exit(1);
}
