/** Stores of MemoryFileIO that are dropped when the test file finishes. */
import { afterAll } from 'vitest';
import { dropMemoryStore } from '../../src/fs/memory.ts';

const stores: string[] = [];
let counter = 0;

afterAll(() => {
  for (const s of stores) dropMemoryStore(s);
});

/** A fresh store name (`memory://<name>/...`), unique in this process, starting with `prefix`. */
export function memoryStore(prefix: string): string {
  const name = `${prefix}-${process.pid}-${counter++}`;
  stores.push(name);
  return name;
}
