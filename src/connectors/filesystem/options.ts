/**
 * The options of a `filesystem` table, checked once and turned into a typed object: where the data
 * lives, which format its files have (with that format's own options), how NULL partition values are
 * named, and how big a written file may grow before the sink starts another.
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
import { hasTextForm } from '../formats/text-codec.ts';

export const FORMATS: Record<string, FileFormat> = { csv: csvFormat, json: jsonFormat, parquet: parquetFormat };

export const DEFAULT_PARTITION_NAME = '__DEFAULT_PARTITION__';
const DEFAULT_FILE_SIZE = 128 * 1024 * 1024;

export const FILESYSTEM_OPTIONS = [
  'partition.default-name',
  'sink.rolling-policy.file-size',
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
  rollingFileSize: number;
  /** Every physical column, in declared order. */
  columns: Field[];
  partitionKeys: string[];
  /** The non-partition columns: what data files hold, in declared order. */
  fileFields: Field[];
}

const SIZE_RE = /^\s*(\d+(?:\.\d+)?)\s*(b|bytes?|k|kb|kib|m|mb|mib|g|gb|gib)?\s*$/i;

/** '128MB', '64 kb', '1gb', '1000' (bytes) → bytes. */
export function parseMemorySize(text: string): number | undefined {
  const m = SIZE_RE.exec(text);
  if (!m) return undefined;
  const unit = (m[2] ?? 'b').toLowerCase()[0];
  const mul = unit === 'k' ? 1024 : unit === 'm' ? 1024 ** 2 : unit === 'g' ? 1024 ** 3 : 1;
  return Math.floor(Number(m[1]) * mul);
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
    rollingFileSize,
    columns,
    partitionKeys: desc.partitionKeys,
    fileFields: columns.filter((c) => !desc.partitionKeys.includes(c.name)),
  };
}
