/**
 * The connector of table-store tables. A catalog that stores tables in the table store hands the
 * engine one of these per table (bound to the table's directory and schema); without a table it only
 * validates a definition (CREATE TABLE checks options and keys before anything is written).
 */
import type { ConnectorFactory, ScanSource, SinkTarget, TableDescriptor } from '../../connectors/connector.ts';
import { FreshetError, SqlState } from '../../util/errors.ts';
import type { FileIO } from '../../fs/file-io.ts';
import { TABLE_OPTION_KEYS } from '../options.ts';
import { TableLayout } from '../layout.ts';
import type { TableSchema } from '../schema.ts';
import { FileStoreTable } from '../table.ts';
import { StoreSource } from './source.ts';
import { StoreSink } from './sink.ts';

export const STORE_CONNECTOR = 'table-store';

/** A schema for a definition that is not stored yet (validation only). */
export function draftSchema(desc: TableDescriptor): TableSchema {
  return {
    id: 0,
    fields: desc.physicalColumns.map((c, i) => ({ id: i, name: c.name, type: c.type })),
    highestFieldId: desc.physicalColumns.length - 1,
    partitionKeys: desc.partitionKeys,
    primaryKeys: desc.primaryKey,
    options: Object.fromEntries(Object.entries(desc.options).filter(([k]) => k !== 'connector')),
    timeMillis: 0,
  };
}

function validate(desc: TableDescriptor): void {
  if (desc.metadataColumns.length > 0) {
    throw new FreshetError(SqlState.featureNotSupported, `table ${desc.name}: table-store tables have no metadata columns (${desc.metadataColumns.map((c) => c.name).join(', ')})`, {
      hint: 'Remove the METADATA columns, or give the table a connector that provides them.',
    });
  }
  new TableLayout(draftSchema(desc), desc.name).validate();
}

const base = {
  identifier: STORE_CONNECTOR,
  requiredOptions: [] as readonly string[],
  optionalOptions: TABLE_OPTION_KEYS.filter((k) => k !== 'connector'),
  validate,
};

/** Validates definitions of tables a table-store catalog is about to create. */
export const storeDefinitionFactory: ConnectorFactory = base;

/** The connector of one stored table. Options of a use (hints) come on top of the stored ones. */
export function storeTableFactory(io: FileIO, path: string, schema: () => TableSchema): ConnectorFactory {
  const open = (desc: TableDescriptor): FileStoreTable => {
    const stored = schema();
    const dynamic: Record<string, string> = {};
    for (const [k, v] of Object.entries(desc.options)) if (k !== 'connector' && stored.options[k] !== v) dynamic[k] = v;
    return FileStoreTable.fromSchema(io, path, desc.name, stored, dynamic);
  };
  return {
    ...base,
    validate: (desc) => {
      validate(desc);
      open(desc).layout.options.validate(desc.primaryKey.length > 0);
    },
    createSource: (desc): ScanSource => new StoreSource(open(desc), desc.runtimeMode ?? 'streaming'),
    createSink: (desc): SinkTarget => new StoreSink(open(desc)),
  };
}
