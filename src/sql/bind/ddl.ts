/**
 * DDL: CREATE TABLE (columns, computed and metadata columns, WATERMARK, PRIMARY KEY, PARTITIONED BY,
 * WITH options, LIKE) and CREATE VIEW, validated into catalog objects.
 */
import type * as A from '../ast.ts';
import type { DataType } from '../../types/data-type.ts';
import { notNull, typeToString, isTimestamp, withTimeAttribute } from '../../types/data-type.ts';
import type { CatalogTable, CatalogView, ColumnSpec, ObjectIdentifier, TableSchemaSpec } from '../../catalog/objects.ts';
import { tableDescriptor } from '../../catalog/table-descriptor.ts';
import { findConnector, validateOptions } from '../../connectors/registry.ts';
import { SqlState } from '../../util/errors.ts';
import { matchName } from '../../catalog/catalog-manager.ts';
import type { Binder } from './binder.ts';
import { bindType } from './types.ts';
import { Scope } from './scope.ts';
import { bindExpr, type ExprContext } from './expr.ts';
import { bindQuery } from './query.ts';
import { oneRow } from './relation.ts';
import { parseExpression } from '../parse.ts';

function typeOf(b: Binder, node: A.TypeNode): DataType {
  return bindType(node, (e, off) => b.at(e, { start: off, end: off }));
}

/** Options as a record; a key given twice is an error. */
export function optionsOf(b: Binder, opts: Array<{ key: string; value: string; loc: A.Loc }>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const o of opts) {
    if (o.key in out) throw b.error(SqlState.duplicateObject, `option '${o.key}' is given twice`, o.loc);
    out[o.key] = o.value;
  }
  return out;
}

/** Types of computed columns and the watermark, bound against the physical and metadata columns. */
function completeSchema(b: Binder, columns: ColumnSpec[], computed: Map<string, A.Expr>, watermark: A.WatermarkDef | undefined, loc: A.Loc): TableSchemaSpec {
  const base = columns.filter((c) => c.kind !== 'computed');
  const scope = new Scope(base.map((c, i) => ({ qualifier: null, name: c.name, index: i, type: c.type })));
  const ctx: ExprContext = { scope, input: { plan: oneRow() }, clause: 'a computed column' };
  for (const c of columns) {
    if (c.kind !== 'computed') continue;
    const ast = computed.get(c.name)!;
    const e = bindExpr(b, ast, ctx);
    if (ctx.input.plan.kind !== 'values') throw b.error(SqlState.featureNotSupported, 'subqueries are not allowed in computed columns', ast.loc);
    c.type = e.type;
  }
  const spec: TableSchemaSpec = { columns };
  if (watermark) {
    const parts = watermark.column.parts;
    if (parts.length > 1) throw b.error(SqlState.featureNotSupported, 'the WATERMARK column must be a top-level column', watermark.column.loc);
    const name = matchName(parts[0]!, columns.map((c) => c.name));
    if (name === undefined) {
      throw b.error(SqlState.undefinedColumn, `WATERMARK column \`${parts[0]!.value}\` is not a column of the table`, watermark.column.loc, `Columns: ${columns.map((c) => c.name).join(', ')}.`);
    }
    const col = columns.find((c) => c.name === name)!;
    if (!isTimestamp(col.type) || (col.type.precision ?? 6) > 3) {
      throw b.error(SqlState.datatypeMismatch, `the WATERMARK column \`${name}\` must be TIMESTAMP(3) or TIMESTAMP_LTZ(3), not ${typeToString(col.type, false)}`, watermark.column.loc,
        `Declare it as TIMESTAMP(3), or add a computed column such as \`ts AS CAST(${name} AS TIMESTAMP(3))\`.`);
    }
    const all = new Scope(columns.map((c, i) => ({ qualifier: null, name: c.name, index: i, type: c.name === name ? withTimeAttribute(c.type, 'ROWTIME') : c.type })));
    const w = bindExpr(b, watermark.expr, { scope: all, input: { plan: oneRow() }, clause: 'WATERMARK' });
    if (!isTimestamp(w.type)) {
      throw b.error(SqlState.datatypeMismatch, `the WATERMARK expression must return a timestamp, not ${typeToString(w.type, false)}`, watermark.expr.loc,
        `For a bounded delay write \`WATERMARK FOR ${name} AS ${name} - INTERVAL '5' SECOND\`.`);
    }
    spec.watermark = { column: name, expr: watermark.exprText };
  }
  void loc;
  return spec;
}

export function bindCreateTable(b: Binder, st: A.CreateTable, id: ObjectIdentifier): CatalogTable {
  const columns: ColumnSpec[] = [];
  const computed = new Map<string, A.Expr>();
  const seen: string[] = [];
  const addName = (name: A.Identifier): void => {
    if (seen.some((s) => s.toLowerCase() === name.value.toLowerCase())) {
      throw b.error(SqlState.duplicateColumn, `column \`${name.value}\` is defined twice`, name.loc);
    }
    seen.push(name.value);
  };
  let options = optionsOf(b, st.options);
  let partitionKeys = st.partitionedBy.map((p) => p.value);
  let watermark = st.watermark;
  let primaryKey = st.primaryKey;
  let comment = st.comment;

  if (st.like) {
    const src = b.located(st.like.source.loc, () => b.env.catalogs.resolve(st.like!.source.parts));
    if (src.object.kind !== 'table') throw b.error(SqlState.wrongObjectType, `LIKE needs a table, ${src.id.name} is a view`, st.like.loc);
    const t = src.object;
    const excluding = (what: string): boolean => st.like!.options.some((o) => o === `EXCLUDING ${what}` || o === 'EXCLUDING ALL') && !st.like!.options.includes(`INCLUDING ${what}`);
    for (const c of t.schema.columns) {
      if (c.kind !== 'physical' && excluding('GENERATED')) continue;
      if (c.kind === 'metadata' && excluding('METADATA')) continue;
      seen.push(c.name);
      columns.push({ ...c });
      if (c.kind === 'computed') computed.set(c.name, b.withSource(c.expr!, () => parseExpression(c.expr!)));
    }
    if (!watermark && t.schema.watermark && !excluding('WATERMARKS')) {
      const wm = t.schema.watermark;
      watermark = { column: { parts: [{ value: wm.column, quoted: true, loc: st.like.loc }], loc: st.like.loc }, expr: parseExpression(wm.expr), exprText: wm.expr, loc: st.like.loc };
    }
    if (!primaryKey && t.schema.primaryKey && !excluding('CONSTRAINTS')) {
      primaryKey = { columns: t.schema.primaryKey.columns.map((c) => ({ value: c, quoted: true, loc: st.like!.loc })), loc: st.like.loc };
    }
    if (partitionKeys.length === 0 && !excluding('PARTITIONS')) partitionKeys = [...t.partitionKeys];
    if (!excluding('OPTIONS')) options = { ...t.options, ...options };
    comment ??= t.comment;
  }

  for (const c of st.columns) {
    addName(c.name);
    switch (c.kind) {
      case 'physical': columns.push({ name: c.name.value, kind: 'physical', type: typeOf(b, c.type), comment: c.comment }); break;
      case 'metadata': columns.push({ name: c.name.value, kind: 'metadata', type: typeOf(b, c.type), metadataKey: c.key, virtual: c.virtual, comment: c.comment }); break;
      case 'computed':
        columns.push({ name: c.name.value, kind: 'computed', type: notNull({ kind: 'NULL', nullable: true }), expr: c.exprText, comment: c.comment });
        computed.set(c.name.value, c.expr);
        break;
    }
  }
  if (st.asQuery) {
    if (columns.length > 0) throw b.error(SqlState.featureNotSupported, 'CREATE TABLE .. AS SELECT takes its columns from the query; drop the column list', st.loc);
    const q = bindQuery(b, st.asQuery, null);
    q.plan.schema.forEach((f, i) => columns.push({ name: q.names[i]!, kind: 'physical', type: { ...f.type, timeAttribute: undefined } as DataType }));
  }
  if (columns.length === 0) throw b.error(SqlState.syntaxError, `table ${id.name} needs at least one column`, st.loc);

  // primary key columns are physical and NOT NULL
  let pk: TableSchemaSpec['primaryKey'];
  if (primaryKey) {
    const seenPk: string[] = [];
    for (const p of primaryKey.columns) {
      if (seenPk.includes(p.value.toLowerCase())) throw b.error(SqlState.duplicateColumn, `column \`${p.value}\` is listed twice in the PRIMARY KEY`, p.loc);
      seenPk.push(p.value.toLowerCase());
    }
    const cols = primaryKey.columns.map((p) => {
      const name = matchName(p, columns.map((c) => c.name));
      const col = name === undefined ? undefined : columns.find((c) => c.name === name);
      if (!col) throw b.error(SqlState.undefinedColumn, `PRIMARY KEY column \`${p.value}\` is not a column of the table`, p.loc);
      if (col.kind !== 'physical') throw b.error(SqlState.invalidColumnReference, `PRIMARY KEY column \`${p.value}\` must be a physical column, not a ${col.kind} column`, p.loc);
      col.type = notNull(col.type);
      return col.name;
    });
    pk = { name: primaryKey.name?.value, columns: cols };
  }
  for (const [i, p] of partitionKeys.entries()) {
    const name = matchName({ value: p, quoted: false }, columns.map((c) => c.name));
    const col = name === undefined ? undefined : columns.find((c) => c.name === name);
    const loc = st.partitionedBy[i]?.loc ?? st.loc;
    if (!col) throw b.error(SqlState.undefinedColumn, `PARTITIONED BY column \`${p}\` is not a column of the table`, loc);
    if (col.kind !== 'physical') throw b.error(SqlState.invalidColumnReference, `PARTITIONED BY column \`${p}\` must be a physical column`, loc);
    partitionKeys[i] = col.name;
  }
  const schema = completeSchema(b, columns, computed, watermark, st.loc);
  if (pk) schema.primaryKey = pk;
  const table: CatalogTable = { kind: 'table', schema, partitionKeys, options, comment };
  // fail now, not at the first query, when the connector or its options are wrong
  b.located(st.loc, () => {
    const desc = tableDescriptor(id, table);
    // a catalog that stores tables itself validates definitions without a connector of their own
    const managed = st.temporary ? undefined : b.env.catalogs.catalog(id.catalog).managedConnector?.(table);
    validateOptions(desc, findConnector(desc, managed));
  });
  return table;
}

export function bindCreateView(b: Binder, st: A.CreateView, id: ObjectIdentifier): CatalogView {
  const q = bindQuery(b, st.query, null);
  let names = q.names;
  if (st.columns) {
    if (st.columns.length !== names.length) {
      throw b.error(SqlState.syntaxError, `view ${id.name} lists ${st.columns.length} column name(s) but its query returns ${names.length}`, st.loc);
    }
    names = st.columns.map((c) => c.value);
  }
  const lower = names.map((n) => n.toLowerCase());
  const dup = lower.find((n, i) => lower.indexOf(n) !== i);
  if (dup !== undefined) throw b.error(SqlState.duplicateColumn, `view ${id.name} would have two columns named \`${names[lower.indexOf(dup)]}\``, st.loc, 'Give the columns distinct aliases.');
  return {
    kind: 'view',
    query: st.queryText,
    catalog: b.env.catalogs.currentCatalog,
    database: b.env.catalogs.currentDatabase,
    columns: q.plan.schema.map((f, i) => ({ name: names[i]!, type: f.type })),
    comment: st.comment,
  };
}
