import { describe, expect, it } from 'vitest';
import { renderOptionsFrom, renderResult, type RenderOptions } from '../../src/client/render.ts';
import { SessionOptions } from '../../src/session/options.ts';
import { T } from '../../src/types/data-type.ts';
import type { RowsResult } from '../../src/session/result.ts';

const opts: RenderOptions = { resultMode: 'table', maxColumnWidth: 40, maxRows: 100, timeZone: 'UTC' };

const orders: RowsResult = {
  kind: 'rows',
  command: 'SELECT',
  columns: [
    { name: 'customer', type: T.string() },
    { name: 'total', type: T.decimal(10, 2) },
    { name: 'at', type: T.timestamp(3) },
  ],
  rows: [['ann', 1050, 1577872800000], ['bob', null, null]],
  warnings: [],
};

describe('renderResult', () => {
  it('formats internal values (decimals, timestamps) and right-aligns numbers', () => {
    expect(renderResult(orders, opts, 12)).toBe([
      '+----------+--------+-------------------------+',
      '| customer |  total | at                      |',
      '+----------+--------+-------------------------+',
      '| ann      |  10.50 | 2020-01-01 10:00:00.000 |',
      '| bob      | <NULL> | <NULL>                  |',
      '+----------+--------+-------------------------+',
      '2 rows in set (0.01 seconds)',
      '',
    ].join('\n'));
  });

  it('formats TIMESTAMP_LTZ in the session time zone', () => {
    const r: RowsResult = { kind: 'rows', command: 'SELECT', columns: [{ name: 't', type: T.timestampLtz(0) }], rows: [[0]], warnings: [] };
    expect(renderResult(r, { ...opts, timeZone: 'Asia/Tokyo' })).toContain('| 1970-01-01 09:00:00 |');
  });

  it('prints Empty set for no rows', () => {
    expect(renderResult({ ...orders, rows: [] }, opts, 0)).toBe('Empty set (0.00 seconds)\n');
  });

  it('says 1 row in the singular', () => {
    expect(renderResult({ ...orders, rows: [orders.rows[0]!] }, opts)).toContain('\n1 row in set\n');
  });

  it('adds an op column in changelog mode, for queries only', () => {
    const out = renderResult(orders, { ...opts, resultMode: 'changelog' });
    expect(out.split('\n')[1]).toBe('| op | customer |  total | at                      |');
    expect(out.split('\n')[3]).toMatch(/^\| \+I \| ann/);
    const show: RowsResult = { kind: 'rows', command: 'SHOW', columns: [{ name: 'table name', type: T.string() }], rows: [['t']], warnings: [] };
    expect(renderResult(show, { ...opts, resultMode: 'changelog' })).not.toContain('op');
  });

  it('prints tableau mode like table mode', () => {
    expect(renderResult(orders, { ...opts, resultMode: 'tableau' })).toBe(renderResult(orders, opts));
  });

  it('shows at most maxRows rows and says so', () => {
    const out = renderResult(orders, { ...opts, maxRows: 1 });
    expect(out).toContain('| ann ');
    expect(out).not.toContain('| bob ');
    expect(out).toContain('2 rows in set');
    expect(out).toContain("[WARNING] only the first 1 rows are shown; raise 'sql-client.execution.max-table-result.rows'");
  });

  it('prints text as-is, ok as [INFO], warnings as [WARNING]', () => {
    expect(renderResult({ kind: 'text', command: 'EXPLAIN', text: 'plan\n  line', warnings: [] }, opts)).toBe('plan\n  line\n');
    expect(renderResult({ kind: 'ok', command: 'SET', message: "option 'x' set", warnings: ['careful'] }, opts))
      .toBe("[INFO] option 'x' set\n[WARNING] careful\n");
  });

  it('announces a background job as Flink does', () => {
    const insert = { kind: 'ok' as const, command: 'INSERT', message: 'job submitted', jobId: '6b1af540c0c0bb3fcfcad50ac037c862', warnings: [] };
    expect(renderResult(insert, opts)).toBe([
      '[INFO] Submitting SQL update statement to the cluster...',
      '[INFO] SQL update statement has been successfully submitted to the cluster:',
      'Job ID: 6b1af540c0c0bb3fcfcad50ac037c862',
      '',
    ].join('\n'));
    expect(renderResult({ kind: 'ok', command: 'STOP JOB', message: 'job 6b1a stopped', warnings: [] }, opts)).toBe('[INFO] job 6b1a stopped\n');
  });

  it('prints SHOW JOBS as a table, without an op column in changelog mode', () => {
    const jobs: RowsResult = {
      kind: 'rows',
      command: 'SHOW JOBS',
      columns: [{ name: 'job id', type: T.string() }, { name: 'job name', type: T.string() }, { name: 'status', type: T.string() }, { name: 'start time', type: T.timestampLtz(3) }],
      rows: [['6b1af540', 'insert-into_sink', 'RUNNING', 1714564800000]],
      warnings: [],
    };
    const expected = [
      '+----------+------------------+---------+-------------------------+',
      '| job id   | job name         | status  | start time              |',
      '+----------+------------------+---------+-------------------------+',
      '| 6b1af540 | insert-into_sink | RUNNING | 2024-05-01 12:00:00.000 |',
      '+----------+------------------+---------+-------------------------+',
      '1 row in set',
      '',
    ].join('\n');
    expect(renderResult(jobs, opts)).toBe(expected);
    expect(renderResult(jobs, { ...opts, resultMode: 'changelog' })).toBe(expected);
  });

  it('reads its options from the session', () => {
    const o = new SessionOptions({ 'sql-client.display.max-column-width': '12' });
    o.set('sql-client.execution.result-mode', 'CHANGELOG');
    o.set('table.local-time-zone', 'Europe/Berlin');
    expect(renderOptionsFrom(o)).toEqual({ resultMode: 'changelog', maxColumnWidth: 12, maxRows: 10000, timeZone: 'Europe/Berlin' });
  });
});
