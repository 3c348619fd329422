/**
 * FRESHNESS of a materialized table: how far behind its sources it may fall. It is written as an
 * interval literal of one unit (`INTERVAL '5' MINUTE`); for the scheduled modes the period must divide
 * the next larger unit evenly, so that runs align to wall-clock multiples (every 15 minutes at :00, :15,
 * :30, :45; every 4 hours at 00:00, 04:00, ...).
 */
import type * as A from '../../sql/ast.ts';
import { FreshetError, SqlState } from '../../util/errors.ts';

export type FreshnessUnit = 'SECOND' | 'MINUTE' | 'HOUR' | 'DAY';

export interface Freshness {
  value: number;
  unit: FreshnessUnit;
}

const UNIT_MS: Record<FreshnessUnit, number> = { SECOND: 1000, MINUTE: 60_000, HOUR: 3_600_000, DAY: 86_400_000 };

/** Periods that divide the next larger unit evenly, per unit. */
const ALIGNED: Record<FreshnessUnit, readonly number[]> = {
  SECOND: [1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30],
  MINUTE: [1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30],
  HOUR: [1, 2, 3, 4, 6, 8, 12],
  DAY: [1],
};

/** Freshness when the statement gives none: continuous jobs commit every 3 minutes, schedules run hourly. */
export const DEFAULT_CONTINUOUS_FRESHNESS: Freshness = { value: 3, unit: 'MINUTE' };
export const DEFAULT_SCHEDULED_FRESHNESS: Freshness = { value: 1, unit: 'HOUR' };

export function freshnessMillis(f: Freshness): number {
  return f.value * UNIT_MS[f.unit];
}

export function freshnessText(f: Freshness): string {
  return `INTERVAL '${f.value}' ${f.unit}`;
}

/** Parses the stored form ("5 MINUTE"). */
export function parseStoredFreshness(text: string): Freshness {
  const m = /^(\d+) (SECOND|MINUTE|HOUR|DAY)$/.exec(text.trim());
  if (!m) throw new FreshetError(SqlState.dataCorrupted, `stored freshness '${text}' is not '<n> SECOND|MINUTE|HOUR|DAY'`);
  return { value: Number(m[1]), unit: m[2] as FreshnessUnit };
}

export function storedFreshness(f: Freshness): string {
  return `${f.value} ${f.unit}`;
}

/** Where a freshness error points (a binder error with the position). */
export type FreshnessError = (message: string, loc: A.Loc, hint: string) => FreshetError;

const HINT = "Write FRESHNESS = INTERVAL '<n>' SECOND | MINUTE | HOUR | DAY with a positive whole number, e.g. INTERVAL '5' MINUTE.";

/** Checks the FRESHNESS clause as written: one interval literal, a positive integer, a unit from SECOND to DAY. */
export function freshnessOf(e: A.Expr, error: FreshnessError): Freshness {
  if (e.kind !== 'interval') throw error('FRESHNESS must be an interval literal', e.loc, HINT);
  const iv = e as A.IntervalExpr;
  if (iv.to !== undefined) throw error(`FRESHNESS must be an interval of one unit, not ${iv.from} TO ${iv.to}`, e.loc, HINT);
  const unit = iv.from.toUpperCase().replace(/S$/, '');
  if (unit !== 'SECOND' && unit !== 'MINUTE' && unit !== 'HOUR' && unit !== 'DAY') {
    throw error(`FRESHNESS cannot be in ${iv.from}: the unit must be SECOND, MINUTE, HOUR or DAY`, e.loc, HINT);
  }
  const text = iv.value.trim();
  if (iv.negative || !/^\d+$/.test(text) || Number(text) <= 0) {
    throw error(`FRESHNESS must be a positive whole number of ${unit.toLowerCase()}s, got '${iv.negative ? '-' : ''}${text}'`, e.loc, HINT);
  }
  return { value: Number(text), unit };
}

/** For FULL and INCREMENTAL: the period must align to wall-clock multiples. */
export function checkSchedulable(f: Freshness, loc: A.Loc, error: FreshnessError): void {
  const allowed = ALIGNED[f.unit];
  if (allowed.includes(f.value)) return;
  const next = f.unit === 'SECOND' ? 'minute' : f.unit === 'MINUTE' ? 'hour' : 'day';
  throw error(
    f.unit === 'DAY'
      ? `a scheduled refresh runs at most once a day: FRESHNESS of ${f.value} DAY cannot be scheduled`
      : `FRESHNESS of ${f.value} ${f.unit} does not divide a ${next} evenly, so the refreshes cannot align to the clock`,
    loc,
    `For FULL and INCREMENTAL refresh use ${f.unit === 'DAY' ? "INTERVAL '1' DAY" : `${allowed.join(', ')} ${f.unit}`}.`,
  );
}
