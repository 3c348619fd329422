import { describe, expect, it } from 'vitest';
import { Engine } from '../../src/session/engine.ts';

describe('embedded engine', () => {
  it('evaluates a constant query', async () => {
    const engine = await Engine.open();
    const r = await engine.createSession().execute('SELECT 1 + 1 AS two');
    expect(r.kind).toBe('rows');
    if (r.kind === 'rows') {
      expect(r.columns.map((c) => c.name)).toEqual(['two']);
      expect(r.rows).toEqual([[2]]);
    }
  });
});
