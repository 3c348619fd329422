/**
 * The generator-only rate of the `nexmark` source: drains the source itself (no planner, no operators)
 * and reports events/s and rows/s. This is the ceiling every Nexmark query is measured against.
 *
 *   npx tsx bench/nexmark/generator-rate.ts [--events 10000000] [--batch 4096] [--repeat 3]
 */
import { NexmarkSource } from '../../src/connectors/nexmark/source.ts';
import { flatColumns, nestedColumns } from '../../src/connectors/nexmark/schema.ts';
import type { Field } from '../../src/types/batch.ts';
import type { ScanContext, TableDescriptor } from '../../src/connectors/connector.ts';

function flag(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

const EVENTS = flag('events', 10_000_000);
const BATCH = flag('batch', 4096);
const REPEAT = flag('repeat', 3);

function source(columns: Field[], options: Record<string, string>): NexmarkSource {
  const desc: TableDescriptor = {
    name: 'nexmark', physicalColumns: columns, metadataColumns: [], partitionKeys: [], primaryKey: [],
    options: { connector: 'nexmark', 'events.num': String(EVENTS), ...options },
  };
  return new NexmarkSource(desc);
}

const ctx: ScanContext = { timeZone: 'UTC', batchSize: BATCH, isCancelled: () => false, countSkipped: () => {} };

async function drain(src: NexmarkSource, columns: number[]): Promise<{ rows: number; ms: number }> {
  const t0 = performance.now();
  let rows = 0;
  for await (const b of src.open({ columns, predicates: [] }, ctx)) rows += b.length;
  return { rows, ms: performance.now() - t0 };
}

interface Case { name: string; src: NexmarkSource; columns: number[] }

const bidCols = flatColumns(2);
const cases: Case[] = [
  { name: 'bid flat, all 7 columns', src: source(bidCols, { 'nexmark.table': 'bid' }), columns: bidCols.map((_, i) => i) },
  { name: 'bid flat, auction+price+dateTime', src: source(bidCols, { 'nexmark.table': 'bid' }), columns: [0, 2, 5] },
  { name: 'bid only stream (bid.proportion 1), all columns', src: source(bidCols, { 'nexmark.table': 'bid', 'person.proportion': '0', 'auction.proportion': '0', 'bid.proportion': '1' }), columns: bidCols.map((_, i) => i) },
  { name: 'person flat, all columns', src: source(flatColumns(0), { 'nexmark.table': 'person' }), columns: flatColumns(0).map((_, i) => i) },
  { name: 'auction flat, all columns', src: source(flatColumns(1), { 'nexmark.table': 'auction' }), columns: flatColumns(1).map((_, i) => i) },
  { name: 'nested, all 4 columns', src: source(nestedColumns(), {}), columns: [0, 1, 2, 3] },
  { name: 'nested, event_type+bid', src: source(nestedColumns(), {}), columns: [0, 3] },
];

console.log(`nexmark generator-only rate: events.num=${EVENTS}, batch=${BATCH}, best of ${REPEAT}`);
for (const c of cases) {
  let best = Infinity;
  let rows = 0;
  for (let r = 0; r < REPEAT; r++) {
    const res = await drain(c.src, c.columns);
    rows = res.rows;
    best = Math.min(best, res.ms);
  }
  const eventsPerSec = (EVENTS / best) * 1000;
  const rowsPerSec = (rows / best) * 1000;
  console.log(`${c.name.padEnd(50)} ${rows.toString().padStart(10)} rows  ${best.toFixed(0).padStart(6)} ms  ${(rowsPerSec / 1e6).toFixed(2).padStart(6)} M rows/s  ${(eventsPerSec / 1e6).toFixed(2).padStart(6)} M events/s`);
}
