import { describe, expect, it } from 'vitest';
import { ChangelogPrinter, columnWidthFor } from '../../src/client/changelog-printer.ts';
import type { RenderOptions } from '../../src/client/render.ts';
import type { ResultColumn } from '../../src/session/result.ts';
import { T, notNull } from '../../src/types/data-type.ts';
import { changes } from './fakes.ts';

const opts = (mode: 'changelog' | 'tableau', maxColumnWidth = 40): RenderOptions => ({ resultMode: mode, maxColumnWidth, maxRows: 100, timeZone: 'UTC' });

const columns: ResultColumn[] = [
  { name: 'customer', type: T.varchar(8) },
  { name: 'n', type: notNull(T.int()) },
];

function printer(mode: 'changelog' | 'tableau', cols = columns, width = 40) {
  let out = '';
  const p = new ChangelogPrinter(cols, mode, opts(mode, width), (t) => { out += t; });
  return { p, out: () => out };
}

describe('ChangelogPrinter, changelog mode', () => {
  it('prints the header at once, each change as it comes, then a summary', () => {
    const { p, out } = printer('changelog');
    p.start();
    expect(out()).toBe([
      '+----+----------+-------------+',
      '| op | customer |           n |',
      '+----+----------+-------------+',
      '',
    ].join('\n'));
    p.print(changes(['+I', ['ann', 1]], ['+I', ['bob', 1]]));
    expect(out().split('\n').slice(3, 5)).toEqual(['| +I | ann      |           1 |', '| +I | bob      |           1 |']);
    p.print(changes(['-U', ['ann', 1]], ['+U', ['ann', 2]], ['-D', ['bob', 1]]));
    p.finish('ended', 1234);
    expect(out()).toBe([
      '+----+----------+-------------+',
      '| op | customer |           n |',
      '+----+----------+-------------+',
      '| +I | ann      |           1 |',
      '| +I | bob      |           1 |',
      '| -U | ann      |           1 |',
      '| +U | ann      |           2 |',
      '| -D | bob      |           1 |',
      '+----+----------+-------------+',
      '5 changes, 1 row in the result (1.23 seconds)',
      '',
    ].join('\n'));
  });

  it('says so when nothing changed, without a closing border', () => {
    const { p, out } = printer('changelog');
    p.start();
    p.finish('ended', 0);
    expect(out().split('\n').slice(3)).toEqual(['0 changes, the result is empty (0.00 seconds)', '']);
  });

  it('adds the cancellation, and only closes the table on failure', () => {
    const cancelled = printer('changelog');
    cancelled.p.start();
    cancelled.p.print(changes(['+I', ['ann', 1]]));
    cancelled.p.finish('cancelled', 10);
    expect(cancelled.out()).toMatch(/\+\n1 change, 1 row in the result \(0\.01 seconds\)\n\[INFO\] Statement cancelled\.\n$/);
    const failed = printer('changelog');
    failed.p.start();
    failed.p.print(changes(['+I', ['ann', 1]]));
    failed.p.finish('failed', 10);
    expect(failed.out().endsWith('| +I | ann      |           1 |\n+----+----------+-------------+\n')).toBe(true);
  });

  it('cuts values wider than their column, and shows NULL and escapes', () => {
    const { p, out } = printer('changelog', [{ name: 's', type: T.string() }], 8);
    p.start();
    p.print(changes(['+I', ['a long string']], ['+I', [null]], ['+I', ['a\nb']]));
    expect(out().split('\n').slice(0, 6)).toEqual([
      '+----+----------+',
      '| op | s        |',
      '+----+----------+',
      '| +I | a lon... |',
      '| +I | <NULL>   |',
      '| +I | a\\nb     |',
    ]);
  });
});

describe('ChangelogPrinter, tableau mode', () => {
  it('prints like Flink: right-aligned, "Received a total of N rows"', () => {
    const { p, out } = printer('tableau');
    p.start();
    p.print(changes(['+I', ['ann', 1]], ['-U', ['ann', 1]], ['+U', ['ann', 2]]));
    p.finish('ended', 5);
    expect(out()).toBe([
      '+----+----------+-------------+',
      '| op | customer |           n |',
      '+----+----------+-------------+',
      '| +I |      ann |           1 |',
      '| -U |      ann |           1 |',
      '| +U |      ann |           2 |',
      '+----+----------+-------------+',
      'Received a total of 3 rows',
      '',
    ].join('\n'));
  });

  it('says how many rows came when the query is terminated', () => {
    const { p, out } = printer('tableau');
    p.start();
    p.print(changes(['+I', ['ann', 1]]));
    p.finish('cancelled', 5);
    expect(out()).toMatch(/\+\nQuery terminated, received a total of 1 row\n$/);
    const empty = printer('tableau');
    empty.p.start();
    empty.p.finish('ended', 5);
    expect(empty.out().split('\n').slice(3)).toEqual(['Received a total of 0 rows', '']);
  });
});

describe('columnWidthFor', () => {
  const width = (type: ResultColumn['type'], name = 'c', max = 40): number => columnWidthFor({ name, type }, max);

  it('sizes columns by their type, at least the header and <NULL>', () => {
    expect(width(notNull(T.boolean()))).toBe(5);
    expect(width(notNull(T.int()))).toBe(11);
    expect(width(T.tinyint())).toBe(6);
    expect(width(notNull(T.decimal(10, 2)))).toBe(12);
    expect(width(notNull(T.decimal(2, 2)))).toBe(5);
    expect(width(T.date())).toBe(10);
    expect(width(T.timestamp(3))).toBe(23);
    expect(width(T.timestamp(0))).toBe(19);
    expect(width(notNull(T.char(2)))).toBe(2);
    expect(width(notNull(T.char(2)), 'a_long_name')).toBe(11);
  });

  it('gives unbounded types the most and never more', () => {
    expect(width(T.string())).toBe(40);
    expect(width(T.array(T.int()))).toBe(40);
    expect(width(T.string(), 'c', 12)).toBe(12);
    expect(width(T.bigint(), 'c', 12)).toBe(12);
    expect(width(T.int(), 'a_really_long_column_name', 12)).toBe(12);
  });
});
