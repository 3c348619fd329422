/** Functions about values themselves (TYPEOF) and internal helpers the planner inserts. */
import { T, notNull, typeToString } from '../../../types/data-type.ts';
import type { FunctionModule } from '../function.ts';
import { FreshetError, SqlState } from '../../../util/errors.ts';

export const misc: FunctionModule = {
  functions: [
    {
      name: 'typeof',
      syntax: 'TYPEOF(x): the SQL type of x as a string',
      resolve: (args) => (args.length >= 1 ? { type: notNull(T.string()), info: typeToString(args[0]!.type) } : 'TYPEOF takes one argument'),
      nulls: 'custom',
      genCustom: (_args, ctx) => ({ v: JSON.stringify(ctx.info), n: 'false' }),
    },
    {
      // GROUPING(a, b, ..) over the `$g` column of a GROUPING SETS aggregate: one bit per argument, 1 = rolled up
      name: '$grouping_bits',
      syntax: 'GROUPING(key, ...)',
      resolve: () => ({ type: notNull(T.bigint()) }),
      nulls: 'strict',
      gen: (args, ctx) => {
        const { positions, keys } = ctx.info as { positions: number[]; keys: number };
        return `$.groupingBits(${args[0]}, ${JSON.stringify(positions)}, ${keys})`;
      },
    },
    {
      // inserted before NOT NULL sink columns: fails the write instead of storing a NULL
      name: '$enforce_not_null',
      syntax: 'internal',
      resolve: (args) => ({ type: notNull(args[0]!.type) }),
      nulls: 'custom',
      genCustom: (args, ctx) => ({ v: `((${args[0]!.n}) ? $.notNullViolation(${JSON.stringify(ctx.info)}) : ${args[0]!.v})`, n: 'false' }),
    },
  ],
  helpers: {
    groupingBits(g: number, positions: number[], keys: number): number {
      let r = 0;
      for (const p of positions) r = (r << 1) | ((g >> (keys - 1 - p)) & 1);
      return r;
    },
    notNullViolation(column: string): never {
      throw new FreshetError(SqlState.nullValueNotAllowed, `column ${column} is NOT NULL but the query produced a NULL for it`, {
        hint: 'Filter the NULLs out or replace them with COALESCE before writing.',
      });
    },
  },
};
