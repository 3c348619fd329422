/**
 * `freshet bench <suite>`: benchmarks, kept apart from the tests (they never fail on timing).
 * Each suite prints a table and writes JSON to bench/results/.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface BenchArgs {
  flags: Map<string, string>;
  positional: string[];
}

export function parseArgs(args: string[]): BenchArgs {
  const flags = new Map<string, string>();
  const positional: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a.startsWith('--')) {
      const [k, v] = a.slice(2).split('=', 2) as [string, string?];
      if (v !== undefined) flags.set(k, v);
      else if (i + 1 < args.length && !args[i + 1]!.startsWith('--')) flags.set(k, args[++i]!);
      else flags.set(k, 'true');
    } else positional.push(a);
  }
  return { flags, positional };
}

export const benchRoot = dirname(fileURLToPath(import.meta.url));

/** Writes a suite's results as JSON under bench/results/ and returns the path. */
export function saveResults(suite: string, data: unknown): string {
  const dir = join(benchRoot, 'results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${suite}-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, JSON.stringify(data, null, 2) + '\n');
  return file;
}

/** Renders rows as an aligned text table. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

const SUITES: Record<string, () => Promise<{ run(args: BenchArgs): Promise<void> }>> = {
  batch: () => import('./batch.ts'),
  checkpoint: () => import('./checkpoint.ts'),
  nexmark: () => import('./nexmark.ts'),
  store: () => import('./store.ts'),
  refresh: () => import('./refresh.ts'),
  pgwire: () => import('./pgwire.ts'),
};

export async function runBench(args: string[]): Promise<number> {
  const parsed = parseArgs(args);
  const suite = parsed.positional[0];
  if (!suite || !(suite in SUITES)) {
    process.stderr.write(`usage: freshet bench <${Object.keys(SUITES).join('|')}> [options]\n`);
    return 2;
  }
  const mod = await SUITES[suite]!();
  await mod.run(parsed);
  return 0;
}
