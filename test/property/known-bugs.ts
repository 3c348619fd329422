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

export const KNOWN_BUGS: readonly KnownBug[] = [];
