/**
 * Writes docs/functions.md from the function registries, so the reference lists exactly the functions
 * the engine has. Run: node --import tsx scripts/gen-function-docs.ts (a test checks it is current).
 */
import { writeFileSync } from 'node:fs';
import { renderFunctionDocs } from './function-docs.ts';

writeFileSync(new URL('../docs/functions.md', import.meta.url), renderFunctionDocs());
