/**
 * Small JSON metadata files (schemas, snapshots, hints, consumers): encoding, and reading with errors
 * that name the file, so a damaged or foreign file is reported, never silently misread.
 */
import type { FileIO } from '../fs/file-io.ts';
import { FreshetError, SqlState } from '../util/errors.ts';

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

export function encodeJson(value: unknown): Uint8Array {
  return encoder.encode(JSON.stringify(value, null, 1));
}

export function corrupted(what: string, path: string, reason: string): FreshetError {
  return new FreshetError(SqlState.dataCorrupted, `cannot read ${what} ${path}: ${reason}`, {
    hint: 'The file was damaged or written by another program. Restore it from a backup, or roll the table back to an earlier snapshot with CALL sys.rollback_to.',
  });
}

/** Parses bytes as JSON, or throws naming the file. */
export function decodeJson(bytes: Uint8Array, what: string, path: string): unknown {
  let text: string;
  try {
    text = decoder.decode(bytes);
  } catch {
    throw corrupted(what, path, 'not UTF-8 text');
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw corrupted(what, path, `not valid JSON (${(e as Error).message})`);
  }
}

export async function readJsonFile(io: FileIO, path: string, what: string): Promise<unknown> {
  return decodeJson(await io.readAll(path), what, path);
}

/** A JSON object's field with the expected JS type, or a corruption error naming the file and field. */
export function field<T>(obj: unknown, name: string, type: 'number' | 'string' | 'object' | 'boolean', what: string, path: string, optional = false): T {
  if (obj === null || typeof obj !== 'object') throw corrupted(what, path, 'not a JSON object');
  const v = (obj as Record<string, unknown>)[name];
  if (v === undefined || v === null) {
    if (optional) return undefined as T;
    throw corrupted(what, path, `field '${name}' is missing`);
  }
  if (typeof v !== type) throw corrupted(what, path, `field '${name}' is a ${typeof v}, expected a ${type}`);
  return v as T;
}
