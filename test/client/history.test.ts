import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { HistoryFile } from '../../src/client/history.ts';
import { tempDir } from '../helpers/temp-dir.ts';

describe('HistoryFile', () => {
  it('round-trips entries, newest first in memory and last in the file', () => {
    const path = join(tempDir('freshet-hist-'), '.freshet_history');
    const h = new HistoryFile(path, 10);
    expect(h.load()).toEqual([]);
    h.save(['SELECT 2;', "SELECT 'a\nb\\c';"]);
    expect(readFileSync(path, 'utf8')).toBe("SELECT 'a\\nb\\\\c';\nSELECT 2;\n");
    expect(h.load()).toEqual(['SELECT 2;', "SELECT 'a\nb\\c';"]);
    expect(statSync(path).mode & 0o777).toBe(0o600);
  });

  it('is bounded', () => {
    const path = join(tempDir('freshet-hist-'), '.freshet_history');
    const h = new HistoryFile(path, 3);
    h.save(['e5', 'e4', 'e3', 'e2', 'e1']);
    expect(h.load()).toEqual(['e5', 'e4', 'e3']);
    expect(new HistoryFile(path, 2).load()).toEqual(['e5', 'e4']);
  });

  it('ignores a history it cannot write', () => {
    const dir = tempDir('freshet-hist-');
    writeFileSync(join(dir, 'file'), '');
    const h = new HistoryFile(join(dir, 'file', '.freshet_history'));
    expect(() => h.save(['x'])).not.toThrow();
  });
});
