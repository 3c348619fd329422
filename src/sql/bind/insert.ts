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
import { canImplicitlyCast, typeToString, isCharacter, isExactNumeric, notNull, T } from '../../types/data-type.ts';
import { canCast } from '../../types/cast.ts';
import { formatValue } from '../../types/value.ts';
import { plainName } from '../../catalog/objects.ts';
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
  const resolved = b.located(st.table.loc, () => b.env.catalogs.resolve(st.table.parts));
  if (resolved.object.kind !== 'table') {
    throw b.error(SqlState.wrongObjectType, `cannot INSERT into view ${resolved.id.name}`, st.table.loc, 'Insert into the tables the view reads instead.');
  }
  const table = resolved.object;
  const desc = tableDescriptor(resolved.id, table, b.env.options.get('execution.runtime-mode') === 'batch' ? 'batch' : 'streaming', hintOptions(b, st.hints));
  const target = b.located(st.table.loc, () => createSink(desc, table.connector));
  const fields = target.fields;
  const fieldNames = fields.map((f) => f.name);

  // static partition values
  const staticPartition: Record<string, string> = {};
  for (const p of st.partition) {
    const name = matchName(p.name, table.partitionKeys);
    if (name === undefined) {
      throw b.error(SqlState.undefinedColumn, `\`${p.name.value}\` is not a partition column of ${resolved.id.name}`, p.name.loc,
        table.partitionKeys.length > 0 ? `Partition columns: ${table.partitionKeys.join(', ')}.` : `${resolved.id.name} is not partitioned.`);
    }
    const v = bindExpr(b, p.value, { scope: new Scope([]), input: { plan: oneRow() }, clause: 'PARTITION' });
    if (v.kind !== 'literal') throw b.error(SqlState.syntaxError, 'partition values must be constants', p.value.loc);
    const field = fields.find((f) => f.name === name)!;
    const value = b.located(p.value.loc, () => evaluateConstant(coerce(v, field.type), { timeZone: b.env.timeZone, now: b.env.now }));
    if (value === null) throw b.error(SqlState.nullValueNotAllowed, `partition column ${name} cannot be NULL`, p.value.loc);
    staticPartition[name] = formatValue(field.type, value, { timeZone: b.env.timeZone });
  }

  const query = bindQuery(b, st.source, null);
  const qTypes = query.plan.schema.map((f) => f.type);

  // which target column each query column fills
  let targets: number[];
  if (st.columns) {
    targets = st.columns.map((c) => {
      const name = matchName(c, fieldNames);
      if (name === undefined) throw b.error(SqlState.undefinedColumn, `\`${c.value}\` is not a column of ${resolved.id.name}`, c.loc, `Columns: ${fieldNames.join(', ')}.`);
      if (name in staticPartition) throw b.error(SqlState.syntaxError, `column ${name} is already given by PARTITION (..)`, c.loc);
      return fieldNames.indexOf(name);
    });
    const dup = targets.find((t, i) => targets.indexOf(t) !== i);
    if (dup !== undefined) throw b.error(SqlState.duplicateColumn, `column ${fieldNames[dup]} is listed twice`, st.loc);
  } else {
    targets = fields.map((_, i) => i).filter((i) => !(fieldNames[i]! in staticPartition));
  }
  if (targets.length !== qTypes.length) {
    throw b.error(SqlState.syntaxError, `INSERT into ${resolved.id.name} expects ${targets.length} column(s) (${targets.map((t) => fieldNames[t]).join(', ')}) but the query produces ${qTypes.length}`, st.source.loc,
      st.columns ? undefined : 'List the target columns explicitly: INSERT INTO t (a, b) SELECT ...');
  }

  const exprs: BoundExpr[] = fields.map((f, i) => {
    if (f.name in staticPartition) {
      return coerce(literal(staticPartition[f.name], notNull(T.string())), f.type);
    }
    const q = targets.indexOf(i);
    let e: BoundExpr;
    if (q < 0) {
      if (!f.type.nullable) throw b.error(SqlState.nullValueNotAllowed, `column ${f.name} of ${resolved.id.name} is NOT NULL and needs a value`, st.loc);
      e = literal(null, f.type);
    } else {
      const from = qTypes[q]!;
      // as in Flink, an exact number goes into any DECIMAL column: whether it fits the precision is
      // checked per value when it is written
      const ok = canImplicitlyCast(from, f.type) || (isCharacter(from) && isCharacter(f.type)) || (isExactNumeric(from) && f.type.kind === 'DECIMAL');
      if (!ok) {
        throw b.error(SqlState.datatypeMismatch, `column ${q + 1} of the query (\`${query.names[q]}\`, ${typeToString(from, false)}) cannot be written to ${f.name} ${typeToString(f.type, false)} of ${resolved.id.name}`, st.source.loc,
          canCast(from, f.type) ? `CAST it: CAST(${query.names[q]} AS ${typeToString(f.type, false)}).` : undefined);
      }
      e = coerce(inputRef(q, from), f.type);
    }
    if (!f.type.nullable && e.type.nullable) e = call('$enforce_not_null', [e], notNull(f.type), `${f.name} of ${resolved.id.name}`);
    return e;
  });
  const projected = L.project(query.plan, exprs, fieldNames);
  return L.sink(projected, plainName(resolved.id), target, st.overwrite, staticPartition);
}
