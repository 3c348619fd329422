/**
 * When scheduled refreshes run, and which partition a run refreshes.
 *
 * Runs align to wall-clock multiples of the freshness period in the session time zone: with 15 minutes
 * at :00, :15, :30 and :45; with 4 hours at 00:00, 04:00, ... local time; with 1 day at local midnight.
 * A run at schedule time `t` covers the period that just closed, [t − freshness, t): with
 * `partition.fields.<p>.date-formatter` = fmt, it refreshes partition p = format(t − freshness, fmt).
 */
import { dateFormatter } from '../../types/datetime-pattern.ts';
import { instantToLocal, localToInstant } from '../../types/temporal.ts';
import { freshnessMillis, type Freshness } from './freshness.ts';

const DAY = 86_400_000;

/** The latest schedule time at or before `now` (epoch ms). */
export function scheduleTimeAtOrBefore(now: number, f: Freshness, timeZone: string): number {
  const period = freshnessMillis(f);
  const local = instantToLocal(now, timeZone);
  const dayStart = Math.floor(local / DAY) * DAY;
  const aligned = dayStart + Math.floor((local - dayStart) / period) * period;
  return localToInstant(aligned, timeZone);
}

/** The first schedule time strictly after `now`. */
export function nextScheduleTime(now: number, f: Freshness, timeZone: string): number {
  const at = scheduleTimeAtOrBefore(now, f, timeZone);
  const next = scheduleTimeAtOrBefore(at + freshnessMillis(f), f, timeZone);
  // a clock change that repeated an hour made the local period longer than the instant period
  return next > at ? next : scheduleTimeAtOrBefore(at + freshnessMillis(f) + 3_600_000, f, timeZone);
}

/** The partition formatters of a table: partition column → Java date pattern. */
export function partitionFormatters(options: Record<string, string>, partitionKeys: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const p of partitionKeys) {
    const fmt = options[`partition.fields.${p}.date-formatter`];
    if (fmt !== undefined) out.set(p, fmt);
  }
  return out;
}

/** The partition a scheduled run at `scheduleTime` refreshes (empty: the whole table). */
export function scheduledPartition(scheduleTime: number, f: Freshness, formatters: ReadonlyMap<string, string>, timeZone: string): Record<string, string> {
  const periodStart = instantToLocal(scheduleTime - freshnessMillis(f), timeZone);
  const out: Record<string, string> = {};
  for (const [p, fmt] of formatters) out[p] = dateFormatter(fmt)(periodStart);
  return out;
}
