/**
 * Conditional functions: COALESCE, IFNULL, IF, NULLIF, GREATEST, LEAST. COALESCE and IF are compiled
 * lazily by the expression compiler (later arguments are not evaluated once the result is known); their
 * entries here provide type resolution.
 */
import { T, withNullable, typeToString, physicalOf, isCharacter, typesEqualIgnoringNull } from '../../../types/data-type.ts';
import type { DataType } from '../../../types/data-type.ts';
import { makeCast } from '../../../types/cast.ts';
import type { FunctionModule, ScalarFunction } from '../function.ts';
import { commonOf } from '../function.ts';
import { comparisonType } from './operators.ts';
import { comparatorFor } from '../../../types/value.ts';

const coalesce: ScalarFunction = {
  name: 'coalesce',
  aliases: ['ifnull', 'nvl'],
  syntax: 'COALESCE(a, b, ...): the first non-NULL argument',
  resolve(args) {
    if (args.length === 0) return 'COALESCE needs at least one argument';
    const t = commonOf('coalesce', args.map((a) => a.type));
    if (typeof t === 'string') return t;
    const nullable = args.every((a) => a.type.nullable);
    return { type: withNullable(t, nullable), argTypes: args.map((a) => withNullable(t, a.type.nullable)) };
  },
  nulls: 'custom',
  genCustom(args) {
    // eager fallback (the compiler normally generates the lazy form)
    let v = 'null';
    let n = 'true';
    for (let i = args.length - 1; i >= 0; i--) {
      v = `(!(${args[i]!.n}) ? ${args[i]!.v} : ${v})`;
      n = `((${args[i]!.n}) && ${n})`;
    }
    return { v, n };
  },
};

const ifFn: ScalarFunction = {
  name: 'if',
  syntax: 'IF(condition, then, else)',
  resolve(args) {
    if (args.length !== 3) return 'IF needs three arguments: IF(condition, then, else)';
    const c = args[0]!.type;
    if (c.kind !== 'BOOLEAN' && c.kind !== 'NULL') return `the condition of IF must be BOOLEAN, got ${typeToString(c, false)}`;
    const t = commonOf('if', [args[1]!.type, args[2]!.type]);
    if (typeof t === 'string') return t;
    return { type: t, argTypes: [T.boolean(), withNullable(t, args[1]!.type.nullable), withNullable(t, args[2]!.type.nullable)] };
  },
  nulls: 'custom',
  genCustom([c, a, b]) {
    return { v: `((!(${c!.n}) && ${c!.v}) ? ${a!.v} : ${b!.v})`, n: `((!(${c!.n}) && ${c!.v}) ? (${a!.n}) : (${b!.n}))` };
  },
};

const nullif: ScalarFunction = {
  name: 'nullif',
  syntax: 'NULLIF(a, b): NULL if a = b, else a',
  resolve(args) {
    if (args.length !== 2) return 'NULLIF needs two arguments';
    const t = comparisonType(args[0]!, args[1]!, 'NULLIF');
    if (typeof t === 'string') return t;
    const a = args[0]!.type;
    // the result is `a` itself (its type); only the comparison happens in the common type
    return { type: withNullable(a.kind === 'NULL' ? t : a, true), info: t };
  },
  nulls: 'custom',
  genCustom([a, b], ctx) {
    const common = ctx.info as DataType;
    const [ta, tb] = ctx.argTypes as [DataType, DataType];
    const conv = (v: string, t: DataType): string => (typesEqualIgnoringNull(t, common) || t.kind === 'NULL' ? v : `${ctx.constant(makeCast(t, common, { timeZone: ctx.timeZone }))}(${v})`);
    const x = conv(a!.v, ta);
    const y = conv(b!.v, tb);
    const eq = physicalOf(common) !== 'obj' || isCharacter(common) ? `${x} === ${y}` : `$.eq(${x}, ${y})`;
    const same = `(!(${a!.n}) && !(${b!.n}) && ${eq})`;
    return { v: `(${same} ? null : ${a!.v})`, n: `((${a!.n}) || ${same})` };
  },
};

function extreme(name: 'greatest' | 'least'): ScalarFunction {
  return {
    name,
    syntax: `${name.toUpperCase()}(a, b, ...): NULL if any argument is NULL`,
    resolve(args) {
      if (args.length < 1) return `${name.toUpperCase()} needs at least one argument`;
      const t = commonOf(name, args.map((a) => a.type));
      if (typeof t === 'string') return t;
      if (t.kind === 'MAP') return `${name.toUpperCase()} cannot order values of type ${typeToString(t, false)}`;
      return { type: withNullable(t, args.some((a) => a.type.nullable)), argTypes: args.map((a) => withNullable(t, a.type.nullable)) };
    },
    nulls: 'strict',
    gen(args, ctx) {
      const t = ctx.resultType;
      const cmp = ctx.constant(comparatorFor(t));
      const op = name === 'greatest' ? '>' : '<';
      return args.reduce((acc, a) => `$.pick(${cmp}, ${acc}, ${a}, ${JSON.stringify(op)})`);
    },
  };
}

export const conditional: FunctionModule = {
  functions: [coalesce, ifFn, nullif, extreme('greatest'), extreme('least')],
  helpers: {
    pick(cmp: (a: unknown, b: unknown) => number, a: unknown, b: unknown, op: string): unknown {
      const c = cmp(b, a);
      return op === '>' ? (c > 0 ? b : a) : c < 0 ? b : a;
    },
  },
};
