/** EXPLAIN text for logical plans (Flink's node names) and the full EXPLAIN output. */
import type { LogicalPlan } from './logical-plan.ts';
import { inputsOf } from './logical-plan.ts';
import { exprToString } from '../exec/expr/print.ts';
import { aggText, describePhysical, windowText } from '../exec/physical-plan.ts';
import type { PhysicalPlan } from '../exec/physical-plan.ts';
import { renderTree } from '../util/tree.ts';

function names(p: LogicalPlan): string[] {
  return p.schema.map((f) => f.name);
}

function inputNames(p: LogicalPlan): string[] {
  return inputsOf(p).flatMap(names);
}

export function describeLogicalNode(p: LogicalPlan): string {
  const ins = inputNames(p);
  switch (p.kind) {
    case 'scan': {
      const fields = p.projection.map((i) => p.source.fields[i]!.name);
      return `LogicalTableScan(table=[[${p.tableName}]], fields=[${fields.join(', ')}])`;
    }
    case 'values': return `LogicalValues(tuples=[${p.rows.length} rows])`;
    case 'project': return `LogicalProject(${p.exprs.map((e, i) => `${p.schema[i]!.name}=[${exprToString(e, ins)}]`).join(', ')})`;
    case 'filter': return `LogicalFilter(condition=[${exprToString(p.predicate, ins)}])`;
    case 'aggregate': {
      const keys = p.groupKeys.map((k) => ins[k]);
      const sets = p.groupingSets ? `, groups=[${p.groupingSets.map((s) => '{' + s.map((i) => keys[i]).join(', ') + '}').join(', ')}]` : '';
      return `LogicalAggregate(group=[{${keys.join(', ')}}]${sets}${p.aggs.map((a) => `, ${a.name}=[${aggText(a, ins)}]`).join('')})`;
    }
    case 'join': {
      const temporal = p.temporal ? `, systemTime=[${names(p.left)[p.temporal.leftTime]}]` : '';
      return `LogicalJoin(condition=[${p.condition ? exprToString(p.condition, [...names(p.left), ...names(p.right)]) : 'true'}], joinType=[${p.joinType}]${temporal})`;
    }
    case 'sort': return `LogicalSort(${p.keys.map((k, i) => `sort${i}=[${ins[k.index]}], dir${i}=[${k.desc ? 'DESC' : 'ASC'}]`).join(', ')})`;
    case 'limit': return `LogicalSort(offset=[${p.offset}], fetch=[${p.limit ?? 'ALL'}])`;
    case 'union': return 'LogicalUnion(all=[true])';
    case 'setop': return `Logical${p.op === 'intersect' ? 'Intersect' : 'Minus'}(all=[${p.all}])`;
    case 'window': return `LogicalWindow(${p.calls.map((c) => `${c.name}=[${c.fn.toUpperCase()}(${c.args.map((a) => ins[a]).join(', ')})]`).join(', ')})`;
    case 'unnest': return `LogicalCorrelate(unnest=[${p.exprs.map((e) => exprToString(e, ins)).join(', ')}]${p.outer ? ', joinType=[left]' : ''})`;
    case 'sink': return `LogicalSink(table=[${p.tableName}], fields=[${ins.join(', ')}])`;
    case 'windowTvf': return `LogicalTableFunctionScan(invocation=[${windowText(p.window, ins)}])`;
    case 'watermark': return `LogicalWatermarkAssigner(rowtime=[${ins[p.rowtime]}], watermark=[${exprToString(p.expr, ins)}])`;
  }
}

export function describeLogical(p: LogicalPlan): string {
  return renderTree(p, describeLogicalNode, inputsOf);
}

/**
 * The EXPLAIN text: the plan as bound, as optimized, and as it will run. With `changelogMode`, each
 * physical node also shows the row kinds it emits (EXPLAIN CHANGELOG_MODE).
 */
export function explainText(bound: LogicalPlan, optimized: LogicalPlan, physical: PhysicalPlan, changelogMode?: (p: PhysicalPlan) => string | undefined): string {
  return [
    '== Abstract Syntax Tree ==',
    describeLogical(bound),
    '',
    '== Optimized Logical Plan ==',
    describeLogical(optimized),
    '',
    '== Physical Execution Plan ==',
    describePhysical(physical, changelogMode),
  ].join('\n');
}
