/**
 * What a materialized table is, as stored: a table-store table whose options carry its definition
 * (the query and where its names resolve, the freshness, the refresh mode asked for and the one in
 * force). Keeping the definition in the table's own schema means it travels with the table, is
 * versioned with it, and needs no catalog store of its own.
 *
 * The refresh mode in force is CONTINUOUS or SCHEDULED; a scheduled table chooses FULL or INCREMENTAL
 * at every run (see refresh-choice.ts) unless the definition fixes one.
 */
import type { CatalogObject, CatalogTable } from '../../catalog/objects.ts';
import { FreshetError, SqlState } from '../../util/errors.ts';
import { freshnessMillis, parseStoredFreshness, storedFreshness, type Freshness } from './freshness.ts';

export type RefreshMode = 'CONTINUOUS' | 'INCREMENTAL' | 'FULL';

export interface MaterializedDefinition {
  /** The query as written; unqualified names resolve in `catalog`.`database`. */
  query: string;
  catalog: string;
  database: string;
  freshness: Freshness;
  /** What the statement asked for: a mode, or AUTOMATIC (chosen from the freshness). */
  logicalMode: RefreshMode | 'AUTOMATIC';
  /** How the table is kept up to date. */
  mode: 'CONTINUOUS' | 'SCHEDULED';
}

const PREFIX = 'materialized-table.';
const K = {
  query: `${PREFIX}definition-query`,
  catalog: `${PREFIX}definition-catalog`,
  database: `${PREFIX}definition-database`,
  freshness: `${PREFIX}freshness`,
  logicalMode: `${PREFIX}logical-refresh-mode`,
  mode: `${PREFIX}refresh-mode`,
};

/** The freshness threshold below which AUTOMATIC picks CONTINUOUS. */
export const FRESHNESS_THRESHOLD_OPTION = 'materialized-table.refresh-mode.freshness-threshold';

export function definitionOptions(d: MaterializedDefinition): Record<string, string> {
  return {
    [K.query]: d.query, [K.catalog]: d.catalog, [K.database]: d.database, [K.freshness]: storedFreshness(d.freshness),
    [K.logicalMode]: d.logicalMode, [K.mode]: d.mode,
  };
}

/** The table's options without the definition (what the user gave in WITH). */
export function userOptions(options: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(options).filter(([k]) => !k.startsWith(PREFIX)));
}

export function isMaterialized(o: CatalogObject | undefined): o is CatalogTable {
  return o?.kind === 'table' && hasDefinition(o);
}

/** Whether a table is a materialized table (carries a definition). */
export function hasDefinition(t: CatalogTable): boolean {
  return t.options[K.query] !== undefined;
}

export function definitionOf(t: CatalogTable, name: string): MaterializedDefinition {
  const o = t.options;
  const query = o[K.query];
  const catalog = o[K.catalog];
  const database = o[K.database];
  const logicalMode = o[K.logicalMode];
  const mode = o[K.mode];
  if (query === undefined || catalog === undefined || database === undefined || o[K.freshness] === undefined
    || !['AUTOMATIC', 'CONTINUOUS', 'INCREMENTAL', 'FULL'].includes(logicalMode ?? '') || (mode !== 'CONTINUOUS' && mode !== 'SCHEDULED')) {
    throw new FreshetError(SqlState.dataCorrupted, `the stored definition of materialized table ${name} is incomplete (options ${Object.values(K).join(', ')})`);
  }
  return { query, catalog, database, freshness: parseStoredFreshness(o[K.freshness]!), logicalMode: logicalMode as MaterializedDefinition['logicalMode'], mode };
}

/**
 * The mode in force for a freshness and what was asked: an explicit mode wins; AUTOMATIC is CONTINUOUS
 * strictly below the threshold, else SCHEDULED. Returns why, for DESCRIBE EXTENDED.
 */
export function chooseMode(freshness: Freshness, logical: MaterializedDefinition['logicalMode'], thresholdMs: number): { mode: MaterializedDefinition['mode']; reason: string } {
  if (logical === 'CONTINUOUS') return { mode: 'CONTINUOUS', reason: 'REFRESH_MODE = CONTINUOUS' };
  if (logical !== 'AUTOMATIC') return { mode: 'SCHEDULED', reason: `REFRESH_MODE = ${logical}` };
  const ms = freshnessMillis(freshness);
  return ms < thresholdMs
    ? { mode: 'CONTINUOUS', reason: `freshness ${storedFreshness(freshness)} is below the threshold ${thresholdMs / 60_000} min (${FRESHNESS_THRESHOLD_OPTION})` }
    : { mode: 'SCHEDULED', reason: `freshness ${storedFreshness(freshness)} is at or above the threshold ${thresholdMs / 60_000} min (${FRESHNESS_THRESHOLD_OPTION})` };
}
