/**
 * The child process of kill-recovery.test.ts: opens an engine on the warehouse (which resumes the job
 * if an earlier child started it), submits the job if none was ever submitted, and waits for it to end.
 *
 *   node --import tsx test/stream/kill-child.ts '<KillConfig as JSON>'
 *
 * It prints `running <job id>` once the job runs, and `ended <status>` when it has ended (then it
 * closes the engine and exits 0). The parent kills it with SIGKILL at a random moment in between.
 *
 * The nexmark tables are paced here (a random pause before each batch), so that the job runs long
 * enough for the kills to land while it works, and so that each run's checkpoints cut the input at
 * other places than the run before; what the generator produces does not change.
 */
import { pathToFileURL } from 'node:url';
import { Engine } from '../../src/session/engine.ts';
import { registerConnector } from '../../src/connectors/registry.ts';
import { nexmarkConnector } from '../../src/connectors/nexmark/source.ts';
import type { Batch } from '../../src/types/batch.ts';
import type { ScanContext, ScanRequest, ScanSource } from '../../src/connectors/connector.ts';
import { seededRandom } from '../support/seeded-random.ts';

export interface KillConfig {
  warehouse: string;
  /** `s3.*` options for an S3 warehouse. */
  catalogOptions: Record<string, string>;
  /** The statement the first child submits. */
  statement: string;
  /** Session options it runs with (checkpoint interval, ...). */
  options: Record<string, string>;
  /** Each nexmark source waits up to this many milliseconds (seeded random) before each batch. */
  paceMs: number;
  /** Seed of the pauses: each child pauses differently, so its checkpoints cut the input elsewhere. */
  paceSeed: number;
}

function pacedNexmark(pace: number, seed: number): void {
  const random = seededRandom(seed);
  registerConnector({
    ...nexmarkConnector,
    createSource: (d) => {
      const inner = nexmarkConnector.createSource!(d);
      const paced: ScanSource = {
        fields: inner.fields,
        bounded: inner.bounded,
        resumable: inner.resumable,
        describe: () => inner.describe(),
        estimatedRows: () => inner.estimatedRows?.(),
        async *open(req: ScanRequest, ctx: ScanContext): AsyncIterable<Batch> {
          for await (const b of inner.open(req, ctx)) {
            await new Promise((r) => setTimeout(r, Math.floor(random() * pace)));
            yield b;
          }
        },
      };
      return paced;
    },
  });
}

async function main(cfg: KillConfig): Promise<void> {
  pacedNexmark(cfg.paceMs, cfg.paceSeed);
  const engine = await Engine.open({ warehouse: cfg.warehouse, catalogOptions: cfg.catalogOptions });
  const failed = engine.jobs.list().find((j) => j.job.status === 'FAILED');
  if (failed) throw new Error(`job ${failed.id} failed to resume: ${failed.error ?? ''} ${failed.notes.join('; ')}`);
  // the job record is written before the job commits anything: no record means it never ran
  const records = (await engine.jobStore.list()).records;
  if (records.length === 0) {
    const s = engine.createSession(cfg.options);
    const r = await s.execute(cfg.statement);
    if (r.kind !== 'ok' || r.jobId === undefined) throw new Error(`expected a job from ${cfg.statement}`);
  }
  const entry = engine.jobs.list()[0];
  if (entry === undefined) {
    // it had ended in an earlier run (killed between its end and the exit)
    process.stdout.write(`running ${records[0]!.id}\nended ${records[0]!.status}\n`);
    await engine.close();
    return;
  }
  process.stdout.write(`running ${entry.id}\n`);
  await entry.job.done.catch(() => undefined);
  process.stdout.write(`ended ${entry.job.status}${entry.error ? ` ${entry.error}` : ''}\n`);
  await entry.recorded;
  await engine.close();
}

if (import.meta.url === pathToFileURL(process.argv[1]!).href) {
  main(JSON.parse(process.argv[2]!) as KillConfig).then(
    () => process.exit(0),
    (e: unknown) => {
      process.stderr.write(`${e instanceof Error ? e.stack : String(e)}\n`);
      process.exit(1);
    },
  );
}
