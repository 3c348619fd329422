/**
 * The contract between the filesystem connector and a file format. A format reads one data file into
 * batches of the requested columns and writes batches into one data file; it knows nothing about
 * directories, partitions or commits, which the connector owns.
 *
 * Data files hold the table's non-partition columns (partition values live in directory names), so
 * `fileFields` below are those columns in declared order.
 */
import type { Batch, Field } from '../../types/batch.ts';
import type { ColumnPredicate, ScanContext } from '../connector.ts';
import type { FileIO, OutputFile } from '../../fs/file-io.ts';
import { FreshetError, SqlState } from '../../util/errors.ts';
import { typeToString } from '../../types/data-type.ts';

export interface DataFile {
  path: string;
  size: number;
}

export interface FormatReadRequest {
  /** Indexes into fileFields of the columns to produce, in this order (may be empty: rows only). */
  columns: readonly number[];
  /** Conjunctive predicates over fileFields the reader may use to skip data; it never has to apply them. */
  predicates: readonly ColumnPredicate[];
}

/** A format bound to one table's columns and options. */
export interface FormatInstance {
  /** Reads one file; every batch has exactly `columns.length` columns and at most ctx.batchSize rows. */
  read(io: FileIO, file: DataFile, req: FormatReadRequest, ctx: ScanContext): AsyncIterable<Batch>;
  /** Starts a data file; batches given to it carry every file field. */
  createWriter(out: OutputFile): FileWriter;
  /** Whether a predicate on a file field can skip data (row-group statistics); text formats cannot. */
  canPrune(p: ColumnPredicate): boolean;
  /** A rough size of one row on disk, for row-count estimates. */
  readonly bytesPerRow: number;
  /** Throws a FreshetError when this format, with these options, cannot be written (checked before a write starts). */
  checkWrite?(): void;
}

export interface FileWriter {
  /**
   * Encodes and queues rows; the promise settles when they have been handed to the file. Batches carry
   * kinds only for changelog formats (others receive inserts only).
   */
  write(batch: Batch): Promise<void>;
  /** Bytes written to the file so far (for rolling to a new file). */
  readonly bytesWritten: number;
  close(): Promise<void>;
  abort(): Promise<void>;
}

export interface FileFormat {
  readonly name: string;
  /** File name extension of files this format writes, without the dot. */
  readonly extension: string;
  /** Table options this format accepts. */
  readonly optionKeys: readonly string[];
  /**
   * A changelog format (debezium-json, canal-json): its records are change events, batches read carry
   * row kinds, and batches written may contain updates and deletes (their kinds are encoded).
   */
  readonly changelog?: boolean;
  /** Checks columns and options (throwing errors a user can act on) and binds the format to them. */
  bind(fileFields: readonly Field[], options: Record<string, string>, tableName: string): FormatInstance;
}

/** A data file's record could not be read; the message names the file and the record. */
export function badRecord(where: string, what: string, ignoreOption: string | undefined): FreshetError {
  return new FreshetError(SqlState.badRecord, `malformed record at ${where}: ${what}`, {
    hint: ignoreOption
      ? `Fix the file, or set '${ignoreOption}' = 'true' on the table to skip malformed records (the result then reports how many were skipped).`
      : 'Fix or remove the file, or declare the column with a type that matches the file.',
  });
}

export function unsupportedColumn(format: string, f: Field, tableName: string, hint?: string): FreshetError {
  return new FreshetError(SqlState.featureNotSupported, `format '${format}' cannot store column ${f.name} ${typeToString(f.type, false)} of table ${tableName}`, { hint });
}

export function badOption(key: string, value: string, tableName: string, expected: string): FreshetError {
  return new FreshetError(SqlState.invalidParameterValue, `option '${key}' of table ${tableName} must be ${expected}, got '${value}'`);
}

/** Reads a single-character option (accepting `\t`-style escapes and `U&'\0009'`-like unicode escapes). */
export function charOption(options: Record<string, string>, key: string, fallback: string | undefined, tableName: string): string | undefined {
  const raw = options[key];
  if (raw === undefined) return fallback;
  const v = raw === '\\t' ? '\t' : raw === '\\n' ? '\n' : raw === '\\r' ? '\r' : raw === '\\\\' ? '\\' : raw === "\\'" ? "'"
    : /^\\u[0-9a-fA-F]{4}$/.test(raw) ? String.fromCharCode(parseInt(raw.slice(2), 16)) : raw;
  if (v.length !== 1) throw badOption(key, raw, tableName, "a single character (use '\\t' for a tab)");
  return v;
}

export function boolOption(options: Record<string, string>, key: string, fallback: boolean, tableName: string): boolean {
  const raw = options[key];
  if (raw === undefined) return fallback;
  const v = raw.trim().toLowerCase();
  if (v === 'true') return true;
  if (v === 'false') return false;
  throw badOption(key, raw, tableName, "'true' or 'false'");
}
