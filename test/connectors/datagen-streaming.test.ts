import { describe, expect, it } from 'vitest';
import type { Batch, Field } from '../../src/types/batch.ts';
import { T } from '../../src/types/data-type.ts';
import { datagenConnector } from '../../src/connectors/datagen.ts';
import type { ScanSource } from '../../src/connectors/connector.ts';
import { type FakeScanContext, nextWithin, readAll, scanContext, sleep, table } from './stream-helpers.ts';

const COLS: Field[] = [{ name: 'id', type: T.int() }, { name: 'ts', type: T.timestamp(3) }];

function datagen(options: Record<string, string>): ScanSource {
  return datagenConnector.createSource!(table('g', COLS, { connector: 'datagen', seed: '7', ...options }));
}

/** Reads for about `ms` of wall time; returns the batches, the elapsed time and the CPU time used. */
async function readFor(src: ScanSource, ctx: FakeScanContext, ms: number): Promise<{ batches: Batch[]; elapsed: number; cpu: number }> {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const batches: Batch[] = [];
  const it = src.open({ columns: [0], predicates: [] }, ctx)[Symbol.asyncIterator]();
  while (performance.now() - t0 < ms) {
    const r = await nextWithin(it, 10_000);
    if (r.done) break;
    batches.push(r.value);
  }
  const elapsed = performance.now() - t0;
  const used = process.cpuUsage(cpu0);
  ctx.cancelled = true;
  await it.return?.();
  return { batches, elapsed, cpu: (used.user + used.system) / 1000 };
}

const rowsOf = (batches: Batch[]): number => batches.reduce((n, b) => n + b.length, 0);

describe('unbounded datagen', () => {
  it('is unbounded without number-of-rows and refuses batch scans', async () => {
    const src = datagen({});
    expect(src.bounded).toBe(false);
    expect(src.describe()).toBe('datagen(rows=unbounded, rows-per-second=10000)');
    await expect(readAll(src, scanContext({ streaming: false }))).rejects.toThrow(
      "table g is unbounded (datagen without 'number-of-rows') and cannot be read in batch mode");
  });

  it('paces rows to rows-per-second in batches of a tenth of a second, sleeping in between', async () => {
    const { batches, elapsed, cpu } = await readFor(datagen({ 'rows-per-second': '2000' }), scanContext(), 700);
    const rows = rowsOf(batches);
    expect(batches.every((b) => b.length === 200)).toBe(true);
    // never ahead of the rate (plus the batch released at the start); behind only on a slow machine
    expect(rows).toBeLessThanOrEqual(2000 * (elapsed / 1000) + 200);
    expect(rows).toBeGreaterThanOrEqual(400);
    // waiting is done with timers: a busy loop would burn about as much CPU as time passed
    expect(cpu).toBeLessThan(elapsed * 0.5);
  });

  it('defaults to 10000 rows per second', async () => {
    const { batches, elapsed } = await readFor(datagen({}), scanContext(), 350);
    expect(batches[0]!.length).toBe(1000);
    expect(rowsOf(batches)).toBeLessThanOrEqual(10_000 * (elapsed / 1000) + 1000);
  });

  it('runs flat out, in full batches, when the rate cannot be met', async () => {
    const src = datagen({ 'rows-per-second': '1000000000' });
    const ctx = scanContext();
    const it = src.open({ columns: [0], predicates: [] }, ctx)[Symbol.asyncIterator]();
    const t0 = performance.now();
    let rows = 0;
    while (rows < 200_000) {
      const r = await nextWithin(it, 10_000);
      expect(r.value!.length).toBe(4096);
      rows += r.value!.length;
    }
    ctx.cancelled = true;
    await it.return?.();
    // at the rate's pace this would take 0.2 ms; the bound only rules out sleeping per batch for long
    expect(performance.now() - t0).toBeLessThan(10_000);
  });

  it('stops while waiting for the next batch when cancelled', async () => {
    const ctx = scanContext();
    const it = datagen({ 'rows-per-second': '0.1' }).open({ columns: [0], predicates: [] }, ctx)[Symbol.asyncIterator]();
    expect((await nextWithin(it, 10_000)).value!.length).toBe(1);
    const pending = it.next();
    await sleep(50);
    ctx.cancelled = true;
    const t0 = performance.now();
    // the next row is due 10 s after the first; a cancelled generator ends long before that
    const r = await Promise.race([pending, sleep(8000).then(() => 'timeout' as const)]);
    expect(r).not.toBe('timeout');
    expect((r as IteratorResult<Batch>).done).toBe(true);
    expect(performance.now() - t0).toBeLessThan(5000);
  });

  it('keeps random timestamps moving with the clock', async () => {
    const ctx = scanContext();
    const src = datagen({ 'rows-per-second': '10', 'fields.ts.max-past': '0' });
    const it = src.open({ columns: [1], predicates: [] }, ctx)[Symbol.asyncIterator]();
    const first = (await nextWithin(it, 10_000)).value!.columns[0]!.values[0] as number;
    const second = (await nextWithin(it, 10_000)).value!.columns[0]!.values[0] as number;
    ctx.cancelled = true;
    await it.return?.();
    expect(second - first).toBeGreaterThanOrEqual(50);
  });
});

describe('bounded datagen', () => {
  it('in batch mode ignores rows-per-second and produces the same rows for the same seed', async () => {
    const src = datagen({ 'number-of-rows': '10000', 'rows-per-second': '10' });
    expect(src.bounded).toBe(true);
    const t0 = performance.now();
    const rows = await readAll(src, scanContext({ streaming: false }), [0]);
    expect(rows).toHaveLength(10_000);
    // paced, this would take 1000 s
    expect(performance.now() - t0).toBeLessThan(10_000);
    // (timestamps are relative to the time of the read; the integers depend on the seed only)
    expect(await readAll(src, scanContext({ streaming: false }), [0])).toEqual(rows);
  });

  it('in a streaming scan is paced when rows-per-second is given', async () => {
    const src = datagen({ 'number-of-rows': '50', 'rows-per-second': '100' });
    const t0 = performance.now();
    const rows = await readAll(src, scanContext({ streaming: true }), [0]);
    const elapsed = performance.now() - t0;
    expect(rows).toHaveLength(50);
    // five batches of 10, due at 0, 100, 200, 300 and 400 ms: the last never comes early
    expect(elapsed).toBeGreaterThanOrEqual(400);
  });
});
