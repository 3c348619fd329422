/**
 * What the streaming planner knows about each planned node besides the node itself: its changelog
 * mode, which output columns are event-time attributes the watermark still describes, which columns
 * are a window's start and end (rows that belong to windows), and a unique key when one is known.
 */
import type { BoundExpr } from '../../exec/expr/expr.ts';
import type { PhysicalPlan, WindowTime } from '../../exec/physical-plan.ts';
import type { Field } from '../../types/batch.ts';
import { FreshetError, SqlState } from '../../util/errors.ts';
import { describeNode } from '../../exec/physical-plan.ts';
import type { ChangelogMode } from './changelog-mode.ts';
import { isInsertOnly } from './changelog-mode.ts';

export interface WindowColumns {
  start: number;
  end: number;
  /** window_time, when it is among the columns. */
  timeCol: number | null;
  time: WindowTime;
  /** The windows were built on a TIMESTAMP_LTZ: window bounds are wall-clock times in the session zone. */
  ltz: boolean;
}

export interface Planned {
  plan: PhysicalPlan;
  mode: ChangelogMode;
  /**
   * Output columns holding event time that the watermark flowing out of this node still bounds. A
   * regular join or aggregate can emit rows for any old time, so its outputs have none.
   */
  rowtimes: ReadonlySet<number>;
  window: WindowColumns | null;
  /** Columns that identify a row, when known (group keys of an aggregate). */
  uniqueKey: number[] | null;
}

/** The mode of every node of a plan, for EXPLAIN CHANGELOG_MODE. */
export type ModeMap = Map<PhysicalPlan, ChangelogMode>;

/** Where output column i of a Calc comes from, if it is a plain input column. */
function sourceColumn(e: BoundExpr): number | undefined {
  return e.kind === 'input' ? e.index : undefined;
}

/** Whether a projection passes its input through unchanged (a rowtime mark or a rename, no work). */
export function isIdentity(projection: readonly BoundExpr[], condition: BoundExpr | null, inputWidth: number): boolean {
  return condition === null && projection.length === inputWidth && projection.every((e, i) => e.kind === 'input' && e.index === i);
}

/** A Calc over a planned input, carrying rowtimes, window columns and unique keys through plain column references. */
export function calc(input: Planned, projection: BoundExpr[], condition: BoundExpr | null, schema: Field[]): Planned {
  if (isIdentity(projection, condition, input.plan.schema.length)) return { ...input, plan: withSchema(input.plan, schema) };
  const rowtimes = new Set<number>();
  const firstOutput = new Map<number, number>();
  projection.forEach((e, i) => {
    const src = sourceColumn(e);
    if (src === undefined) return;
    if (input.rowtimes.has(src)) rowtimes.add(i);
    if (!firstOutput.has(src)) firstOutput.set(src, i);
  });
  let window: WindowColumns | null = null;
  if (input.window) {
    const s = firstOutput.get(input.window.start);
    const e = firstOutput.get(input.window.end);
    const t = input.window.timeCol === null ? undefined : firstOutput.get(input.window.timeCol);
    if (s !== undefined && e !== undefined) window = { ...input.window, start: s, end: e, timeCol: t ?? null };
  }
  let uniqueKey: number[] | null = null;
  if (input.uniqueKey) {
    const mapped = input.uniqueKey.map((k) => firstOutput.get(k));
    if (mapped.every((k) => k !== undefined)) uniqueKey = mapped as number[];
  }
  return {
    plan: { kind: 'Calc', input: input.plan, projection, condition, schema },
    mode: input.mode,
    rowtimes,
    window,
    uniqueKey,
  };
}

/** The same node under other column names (an identity projection that renames). */
function withSchema(p: PhysicalPlan, schema: Field[]): PhysicalPlan {
  return p.schema.every((f, i) => f.name === schema[i]!.name) ? p : ({ ...p, schema } as PhysicalPlan);
}

/** An operator that accepts only inserts was given an updating input: say which node produces the updates. */
export function requireInsertOnly(input: Planned, consumer: string, hint: string): void {
  if (isInsertOnly(input.mode)) return;
  throw new FreshetError(SqlState.featureNotSupported,
    `${consumer} does not support consuming update and delete changes, which are produced by node ${producerOf(input.plan)}`, { hint });
}

/** The node that first turns a stream into an updating one, for messages. */
function producerOf(p: PhysicalPlan): string {
  const line = describeNode(p);
  if (p.kind === 'Calc' || p.kind === 'Union' || p.kind === 'WatermarkAssigner' || p.kind === 'Expand') {
    const inner = p.kind === 'Union' ? p.inputs[0]! : p.input;
    return producerOf(inner);
  }
  return line.length > 160 ? `${line.slice(0, 156)}...)` : line;
}
