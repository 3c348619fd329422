/**
 * What happens to bad events in streaming jobs: every case has a defined outcome, never a silently
 * wrong answer.
 * - late rows (behind the watermark) are dropped by window operators and counted in a warning;
 * - rows without a time belong to no window: dropped and counted;
 * - malformed change events fail the job with file:line, or are skipped and counted with
 *   '<format>.ignore-parse-errors';
 * - values out of range for their column fail the job naming the record, or are skipped and counted.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { Engine } from '../../src/session/engine.ts';
import type { Session } from '../../src/session/session.ts';
import { collectStream } from '../../src/session/result.ts';

let dir: string;
let session: Session;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'freshet-bad-events-'));
  session = (await Engine.open()).createSession({ 'execution.runtime-mode': 'streaming', 'table.local-time-zone': 'UTC', 'pipeline.auto-watermark-interval': '0' });
});

afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** Debezium events, one file per event so the watermark moves between them. */
function events(name: string, lines: string[]): void {
  mkdirSync(join(dir, name), { recursive: true });
  lines.forEach((l, i) => writeFileSync(join(dir, name, `part-${String(i).padStart(3, '0')}.json`), l + '\n'));
}

const insert = (id: number | string, ts: string | null): string => JSON.stringify({ before: null, after: { id, ts }, op: 'c' });

async function table(name: string, extra = ''): Promise<void> {
  await session.execute(`CREATE TABLE ${name} (id INT, ts TIMESTAMP(3), WATERMARK FOR ts AS ts) WITH ('connector' = 'filesystem', 'path' = '${dir}/${name}', 'format' = 'debezium-json'${extra})`);
}

const WINDOWS = (t: string): string => `SELECT window_start, COUNT(*) FROM TABLE(TUMBLE(TABLE ${t}, DESCRIPTOR(ts), INTERVAL '10' SECOND)) GROUP BY window_start, window_end`;

async function run(sql: string): Promise<{ rows: unknown[][]; warnings: string[] }> {
  const r = await session.execute(sql);
  if (r.kind !== 'stream') throw new Error(`expected a stream, got ${r.kind}`);
  const rows = await collectStream(r);
  return { rows, warnings: r.warnings };
}

describe('bad events in streaming jobs', () => {
  it('drops late rows in windows and counts them', async () => {
    events('late', [insert(1, '2024-01-01 00:00:25'), insert(2, '2024-01-01 00:00:01'), insert(3, '2024-01-01 00:00:26')]);
    await table('late');
    const r = await run(WINDOWS('late'));
    expect(r.rows).toEqual([[Date.UTC(2024, 0, 1, 0, 0, 20), 2]]);
    expect(r.warnings).toEqual(['dropped 1 late row(s) that arrived after the watermark had passed their window (1 in WindowAggregate)']);
    // a query without windows keeps them
    expect((await run('SELECT COUNT(*) FROM late')).rows).toEqual([[3]]);
  });

  it('drops rows without a time from windows and counts them', async () => {
    events('notime', [insert(1, '2024-01-01 00:00:05'), insert(2, null)]);
    await table('notime');
    const r = await run(WINDOWS('notime'));
    expect(r.rows).toEqual([[Date.UTC(2024, 0, 1), 1]]);
    expect(r.warnings).toEqual(['skipped 1 record(s); first at WindowTableFunction: a row whose time is NULL belongs to no window']);
  });

  it('fails on a malformed event with the file and line, or skips and counts it when asked to', async () => {
    events('broken', [insert(1, '2024-01-01 00:00:05'), '{"before": null, "after": {"id": 2', insert(3, '2024-01-01 00:00:06')]);
    await table('broken');
    await expect(run('SELECT id FROM broken')).rejects.toThrow(/part-001\.json:1/);
    await table('broken_ok', ", 'debezium-json.ignore-parse-errors' = 'true'");
    await session.execute(`ALTER TABLE broken_ok SET ('path' = '${dir}/broken')`);
    const r = await run('SELECT id FROM broken_ok');
    expect(r.rows.sort()).toEqual([[1], [3]]);
    expect(r.warnings[0]).toMatch(/^skipped 1 record\(s\); first at .*part-001\.json:1: /);
  });

  it('fails on a value out of range for its column, naming the record', async () => {
    events('huge', [insert(1, '2024-01-01 00:00:05'), insert(99_999_999_999, '2024-01-01 00:00:06')]);
    await table('huge');
    await expect(run('SELECT id FROM huge')).rejects.toThrow(/part-001\.json:1.*99999999999 is out of range for INT/s);
    await table('huge_ok', ", 'debezium-json.ignore-parse-errors' = 'true'");
    await session.execute(`ALTER TABLE huge_ok SET ('path' = '${dir}/huge')`);
    const r = await run('SELECT id FROM huge_ok');
    expect(r.rows).toEqual([[1]]);
    expect(r.warnings[0]).toMatch(/out of range for INT/);
  });
});
