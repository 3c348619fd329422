/**
 * `filesystem`: tables stored as files in a directory (local today, object stores through FileIO
 * later), in csv, json or parquet format, optionally partitioned into `k=v/` directories. Bounded reads
 * and an all-or-nothing INSERT [OVERWRITE] sink.
 *
 *   CREATE TABLE logs (ts TIMESTAMP(3), msg STRING, dt STRING) PARTITIONED BY (dt) WITH (
 *     'connector' = 'filesystem', 'path' = '/data/logs', 'format' = 'json');
 */
import type { ConnectorFactory } from '../connector.ts';
import { FILESYSTEM_OPTIONS, METADATA_KEYS, filesystemTable } from './options.ts';
import { FilesystemSource } from './source.ts';
import { FilesystemSink } from './sink.ts';

export const filesystemConnector: ConnectorFactory = {
  identifier: 'filesystem',
  requiredOptions: ['path', 'format'],
  optionalOptions: FILESYSTEM_OPTIONS,
  metadataKeys: METADATA_KEYS,
  validate: (d) => void filesystemTable(d),
  createSource: (d) => new FilesystemSource(d),
  createSink: (d) => new FilesystemSink(d),
};
