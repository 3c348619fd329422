import { describe, expect, it } from 'vitest';
import { renderTable, fitCell } from '../../src/client/table.ts';
import { cutToWidth, displayWidth, escapeControls } from '../../src/client/display-width.ts';

describe('renderTable', () => {
  it('draws borders, header and aligned cells', () => {
    const out = renderTable(
      [{ header: 'name', align: 'left' }, { header: 'n', align: 'right' }],
      [['ann', '2'], ['bob', '100']],
      40,
    );
    expect(out).toBe([
      '+------+-----+',
      '| name |   n |',
      '+------+-----+',
      '| ann  |   2 |',
      '| bob  | 100 |',
      '+------+-----+',
      '',
    ].join('\n'));
  });

  it('shows NULL as <NULL>, aligned like the column', () => {
    const out = renderTable([{ header: 'amount', align: 'right' }, { header: 's', align: 'left' }], [[null, null], ['1.50', 'x']], 40);
    expect(out.split('\n').slice(3, 5)).toEqual(['| <NULL> | <NULL> |', '|   1.50 | x      |']);
  });

  it('caps column widths and marks cut values with ...', () => {
    const out = renderTable([{ header: 'a_long_header', align: 'left' }], [['abcdefghijklmnop'], ['short']], 10);
    expect(out.split('\n')).toEqual([
      '+------------+',
      '| a_long_... |',
      '+------------+',
      '| abcdefg... |',
      '| short      |',
      '+------------+',
      '',
    ]);
  });

  it('lines up rows with wide characters', () => {
    const out = renderTable([{ header: 'w', align: 'left' }], [['日本'], ['abcd'], ['e\u0301']], 40);
    const lines = out.trimEnd().split('\n');
    expect(lines[3]).toBe('| 日本 |');
    expect(lines[4]).toBe('| abcd |');
    expect(lines[5]).toBe('| e\u0301    |');
    for (const l of lines) expect(displayWidth(l)).toBe(8);
  });

  it('cuts wide characters without splitting them', () => {
    // 6 columns leave 3 for text: one wide character fits, the second would straddle the edge.
    expect(fitCell('日本語テキスト', 6)).toBe('日...');
    const out = renderTable([{ header: 'x', align: 'left' }], [['日本語テキスト'], ['abcdefgh']], 6);
    for (const l of out.trimEnd().split('\n')) expect(displayWidth(l)).toBe(out.split('\n')[0]!.length);
  });

  it('escapes control characters so a value cannot break a row', () => {
    const out = renderTable([{ header: 's', align: 'left' }], [['a\nb\tc\x1b[31m']], 40);
    expect(out).toContain('| a\\nb\\tc\\u001b[31m |');
    expect(out.split('\n')).toHaveLength(6);
  });
});

describe('display width', () => {
  it('counts terminal columns', () => {
    expect(displayWidth('abc')).toBe(3);
    expect(displayWidth('日本語')).toBe(6);
    expect(displayWidth('한국')).toBe(4);
    expect(displayWidth('ＡＢ')).toBe(4); // full-width forms
    expect(displayWidth('e\u0301')).toBe(1); // combining acute accent
    expect(displayWidth('a\u200bb')).toBe(2); // zero-width space
    expect(displayWidth('🙂')).toBe(2);
    expect(displayWidth('é')).toBe(1);
  });

  it('cuts to a width', () => {
    expect(cutToWidth('abcdef', 3)).toBe('abc');
    expect(cutToWidth('日本語', 3)).toBe('日');
    expect(cutToWidth('日本語', 4)).toBe('日本');
    expect(cutToWidth('🙂🙂', 3)).toBe('🙂');
  });

  it('escapes controls only when there are any', () => {
    expect(escapeControls('plain')).toBe('plain');
    expect(escapeControls('a\rb\x00')).toBe('a\\rb\\u0000');
  });
});
