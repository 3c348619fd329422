/** Shared helpers for the filesystem connector tests: temp directories, sessions, DuckDB values. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Engine } from '../../src/session/engine.ts';
import type { Session } from '../../src/session/session.ts';
import type { StatementResult } from '../../src/session/result.ts';

/** A fresh directory under the OS temp dir; remove it with `removeTempDir`. */
export function makeTempDir(prefix = 'freshet-fs-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export function removeTempDir(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true });
}

/** A session in batch mode: these tests are about reading and writing files, with final results. */
export async function newSession(): Promise<Session> {
  const engine = await Engine.open();
  return engine.createSession({ 'execution.runtime-mode': 'batch' });
}

export async function query(s: Session, sql: string): Promise<unknown[][]> {
  const r = await s.execute(sql);
  if (r.kind !== 'rows') throw new Error(`expected rows from ${sql}, got ${r.kind}`);
  return r.rows;
}

export async function exec(s: Session, sql: string): Promise<StatementResult> {
  return s.execute(sql);
}

/** The error a statement fails with (the test fails if it succeeds). */
export async function failure(s: Session, sql: string): Promise<Error & { hint?: string; sqlState?: string }> {
  try {
    await s.execute(sql);
  } catch (e) {
    return e as Error & { hint?: string; sqlState?: string };
  }
  throw new Error(`expected ${sql} to fail`);
}

/** Every file and directory under `dir`, as sorted paths relative to it (hidden ones included). */
export function listTree(dir: string): string[] {
  const out: string[] = [];
  const walk = (p: string, rel: string): void => {
    if (!fs.existsSync(p)) return;
    for (const name of fs.readdirSync(p).sort()) {
      const full = path.join(p, name);
      const r = rel === '' ? name : `${rel}/${name}`;
      out.push(r + (fs.statSync(full).isDirectory() ? '/' : ''));
      if (fs.statSync(full).isDirectory()) walk(full, r);
    }
  };
  walk(dir, '');
  return out;
}

/** Just the data files (not directories) under `dir`. */
export function dataFiles(dir: string): string[] {
  return listTree(dir).filter((p) => !p.endsWith('/'));
}

export function write(file: string, text: string | Uint8Array): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
}

/** Rows as a string for order-insensitive comparison in assertions. */
export function sortRows(rows: unknown[][]): unknown[][] {
  const key = (r: unknown[]): string => JSON.stringify(r, (_k, v) => (typeof v === 'bigint' ? `${v}n` : v instanceof Uint8Array ? Buffer.from(v).toString('hex') : v instanceof Map ? [...v.entries()] : v));
  return [...rows].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}
