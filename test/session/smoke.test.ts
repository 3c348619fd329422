import { describe, expect, it } from 'vitest';
import { Engine } from '../../src/session/engine.ts';
import { collectStream } from '../../src/session/result.ts';

describe('embedded engine', () => {
  it('evaluates a constant query in batch mode', async () => {
    const engine = await Engine.open();
    const r = await engine.createSession({ 'execution.runtime-mode': 'batch' }).execute('SELECT 1 + 1 AS two');
    expect(r.kind).toBe('rows');
    if (r.kind === 'rows') {
      expect(r.columns.map((c) => c.name)).toEqual(['two']);
      expect(r.rows).toEqual([[2]]);
    }
  });

  it('runs queries in streaming mode by default, as a changelog', async () => {
    const engine = await Engine.open();
    const r = await engine.createSession().execute('SELECT 1 + 1 AS two');
    expect(r.kind).toBe('stream');
    if (r.kind === 'stream') {
      expect(r.columns.map((c) => c.name)).toEqual(['two']);
      expect(r.changelog).toBe('append');
      expect(await collectStream(r)).toEqual([[2]]);
    }
  });
});
