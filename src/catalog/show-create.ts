/** SHOW CREATE TABLE / VIEW text, with secrets in options redacted. */
import type { CatalogTable, CatalogView, ObjectIdentifier } from './objects.ts';
import { identifierToString, quoteIdent } from './objects.ts';
import { typeToString } from '../types/data-type.ts';

const SECRET = /secret|password|passwd|token|credential|access-key|api-key|private-key/i;

export function redactOptions(options: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(options)) out[k] = SECRET.test(k) ? '******' : v;
  return out;
}

function quoteString(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}

export function showCreateTable(id: ObjectIdentifier, t: CatalogTable, temporary: boolean): string {
  const lines: string[] = [];
  for (const c of t.schema.columns) {
    const comment = c.comment ? ` COMMENT ${quoteString(c.comment)}` : '';
    if (c.kind === 'computed') lines.push(`  ${quoteIdent(c.name)} AS ${c.expr}${comment}`);
    else if (c.kind === 'metadata') {
      const from = c.metadataKey && c.metadataKey !== c.name ? ` FROM ${quoteString(c.metadataKey)}` : '';
      lines.push(`  ${quoteIdent(c.name)} ${typeToString(c.type)} METADATA${from}${c.virtual ? ' VIRTUAL' : ''}${comment}`);
    } else lines.push(`  ${quoteIdent(c.name)} ${typeToString(c.type)}${comment}`);
  }
  if (t.schema.watermark) lines.push(`  WATERMARK FOR ${quoteIdent(t.schema.watermark.column)} AS ${t.schema.watermark.expr}`);
  const pk = t.schema.primaryKey;
  if (pk) lines.push(`  CONSTRAINT ${quoteIdent(pk.name ?? `PK_${pk.columns.join('_')}`)} PRIMARY KEY (${pk.columns.map(quoteIdent).join(', ')}) NOT ENFORCED`);
  let s = `CREATE ${temporary ? 'TEMPORARY ' : ''}TABLE ${identifierToString(id)} (\n${lines.join(',\n')}\n)`;
  if (t.comment) s += `\nCOMMENT ${quoteString(t.comment)}`;
  if (t.partitionKeys.length > 0) s += `\nPARTITIONED BY (${t.partitionKeys.map(quoteIdent).join(', ')})`;
  const opts = Object.entries(redactOptions(t.options));
  if (opts.length > 0) s += `\nWITH (\n${opts.map(([k, v]) => `  ${quoteString(k)} = ${quoteString(v)}`).join(',\n')}\n)`;
  return s;
}

export function showCreateView(id: ObjectIdentifier, v: CatalogView, temporary: boolean): string {
  const cols = v.columns.map((c) => quoteIdent(c.name)).join(', ');
  return `CREATE ${temporary ? 'TEMPORARY ' : ''}VIEW ${identifierToString(id)}(${cols})${v.comment ? ` COMMENT ${quoteString(v.comment)}` : ''} AS\n${v.query}`;
}
