/**
 * Consumers: a streaming reader with 'consumer-id' records, at each checkpoint, the next snapshot it
 * will read in `consumer/consumer-<id>`. A restarted reader resumes there, and snapshot expiration
 * never removes a snapshot a consumer still needs (consumers not updated for
 * 'consumer.expiration-time' stop counting).
 */
import { joinPath } from '../fs/file-io.ts';
import { FreshetError, SqlState } from '../util/errors.ts';
import type { FileStoreTable } from './table.ts';
import { decodeJson, encodeJson } from './json-file.ts';

export interface Consumer {
  id: string;
  nextSnapshot: number;
  updateTimeMillis: number;
}

const VALID_ID = /^[A-Za-z0-9_.-]+$/;

export function checkConsumerId(table: string, id: string): void {
  if (!VALID_ID.test(id)) {
    throw new FreshetError(SqlState.invalidParameterValue, `consumer-id '${id}' of table ${table} may only hold letters, digits, '_', '-' and '.'`);
  }
}

function consumerDir(table: FileStoreTable): string {
  return joinPath(table.path, 'consumer');
}

export async function readConsumer(table: FileStoreTable, id: string): Promise<Consumer | undefined> {
  checkConsumerId(table.name, id);
  const path = table.paths.consumerPath(id);
  if (!(await table.io.stat(path))) return undefined;
  const raw = decodeJson(await table.io.readAll(path), 'consumer', path) as Partial<Consumer>;
  if (typeof raw.nextSnapshot !== 'number') return undefined;
  return { id, nextSnapshot: raw.nextSnapshot, updateTimeMillis: raw.updateTimeMillis ?? 0 };
}

export async function writeConsumer(table: FileStoreTable, id: string, nextSnapshot: number): Promise<void> {
  checkConsumerId(table.name, id);
  await table.io.writeFile(table.paths.consumerPath(id), encodeJson({ nextSnapshot, updateTimeMillis: Date.now() }));
}

export async function removeConsumer(table: FileStoreTable, id: string): Promise<void> {
  checkConsumerId(table.name, id);
  await table.io.delete(table.paths.consumerPath(id));
}

/** Every consumer of the table (expired ones included; see `activeConsumers`). */
export async function listConsumers(table: FileStoreTable): Promise<Consumer[]> {
  const out: Consumer[] = [];
  for (const f of await table.io.list(consumerDir(table))) {
    const m = /^consumer-(.+)$/.exec(f.name);
    if (!m || f.isDirectory) continue;
    const c = await readConsumer(table, m[1]!).catch(() => undefined);
    if (c) out.push(c);
  }
  return out;
}

/** Consumers that still protect snapshots. */
export async function activeConsumers(table: FileStoreTable, now = Date.now()): Promise<Consumer[]> {
  const expiration = table.layout.options.consumerExpiration();
  const all = await listConsumers(table);
  return expiration === undefined ? all : all.filter((c) => now - c.updateTimeMillis <= expiration);
}
