/**
 * INSERT INTO / INSERT OVERWRITE: the query's columns are matched to the target table's columns (by
 * position, or by an explicit column list; static partition values fill partition columns), checked for
 * type compatibility and cast. Writing a NULL into a NOT NULL column fails at run time, naming the column.
 */
import type * as A from '../ast.ts';
import type { BoundExpr } from '../../exec/expr/expr.ts';
import { inputRef, literal, call } from '../../exec/expr/expr.ts';
import type { LogicalPlan } from '../../planner/logical-plan.ts';
import * as L from '../../planner/logical-plan.ts';
import { canImplicitlyCast, typeToString, isCharacter, isExactNumeric, notNull, nullable, T } from '../../types/data-type.ts';
import type { Field } from '../../types/batch.ts';
import type { ScanSource, SinkTarget } from '../../connectors/connector.ts';
import { canCast } from '../../types/cast.ts';
import { formatValue } from '../../types/value.ts';
import { plainName, type ObjectIdentifier } from '../../catalog/objects.ts';
import { tableDescriptor } from '../../catalog/table-descriptor.ts';
import { createSink } from '../../connectors/registry.ts';
import { evaluateConstant } from '../../exec/expr/compile.ts';
import { SqlState } from '../../util/errors.ts';
import { matchName } from '../../catalog/catalog-manager.ts';
import type { Binder } from './binder.ts';
import { Scope } from './scope.ts';
import { bindExpr, coerce } from './expr.ts';
import { bindQuery } from './query.ts';
import { hintOptions, oneRow } from './relation.ts';

export function bindInsert(b: Binder, st: A.InsertStatement): LogicalPlan {
  const target = insertTarget(b, st.table, st.hints, st.partition, st.columns, st.loc);
  return insertRows(b, target, bindQuery(b, st.source, null), st.source.loc, st.overwrite);
}

/**
 * An INSERT whose rows come from `source` rather than a query (COPY .. FROM STDIN): the source is made
 * for the target's columns (those listed, or all), with their types, nullable, so its values need no
 * cast; NOT NULL columns are still enforced per value. `targetFields`: those columns as the table has
 * them (with NOT NULL).
 */
export function bindInsertFromSource(b: Binder, table: A.QualifiedName, columns: A.Identifier[] | undefined, loc: A.Loc, makeSource: (fields: Field[]) => ScanSource): { plan: LogicalPlan; targetFields: Field[] } {
  const target = insertTarget(b, table, [], [], columns, loc);
  const targetFields = target.targets.map((i) => target.fields[i]!);
  const source = makeSource(targetFields.map((f) => ({ name: f.name, type: nullable(f.type) })));
  const plan = L.scan(plainName(target.id), source);
  return { plan: insertRows(b, target, { plan, names: targetFields.map((f) => f.name) }, loc, false), targetFields };
}

interface InsertTarget {
  id: ObjectIdentifier;
  sink: SinkTarget;
  fields: readonly Field[];
  staticPartition: Record<string, string>;
  /** Which target column each input column fills. */
  targets: number[];
  /** Whether the columns were listed (INSERT INTO t (a, b)). */
  listed: boolean;
  loc: A.Loc;
}

function insertTarget(b: Binder, table: A.QualifiedName, hints: A.Hint[], partition: A.InsertStatement['partition'], columns: A.Identifier[] | undefined, loc: A.Loc): InsertTarget {
  const resolved = b.located(table.loc, () => b.env.catalogs.resolve(table.parts));
  if (resolved.object.kind !== 'table') {
    throw b.error(SqlState.wrongObjectType, `cannot INSERT into view ${resolved.id.name}`, table.loc, 'Insert into the tables the view reads instead.');
  }
  const t = resolved.object;
  const desc = tableDescriptor(resolved.id, t, b.env.options.get('execution.runtime-mode') === 'batch' ? 'batch' : 'streaming', hintOptions(b, hints));
  const sink = b.located(table.loc, () => createSink(desc, t.connector));
  const fields = sink.fields;
  const fieldNames = fields.map((f) => f.name);

  // static partition values
  const staticPartition: Record<string, string> = {};
  for (const p of partition) {
    const name = matchName(p.name, t.partitionKeys);
    if (name === undefined) {
      throw b.error(SqlState.undefinedColumn, `\`${p.name.value}\` is not a partition column of ${resolved.id.name}`, p.name.loc,
        t.partitionKeys.length > 0 ? `Partition columns: ${t.partitionKeys.join(', ')}.` : `${resolved.id.name} is not partitioned.`);
    }
    const v = bindExpr(b, p.value, { scope: new Scope([]), input: { plan: oneRow() }, clause: 'PARTITION' });
    if (v.kind !== 'literal') throw b.error(SqlState.syntaxError, 'partition values must be constants', p.value.loc);
    const field = fields.find((f) => f.name === name)!;
    const value = b.located(p.value.loc, () => evaluateConstant(coerce(v, field.type), { timeZone: b.env.timeZone, now: b.env.now }));
    if (value === null) throw b.error(SqlState.nullValueNotAllowed, `partition column ${name} cannot be NULL`, p.value.loc);
    staticPartition[name] = formatValue(field.type, value, { timeZone: b.env.timeZone });
  }

  let targets: number[];
  if (columns) {
    targets = columns.map((c) => {
      const name = matchName(c, fieldNames);
      if (name === undefined) throw b.error(SqlState.undefinedColumn, `\`${c.value}\` is not a column of ${resolved.id.name}`, c.loc, `Columns: ${fieldNames.join(', ')}.`);
      if (name in staticPartition) throw b.error(SqlState.syntaxError, `column ${name} is already given by PARTITION (..)`, c.loc);
      return fieldNames.indexOf(name);
    });
    const dup = targets.find((t, i) => targets.indexOf(t) !== i);
    if (dup !== undefined) throw b.error(SqlState.duplicateColumn, `column ${fieldNames[dup]} is listed twice`, loc);
  } else {
    targets = fields.map((_, i) => i).filter((i) => !(fieldNames[i]! in staticPartition));
  }
  return { id: resolved.id, sink, fields, staticPartition, targets, listed: columns !== undefined, loc };
}

/** Matches the input's columns to the target's, casts them and adds the sink. */
function insertRows(b: Binder, target: InsertTarget, query: { plan: LogicalPlan; names: string[] }, sourceLoc: A.Loc, overwrite: boolean): LogicalPlan {
  const { id, fields, staticPartition, targets } = target;
  const fieldNames = fields.map((f) => f.name);
  const qTypes = query.plan.schema.map((f) => f.type);
  if (targets.length !== qTypes.length) {
    throw b.error(SqlState.syntaxError, `INSERT into ${id.name} expects ${targets.length} column(s) (${targets.map((t) => fieldNames[t]).join(', ')}) but the query produces ${qTypes.length}`, sourceLoc,
      target.listed ? undefined : 'List the target columns explicitly: INSERT INTO t (a, b) SELECT ...');
  }

  const exprs: BoundExpr[] = fields.map((f, i) => {
    if (f.name in staticPartition) {
      return coerce(literal(staticPartition[f.name], notNull(T.string())), f.type);
    }
    const q = targets.indexOf(i);
    let e: BoundExpr;
    if (q < 0) {
      if (!f.type.nullable) throw b.error(SqlState.nullValueNotAllowed, `column ${f.name} of ${id.name} is NOT NULL and needs a value`, target.loc);
      e = literal(null, f.type);
    } else {
      const from = qTypes[q]!;
      // as in Flink, an exact number goes into any DECIMAL column: whether it fits the precision is
      // checked per value when it is written
      const ok = canImplicitlyCast(from, f.type) || (isCharacter(from) && isCharacter(f.type)) || (isExactNumeric(from) && f.type.kind === 'DECIMAL');
      if (!ok) {
        throw b.error(SqlState.datatypeMismatch, `column ${q + 1} of the query (\`${query.names[q]}\`, ${typeToString(from, false)}) cannot be written to ${f.name} ${typeToString(f.type, false)} of ${id.name}`, sourceLoc,
          canCast(from, f.type) ? `CAST it: CAST(${query.names[q]} AS ${typeToString(f.type, false)}).` : undefined);
      }
      e = coerce(inputRef(q, from), f.type);
    }
    if (!f.type.nullable && e.type.nullable) e = call('$enforce_not_null', [e], notNull(f.type), `${f.name} of ${id.name}`);
    return e;
  });
  const projected = L.project(query.plan, exprs, fieldNames);
  return L.sink(projected, plainName(id), target.sink, overwrite, staticPartition);
}
