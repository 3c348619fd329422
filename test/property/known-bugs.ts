/**
 * Engine bugs the property suites have found and that are not fixed yet.
 *
 * Each entry keeps its failing cases out of the passing suites in one or both of two ways:
 * - `avoid`: a switch the generators consult to stop producing the construct that triggers the bug
 *   (so that the bug does not drown other findings);
 * - `matches`: recognises a disagreement as this bug; the property then counts it and moves on.
 * known-bugs.test.ts runs every entry's minimal reproduction and expects it to still fail. When an engine
 * fix makes a reproduction pass, that test fails and says so: delete the entry to re-enable the cases.
 */
import type { Outcome } from './support/oracle.ts';
import type { TableSpec } from './support/sql-model.ts';

export interface Disagreement {
  freshetSql: string;
  duckSql: string;
  tables: readonly TableSpec[];
  fr: Outcome;
  dk: Outcome;
}

export interface KnownBug {
  id: string;
  /** One line: what is wrong. */
  reason: string;
  /** Generator switch (see support/expressions.ts and the suites). */
  avoid?: string;
  matches?: (d: Disagreement) => boolean;
  /** Minimal reproduction: statements to set up, then one query per engine. */
  repro: { setup: string[]; duckSetup?: string[]; freshet: string; duck: string };
}

const freshetFailed = (d: Disagreement, re: RegExp): boolean => !d.fr.ok && !d.fr.crash && re.test(d.fr.message) && d.dk.ok;

export const KNOWN_BUGS: readonly KnownBug[] = [
  {
    id: 'decimal-beyond-bigint',
    reason: 'DECIMAL +, unary minus and ABS fail with "BIGINT out of range" once the unscaled value leaves 64 bits (DECIMAL(38) allows 38 digits)',
    avoid: 'decimal-beyond-bigint',
    matches: (d) => freshetFailed(d, /^BIGINT out of range/) && /DECIMAL/.test(d.freshetSql + d.tables.map((t) => t.columns.map((c) => c.type.kind).join()).join()),
    repro: {
      setup: [],
      freshet: `SELECT CAST('10000000000000.000000' AS DECIMAL(38, 6)) + CAST('1' AS DECIMAL(38, 6)) AS a`,
      duck: `SELECT CAST('10000000000000.000000' AS DECIMAL(38, 6)) + CAST('1' AS DECIMAL(38, 6)) AS a`,
    },
  },
  {
    id: 'nullif-mixed-types',
    reason: 'NULLIF(a, b) returns a converted to the common type of a and b but labelled with the type of a (DECIMAL scale is lost)',
    avoid: 'nullif-mixed-types',
    repro: {
      setup: [],
      freshet: `SELECT NULLIF(CAST('1.25' AS DECIMAL(10, 2)), CAST('2.5' AS DECIMAL(18, 4))) AS a`,
      duck: `SELECT NULLIF(CAST('1.25' AS DECIMAL(10, 2)), CAST('2.5' AS DECIMAL(18, 4))) AS a`,
    },
  },
  {
    id: 'avg-bigint-overflow',
    reason: 'AVG over BIGINT (a DOUBLE result) fails with "BIGINT out of range" when the intermediate sum leaves 64 bits',
    matches: (d) => freshetFailed(d, /^BIGINT out of range/) && /\bAVG\(/i.test(d.freshetSql),
    repro: {
      setup: [`CREATE TABLE big (v BIGINT) WITH ('connector' = 'values', 'data' = '[["9223372036854775807"], ["9223372036854775807"]]')`],
      duckSetup: [`CREATE OR REPLACE TABLE big (v BIGINT)`, `INSERT INTO big VALUES (9223372036854775807), (9223372036854775807)`],
      freshet: `SELECT AVG(v) AS a FROM big`,
      duck: `SELECT avg(v) AS a FROM big`,
    },
  },
];
