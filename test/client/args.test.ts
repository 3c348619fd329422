import { describe, expect, it } from 'vitest';
import { parseArgs, UsageError } from '../../src/client/args.ts';

describe('parseArgs', () => {
  it('has defaults', () => {
    expect(parseArgs([])).toEqual({ warehouse: './warehouse', config: {}, help: false });
  });

  it('reads every option in its short, long and = forms', () => {
    expect(parseArgs(['-f', 'a.sql', '--warehouse', '/w', '-D', 'k=v', '-Dx.y=1=2'])).toEqual({
      file: 'a.sql', warehouse: '/w', config: { k: 'v', 'x.y': '1=2' }, help: false,
    });
    expect(parseArgs(['--file=a.sql', '--warehouse=/w', '--define', 'a=b'])).toMatchObject({ file: 'a.sql', warehouse: '/w', config: { a: 'b' } });
    expect(parseArgs(['-e', 'SELECT 1;'])).toMatchObject({ execute: 'SELECT 1;' });
    expect(parseArgs(['--execute=SELECT 1 = 1;'])).toMatchObject({ execute: 'SELECT 1 = 1;' });
    expect(parseArgs(['-h']).help).toBe(true);
    expect(parseArgs(['--help']).help).toBe(true);
  });

  it('lets a later -D win', () => {
    expect(parseArgs(['-D', 'k=1', '-D', 'k=2']).config).toEqual({ k: '2' });
  });

  it('rejects what it does not understand', () => {
    const bad: string[][] = [['-x'], ['script.sql'], ['-f'], ['-D', 'novalue'], ['-D', '=v'], ['-f', 'a', '-e', 'b'], ['-f', 'a', '-f', 'b'], ['--warehouse', '']];
    for (const args of bad) expect(() => parseArgs(args), args.join(' ')).toThrow(UsageError);
  });

  it('suggests -f for a bare script name', () => {
    expect(() => parseArgs(['x.sql'])).toThrow(/-f x\.sql/);
  });
});
