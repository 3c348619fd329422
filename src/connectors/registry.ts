/**
 * The connectors Freshet knows, by the `connector` option, and validation of a table's options against
 * what its connector accepts (unknown options are errors that list the supported ones, as in Flink).
 */
import type { ConnectorFactory, ScanSource, SinkTarget, TableDescriptor } from './connector.ts';
import { FreshetError, SqlState } from '../util/errors.ts';
import { didYouMean } from '../util/suggest.ts';

const factories = new Map<string, ConnectorFactory>();

export function registerConnector(f: ConnectorFactory): void {
  factories.set(f.identifier, f);
}

export function connectorNames(): string[] {
  return [...factories.keys()].sort();
}

/** Options every table may carry whatever its connector (consumed by the engine, not the connector). */
const COMMON_OPTIONS = ['connector'];

function matches(pattern: string, key: string): boolean {
  return pattern.endsWith('*') ? key.startsWith(pattern.slice(0, -1)) : pattern === key;
}

export function findConnector(table: TableDescriptor, override?: ConnectorFactory): ConnectorFactory {
  if (override) return override;
  const id = table.options['connector'];
  if (id === undefined) {
    throw new FreshetError(SqlState.invalidParameterValue, `table ${table.name} has no 'connector' option`, {
      hint: `Add WITH ('connector' = '...'); available connectors: ${connectorNames().join(', ')}.`,
    });
  }
  const f = factories.get(id);
  if (!f) {
    throw new FreshetError(SqlState.invalidParameterValue, `unknown connector '${id}' for table ${table.name}${didYouMean(id, factories.keys())}`, {
      hint: `Available connectors: ${connectorNames().join(', ')}.`,
    });
  }
  return f;
}

/** Checks required and allowed options; throws one error listing every problem. */
export function validateOptions(table: TableDescriptor, f: ConnectorFactory): void {
  const opts = table.options;
  const missing = f.requiredOptions.filter((k) => opts[k] === undefined);
  const allowed = [...COMMON_OPTIONS, ...f.requiredOptions, ...f.optionalOptions];
  const unknown = Object.keys(opts).filter((k) => !allowed.some((p) => matches(p, k)));
  if (missing.length === 0 && unknown.length === 0) {
    for (const m of table.metadataColumns) {
      const keys = Object.keys(f.metadataKeys ?? {});
      if (!keys.includes(m.key)) {
        throw new FreshetError(SqlState.invalidParameterValue, `connector '${f.identifier}' of table ${table.name} has no metadata '${m.key}' (column ${m.name})${didYouMean(m.key, keys)}`, {
          hint: keys.length > 0 ? `Metadata it provides: ${keys.join(', ')}.` : `The '${f.identifier}' connector provides no metadata columns.`,
        });
      }
    }
    f.validate?.(table);
    return;
  }
  const parts: string[] = [];
  if (missing.length > 0) parts.push(`missing required option${missing.length > 1 ? 's' : ''} ${missing.map((k) => `'${k}'`).join(', ')}`);
  if (unknown.length > 0) {
    parts.push(`unsupported option${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => `'${k}'${didYouMean(k, allowed.filter((a) => !a.endsWith('*')))}`).join(', ')}`);
  }
  throw new FreshetError(SqlState.invalidParameterValue, `connector '${f.identifier}' of table ${table.name}: ${parts.join('; ')}`, {
    hint: `Supported options: ${allowed.filter((a) => a !== 'connector').join(', ')}.`,
  });
}

export function createSource(table: TableDescriptor, override?: ConnectorFactory): ScanSource {
  const f = findConnector(table, override);
  if (!f.createSource) {
    throw new FreshetError(SqlState.featureNotSupported, `connector '${f.identifier}' of table ${table.name} can only be written to, not read`);
  }
  validateOptions(table, f);
  return f.createSource(table);
}

export function createSink(table: TableDescriptor, override?: ConnectorFactory): SinkTarget {
  const f = findConnector(table, override);
  if (!f.createSink) {
    throw new FreshetError(SqlState.featureNotSupported, `connector '${f.identifier}' of table ${table.name} can only be read, not written to`);
  }
  validateOptions(table, f);
  return f.createSink(table);
}
