/**
 * The contract between the engine and connectors. A connector turns a table's options into a
 * ScanSource (something that produces batches) and/or a SinkTarget (something that accepts them).
 *
 * Sources may be asked to read a subset of their columns and may use simple column predicates to skip
 * data (partition directories, file statistics). Predicates a source evaluates exactly need not be
 * re-applied by the engine.
 */
import type { Batch, Column, Field } from '../types/batch.ts';
import type { DataType } from '../types/data-type.ts';

export type PredicateOp = '=' | '<>' | '<' | '<=' | '>' | '>=' | 'in' | 'isNull' | 'isNotNull';

/** `column op values` over a source column; values are internal representations of the column's type. */
export interface ColumnPredicate {
  column: number;
  op: PredicateOp;
  values: unknown[];
}

export interface ScanRequest {
  /** Source columns to produce, in this order. */
  columns: number[];
  /** Conjunctive predicates the source may use to skip data. */
  predicates: ColumnPredicate[];
}

export interface ScanContext {
  timeZone: string;
  batchSize: number;
  /** True once the consumer needs no more rows (LIMIT reached, query cancelled). Checked between batches. */
  isCancelled(): boolean;
  /** Counts a skipped bad record (with `*.ignore-parse-errors`); the count is reported with the result. */
  countSkipped(where: string, reason: string): void;
  /**
   * The scan runs in a streaming job: unbounded sources may run forever (monitor for new files, pace
   * rows) and changelog formats may emit updates. Batch scans refuse both.
   */
  streaming?: boolean;
  /**
   * A batch scan of a changelog source: the engine applies the changes itself and queries the table
   * they add up to, so the source may emit updates and deletes.
   */
  materializeChanges?: boolean;
  /**
   * A checkpointed streaming read resumes here: a position this source reported through
   * `reportPosition` in an earlier run of the same job (undefined: read from the start).
   */
  restoredPosition?: unknown;
  /**
   * Sources that can resume (`resumable`) call it before each yield with the position right after that
   * batch, as a new value of plain data node:v8 can serialize (never mutated later). A checkpoint
   * records the position of the last batch the job took in.
   */
  reportPosition?(position: unknown): void;
  /**
   * Sources that read committed versions of a table (table-store) call it before each yield in a
   * streaming read: the commit the batch comes from, and whether it belongs to the starting snapshot
   * read in full (`snapshot`) or to a change committed after it. SUBSCRIBE shows it with every change.
   */
  reportCommit?(commit: SourceCommit): void;
  /**
   * A streaming read of committed versions has handed on everything committed so far and waits for the
   * next commit: `time` is the commit time of the last version it read. Whatever it yields later was
   * committed after that (SUBSCRIBE .. WITH (progress) tells its reader so).
   */
  reportCaughtUp?(time: number): void;
}

export interface SourceCommit {
  /** When the commit was made (epoch milliseconds). */
  time: number;
  /** Part of the starting snapshot, read in full (true), or a change committed later (false). */
  snapshot: boolean;
}

export interface ScanSource {
  /** Columns this source can produce (physical columns, then metadata columns). */
  readonly fields: Field[];
  readonly bounded: boolean;
  /**
   * Whether batches carry updates and deletes (a changelog format such as debezium-json) or only
   * inserts (the default).
   */
  readonly changelogMode?: 'append' | 'retract';
  /** One line for EXPLAIN, e.g. `filesystem(path=/data/orders, format=csv)`. */
  describe(): string;
  /** How the source treats a predicate: evaluates it exactly, uses it only to skip data, or ignores it. */
  predicateSupport?(p: ColumnPredicate): 'exact' | 'prune' | 'none';
  /** An estimate of the number of rows, for choosing join sides. */
  estimatedRows?(): number | undefined;
  open(request: ScanRequest, ctx: ScanContext): AsyncIterable<Batch>;
  /**
   * Whether a streaming read reports its position and resumes from one (ScanContext.reportPosition and
   * restoredPosition): jobs with durable checkpoints need it of every source. The position belongs to
   * one read (one `open`), so one source object may back several scans of a job.
   */
  readonly resumable?: boolean;
  /**
   * A streaming job completed a checkpoint (everything this source produced before it has reached the
   * sinks and is committed): sources that record their position (table-store consumers) do it now.
   */
  checkpointed?(): Promise<void>;
  /**
   * Point lookups by key for lookup joins, answered from the table as it is at lookup time (new commits
   * show up in later lookups). `predicates` are the scan's pushed-down filters: those the source called
   * 'exact' must be applied by the lookup too. Undefined when the source cannot look rows up; the
   * engine then needs a bounded table, which it reads in full and hashes.
   */
  createLookup?(keyColumns: readonly number[], columns: readonly number[], predicates: readonly ColumnPredicate[]): LookupFunction | undefined;
}

/** Looks up rows by key, a batch of keys at a time (one await per batch of probe rows, never per row). */
export interface LookupFunction {
  /**
   * For each key row of `keys` (columns in keyColumns order), the matching rows' `columns`: `probe[i]`
   * is the key row that `rows` row i matched, in ascending order. Keys with NULLs match nothing.
   */
  lookup(keys: readonly Column[], n: number): Promise<{ probe: Int32Array; rows: Batch }>;
  close(): Promise<void>;
}

export interface SinkContext {
  timeZone: string;
  /** Processing time (for rolling and partition-commit delays); the wall clock when absent. */
  clock?: () => number;
  /**
   * Who is writing: one id per job, the same across its checkpoints and across restarts of the job
   * from its checkpoints. Sinks that commit exactly once record it with every commit.
   */
  commitUser?: string;
}

/** A completed checkpoint, as a committing sink is told of it. */
export interface CheckpointInfo {
  /** Increasing per job: 1, 2, ... */
  id: number;
  /** The event-time watermark that reached the sink, if any. */
  watermark?: number | null;
  /**
   * What `prepareCommit` returned for this checkpoint (two-phase sinks): commit exactly that. On
   * recovery it comes from the checkpoint, and committing it again must be a no-op.
   */
  committable?: unknown;
}

export interface SinkOpenOptions {
  overwrite: boolean;
  /** INSERT .. PARTITION (k = 'v'): values of partition columns not present in the rows. */
  staticPartition: Record<string, string>;
}

export interface SinkWriter {
  /** Accepts a batch with the sink's columns. May return a promise; the engine awaits it before the next batch. */
  write(batch: Batch): void | Promise<void>;
  /**
   * Makes the rows written so far visible while the job keeps running (streaming jobs call it at every
   * checkpoint). Sinks that only publish at the end leave it out.
   */
  commit?(checkpoint?: CheckpointInfo): Promise<void>;
  /**
   * Two-phase sinks (exactly once): at a checkpoint's cut, makes the rows written so far durable but
   * not visible and returns what `commit` will publish once the checkpoint is complete, as plain data
   * node:v8 can serialize (it is stored in the checkpoint). Sinks without it are committed at the cut
   * and are at-least-once across a restart.
   */
  prepareCommit?(checkpoint: CheckpointInfo): Promise<unknown>;
  /** Makes everything written visible (closes files, commits). Returns the number of rows written. */
  finish(): Promise<number>;
  /** Drops what was written and not yet finished. */
  abort(): Promise<void>;
}

export interface SinkTarget {
  /** Columns the sink takes, in order (partition columns included). */
  readonly fields: Field[];
  readonly partitionKeys: string[];
  /** Whether the sink accepts retractions/updates (-U, +U, -D), not only inserts. */
  readonly acceptsChanges: boolean;
  describe(): string;
  open(options: SinkOpenOptions, ctx: SinkContext): Promise<SinkWriter>;
}

export interface MetadataColumn {
  name: string;
  type: DataType;
  /** The connector's metadata key (`FROM 'key'`), defaulting to the column name. */
  key: string;
  virtual: boolean;
}

/** What the catalog hands a connector factory. */
export interface TableDescriptor {
  /** Qualified name, for messages. */
  name: string;
  physicalColumns: Field[];
  metadataColumns: MetadataColumn[];
  partitionKeys: string[];
  primaryKey: string[];
  options: Record<string, string>;
  /** The runtime of the statement that uses the table (sources that behave differently per runtime look here). */
  runtimeMode?: 'batch' | 'streaming';
}

export interface ConnectorFactory {
  readonly identifier: string;
  /** Options that must be present (besides `connector`). */
  readonly requiredOptions: readonly string[];
  /** Options that may be present; a trailing `*` matches a prefix (`fields.*`). */
  readonly optionalOptions: readonly string[];
  /** Metadata keys this connector can produce, with their types. */
  readonly metadataKeys?: Record<string, DataType>;
  /**
   * Checks option values and columns without touching data (no I/O), so CREATE TABLE fails at once on a
   * bad value instead of at the first query.
   */
  validate?(table: TableDescriptor): void;
  createSource?(table: TableDescriptor): ScanSource;
  createSink?(table: TableDescriptor): SinkTarget;
}
