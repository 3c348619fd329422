/**
 * The minimal reproduction of every known engine bug (known-bugs.ts), run against Freshet and DuckDB.
 * Each is expected to disagree (`it.fails`). When an engine fix makes one agree, its test fails here:
 * delete the entry from KNOWN_BUGS, and the property suites generate its cases again.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KNOWN_BUGS } from './known-bugs.ts';
import { EXACT_DOUBLES, Oracle, outcomeText, outcomesAgree } from './support/oracle.ts';

let oracle: Oracle;

beforeAll(async () => {
  oracle = await Oracle.open();
});

afterAll(() => {
  oracle.close();
});

describe.runIf(KNOWN_BUGS.length > 0)('known engine bugs still reproduce (a passing reproduction means: remove it from known-bugs.ts)', () => {
  for (const bug of KNOWN_BUGS) {
    it.fails(`[${bug.id}] ${bug.reason}`, async () => {
      for (const s of bug.repro.setup) await oracle.session.execute(s);
      for (const s of bug.repro.duckSetup ?? []) await oracle.duck.run(s);
      const fr = await oracle.freshet(bug.repro.freshet);
      const dk = await oracle.duckdb(bug.repro.duck);
      for (const s of bug.repro.setup) {
        const m = /^CREATE TABLE (\w+)/i.exec(s);
        if (m) await oracle.session.execute(`DROP TABLE ${m[1]}`);
      }
      expect(outcomesAgree(fr, dk, { rowsort: true, tol: EXACT_DOUBLES }), `Freshet: ${outcomeText(fr)}\nDuckDB: ${outcomeText(dk)}`).toBe(true);
    });
  }
});
