/** CREATE FUNCTION with JavaScript and TypeScript modules: loading, types, NULLs, errors, DROP, both runtimes. */
import { describe, expect, it } from 'vitest';
import { Engine } from '../../src/session/engine.ts';
import { resultRows } from '../../src/session/result.ts';
import type { Session } from '../../src/session/session.ts';
import { failure } from '../helpers/failure.ts';

const DIR = 'test/fixtures/udf';

async function session(mode: 'batch' | 'streaming' = 'batch'): Promise<Session> {
  return (await Engine.open()).createSession({ 'execution.runtime-mode': mode });
}

async function rows(s: Session, sql: string): Promise<unknown[][]> {
  return resultRows(await s.execute(sql));
}

describe('CREATE FUNCTION', () => {
  for (const mode of ['batch', 'streaming'] as const) {
    it(`calls a JavaScript function row by row (${mode})`, async () => {
      const s = await session(mode);
      await s.execute(`CREATE FUNCTION shout AS '${DIR}/strings.js#shout'`);
      await s.execute(`CREATE TEMPORARY TABLE t (name STRING) WITH ('connector' = 'values', 'data' = '[["ann"], [null], ["bob"]]')`);
      expect(await rows(s, 'SELECT name, shout(name), SHOUT(name || \'?\') FROM t')).toEqual([['ann', 'ANN!', 'ANN?!'], [null, null, null], ['bob', 'BOB!', 'BOB?!']]);
    });
  }

  it('loads TypeScript modules and converts DECIMAL arguments and results', async () => {
    const s = await session();
    await s.execute(`CREATE TEMPORARY FUNCTION with_tax AS '${DIR}/price.ts#withTax' LANGUAGE TYPESCRIPT`);
    const r = await s.execute('SELECT with_tax(CAST(10.00 AS DECIMAL(10, 2)), 0.19)');
    expect(r.kind === 'rows' && r.columns[0]!.type.kind).toBe('DECIMAL');
    expect(await rows(s, 'SELECT CAST(with_tax(CAST(10.00 AS DECIMAL(10, 2)), 0.19) AS STRING)')).toEqual([['11.90']]);
  });

  it('passes NULL to functions without declared parameters and lets them decide', async () => {
    const s = await session();
    await s.execute(`CREATE TEMPORARY SYSTEM FUNCTION nz AS '${DIR}/strings.js#nullsAsZero'`);
    expect(await rows(s, 'SELECT nz(CAST(NULL AS INT)), nz(5)')).toEqual([[0, 5]]);
    expect(await rows(s, 'SHOW USER FUNCTIONS')).toEqual([['nz']]);
  });

  it('fails with the function and the value when a result does not fit the declared type', async () => {
    const s = await session();
    await s.execute(`CREATE FUNCTION half AS '${DIR}/strings.js#half'`);
    expect(await rows(s, 'SELECT half(4)')).toEqual([[2]]);
    const e = await failure(s, 'SELECT half(3)');
    expect(e.message).toContain('function HALF returned 1.5, which is not an integer in the range of INT');
  });

  it('checks the declared parameters at binding time', async () => {
    const s = await session();
    await s.execute(`CREATE FUNCTION shout AS '${DIR}/strings.js#shout'`);
    expect((await failure(s, 'SELECT shout(1, 2)')).message).toContain('SHOUT takes 1 argument (STRING), got 2');
    expect((await failure(s, 'SELECT shout(DATE \'2024-01-01\')')).message).toContain('argument 1 of SHOUT must be STRING, got DATE');
  });

  it('says what is wrong with a module, an export or a missing result type', async () => {
    const s = await session();
    expect((await failure(s, `CREATE FUNCTION f AS '${DIR}/nope.js#f'`)).message).toMatch(/the function module test\/fixtures\/udf\/nope\.js does not exist/);
    const missing = await failure(s, `CREATE FUNCTION f AS '${DIR}/strings.js#nope'`);
    expect(missing.message).toContain('exports no function named nope');
    expect(missing.hint).toContain('shout');
    expect((await failure(s, `CREATE FUNCTION f AS '${DIR}/strings.js#notAFunction'`)).message).toContain('exports no function named notAFunction');
    const untyped = await failure(s, `CREATE FUNCTION f AS '${DIR}/strings.js#untyped'`);
    expect(untyped.message).toContain('does not declare its result type');
    expect(untyped.hint).toContain("untyped.returns = 'INT';");
    expect((await failure(s, `CREATE FUNCTION f AS '${DIR}/strings.js'`)).message).toContain("write 'path/to/module.js#exportedName'");
    expect((await failure(s, `CREATE FUNCTION f AS '${DIR}/strings.js#shout' LANGUAGE PYTHON`)).message).toContain('functions in PYTHON are not supported');
  });

  it('refuses duplicates unless IF NOT EXISTS, and drops functions', async () => {
    const s = await session();
    await s.execute(`CREATE FUNCTION shout AS '${DIR}/strings.js#shout'`);
    expect((await failure(s, `CREATE FUNCTION shout AS '${DIR}/strings.js#shout'`)).message).toContain('function shout already exists');
    await s.execute(`CREATE FUNCTION IF NOT EXISTS shout AS '${DIR}/strings.js#shout'`);
    await s.execute('DROP FUNCTION shout');
    expect((await failure(s, 'SELECT shout(\'x\')')).message).toContain('unknown function SHOUT');
    expect((await failure(s, 'DROP FUNCTION shout')).message).toContain('function shout does not exist');
    await s.execute('DROP FUNCTION IF EXISTS shout');
  });

  it('shows the function by name in EXPLAIN', async () => {
    const s = await session();
    await s.execute(`CREATE FUNCTION shout AS '${DIR}/strings.js#shout'`);
    const r = await s.execute("EXPLAIN SELECT shout('a')");
    expect(r.kind === 'text' && r.text).toContain("SHOUT('a')");
  });
});
