/** What a connector is told about a catalog table. */
import type { TableDescriptor } from '../connectors/connector.ts';
import type { CatalogTable, ObjectIdentifier } from './objects.ts';
import { plainName } from './objects.ts';

export function tableDescriptor(id: ObjectIdentifier, t: CatalogTable, runtimeMode?: 'batch' | 'streaming', hintOptions: Record<string, string> = {}): TableDescriptor {
  return {
    name: plainName(id),
    physicalColumns: t.schema.columns.filter((c) => c.kind === 'physical').map((c) => ({ name: c.name, type: c.type })),
    metadataColumns: t.schema.columns.filter((c) => c.kind === 'metadata').map((c) => ({
      name: c.name, type: c.type, key: c.metadataKey ?? c.name, virtual: c.virtual ?? false,
    })),
    partitionKeys: t.partitionKeys,
    primaryKey: t.schema.primaryKey?.columns ?? [],
    // the table's own options object when there are no hints: connectors may key state by its identity
    options: Object.keys(hintOptions).length === 0 ? t.options : { ...t.options, ...hintOptions },
    runtimeMode,
  };
}
