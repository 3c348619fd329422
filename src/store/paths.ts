/**
 * Where a table's files live:
 *
 *   <table>/schema/schema-<n>
 *   <table>/snapshot/snapshot-<n>, LATEST, EARLIEST
 *   <table>/manifest/manifest-<uuid>-<n>, manifest-list-<uuid>-<n>
 *   <table>/<k1=v1>/<k2=v2>/bucket-<b>/data-<uuid>-<n>.parquet, changelog-<uuid>-<n>.parquet
 *   <table>/consumer/consumer-<id>
 *
 * Partition directory names are for people and other tools; the partition values a reader trusts are
 * the typed ones in the manifests.
 */
import { randomUUID } from 'node:crypto';
import { joinPath } from '../fs/file-io.ts';
import type { DataType } from '../types/data-type.ts';
import { T } from '../types/data-type.ts';
import { makeCast } from '../types/cast.ts';
import { escapePartitionValue } from '../connectors/filesystem/partitions.ts';
import type { JsonScalar } from './value-codec.ts';
import { decodeValue } from './value-codec.ts';

export class PathFactory {
  readonly table: string;
  private readonly partitionKeys: readonly string[];
  private readonly partitionTypes: readonly DataType[];
  private readonly defaultName: string;
  private readonly toText: Array<(v: unknown) => unknown>;
  /** One uuid per writer instance: file names are `<prefix>-<uuid>-<counter>`, unique without coordination. */
  private readonly uuid = randomUUID();
  private counter = 0;

  constructor(table: string, partitionKeys: readonly string[], partitionTypes: readonly DataType[], defaultName: string) {
    this.table = table;
    this.partitionKeys = partitionKeys;
    this.partitionTypes = partitionTypes;
    this.defaultName = defaultName;
    this.toText = partitionTypes.map((t) => makeCast(t, T.string(), { timeZone: 'UTC' }));
  }

  get manifestDir(): string {
    return joinPath(this.table, 'manifest');
  }

  manifestPath(name: string): string {
    return joinPath(this.manifestDir, name);
  }

  consumerPath(id: string): string {
    return joinPath(this.table, 'consumer', `consumer-${id}`);
  }

  /** `k1=v1/k2=v2` for encoded partition values ('' for an unpartitioned table). */
  partitionDir(partition: readonly JsonScalar[]): string {
    return this.partitionKeys.map((k, i) => {
      const v = decodeValue(this.partitionTypes[i]!, partition[i]);
      const text = v === null ? this.defaultName : String(this.toText[i]!(v));
      return `${escapePartitionValue(k)}=${text === '' ? this.defaultName : escapePartitionValue(text)}`;
    }).join('/');
  }

  bucketDir(partition: readonly JsonScalar[], bucket: number): string {
    return joinPath(this.table, this.partitionDir(partition), `bucket-${bucket}`);
  }

  dataFilePath(partition: readonly JsonScalar[], bucket: number, fileName: string): string {
    return joinPath(this.bucketDir(partition, bucket), fileName);
  }

  newFileName(prefix: 'data' | 'changelog'): string {
    return `${prefix}-${this.uuid}-${this.counter++}.parquet`;
  }

  newManifestName(prefix: 'manifest' | 'manifest-list'): string {
    return `${prefix}-${this.uuid}-${this.counter++}`;
  }
}

/** A partition's identity as a string (Map keys). */
export function partitionKeyOf(partition: readonly JsonScalar[]): string {
  return JSON.stringify(partition);
}
