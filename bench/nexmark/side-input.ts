/**
 * Writes the side input of Nexmark q13: bench/nexmark/data/side_input.csv, 10 000 rows `key,value` for
 * keys 0..9999 (a bid's auction id modulo 10000), the value a short deterministic string.
 *
 *   npx tsx bench/nexmark/side-input.ts
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const SIDE_INPUT_KEYS = 10_000;

/** The value of a key: `side-<key>-<hex>`, the hex a small hash of the key so values are not just the key. */
export function sideInputValue(key: number): string {
  let h = Math.imul(key ^ 0x9e3779b9, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return `side-${key}-${(h >>> 0).toString(16).padStart(8, '0')}`;
}

export function sideInputCsv(): string {
  const lines: string[] = [];
  for (let k = 0; k < SIDE_INPUT_KEYS; k++) lines.push(`${k},${sideInputValue(k)}`);
  return lines.join('\n') + '\n';
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const file = join(dirname(fileURLToPath(import.meta.url)), 'data', 'side_input.csv');
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, sideInputCsv());
  console.log(`wrote ${SIDE_INPUT_KEYS} rows to ${file}`);
}
