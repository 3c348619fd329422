/**
 * Logical plan → physical plan for the streaming runtime. The same logical plan the batch planner
 * reads; the decisions differ because input never ends and results are changelogs:
 * - aggregates keep state and emit updates, unless they group by a window (emit once, when it ends);
 * - joins keep both sides, unless time bounds let state expire (interval, window, temporal joins);
 * - ROW_NUMBER .. WHERE rn <= N becomes a Top-N (or a deduplication), ORDER BY a rowtime a temporal sort;
 * - every node gets a changelog mode, and operators that only accept inserts reject updating inputs.
 *
 * One file per streaming concept: aggregate.ts, join.ts, rank.ts, over.ts, window.ts.
 */
import type { LogicalPlan } from '../logical-plan.ts';
import type { PhysicalPlan } from '../../exec/physical-plan.ts';
import type { SortKey } from '../../exec/plan-types.ts';
import { inputRef } from '../../exec/expr/expr.ts';
import { FreshetError, SqlState } from '../../util/errors.ts';
import { INSERT_ONLY, INSERT_DELETE, RETRACT, isInsertOnly, unionModes, modeText, type ChangelogMode } from './changelog-mode.ts';
import { calc, type ModeMap, type Planned, type WindowColumns } from './planned.ts';
import { planAggregate } from './aggregate.ts';
import { planJoinNode } from './join.ts';
import { planRank, planLimit, planSort, rankPattern, isTemporalSort } from './rank.ts';
import { planOver } from './over.ts';
import { planWindowTvf } from './window.ts';

export interface StreamPlanEnv {
  timeZone: string;
}

export interface StreamPlan {
  plan: PhysicalPlan;
  /** Changelog mode of every node (EXPLAIN CHANGELOG_MODE). */
  modes: ModeMap;
  mode: ChangelogMode;
  uniqueKey: number[] | null;
  /** ORDER BY of the query, when it only orders the result for display (a changelog has no order). */
  orderBy: SortKey[] | null;
}

export class StreamPlanner {
  readonly env: StreamPlanEnv;
  readonly modes: ModeMap = new Map();

  constructor(env: StreamPlanEnv) {
    this.env = env;
  }

  /** Plans `p`, records the mode of the node produced. */
  plan(p: LogicalPlan): Planned {
    const r = this.dispatch(p);
    return this.record(r);
  }

  /** Records the mode of a node built outside `plan` (a Calc added above another node). */
  record(r: Planned): Planned {
    this.modes.set(r.plan, r.mode);
    return r;
  }

  private dispatch(p: LogicalPlan): Planned {
    switch (p.kind) {
      case 'scan': {
        const updating = p.source.changelogMode === 'retract';
        return {
          plan: { kind: 'TableSourceScan', tableName: p.tableName, source: p.source, columns: p.projection, predicates: p.pushedFilters, schema: p.schema },
          mode: updating ? RETRACT : INSERT_ONLY,
          rowtimes: new Set(),
          window: null,
          uniqueKey: null,
        };
      }
      case 'values':
        return { plan: { kind: 'Values', rows: p.rows, schema: p.schema }, mode: INSERT_ONLY, rowtimes: new Set(), window: null, uniqueKey: null };
      case 'watermark': {
        const input = this.plan(p.input);
        return {
          plan: { kind: 'WatermarkAssigner', input: input.plan, rowtime: p.rowtime, watermark: p.expr, schema: p.schema },
          mode: input.mode,
          rowtimes: new Set([...input.rowtimes, p.rowtime]),
          window: input.window,
          uniqueKey: input.uniqueKey,
        };
      }
      case 'project': {
        if (p.input.kind === 'filter' && rankPattern(p.input)) return planRank(this, p.input, p);
        if (p.input.kind === 'filter') {
          const f = p.input;
          return calc(this.plan(f.input), p.exprs, f.predicate, p.schema);
        }
        return calc(this.plan(p.input), p.exprs, null, p.schema);
      }
      case 'filter': {
        if (rankPattern(p)) return planRank(this, p, null);
        return calc(this.plan(p.input), p.schema.map((f, i) => inputRef(i, f.type)), p.predicate, p.schema);
      }
      case 'aggregate': return planAggregate(this, p);
      case 'join': return planJoinNode(this, p);
      case 'sort': return planSort(this, p);
      case 'limit': return planLimit(this, p);
      case 'union': {
        const inputs = p.inputs.map((i) => this.plan(i));
        const mode = inputs.reduce((m, i) => unionModes(m, i.mode), INSERT_ONLY);
        const rowtimes = new Set([...inputs[0]?.rowtimes ?? []].filter((c) => inputs.every((i) => i.rowtimes.has(c))));
        const w0 = inputs[0]?.window ?? null;
        const window = w0 && inputs.every((i) => sameWindow(i.window, w0)) ? w0 : null;
        return { plan: { kind: 'Union', inputs: inputs.map((i) => i.plan), schema: p.schema }, mode, rowtimes, window, uniqueKey: null };
      }
      case 'setop': {
        const left = this.plan(p.left);
        const right = this.plan(p.right);
        // rows come and go as whole rows: INTERSECT over inserts only grows; EXCEPT loses rows the right side gains
        const grows = p.op === 'intersect' && isInsertOnly(left.mode) && isInsertOnly(right.mode);
        return {
          plan: { kind: 'StreamSetOp', op: p.op, all: p.all, left: left.plan, right: right.plan, schema: p.schema },
          mode: grows ? INSERT_ONLY : INSERT_DELETE,
          rowtimes: new Set(),
          window: null,
          uniqueKey: p.all ? null : p.schema.map((_, i) => i),
        };
      }
      case 'window': return planOver(this, p);
      case 'unnest': {
        const input = this.plan(p.input);
        return {
          plan: { kind: 'Correlate', input: input.plan, exprs: p.exprs, withOrdinality: p.withOrdinality, outer: p.outer, schema: p.schema },
          mode: input.mode,
          rowtimes: input.rowtimes,
          window: input.window,
          uniqueKey: null,
        };
      }
      case 'windowTvf': return planWindowTvf(this, p);
      case 'sink': {
        const input = this.plan(p.input);
        if (!p.target.acceptsChanges && !isInsertOnly(input.mode)) {
          throw new FreshetError(SqlState.featureNotSupported,
            `table sink ${p.tableName} (${p.target.describe()}) only accepts inserts, but the query produces updates ${modeText(input.mode)}`, {
              hint: 'Write to a sink that accepts changes (print, blackhole, a format such as debezium-json), or make the query append-only: aggregate by window instead of by key, or use an interval join.',
            });
        }
        return {
          plan: { kind: 'Sink', input: input.plan, tableName: p.tableName, target: p.target, overwrite: p.overwrite, staticPartition: p.staticPartition, schema: [] },
          mode: INSERT_ONLY,
          rowtimes: new Set(),
          window: null,
          uniqueKey: null,
        };
      }
    }
  }
}

function sameWindow(a: WindowColumns | null, b: WindowColumns): boolean {
  return a !== null && a.start === b.start && a.end === b.end && a.time === b.time && a.ltz === b.ltz;
}

/** Plans a query or INSERT for the streaming runtime. */
export function planStream(p: LogicalPlan, env: StreamPlanEnv): StreamPlan {
  const planner = new StreamPlanner(env);
  let orderBy: SortKey[] | null = null;
  let root = p;
  // a top-level ORDER BY (without LIMIT) orders what the client shows, not the changelog
  if (root.kind === 'sort' && !isTemporalSort(root)) {
    orderBy = root.keys;
    root = root.input;
  }
  const r = planner.plan(root);
  return { plan: r.plan, modes: planner.modes, mode: r.mode, uniqueKey: r.uniqueKey, orderBy };
}
