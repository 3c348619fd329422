/**
 * Options of a table-store table: what a table accepts in WITH (..), ALTER TABLE .. SET and OPTIONS
 * hints, their defaults, and typed access. Unknown keys are errors that list what is accepted, and
 * values are checked when the table is created, not at the first write.
 *
 * Names and defaults follow Apache Paimon where Freshet implements the same thing, so that users of
 * Paimon find what they know; where they differ it is said here and in docs/table-store.md.
 */
import { FreshetError, SqlState } from '../util/errors.ts';
import { didYouMean } from '../util/suggest.ts';
import { parseDuration, parseMemorySize } from '../connectors/options.ts';

export type MergeEngine = 'deduplicate' | 'partial-update' | 'aggregation' | 'first-row';
export type ChangelogProducer = 'none' | 'input' | 'lookup';
export type ScanMode = 'default' | 'latest-full' | 'full' | 'latest' | 'from-snapshot' | 'from-snapshot-full' | 'from-timestamp';

const MERGE_ENGINES: readonly MergeEngine[] = ['deduplicate', 'partial-update', 'aggregation', 'first-row'];
const CHANGELOG_PRODUCERS: readonly ChangelogProducer[] = ['none', 'input', 'lookup'];
const SCAN_MODES: readonly ScanMode[] = ['default', 'latest-full', 'full', 'latest', 'from-snapshot', 'from-snapshot-full', 'from-timestamp'];

/** Keys a table accepts; a trailing `*` matches a prefix (`fields.price.aggregate-function`). */
export const TABLE_OPTION_KEYS: readonly string[] = [
  'connector',
  'bucket', 'bucket-key',
  'merge-engine', 'sequence.field', 'changelog-producer', 'changelog-producer.row-deduplicate',
  'fields.*', 'partial-update.remove-record-on-delete', 'aggregation.remove-record-on-delete', 'ignore-delete', 'partial-update.ignore-delete', 'first-row.ignore-delete',
  'write-buffer-size', 'target-file-size', 'write-only',
  'num-sorted-run.compaction-trigger', 'num-sorted-run.stop-trigger', 'num-levels',
  'compaction.max-size-amplification-percent', 'compaction.size-ratio', 'compaction.min.file-num', 'compaction.max.file-num',
  'snapshot.num-retained.min', 'snapshot.num-retained.max', 'snapshot.time-retained', 'snapshot.expire.limit',
  'commit.max-retries', 'manifest.merge-min-count', 'manifest.target-file-size',
  'file.format', 'partition.default-name', 'dynamic-partition-overwrite', 'partition.fields.*',
  'materialized-table.*',
  'scan.mode', 'scan.snapshot-id', 'scan.timestamp-millis', 'scan.timestamp', 'scan.bounded',
  'incremental-between', 'incremental-between-timestamp', 'incremental-between-scan-mode',
  'consumer-id', 'consumer.expiration-time', 'continuous.discovery-interval', 'streaming-read-overwrite',
];

/** Options that only steer how one query reads (hints); they are not a property of the stored table. */
export const READ_OPTION_KEYS: readonly string[] = [
  'scan.mode', 'scan.snapshot-id', 'scan.timestamp-millis', 'scan.timestamp', 'scan.bounded',
  'incremental-between', 'incremental-between-timestamp', 'incremental-between-scan-mode', 'consumer-id',
];

function matchesKey(pattern: string, key: string): boolean {
  return pattern.endsWith('*') ? key.startsWith(pattern.slice(0, -1)) : pattern === key;
}

function bad(table: string, key: string, value: string, expected: string): FreshetError {
  return new FreshetError(SqlState.invalidParameterValue, `option '${key}' of table ${table} must be ${expected}, got '${value}'`);
}

/** Typed, validated view of a table's options. */
export class StoreOptions {
  readonly raw: Readonly<Record<string, string>>;
  private readonly table: string;

  constructor(raw: Record<string, string>, table: string) {
    this.raw = raw;
    this.table = table;
  }

  /** Throws on unknown keys and malformed values (every key is read once through its typed getter). */
  validate(hasPrimaryKey: boolean): void {
    const unknown = Object.keys(this.raw).filter((k) => !TABLE_OPTION_KEYS.some((p) => matchesKey(p, k)));
    if (unknown.length > 0) {
      const k = unknown[0]!;
      throw new FreshetError(SqlState.invalidParameterValue, `table ${this.table}: unsupported option${unknown.length > 1 ? 's' : ''} ${unknown.map((u) => `'${u}'`).join(', ')}${didYouMean(k, TABLE_OPTION_KEYS.filter((p) => !p.endsWith('*')))}`, {
        hint: `Table-store tables accept: ${TABLE_OPTION_KEYS.filter((p) => p !== 'connector').join(', ')}. See docs/table-store.md.`,
      });
    }
    const connector = this.raw['connector'];
    if (connector !== undefined && connector !== 'table-store') {
      throw bad(this.table, 'connector', connector, "'table-store' (or absent) for a table stored in this catalog");
    }
    const format = this.raw['file.format'];
    if (format !== undefined && format.toLowerCase() !== 'parquet') throw bad(this.table, 'file.format', format, "'parquet'");
    this.bucket(hasPrimaryKey);
    this.mergeEngine();
    this.changelogProducer();
    this.writeBufferSize();
    this.targetFileSize();
    this.compactionTrigger();
    this.stopTrigger();
    this.numLevels();
    this.maxSizeAmplification();
    this.sizeRatio();
    this.minFileNum();
    this.maxFileNum();
    this.retainedMin();
    this.retainedMax();
    this.timeRetained();
    this.expireLimit();
    this.commitMaxRetries();
    this.manifestMergeMinCount();
    this.manifestTargetSize();
    this.scanMode();
    this.scanSnapshotId();
    this.scanTimestampMillis();
    this.scanBounded();
    this.incrementalScanMode();
    this.discoveryInterval();
    this.bool('write-only', false);
    this.bool('dynamic-partition-overwrite', true);
    this.bool('streaming-read-overwrite', false);
    this.bool('changelog-producer.row-deduplicate', false);
    this.bool('partial-update.remove-record-on-delete', false);
    this.ignoreDelete();
    const ce = this.raw['consumer.expiration-time'];
    if (ce !== undefined && parseDuration(ce) === undefined) throw bad(this.table, 'consumer.expiration-time', ce, "a duration such as '1 d'");
  }

  get(key: string): string | undefined {
    return this.raw[key];
  }

  private int(key: string, fallback: number, min: number): number {
    const v = this.raw[key];
    if (v === undefined) return fallback;
    const n = Number(v.trim());
    if (!Number.isInteger(n) || n < min) throw bad(this.table, key, v, `an integer of at least ${min}`);
    return n;
  }

  private bool(key: string, fallback: boolean): boolean {
    const v = this.raw[key];
    if (v === undefined) return fallback;
    const t = v.trim().toLowerCase();
    if (t === 'true') return true;
    if (t === 'false') return false;
    throw bad(this.table, key, v, "'true' or 'false'");
  }

  private size(key: string, fallback: number): number {
    const v = this.raw[key];
    if (v === undefined) return fallback;
    const n = parseMemorySize(v);
    if (n === undefined || n <= 0) throw bad(this.table, key, v, "a size such as '64 mb'");
    return n;
  }

  private duration(key: string, fallback: number): number {
    const v = this.raw[key];
    if (v === undefined) return fallback;
    const n = parseDuration(v);
    if (n === undefined) throw bad(this.table, key, v, "a duration such as '10 s' or '1 h'");
    return n;
  }

  private choice<T extends string>(key: string, allowed: readonly T[], fallback: T): T {
    const v = this.raw[key];
    if (v === undefined) return fallback;
    const t = v.trim().toLowerCase() as T;
    if (!allowed.includes(t)) {
      throw new FreshetError(SqlState.invalidParameterValue, `option '${key}' of table ${this.table} must be one of ${allowed.map((a) => `'${a}'`).join(', ')}, got '${v}'${didYouMean(v, allowed)}`);
    }
    return t;
  }

  /** Buckets per partition: N ≥ 1 fixed buckets, or -1 (append tables only: no bucketing). */
  bucket(hasPrimaryKey: boolean): number {
    const v = this.raw['bucket'];
    if (v === undefined) return hasPrimaryKey ? 1 : -1;
    const n = Number(v.trim());
    if (!Number.isInteger(n) || n === 0 || n < -1) throw bad(this.table, 'bucket', v, 'a positive number of buckets (or -1 for an append table without buckets)');
    if (n === -1 && hasPrimaryKey) {
      throw new FreshetError(SqlState.featureNotSupported, `table ${this.table}: a primary-key table needs a fixed number of buckets, 'bucket' = '-1' (dynamic buckets) is not supported`, {
        hint: "Set 'bucket' to the number of buckets, e.g. '4'; rows are spread over them by a hash of the primary key.",
      });
    }
    return n;
  }

  bucketKey(): string[] | undefined {
    const v = this.raw['bucket-key'];
    return v === undefined ? undefined : v.split(',').map((s) => s.trim()).filter((s) => s !== '');
  }

  mergeEngine(): MergeEngine {
    return this.choice('merge-engine', MERGE_ENGINES, 'deduplicate');
  }

  changelogProducer(): ChangelogProducer {
    const v = this.raw['changelog-producer'];
    if (v !== undefined && v.trim().toLowerCase() === 'full-compaction') {
      throw new FreshetError(SqlState.featureNotSupported, `table ${this.table}: 'changelog-producer' = 'full-compaction' is not supported`, {
        hint: "Use 'lookup': it produces the same exact changelog (-U/+U pairs) at every commit instead of at full compactions.",
      });
    }
    return this.choice('changelog-producer', CHANGELOG_PRODUCERS, 'none');
  }

  rowDeduplicate(): boolean {
    return this.bool('changelog-producer.row-deduplicate', false);
  }

  sequenceFields(): string[] {
    const v = this.raw['sequence.field'];
    return v === undefined ? [] : v.split(',').map((s) => s.trim()).filter((s) => s !== '');
  }

  /** `fields.<name>.<suffix>` values by field name. */
  fieldOptions(suffix: string): Map<string, string> {
    const out = new Map<string, string>();
    for (const [k, v] of Object.entries(this.raw)) {
      if (!k.startsWith('fields.') || !k.endsWith('.' + suffix)) continue;
      out.set(k.slice('fields.'.length, k.length - suffix.length - 1), v);
    }
    return out;
  }

  removeRecordOnDelete(): boolean {
    return this.bool('partial-update.remove-record-on-delete', false) || this.bool('aggregation.remove-record-on-delete', false);
  }

  ignoreDelete(): boolean {
    return this.bool('ignore-delete', false) || this.bool('partial-update.ignore-delete', false) || this.bool('first-row.ignore-delete', false);
  }

  writeBufferSize(): number {
    return this.size('write-buffer-size', 64 * 1024 * 1024);
  }

  targetFileSize(): number {
    return this.size('target-file-size', 128 * 1024 * 1024);
  }

  writeOnly(): boolean {
    return this.bool('write-only', false);
  }

  compactionTrigger(): number {
    return this.int('num-sorted-run.compaction-trigger', 5, 1);
  }

  stopTrigger(): number {
    return this.int('num-sorted-run.stop-trigger', this.compactionTrigger() + 3, 1);
  }

  numLevels(): number {
    return this.int('num-levels', this.compactionTrigger() + 1, 2);
  }

  maxSizeAmplification(): number {
    return this.int('compaction.max-size-amplification-percent', 200, 0);
  }

  sizeRatio(): number {
    return this.int('compaction.size-ratio', 1, 0);
  }

  minFileNum(): number {
    return this.int('compaction.min.file-num', 5, 2);
  }

  maxFileNum(): number {
    return this.int('compaction.max.file-num', 50, 2);
  }

  retainedMin(): number {
    return this.int('snapshot.num-retained.min', 10, 1);
  }

  retainedMax(): number {
    return this.int('snapshot.num-retained.max', 2147483647, 1);
  }

  timeRetained(): number {
    return this.duration('snapshot.time-retained', 3_600_000);
  }

  expireLimit(): number {
    return this.int('snapshot.expire.limit', 10, 1);
  }

  commitMaxRetries(): number {
    return this.int('commit.max-retries', 10, 0);
  }

  manifestMergeMinCount(): number {
    return this.int('manifest.merge-min-count', 30, 2);
  }

  manifestTargetSize(): number {
    return this.size('manifest.target-file-size', 8 * 1024 * 1024);
  }

  partitionDefaultName(): string {
    return this.raw['partition.default-name'] ?? '__DEFAULT_PARTITION__';
  }

  dynamicPartitionOverwrite(): boolean {
    return this.bool('dynamic-partition-overwrite', true);
  }

  scanMode(): ScanMode {
    return this.choice('scan.mode', SCAN_MODES, 'default');
  }

  scanSnapshotId(): number | undefined {
    return this.raw['scan.snapshot-id'] === undefined ? undefined : this.int('scan.snapshot-id', 0, 1);
  }

  scanTimestampMillis(): number | undefined {
    return this.raw['scan.timestamp-millis'] === undefined ? undefined : this.int('scan.timestamp-millis', 0, 0);
  }

  scanBounded(): boolean | undefined {
    return this.raw['scan.bounded'] === undefined ? undefined : this.bool('scan.bounded', false);
  }

  incrementalScanMode(): 'auto' | 'delta' | 'changelog' | 'diff' {
    return this.choice('incremental-between-scan-mode', ['auto', 'delta', 'changelog', 'diff'] as const, 'auto');
  }

  streamingReadOverwrite(): boolean {
    return this.bool('streaming-read-overwrite', false);
  }

  discoveryInterval(): number {
    return this.duration('continuous.discovery-interval', 10_000);
  }

  consumerId(): string | undefined {
    return this.raw['consumer-id'];
  }

  consumerExpiration(): number | undefined {
    const v = this.raw['consumer.expiration-time'];
    return v === undefined ? undefined : parseDuration(v);
  }
}
