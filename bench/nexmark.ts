/**
 * `freshet bench nexmark`: the Nexmark queries q0-q22 as streaming jobs over the nexmark source, one
 * process per query (so each peak RSS is that query's own), on one core. Prints per query: events/s,
 * peak RSS, the ratio to the generator-only rate measured in the same run, and the target.
 *
 *   freshet bench nexmark [--events 10000000] [--form nested|flat] [--queries q0,q5] [--baseline]
 *
 * --baseline also writes the table to bench/baseline-nexmark.json (committed: the reference later runs
 * compare with).
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { benchRoot, saveResults, table, type BenchArgs } from './main.ts';

/** Events per second per core each query should reach (issue targets). */
const TARGETS: Record<string, number> = {
  q0: 1_000_000, q1: 1_000_000, q2: 1_000_000, q3: 1_000_000, q8: 1_000_000, q21: 1_000_000, q22: 1_000_000,
  q5: 200_000, q7: 200_000, q11: 200_000, q12: 200_000, q15: 200_000, q16: 200_000, q17: 200_000, q19: 200_000,
  q4: 100_000, q9: 100_000, q18: 100_000, q20: 100_000,
};
const RSS_LIMIT_MB = 2048;

interface Measure {
  events?: number;
  ms?: number;
  rows?: number;
  maxRssMb?: number;
  error?: string;
}

function worker(args: string[]): Measure {
  const out = execFileSync(process.execPath, ['--import', 'tsx', join(benchRoot, 'nexmark', 'worker.ts'), ...args], {
    encoding: 'utf8', maxBuffer: 1 << 24, stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, TZ: 'UTC' },
  });
  const line = out.trim().split('\n').pop() ?? '{}';
  return JSON.parse(line) as Measure;
}

function allQueries(): string[] {
  return readdirSync(join(benchRoot, 'nexmark', 'queries'))
    .filter((f) => /^q\d+\.sql$/.test(f))
    .map((f) => f.slice(0, -4))
    .sort((a, b) => Number(a.slice(1)) - Number(b.slice(1)));
}

const rate = (m: Measure): number => (m.events! / m.ms!) * 1000;
const fmtRate = (r: number): string => (r >= 1e6 ? `${(r / 1e6).toFixed(2)} M` : `${(r / 1e3).toFixed(0)} K`);

export async function run(args: BenchArgs): Promise<void> {
  const events = Number(args.flags.get('events') ?? 10_000_000);
  const form = args.flags.get('form') ?? 'nested';
  const queries = args.flags.get('queries')?.split(',') ?? allQueries();
  console.log(`Nexmark, ${events} events, ${form} setup, one process per query, one core`);
  const gen = worker(['generator', String(events), form]);
  if (gen.error) throw new Error(`generator: ${gen.error}`);
  const genRate = rate(gen);
  console.log(`generator only: ${fmtRate(genRate)} events/s (${gen.ms!.toFixed(0)} ms, peak RSS ${gen.maxRssMb} MB)\n`);
  const rows: string[][] = [];
  const results: Record<string, unknown> = {};
  for (const q of queries) {
    const m = worker(['query', q, String(events), form]);
    if (m.error) {
      rows.push([q, 'failed', '', '', '', '', m.error.slice(0, 40) + (m.error.length > 40 ? '...' : '')]);
      results[q] = { error: m.error };
      continue;
    }
    const r = rate(m);
    const target = TARGETS[q];
    const meets = (target === undefined || r >= target) && m.maxRssMb! <= RSS_LIMIT_MB;
    rows.push([q, fmtRate(r), `${m.maxRssMb} MB`, (r / genRate).toFixed(2), target ? fmtRate(target) : '-', meets ? 'yes' : 'NO', String(m.rows ?? '')]);
    results[q] = { eventsPerSecond: Math.round(r), ms: Math.round(m.ms!), peakRssMb: m.maxRssMb, ratioToGenerator: Number((r / genRate).toFixed(3)), target: target ?? null, meetsTarget: meets, rowsOut: m.rows };
    console.log(`${q}: ${fmtRate(r)} events/s, ${m.maxRssMb} MB`);
  }
  console.log('\n' + table(['query', 'events/s', 'peak RSS', 'x generator', 'target', 'meets', 'rows out'], rows));
  const data = {
    suite: 'nexmark', date: new Date().toISOString(), node: process.version, events, form,
    generator: { eventsPerSecond: Math.round(genRate), peakRssMb: gen.maxRssMb }, queries: results,
  };
  console.log(`\nresults: ${saveResults('nexmark', data)}`);
  if (args.flags.has('baseline')) {
    const file = join(benchRoot, 'baseline-nexmark.json');
    writeFileSync(file, JSON.stringify(data, null, 2) + '\n');
    console.log(`baseline: ${file}`);
  }
}
