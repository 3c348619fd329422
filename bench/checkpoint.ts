/**
 * `freshet bench checkpoint`: incremental checkpoints of keyed state. For each state size, a durable
 * streaming job (a GROUP BY over many keys and a join on the same key, see checkpoint/worker.ts) is
 * loaded until a full snapshot of its state has that size; then, at a fixed change rate (the same
 * number of rows with random keys between checkpoints, whatever the size), checkpoints are timed; then
 * recovery from the newest one. One process per size.
 *
 *   freshet bench checkpoint [--sizes 100,500,1000] [--updates 20000] [--checkpoints 7]
 *
 * Printed per size: the state (bytes of the full base checkpoint, keys), the full checkpoint's duration,
 * the incremental checkpoints' p50 duration and bytes written, and recovery: reading the newest
 * checkpoint (base and deltas, each verified) and resuming the job in a new engine (read, plan,
 * restore). The target: incremental duration and bytes stay flat as the state grows.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { benchRoot, saveResults, table, type BenchArgs } from './main.ts';

interface Measure {
  error?: string;
  targetMb: number;
  keys: number;
  stateBytes: number;
  loadMs: number;
  fullCheckpointMs: number;
  updatesPerCheckpoint: number;
  incrementalMs: number[];
  incrementalBytes: number[];
  incrementalP50Ms: number;
  incrementalP50Bytes: number;
  recoveryReadMs: number;
  recoveryResumeMs: number;
  chainFiles: number;
  maxRssMb: number;
}

const mb = (b: number): string => (b >= 1024 * 1024 ? `${(b / 1024 / 1024).toFixed(1)} MB` : `${(b / 1024).toFixed(0)} KB`);

export async function run(args: BenchArgs): Promise<void> {
  const sizes = (args.flags.get('sizes') ?? '100,500,1000').split(',').map(Number);
  const updates = Number(args.flags.get('updates') ?? 20_000);
  const rounds = Number(args.flags.get('checkpoints') ?? 7);
  console.log(`Checkpoints of keyed state: ${updates} rows with random keys between checkpoints, ${rounds} incremental checkpoints per size, local disk\n`);
  const rows: string[][] = [];
  const results: Measure[] = [];
  for (const size of sizes) {
    const warehouse = mkdtempSync(join(tmpdir(), 'freshet-bench-checkpoint-'));
    let m: Measure;
    try {
      const out = execFileSync(process.execPath, ['--max-old-space-size=16384', '--expose-gc', '--import', 'tsx', join(benchRoot, 'checkpoint', 'worker.ts'), String(size), String(updates), String(rounds), warehouse], {
        encoding: 'utf8', maxBuffer: 1 << 24, stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, TZ: 'UTC' },
      });
      m = JSON.parse(out.trim().split('\n').pop() ?? '{}') as Measure;
    } catch (e) {
      const out = (e as { stdout?: string }).stdout ?? '';
      m = { error: out.trim().split('\n').pop() ?? (e as Error).message } as Measure;
    } finally {
      rmSync(warehouse, { recursive: true, force: true });
    }
    if (m.error) {
      console.log(`${size} MB: failed: ${m.error}`);
      rows.push([`${size} MB`, 'failed', '', '', '', '', '', '', '']);
      results.push(m);
      continue;
    }
    console.log(`${size} MB: ${m.keys} keys, state ${mb(m.stateBytes)}, loaded in ${(m.loadMs / 1000).toFixed(1)} s; incremental checkpoints ${m.incrementalMs.join(', ')} ms, ${m.incrementalBytes.map(mb).join(', ')}; peak RSS ${m.maxRssMb} MB`);
    rows.push([
      `${size} MB`, String(m.keys), mb(m.stateBytes), `${m.fullCheckpointMs} ms`, `${m.incrementalP50Ms} ms`, mb(m.incrementalP50Bytes),
      `${(m.incrementalP50Bytes / m.stateBytes * 100).toFixed(2)} %`, `${m.recoveryReadMs} ms`, `${m.recoveryResumeMs} ms`,
    ]);
    results.push(m);
  }
  console.log('\n' + table(['target', 'keys', 'full state', 'full ckpt', 'incr ckpt p50', 'incr bytes p50', 'of state', 'recovery read', 'recovery resume'], rows));
  console.log(`\nrecovery read: the newest checkpoint's files (base + ${rounds} deltas) read, verified and merged; resume: a new engine resuming the job (read, plan, restore)`);
  const file = saveResults('checkpoint', { suite: 'checkpoint', date: new Date().toISOString(), node: process.version, updates, rounds, sizes: results });
  console.log(`results: ${file}`);
}
