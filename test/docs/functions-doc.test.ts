import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderFunctionDocs } from '../../scripts/function-docs.ts';

describe('docs/functions.md', () => {
  it('lists exactly the functions of the registries (regenerate with scripts/gen-function-docs.ts)', () => {
    const onDisk = readFileSync(new URL('../../docs/functions.md', import.meta.url), 'utf8');
    expect(onDisk).toBe(renderFunctionDocs());
  });
});
