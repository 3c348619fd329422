/** SQL-like text of a bound expression, for EXPLAIN and error messages. */
import type { BoundExpr } from './expr.ts';
import { formatValue } from '../../types/value.ts';
import { typeToString, isCharacter } from '../../types/data-type.ts';

const INFIX = new Set(['+', '-', '*', '/', '%', '=', '<>', '<', '<=', '>', '>=', '||', 'and', 'or']);

export function exprToString(e: BoundExpr, names?: readonly string[]): string {
  switch (e.kind) {
    case 'input': return names?.[e.index] ?? `$${e.index}`;
    case 'outer': return `$outer${e.depth}.$${e.index}`;
    case 'param': return `$${e.index + 1}`;
    case 'literal':
      if (e.value === null) return 'NULL';
      if (isCharacter(e.type)) return `'${String(e.value).replace(/'/g, "''")}'`;
      if (e.type.kind === 'DATE') return `DATE '${formatValue(e.type, e.value)}'`;
      if (e.type.kind === 'TIMESTAMP') return `TIMESTAMP '${formatValue(e.type, e.value)}'`;
      if (e.type.kind === 'INTERVAL_DAY_TIME' || e.type.kind === 'INTERVAL_YEAR_MONTH') return `INTERVAL '${formatValue(e.type, e.value)}'`;
      return formatValue(e.type, e.value);
    case 'cast': return `${e.safe ? 'TRY_CAST' : 'CAST'}(${exprToString(e.arg, names)} AS ${typeToString(e.type, false)})`;
    case 'case': {
      const parts = e.whens.map(([w, t]) => `WHEN ${exprToString(w, names)} THEN ${exprToString(t, names)}`);
      return `CASE ${parts.join(' ')}${e.else ? ` ELSE ${exprToString(e.else, names)}` : ''} END`;
    }
    case 'call': {
      const args = e.args.map((a) => exprToString(a, names));
      if (INFIX.has(e.fn) && args.length === 2) return `(${args[0]} ${e.fn.toUpperCase()} ${args[1]})`;
      if (e.fn === 'and' || e.fn === 'or') return `(${args.join(` ${e.fn.toUpperCase()} `)})`;
      if (e.fn === 'not') return `NOT ${args[0]}`;
      if (e.fn === 'negate') return `-${args[0]}`;
      if (e.fn === 'is_null') return `${args[0]} IS NULL`;
      if (e.fn === 'is_not_null') return `${args[0]} IS NOT NULL`;
      if (e.fn === '$current_watermark') return `CURRENT_WATERMARK(${args[0]})`;
      if (e.fn === '$udf') return `${(e.info as { name: string }).name.toUpperCase()}(${args.join(', ')})`;
      return `${e.fn.toUpperCase()}(${args.join(', ')})`;
    }
  }
}
