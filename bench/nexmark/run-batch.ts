/**
 * Runs the Nexmark queries in batch mode over a bounded event stream and reports, per query and per
 * setup (nested ddl.sql, flat ddl-flat.sql), whether it runs and how long it takes, or the error.
 * Queries that need the streaming runtime (watermarks, window TVFs, ...) are expected to fail here.
 *
 *   npx tsx bench/nexmark/run-batch.ts [--events 100000] [--only q0,q1] [--form nested|flat]
 */
import { readFileSync, readdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Engine } from '../../src/session/engine.ts';

const here = dirname(fileURLToPath(import.meta.url));

function flag(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

/** The query files, q0 .. q22 in numeric order. */
export function queryFiles(): string[] {
  return readdirSync(join(here, 'queries')).filter((f) => /^q\d+\.sql$/.test(f)).sort((a, b) => Number(a.slice(1, -4)) - Number(b.slice(1, -4)));
}

/** The DDL of a setup with `events.num` replaced. */
export function ddl(form: 'nested' | 'flat', events: number): string {
  const text = readFileSync(join(here, form === 'nested' ? 'ddl.sql' : 'ddl-flat.sql'), 'utf8');
  return text.replace(/'events\.num' = '\d+'/g, `'events.num' = '${events}'`);
}

export interface RunOutcome {
  query: string;
  form: 'nested' | 'flat';
  ok: boolean;
  rows?: number;
  ms: number;
  error?: string;
}

export async function runQuery(form: 'nested' | 'flat', file: string, events: number): Promise<RunOutcome> {
  const engine = await Engine.open();
  const session = engine.createSession();
  await session.executeScript(ddl(form, events));
  const text = readFileSync(join(here, 'queries', file), 'utf8');
  const query = file.slice(0, -4);
  if (query === 'q10') rmSync('/tmp/freshet-nexmark/q10', { recursive: true, force: true });
  const t0 = performance.now();
  try {
    const results = await session.executeScript(text);
    const last = results[results.length - 1];
    const rows = last !== undefined && last.kind === 'ok' ? last.rowCount : undefined;
    return { query, form, ok: true, ms: performance.now() - t0, ...(rows === undefined ? {} : { rows }) };
  } catch (e) {
    return { query, form, ok: false, ms: performance.now() - t0, error: (e as Error).message.split('\n')[0]! };
  }
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const events = Number(flag('events') ?? 100_000);
  const only = flag('only')?.split(',');
  const forms = (flag('form') ? [flag('form')] : ['nested', 'flat']) as ('nested' | 'flat')[];
  console.log(`Nexmark queries in batch mode, events.num = ${events}`);
  for (const file of queryFiles()) {
    const q = file.slice(0, -4);
    if (only && !only.includes(q)) continue;
    for (const form of forms) {
      const r = await runQuery(form, file, events);
      const what = r.ok ? `ok    ${String(r.rows ?? '').padStart(8)} rows ${r.ms.toFixed(0).padStart(6)} ms  ${((events / r.ms) * 1000 / 1e6).toFixed(2)} M events/s` : `FAIL  ${r.error}`;
      console.log(`${q.padEnd(4)} ${form.padEnd(6)} ${what}`);
    }
  }
}
