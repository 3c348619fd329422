/**
 * A table's schema turned into what readers and writers index by: field types, the positions of
 * primary-key, partition, bucket-key and sequence fields, the bucket count and the parsed options.
 * Validation of a new table's definition lives here too, so CREATE TABLE fails before anything is
 * written.
 */
import type { Field } from '../types/batch.ts';
import type { DataType } from '../types/data-type.ts';
import { T, notNull, typeToString } from '../types/data-type.ts';
import { FreshetError, SqlState } from '../util/errors.ts';
import type { TableSchema } from './schema.ts';
import { fieldIndex } from './schema.ts';
import { StoreOptions } from './options.ts';
import { hasStats } from './value-codec.ts';
import { keyComparator, type KeyComparator } from './key-comparator.ts';
import { rowHasher, type RowHasher } from './bucket.ts';
import { createMergeFunction } from './merge/create.ts';

/** Columns a primary-key data file holds before the table's fields. */
export const SEQUENCE_FIELD = '_SEQUENCE_NUMBER';
export const VALUE_KIND_FIELD = '_VALUE_KIND';
export const SYSTEM_FIELDS: readonly Field[] = [
  { name: SEQUENCE_FIELD, type: notNull(T.bigint()) },
  { name: VALUE_KIND_FIELD, type: notNull(T.tinyint()) },
];

export class TableLayout {
  readonly schema: TableSchema;
  readonly name: string;
  readonly options: StoreOptions;
  readonly fields: Field[];
  readonly types: DataType[];
  readonly primaryKey: number[];
  readonly partition: number[];
  readonly bucketKey: number[];
  readonly sequenceFields: number[];
  /** Fixed buckets per partition, or -1 (append table without buckets: every file in bucket 0). */
  readonly buckets: number;
  readonly keyCompare: KeyComparator;
  readonly bucketHash: RowHasher;

  constructor(schema: TableSchema, name: string, extraOptions: Record<string, string> = {}) {
    this.schema = schema;
    this.name = name;
    this.options = new StoreOptions({ ...schema.options, ...extraOptions }, name);
    this.fields = schema.fields.map((f) => ({ name: f.name, type: f.type }));
    this.types = this.fields.map((f) => f.type);
    const idx = (n: string, what: string): number => {
      const i = fieldIndex(schema, n);
      if (i < 0) throw new FreshetError(SqlState.undefinedColumn, `table ${name}: ${what} column \`${n}\` is not a column of the table`, { hint: `Columns: ${this.fields.map((f) => f.name).join(', ')}.` });
      return i;
    };
    this.primaryKey = schema.primaryKeys.map((k) => idx(k, 'primary key'));
    this.partition = schema.partitionKeys.map((k) => idx(k, 'partition'));
    this.buckets = this.options.bucket(this.primaryKey.length > 0);
    const bk = this.options.bucketKey();
    if (bk !== undefined) this.bucketKey = bk.map((k) => idx(k, "'bucket-key'"));
    else if (this.primaryKey.length > 0) this.bucketKey = this.primaryKey.filter((k) => !this.partition.includes(k));
    else this.bucketKey = [];
    this.sequenceFields = this.options.sequenceFields().map((k) => idx(k, "'sequence.field'"));
    this.keyCompare = keyComparator(this.primaryKey, this.primaryKey.map((k) => this.types[k]!));
    this.bucketHash = rowHasher(this.bucketKey, this.bucketKey.map((k) => this.types[k]!));
  }

  get hasPrimaryKey(): boolean {
    return this.primaryKey.length > 0;
  }

  get keyTypes(): DataType[] {
    return this.primaryKey.map((k) => this.types[k]!);
  }

  get partitionTypes(): DataType[] {
    return this.partition.map((k) => this.types[k]!);
  }

  /** The fields of a data file written under this layout (system fields first for primary-key tables). */
  get fileFields(): Field[] {
    return this.hasPrimaryKey ? [...SYSTEM_FIELDS, ...this.fields] : this.fields;
  }

  /** Checks a table definition: options, keys and their types. */
  validate(): void {
    this.options.validate(this.hasPrimaryKey);
    for (const f of this.fields) {
      if (f.name === SEQUENCE_FIELD || f.name === VALUE_KIND_FIELD) {
        throw new FreshetError(SqlState.invalidName, `table ${this.name}: column name ${f.name} is reserved by the table store`, { hint: 'Rename the column.' });
      }
    }
    const needOrder = (positions: number[], what: string): void => {
      for (const p of positions) {
        const f = this.fields[p]!;
        if (!hasStats(f.type)) {
          throw new FreshetError(SqlState.featureNotSupported, `table ${this.name}: ${what} column ${f.name} has type ${typeToString(f.type, false)}, which has no order`, {
            hint: 'Use a column of a number, string, boolean, binary, date or time type.',
          });
        }
      }
    };
    needOrder(this.primaryKey, 'primary key');
    needOrder(this.partition, 'partition');
    needOrder(this.bucketKey, 'bucket key');
    if (this.hasPrimaryKey) {
      const missing = this.partition.filter((p) => !this.primaryKey.includes(p));
      if (missing.length > 0) {
        throw new FreshetError(SqlState.invalidColumnReference, `table ${this.name}: the primary key must include the partition column${missing.length > 1 ? 's' : ''} ${missing.map((p) => this.fields[p]!.name).join(', ')}`, {
          hint: `A key is unique within a partition; declare PRIMARY KEY (${[...new Set([...this.primaryKey, ...this.partition])].map((p) => this.fields[p]!.name).join(', ')}) NOT ENFORCED.`,
        });
      }
      const stray = this.bucketKey.filter((b) => !this.primaryKey.includes(b));
      if (stray.length > 0) {
        throw new FreshetError(SqlState.invalidColumnReference, `table ${this.name}: 'bucket-key' of a primary-key table must be primary key columns; ${stray.map((p) => this.fields[p]!.name).join(', ')} is not`, {
          hint: 'All versions of a key must land in one bucket, so the bucket key is (part of) the primary key.',
        });
      }
      if (this.bucketKey.length === 0) {
        throw new FreshetError(SqlState.invalidColumnReference, `table ${this.name}: the primary key has no column besides the partition columns, so rows cannot be spread over buckets`, {
          hint: "Add a column to the primary key, or set 'bucket' = '1'.",
        });
      }
      // the merge engine's own options (sequence groups, aggregate functions) are checked now, not at the first write
      createMergeFunction({ layout: this, fields: this.fields.map((_, i) => i), types: this.types });
    } else {
      if (this.buckets > 0 && this.bucketKey.length === 0) {
        throw new FreshetError(SqlState.invalidParameterValue, `table ${this.name}: an append table with 'bucket' = '${this.buckets}' needs 'bucket-key'`, {
          hint: "Name the columns to hash rows by, e.g. 'bucket-key' = 'user_id', or leave 'bucket' unset.",
        });
      }
      const pkOnly = ['merge-engine', 'sequence.field', 'changelog-producer'].filter((k) => this.options.get(k) !== undefined);
      if (pkOnly.length > 0) {
        throw new FreshetError(SqlState.invalidParameterValue, `table ${this.name}: option${pkOnly.length > 1 ? 's' : ''} ${pkOnly.map((k) => `'${k}'`).join(', ')} need${pkOnly.length > 1 ? '' : 's'} a primary key`, {
          hint: 'Declare PRIMARY KEY (..) NOT ENFORCED, or remove the option.',
        });
      }
    }
    if (this.buckets < 0 && this.options.get('bucket-key') !== undefined) {
      throw new FreshetError(SqlState.invalidParameterValue, `table ${this.name}: 'bucket-key' needs 'bucket' set to the number of buckets`);
    }
  }
}
