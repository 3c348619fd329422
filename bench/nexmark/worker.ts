/**
 * One measurement of `freshet bench nexmark`, in its own process so that its peak RSS is its own:
 *   worker.ts generator <events> <form>     drains the nexmark source alone (the ceiling)
 *   worker.ts query <qN> <events> <form>    runs query qN as a streaming job into its blackhole sink
 * Prints one line of JSON: { events, ms, maxRssMb, rows? } or { error }.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { NexmarkSource } from '../../src/connectors/nexmark/source.ts';
import { flatColumns, nestedColumns } from '../../src/connectors/nexmark/schema.ts';
import type { ScanContext } from '../../src/connectors/connector.ts';
import { Engine } from '../../src/session/engine.ts';
import { benchRoot } from '../main.ts';

const [mode, a, b, c] = process.argv.slice(2);

/** The setup file with the number of events replaced. */
export function setup(form: string, events: number): string {
  const text = readFileSync(join(benchRoot, 'nexmark', form === 'flat' ? 'ddl-flat.sql' : 'ddl.sql'), 'utf8');
  return text.replace(/'events\.num' = '\d+'/g, `'events.num' = '${events}'`);
}

function maxRssMb(): number {
  return Math.round(process.resourceUsage().maxRSS / 1024);
}

async function generator(events: number, form: string): Promise<object> {
  const nested = form !== 'flat';
  const columns = nested ? nestedColumns() : flatColumns(2);
  const src = new NexmarkSource({
    name: 'nexmark', physicalColumns: columns, metadataColumns: [], partitionKeys: [], primaryKey: [],
    options: { connector: 'nexmark', 'events.num': String(events), 'first-event.rate': '10000000', 'next-event.rate': '10000000', seed: '0', ...(nested ? {} : { 'nexmark.table': 'bid' }) },
  });
  const ctx: ScanContext = { timeZone: 'UTC', batchSize: 4096, isCancelled: () => false, countSkipped: () => {}, streaming: true };
  const t0 = performance.now();
  let rows = 0;
  for await (const batch of src.open({ columns: columns.map((_, i) => i), predicates: [] }, ctx)) rows += batch.length;
  return { events, rows, ms: performance.now() - t0, maxRssMb: maxRssMb() };
}

async function query(q: string, events: number, form: string): Promise<object> {
  const engine = await Engine.open();
  const session = engine.createSession({ 'execution.runtime-mode': 'streaming', 'table.dml-sync': 'true' });
  await session.executeScript(setup(form, events));
  const text = readFileSync(join(benchRoot, 'nexmark', 'queries', `${q}.sql`), 'utf8');
  const t0 = performance.now();
  const results = await session.executeScript(text);
  const ms = performance.now() - t0;
  const last = results[results.length - 1];
  const rows = last?.kind === 'ok' ? last.rowCount : undefined;
  await engine.close();
  return { events, ms, rows, maxRssMb: maxRssMb() };
}

try {
  const r = mode === 'generator' ? await generator(Number(a), b ?? 'nested') : await query(a!, Number(b), c ?? 'nested');
  process.stdout.write(JSON.stringify(r) + '\n');
} catch (e) {
  process.stdout.write(JSON.stringify({ error: (e as Error).message.split('\n')[0] }) + '\n');
}
