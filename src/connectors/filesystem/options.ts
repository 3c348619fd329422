/**
 * The options of a `filesystem` table, checked once and turned into a typed object: where the data
 * lives, which format its files have (with that format's own options), how NULL partition values are
 * named, whether a read keeps watching for new files, and when the sink rolls files and commits
 * partitions.
 */
import type { Field } from '../../types/batch.ts';
import type { DataType } from '../../types/data-type.ts';
import { T, notNull, typeToString } from '../../types/data-type.ts';
import type { TableDescriptor } from '../connector.ts';
import { FreshetError, SqlState } from '../../util/errors.ts';
import { didYouMean } from '../../util/suggest.ts';
import type { FileFormat } from '../formats/format.ts';
import { csvFormat } from '../formats/csv.ts';
import { jsonFormat } from '../formats/json.ts';
import { parquetFormat } from '../formats/parquet.ts';
import { debeziumJsonFormat } from '../formats/debezium-json.ts';
import { canalJsonFormat } from '../formats/canal-json.ts';
import { hasTextForm } from '../formats/text-codec.ts';
import { parseDuration, parseMemorySize } from '../options.ts';

export const FORMATS: Record<string, FileFormat> = {
  csv: csvFormat, json: jsonFormat, parquet: parquetFormat, 'debezium-json': debeziumJsonFormat, 'canal-json': canalJsonFormat,
};

export const DEFAULT_PARTITION_NAME = '__DEFAULT_PARTITION__';
const DEFAULT_FILE_SIZE = 128 * 1024 * 1024;
const DEFAULT_ROLLOVER_INTERVAL = 30 * 60_000;
const DEFAULT_CHECK_INTERVAL = 60_000;
export const DEFAULT_SUCCESS_FILE_NAME = '_SUCCESS';

export const FILESYSTEM_OPTIONS = [
  'partition.default-name',
  'source.monitor-interval',
  'sink.rolling-policy.file-size',
  'sink.rolling-policy.rollover-interval',
  'sink.rolling-policy.check-interval',
  'sink.partition-commit.trigger',
  'sink.partition-commit.delay',
  'sink.partition-commit.policy.kind',
  'sink.partition-commit.success-file.name',
  ...Object.values(FORMATS).flatMap((f) => f.optionKeys),
];

/** Metadata a filesystem source can attach to each row, and the type each key produces. */
export const METADATA_KEYS: Record<string, DataType> = {
  'file.path': notNull(T.string()),
  'file.name': notNull(T.string()),
  'file.size': notNull(T.bigint()),
  'file.modification-time': notNull(T.timestampLtz(3)),
};

export interface FilesystemTable {
  name: string;
  path: string;
  formatName: string;
  format: FileFormat;
  defaultPartitionName: string;
  /** Milliseconds between listings of `path` for new files; undefined for a bounded read. */
  monitorInterval: number | undefined;
  rollingFileSize: number;
  /** A part file open this long (ms) is rolled: closed, to become visible at the next commit. */
  rolloverInterval: number;
  /** How often (ms) open part files are checked against rolloverInterval. */
  checkInterval: number;
  /** How long (ms) a partition must go without new rows before it is committed. */
  partitionCommitDelay: number;
  /** The marker file written into a committed partition (success-file policy), or undefined for none. */
  successFileName: string | undefined;
  /** Every physical column, in declared order. */
  columns: Field[];
  partitionKeys: string[];
  /** The non-partition columns: what data files hold, in declared order. */
  fileFields: Field[];
}

export function filesystemTable(desc: TableDescriptor): FilesystemTable {
  const o = desc.options;
  const path = o['path']!;
  if (path.trim() === '') {
    throw new FreshetError(SqlState.invalidParameterValue, `option 'path' of table ${desc.name} is empty`, { hint: "Set 'path' to a directory (or, for reading only, a file)." });
  }
  const formatName = o['format']!;
  const format = FORMATS[formatName.toLowerCase()];
  if (format === undefined) {
    throw new FreshetError(SqlState.invalidParameterValue, `unknown format '${formatName}' for table ${desc.name}${didYouMean(formatName, Object.keys(FORMATS))}`, {
      hint: `Formats of the filesystem connector: ${Object.keys(FORMATS).join(', ')}.`,
    });
  }
  // options of another format are mistakes (a copied table, a changed format)
  const foreign = Object.keys(o).filter((k) => Object.values(FORMATS).some((f) => f !== format && f.optionKeys.includes(k)));
  if (foreign.length > 0) {
    throw new FreshetError(SqlState.invalidParameterValue, `table ${desc.name} uses format '${format.name}' but sets ${foreign.map((k) => `'${k}'`).join(', ')}`, {
      hint: `Remove ${foreign.length === 1 ? 'that option' : 'those options'}, or change 'format'.`,
    });
  }
  let rollingFileSize = DEFAULT_FILE_SIZE;
  const size = o['sink.rolling-policy.file-size'];
  if (size !== undefined) {
    const n = parseMemorySize(size);
    if (n === undefined || n <= 0) {
      throw new FreshetError(SqlState.invalidParameterValue, `option 'sink.rolling-policy.file-size' of table ${desc.name} must be a size such as '128MB', got '${size}'`);
    }
    rollingFileSize = n;
  }
  const monitor = durationOption(desc, 'source.monitor-interval', undefined, false);
  const rolloverInterval = durationOption(desc, 'sink.rolling-policy.rollover-interval', DEFAULT_ROLLOVER_INTERVAL, false)!;
  const checkInterval = durationOption(desc, 'sink.rolling-policy.check-interval', DEFAULT_CHECK_INTERVAL, false)!;
  const partitionCommitDelay = durationOption(desc, 'sink.partition-commit.delay', 0, true)!;
  const trigger = o['sink.partition-commit.trigger'];
  if (trigger !== undefined && trigger.trim().toLowerCase() !== 'process-time') {
    if (trigger.trim().toLowerCase() === 'partition-time') {
      throw new FreshetError(SqlState.featureNotSupported, `table ${desc.name}: 'sink.partition-commit.trigger' = 'partition-time' is not supported`, {
        hint: "Use 'process-time' (a partition is committed once it has had no new rows for 'sink.partition-commit.delay').",
      });
    }
    throw new FreshetError(SqlState.invalidParameterValue, `option 'sink.partition-commit.trigger' of table ${desc.name} must be 'process-time', got '${trigger}'`);
  }
  const successFileName = successFile(desc);
  const columns = desc.physicalColumns;
  for (const k of desc.partitionKeys) {
    const f = columns.find((c) => c.name === k);
    if (f === undefined) {
      throw new FreshetError(SqlState.undefinedColumn, `partition column ${k} of table ${desc.name} is not a physical column`);
    }
    if (!hasTextForm(f.type)) {
      throw new FreshetError(SqlState.featureNotSupported, `partition column ${k} of table ${desc.name} has type ${typeToString(f.type, false)}, which cannot be a directory name`, {
        hint: 'Partition by a scalar column (string, number, date, timestamp, boolean).',
      });
    }
  }
  for (const m of desc.metadataColumns) {
    if (!(m.key in METADATA_KEYS)) {
      throw new FreshetError(SqlState.invalidParameterValue, `unknown metadata key '${m.key}' for column ${m.name} of table ${desc.name}${didYouMean(m.key, Object.keys(METADATA_KEYS))}`, {
        hint: `The filesystem connector provides: ${Object.keys(METADATA_KEYS).join(', ')}.`,
      });
    }
  }
  return {
    name: desc.name,
    path,
    formatName: format.name,
    format,
    defaultPartitionName: o['partition.default-name'] ?? DEFAULT_PARTITION_NAME,
    monitorInterval: monitor,
    rollingFileSize,
    rolloverInterval,
    checkInterval,
    partitionCommitDelay,
    successFileName,
    columns,
    partitionKeys: desc.partitionKeys,
    fileFields: columns.filter((c) => !desc.partitionKeys.includes(c.name)),
  };
}

/** A duration option in milliseconds ('1 s', '5 min', '500 ms', or a number of milliseconds). */
function durationOption(desc: TableDescriptor, key: string, fallback: number | undefined, zeroAllowed: boolean): number | undefined {
  const text = desc.options[key];
  if (text === undefined) return fallback;
  const ms = parseDuration(text);
  if (ms === undefined || !(zeroAllowed ? ms >= 0 : ms > 0)) {
    throw new FreshetError(SqlState.invalidParameterValue, `option '${key}' of table ${desc.name} must be a ${zeroAllowed ? '' : 'positive '}duration such as '1 s', '10 min' or '500 ms', got '${text}'`);
  }
  return ms;
}

/** The success-file name when 'sink.partition-commit.policy.kind' asks for one (the only policy supported). */
function successFile(desc: TableDescriptor): string | undefined {
  const o = desc.options;
  const kinds = o['sink.partition-commit.policy.kind'];
  const name = o['sink.partition-commit.success-file.name'] ?? DEFAULT_SUCCESS_FILE_NAME;
  if (name === '' || name.includes('/') || !(name.startsWith('_') || name.startsWith('.'))) {
    throw new FreshetError(SqlState.invalidParameterValue, `option 'sink.partition-commit.success-file.name' of table ${desc.name} must be a file name starting with '_' or '.', got '${name}'`, {
      hint: "Readers treat every other file in the table's directories as data.",
    });
  }
  if (kinds === undefined) return undefined;
  let success = false;
  for (const k of kinds.split(',').map((x) => x.trim().toLowerCase())) {
    if (k === 'success-file') success = true;
    else if (k === 'metastore' || k === 'custom') {
      throw new FreshetError(SqlState.featureNotSupported, `table ${desc.name}: partition commit policy '${k}' is not supported by the filesystem connector`, {
        hint: "Use 'success-file' (a marker file in each committed partition).",
      });
    } else {
      throw new FreshetError(SqlState.invalidParameterValue, `option 'sink.partition-commit.policy.kind' of table ${desc.name} must be 'success-file', got '${kinds}'`);
    }
  }
  if (success && desc.partitionKeys.length === 0) {
    throw new FreshetError(SqlState.invalidParameterValue, `table ${desc.name} is not partitioned, so 'sink.partition-commit.policy.kind' has nothing to commit`, {
      hint: 'Partition commit applies to tables with PARTITIONED BY; remove the option.',
    });
  }
  return success ? name : undefined;
}
