/**
 * Runs a parsed catalog query: names are resolved and expressions compiled into closures once per
 * execution, then the query runs over the rows of the emulated tables. Catalog tables are small (one
 * row per table, column, type, ...), so joins are nested loops and every operator materializes; what
 * matters here is Postgres semantics (three-valued logic, untyped literals taking the type of what they
 * are compared with, NULLS LAST ordering, correlated subqueries), not speed.
 */
import { FreshetError, SqlState } from '../../util/errors.ts';
import type * as A from './ast.ts';
import { AGGREGATES, KEEPS_NULLS, SCALARS, SET_FUNCTIONS, likeRegex, pgRegex, similarRegex, type FnContext } from './functions.ts';
import type { CatalogSnapshot } from './metadata.ts';
import { systemTable } from './tables.ts';
import {
  canonicalType, castValue, comparable, compareValues, elementType, isArrayType, isInteger, isNumeric, isVector, toText, typeMismatch,
  type PgType, type Value,
} from './types.ts';

export interface Col {
  name: string;
  type: PgType;
}

interface Binding {
  alias: string;
  cols: Col[];
  offset: number;
}

class Scope {
  readonly bindings: Binding[];
  readonly parent: Scope | undefined;
  readonly ctes: Map<string, Rel>;

  constructor(bindings: Binding[], parent: Scope | undefined, ctes: Map<string, Rel>) {
    this.bindings = bindings;
    this.parent = parent;
    this.ctes = ctes;
  }
}

interface Ctx {
  row: Value[];
  outer: Ctx | undefined;
  aggs?: Value[];
  win?: Value[];
}

type Ev = (ctx: Ctx) => Value;

interface CE {
  t: PgType;
  ev: Ev;
  /** The column name Postgres gives this expression in a select list. */
  name: string;
  /** The name is only a type name (from a cast): a later cast replaces it. */
  weak?: boolean;
}

/** A relation: columns, and the rows for a given outer row (correlated subqueries). */
export interface Rel {
  cols: Col[];
  rows(outer: Ctx | undefined): Value[][];
}

interface Source {
  bindings: Binding[];
  width: number;
  rows(outer: Ctx | undefined): Value[][];
}

interface Mode {
  /** Aggregates of the select being compiled (null: aggregates are not allowed here). */
  aggs: AggSpec[] | null;
  wins: WinSpec[] | null;
}

interface AggSpec {
  name: string;
  args: CE[];
  star: boolean;
  distinct: boolean;
  order: Array<{ ce: CE; desc: boolean; nullsFirst?: boolean }>;
}

interface WinSpec {
  name: string;
  args: CE[];
  star: boolean;
  partition: CE[];
  order: Array<{ ce: CE; desc: boolean; nullsFirst?: boolean }>;
}

export interface ExecEnv {
  snap: CatalogSnapshot;
  /** Parameter values ($1..$n) as text, null for NULL. */
  params: Array<string | null>;
  paramTypes: PgType[];
}

const NO_AGGS: Mode = { aggs: null, wins: null };
const cmpOps = new Set(['=', '<>', '<', '>', '<=', '>=']);

function err(code: string, msg: string, hint?: string): FreshetError {
  return new FreshetError(code, msg, hint ? { hint } : {});
}

function testCompare(op: string, c: number): boolean {
  switch (op) {
    case '=': return c === 0;
    case '<>': return c !== 0;
    case '<': return c < 0;
    case '>': return c > 0;
    case '<=': return c <= 0;
    default: return c >= 0;
  }
}

/** ORDER BY comparison: nulls sort last ascending, first descending, unless NULLS FIRST/LAST says otherwise. */
function orderCompare(a: Value, b: Value, desc: boolean, nullsFirst: boolean | undefined): number {
  const nf = nullsFirst ?? desc;
  if (a === null || b === null) {
    if (a === null && b === null) return 0;
    return (a === null) === nf ? -1 : 1;
  }
  const c = compareValues(a, b);
  return desc ? -c : c;
}

const keyOf = (vals: Value[]): string => JSON.stringify(vals);

/** A hash key under which values that compare equal (1, '1') meet; undefined when a value is null (never equal). */
function hashKey(vals: Value[]): string | undefined {
  let k = '';
  for (const v of vals) {
    if (v === null) return undefined;
    if (typeof v === 'number') k += `n${v}\u0000`;
    else if (typeof v === 'string' && v.trim() !== '' && !Number.isNaN(Number(v))) k += `n${Number(v)}\u0000`;
    else k += `${typeof v}${JSON.stringify(v)}\u0000`;
  }
  return k;
}

/** Whether an expression contains an aggregate call of this query level (not in subqueries or windows). */
function hasAggregate(e: A.Expr | undefined): boolean {
  if (!e) return false;
  switch (e.k) {
    case 'func':
      if (!e.over && AGGREGATES[e.name] && (e.schema === undefined || e.schema === 'pg_catalog')) return true;
      return e.args.some(hasAggregate);
    case 'op': return hasAggregate(e.l) || hasAggregate(e.r);
    case 'is': return hasAggregate(e.e);
    case 'distinctFrom': return hasAggregate(e.l) || hasAggregate(e.r);
    case 'in': return hasAggregate(e.e) || (e.list ?? []).some(hasAggregate);
    case 'between': return hasAggregate(e.e) || hasAggregate(e.lo) || hasAggregate(e.hi);
    case 'like': return hasAggregate(e.e) || hasAggregate(e.pat);
    case 'any': return hasAggregate(e.l) || hasAggregate(e.r);
    case 'case': return hasAggregate(e.operand) || hasAggregate(e.else) || e.whens.some(([a, b]) => hasAggregate(a) || hasAggregate(b));
    case 'cast': return hasAggregate(e.e);
    case 'array': return (e.items ?? []).some(hasAggregate);
    case 'index': return hasAggregate(e.e) || hasAggregate(e.idx);
    case 'row': return e.items.some(hasAggregate);
    default: return false;
  }
}

export class Planner {
  private readonly env: ExecEnv;
  private readonly tableRows = new Map<string, Value[][]>();

  constructor(env: ExecEnv) {
    this.env = env;
  }

  private fn(argTypes: PgType[]): FnContext {
    return { snap: this.env.snap, argTypes };
  }

  private cast(v: Value, from: PgType, to: PgType): Value {
    return castValue(v, from, to, this.env.snap);
  }

  // ---- queries ----

  planQuery(q: A.Query, parent: Scope | undefined, ctes: Map<string, Rel>): Rel {
    const mine = new Map(ctes);
    for (const w of q.with) {
      const rel = this.planQuery(w.q, parent, mine);
      const cols = w.cols ? rel.cols.map((c, i) => ({ ...c, name: w.cols![i] ?? c.name })) : rel.cols;
      let cache: Value[][] | undefined;
      mine.set(w.name, { cols, rows: (o) => (cache ??= rel.rows(o)) });
    }
    let rel: Rel;
    if (q.body.k === 'select') rel = this.planSelect(q.body, parent, mine, q.orderBy);
    else {
      rel = this.planBody(q.body, parent, mine);
      if (q.orderBy.length > 0) rel = this.sortOutput(rel, q.orderBy, parent, mine);
    }
    if (q.limit || q.offset) {
      const empty = new Scope([], undefined, mine);
      const lim = q.limit ? this.compile(q.limit, empty, NO_AGGS) : undefined;
      const off = q.offset ? this.compile(q.offset, empty, NO_AGGS) : undefined;
      const inner = rel;
      rel = {
        cols: inner.cols,
        rows: (o) => {
          const rows = inner.rows(o);
          const c: Ctx = { row: [], outer: o };
          const from = off ? Number(this.cast(off.ev(c), off.t, 'int8') ?? 0) : 0;
          const n = lim ? this.cast(lim.ev(c), lim.t, 'int8') : null;
          return rows.slice(from, n === null ? undefined : from + Number(n));
        },
      };
    }
    return rel;
  }

  private planBody(b: A.QueryBody, parent: Scope | undefined, ctes: Map<string, Rel>): Rel {
    switch (b.k) {
      case 'select': return this.planSelect(b, parent, ctes, []);
      case 'nested': return this.planQuery(b.q, parent, ctes);
      case 'values': {
        const scope = new Scope([], parent, ctes);
        const rows = b.rows.map((r) => r.map((e) => this.compile(e, scope, NO_AGGS)));
        const width = rows[0]!.length;
        if (rows.some((r) => r.length !== width)) throw err(SqlState.syntaxError, 'VALUES lists must all be the same length');
        const cols = rows[0]!.map((_, i) => ({ name: `column${i + 1}`, type: unify(rows.map((r) => r[i]!.t)) }));
        return { cols, rows: (o) => rows.map((r) => r.map((ce, i) => this.coerceValue(ce.ev({ row: [], outer: o }), ce.t, cols[i]!.type))) };
      }
      case 'setop': {
        const l = this.planBody(b.l, parent, ctes);
        const r = this.planBody(b.r, parent, ctes);
        if (l.cols.length !== r.cols.length) throw err(SqlState.syntaxError, `each ${b.op.toUpperCase()} query must have the same number of columns`);
        const cols = l.cols.map((c, i) => ({ name: c.name, type: unify([c.type, r.cols[i]!.type]) }));
        return {
          cols,
          rows: (o) => {
            const fix = (rows: Value[][], src: Col[]): Value[][] => rows.map((row) => row.map((v, i) => this.coerceValue(v, src[i]!.type, cols[i]!.type)));
            const lr = fix(l.rows(o), l.cols);
            const rr = fix(r.rows(o), r.cols);
            if (b.op === 'union') return b.all ? [...lr, ...rr] : dedupe([...lr, ...rr]);
            const rk = new Set(rr.map(keyOf));
            const kept = lr.filter((row) => (b.op === 'intersect' ? rk.has(keyOf(row)) : !rk.has(keyOf(row))));
            return b.all ? kept : dedupe(kept);
          },
        };
      }
    }
  }

  /** ORDER BY over a query's output columns (set operations, VALUES). */
  private sortOutput(rel: Rel, orderBy: A.OrderItem[], parent: Scope | undefined, ctes: Map<string, Rel>): Rel {
    const scope = new Scope([{ alias: '', cols: rel.cols, offset: 0 }], parent, ctes);
    const keys = orderBy.map((o) => {
      if (o.e.k === 'lit' && typeof o.e.v === 'number') {
        const i = o.e.v - 1;
        if (i < 0 || i >= rel.cols.length) throw err('42P10', `ORDER BY position ${o.e.v} is not in select list`);
        return { ev: (c: Ctx) => c.row[i]!, o };
      }
      return { ev: this.compile(o.e, scope, NO_AGGS).ev, o };
    });
    return {
      cols: rel.cols,
      rows: (outer) => {
        const rows = rel.rows(outer).map((row) => {
          const c: Ctx = { row, outer };
          return { row, k: keys.map((k) => k.ev(c)) };
        });
        rows.sort((a, b) => {
          for (let i = 0; i < keys.length; i++) {
            const r = orderCompare(a.k[i]!, b.k[i]!, keys[i]!.o.desc, keys[i]!.o.nullsFirst);
            if (r !== 0) return r;
          }
          return 0;
        });
        return rows.map((r) => r.row);
      },
    };
  }

  private planSelect(s: A.Select, parent: Scope | undefined, ctes: Map<string, Rel>, orderBy: A.OrderItem[]): Rel {
    const src = this.planFromList(s.from, parent, ctes);
    const scope = new Scope(src.bindings, parent, ctes);
    const where = s.where ? this.compile(s.where, scope, NO_AGGS) : undefined;
    const grouped = s.groupBy.length > 0 || hasAggregate(s.having)
      || s.items.some((i) => i.k === 'expr' && hasAggregate(i.e)) || orderBy.some((o) => hasAggregate(o.e));
    const aggs: AggSpec[] = [];
    const wins: WinSpec[] = [];
    const mode: Mode = { aggs: grouped ? aggs : null, wins };

    const outs: CE[] = [];
    let srf: { index: number; fn: string; args: CE[] } | undefined;
    for (const item of s.items) {
      if (item.k === 'star') {
        const bs = item.qualifier === undefined ? src.bindings : src.bindings.filter((b) => b.alias === item.qualifier);
        if (item.qualifier !== undefined && bs.length === 0) throw err(SqlState.undefinedTable, `missing FROM-clause entry for table "${item.qualifier}"`);
        for (const b of bs) b.cols.forEach((c, i) => outs.push({ t: c.type, name: c.name, ev: (x) => x.row[b.offset + i]! }));
        continue;
      }
      const e = item.e;
      if (e.k === 'func' && SET_FUNCTIONS[e.name] && !srf && !e.over) {
        const args = e.args.map((a) => this.compile(a, scope, mode));
        const fcols = SET_FUNCTIONS[e.name]!.columns(args.map((a) => a.t));
        srf = { index: outs.length, fn: e.name, args };
        outs.push({ t: fcols[0]!.type, name: item.alias ?? e.name, ev: () => null });
        continue;
      }
      const ce = this.compile(e, scope, mode);
      outs.push({ ...ce, name: item.alias ?? ce.name });
    }
    const names = outs.map((o) => o.name);
    const groupKeys = s.groupBy.map((g) => {
      if (g.k === 'lit' && typeof g.v === 'number') {
        const item = s.items[g.v - 1];
        if (!item || item.k !== 'expr') throw err('42P10', `GROUP BY position ${g.v} is not in select list`);
        return this.compile(item.e, scope, NO_AGGS);
      }
      if (g.k === 'col' && g.parts.length === 1 && !this.resolves(g.parts, scope)) {
        const i = names.indexOf(g.parts[0]!);
        const item = s.items[i];
        if (i >= 0 && item?.k === 'expr') return this.compile(item.e, scope, NO_AGGS);
      }
      return this.compile(g, scope, NO_AGGS);
    });
    const having = s.having ? this.compile(s.having, scope, mode) : undefined;
    const orderKeys = orderBy.map((o) => {
      if (o.e.k === 'lit' && typeof o.e.v === 'number') {
        const i = o.e.v - 1;
        if (i < 0 || i >= outs.length) throw err('42P10', `ORDER BY position ${o.e.v} is not in select list`);
        return { out: i, o };
      }
      if (o.e.k === 'col' && o.e.parts.length === 1 && names.includes(o.e.parts[0]!)) return { out: names.indexOf(o.e.parts[0]!), o };
      return { ce: this.compile(o.e, scope, mode), o };
    });

    return {
      cols: outs.map((o) => ({ name: o.name, type: o.t === 'unknown' || o.t === 'null' ? 'text' : o.t })),
      rows: (outer) => {
        let ctxs: Ctx[] = src.rows(outer).map((row) => ({ row, outer }));
        if (where) ctxs = ctxs.filter((c) => where.ev(c) === true);
        if (wins.length > 0) this.computeWindows(ctxs, wins);
        let groups: Ctx[] = ctxs;
        if (grouped) {
          const map = new Map<string, Ctx[]>();
          for (const c of ctxs) {
            const k = keyOf(groupKeys.map((g) => g.ev(c)));
            const list = map.get(k);
            if (list) list.push(c);
            else map.set(k, [c]);
          }
          if (map.size === 0 && s.groupBy.length === 0) map.set('', []);
          groups = [...map.values()].map((members) => {
            const rep: Ctx = members[0] ? { ...members[0] } : { row: new Array<Value>(src.width).fill(null), outer };
            rep.aggs = aggs.map((a) => this.computeAggregate(a, members));
            return rep;
          });
          if (having) groups = groups.filter((c) => having.ev(c) === true);
        }
        let out: Array<{ vals: Value[]; keys: Value[] }> = [];
        for (const c of groups) {
          const vals = outs.map((o) => o.ev(c));
          const keys = orderKeys.map((k) => (k.ce ? k.ce.ev(c) : null));
          if (srf) {
            const fn = SET_FUNCTIONS[srf.fn]!;
            const argVals = srf.args.map((a) => a.ev(c));
            for (const r of fn.rows(argVals, this.fn(srf.args.map((a) => a.t)))) {
              const v = [...vals];
              v[srf.index] = r[0]!;
              out.push({ vals: v, keys });
            }
          } else out.push({ vals, keys });
        }
        if (s.distinct) {
          const seen = new Set<string>();
          out = out.filter((r) => {
            const k = keyOf(r.vals);
            if (seen.has(k)) return false;
            seen.add(k);
            return true;
          });
        }
        if (orderKeys.length > 0) {
          out.sort((a, b) => {
            for (let i = 0; i < orderKeys.length; i++) {
              const k = orderKeys[i]!;
              const av = k.out !== undefined ? a.vals[k.out]! : a.keys[i]!;
              const bv = k.out !== undefined ? b.vals[k.out]! : b.keys[i]!;
              const r = orderCompare(av, bv, k.o.desc, k.o.nullsFirst);
              if (r !== 0) return r;
            }
            return 0;
          });
        }
        return out.map((r) => r.vals);
      },
    };
  }

  private computeAggregate(a: AggSpec, members: Ctx[]): Value {
    const fn = AGGREGATES[a.name]!;
    let ms = members;
    if (a.order.length > 0) {
      ms = [...members].sort((x, y) => {
        for (const o of a.order) {
          const r = orderCompare(o.ce.ev(x), o.ce.ev(y), o.desc, o.nullsFirst);
          if (r !== 0) return r;
        }
        return 0;
      });
    }
    let rows = a.star ? ms.map(() => []) : ms.map((c) => a.args.map((e) => e.ev(c)));
    if (!a.star && !KEEPS_NULLS.has(a.name)) rows = rows.filter((r) => r[0] !== null);
    if (a.distinct) rows = dedupe(rows);
    return fn.compute(rows, a.args.map((e) => e.t), this.fn(a.args.map((e) => e.t)));
  }

  private computeWindows(ctxs: Ctx[], wins: WinSpec[]): void {
    for (const c of ctxs) c.win = new Array<Value>(wins.length).fill(null);
    wins.forEach((w, wi) => {
      const parts = new Map<string, Ctx[]>();
      for (const c of ctxs) {
        const k = keyOf(w.partition.map((p) => p.ev(c)));
        const l = parts.get(k);
        if (l) l.push(c);
        else parts.set(k, [c]);
      }
      for (const members of parts.values()) {
        const keys = new Map(members.map((c) => [c, w.order.map((o) => o.ce.ev(c))]));
        const sorted = [...members].sort((x, y) => {
          for (let i = 0; i < w.order.length; i++) {
            const r = orderCompare(keys.get(x)![i]!, keys.get(y)![i]!, w.order[i]!.desc, w.order[i]!.nullsFirst);
            if (r !== 0) return r;
          }
          return 0;
        });
        if (AGGREGATES[w.name]) {
          const v = this.computeAggregate({ name: w.name, args: w.args, star: w.star, distinct: false, order: [] }, sorted);
          for (const c of sorted) c.win![wi] = v;
          continue;
        }
        let rank = 0;
        let dense = 0;
        let prev: string | undefined;
        sorted.forEach((c, i) => {
          const k = keyOf(keys.get(c)!);
          if (k !== prev) { rank = i + 1; dense++; prev = k; }
          c.win![wi] = w.name === 'row_number' ? i + 1 : w.name === 'rank' ? rank : dense;
        });
      }
    });
  }

  // ---- FROM ----

  private planFromList(items: A.FromItem[], parent: Scope | undefined, ctes: Map<string, Rel>): Source {
    if (items.length === 0) return { bindings: [], width: 0, rows: () => [[]] };
    let src = this.planFromItem(items[0]!, parent, ctes);
    for (const item of items.slice(1)) src = this.join(src, this.planFromItem(item, parent, ctes), 'cross', undefined, parent, ctes);
    return src;
  }

  private relSource(rel: Rel, alias: string, colAliases: string[] | undefined): Source {
    const cols = rel.cols.map((c, i) => ({ ...c, name: colAliases?.[i] ?? c.name }));
    return { bindings: [{ alias, cols, offset: 0 }], width: cols.length, rows: (o) => rel.rows(o) };
  }

  private planFromItem(item: A.FromItem, parent: Scope | undefined, ctes: Map<string, Rel>): Source {
    switch (item.k) {
      case 'table': {
        if (item.schema === undefined && ctes.has(item.name)) return this.relSource(ctes.get(item.name)!, item.alias ?? item.name, item.colAliases);
        const schema = item.schema;
        const def = schema === undefined || schema === 'pg_catalog' || schema === 'information_schema' ? systemTable(schema, item.name) : undefined;
        if (!def) {
          const shown = schema === undefined ? item.name : `${schema}.${item.name}`;
          throw err(SqlState.undefinedTable, `relation "${shown}" does not exist`,
            'Catalog queries (pg_catalog, information_schema) read the emulated catalog only and cannot be combined with Freshet tables.');
        }
        const key = `${def.schema}.${def.name}`;
        const rel: Rel = {
          cols: def.columns,
          rows: () => {
            let rows = this.tableRows.get(key);
            if (!rows) {
              rows = def.rows(this.env.snap).map((r) => def.columns.map((c) => r[c.name] ?? null));
              this.tableRows.set(key, rows);
            }
            return rows;
          },
        };
        return this.relSource(rel, item.alias ?? item.name, item.colAliases);
      }
      case 'subquery': {
        const rel = this.planQuery(item.q, parent, ctes);
        return this.relSource(rel, item.alias ?? '', item.colAliases);
      }
      case 'func': {
        const call = item.call;
        const scope = new Scope([], parent, ctes);
        const args = call.args.map((a) => this.compile(a, scope, NO_AGGS));
        const types = args.map((a) => a.t);
        const setFn = SET_FUNCTIONS[call.name];
        let cols: Col[];
        let produce: (vals: Value[]) => Value[][];
        if (setFn) {
          cols = setFn.columns(types);
          produce = (vals) => setFn.rows(vals, this.fn(types));
        } else {
          const ce = this.compile(call, scope, NO_AGGS);
          cols = [{ name: call.name, type: ce.t }];
          produce = () => [[null]];
          const single: Rel = { cols, rows: (o) => [[ce.ev({ row: [], outer: o })]] };
          return this.relSource(single, item.alias ?? call.name, item.colAliases ?? (item.alias ? [item.alias] : undefined));
        }
        if (cols.length === 1 && item.alias && !item.colAliases) cols = [{ ...cols[0]!, name: item.alias }];
        if (item.ordinality) cols = [...cols, { name: 'ordinality', type: 'int8' }];
        const rel: Rel = {
          cols,
          rows: (o) => {
            const vals = args.map((a) => a.ev({ row: [], outer: o }));
            const rows = produce(vals);
            return item.ordinality ? rows.map((r, i) => [...r, i + 1]) : rows;
          },
        };
        return this.relSource(rel, item.alias ?? call.name, item.colAliases);
      }
      case 'join': {
        const l = this.planFromItem(item.l, parent, ctes);
        const r = this.planFromItem(item.r, parent, ctes);
        let on = item.on;
        if (item.using) {
          const conds = item.using.map((c): A.Expr => ({ k: 'op', op: '=', pos: 0, l: { k: 'col', parts: [l.bindings.find((b) => b.cols.some((x) => x.name === c))?.alias ?? '', c], pos: 0 }, r: { k: 'col', parts: [r.bindings.find((b) => b.cols.some((x) => x.name === c))?.alias ?? '', c], pos: 0 } }));
          on = conds.reduce((a, b) => ({ k: 'op', op: 'and', l: a, r: b, pos: 0 }));
        }
        return this.join(l, r, item.type, on, parent, ctes);
      }
    }
  }

  private join(l: Source, r: Source, type: 'inner' | 'left' | 'right' | 'full' | 'cross', on: A.Expr | undefined, parent: Scope | undefined, ctes: Map<string, Rel>): Source {
    const bindings = [...l.bindings, ...r.bindings.map((b) => ({ ...b, offset: b.offset + l.width }))];
    const width = l.width + r.width;
    const scope = new Scope(bindings, parent, ctes);
    const cond = on ? this.compile(on, scope, NO_AGGS) : undefined;
    const keys = on ? this.equiKeys(on, scope, l.width) : [];
    return {
      bindings, width,
      rows: (outer) => {
        const ls = l.rows(outer);
        const rs = r.rows(outer);
        const out: Value[][] = [];
        const rightMatched = type === 'right' || type === 'full' ? new Array<boolean>(rs.length).fill(false) : undefined;
        const nullsL = new Array<Value>(l.width).fill(null);
        const nullsR = new Array<Value>(r.width).fill(null);
        const all = rs.map((_, j) => j);
        let candidates = (_a: Value[]): number[] => all;
        if (keys.length > 0) {
          // equality conditions between the two sides: only rows with equal keys can match
          const index = new Map<string, number[]>();
          rs.forEach((b, j) => {
            const k = hashKey(keys.map(([, ri]) => b[ri - l.width]!));
            if (k === undefined) return;
            const list = index.get(k);
            if (list) list.push(j);
            else index.set(k, [j]);
          });
          candidates = (a) => {
            const k = hashKey(keys.map(([li]) => a[li]!));
            return k === undefined ? [] : index.get(k) ?? [];
          };
        }
        for (const a of ls) {
          let matched = false;
          for (const j of candidates(a)) {
            const row = [...a, ...rs[j]!];
            if (!cond || cond.ev({ row, outer }) === true) {
              out.push(row);
              matched = true;
              if (rightMatched) rightMatched[j] = true;
            }
          }
          if (!matched && (type === 'left' || type === 'full')) out.push([...a, ...nullsR]);
        }
        if (rightMatched) rs.forEach((b, j) => { if (!rightMatched[j]) out.push([...nullsL, ...b]); });
        return out;
      },
    };
  }

  /** Pairs (left index, right index) of `a = b` conjuncts of a join condition comparing a left column with a right one. */
  private equiKeys(on: A.Expr, scope: Scope, leftWidth: number): Array<[number, number]> {
    const out: Array<[number, number]> = [];
    const visit = (e: A.Expr): void => {
      if (e.k === 'op' && e.op === 'and') { visit(e.l!); visit(e.r); return; }
      if (e.k !== 'op' || e.op !== '=' || e.l?.k !== 'col' || e.r.k !== 'col') return;
      let a: { depth: number; index: number };
      let b: { depth: number; index: number };
      try {
        a = this.resolve(e.l.parts, scope);
        b = this.resolve(e.r.parts, scope);
      } catch {
        return;
      }
      if (a.depth !== 0 || b.depth !== 0) return;
      if (a.index < leftWidth && b.index >= leftWidth) out.push([a.index, b.index]);
      else if (b.index < leftWidth && a.index >= leftWidth) out.push([b.index, a.index]);
    };
    visit(on);
    return out;
  }

  // ---- expressions ----

  private resolves(parts: string[], scope: Scope): boolean {
    try {
      this.resolve(parts, scope);
      return true;
    } catch {
      return false;
    }
  }

  private resolve(parts: string[], scope: Scope): { depth: number; index: number; col: Col } {
    let depth = 0;
    for (let s: Scope | undefined = scope; s; s = s.parent, depth++) {
      const name = parts[parts.length - 1]!;
      let candidates = s.bindings;
      if (parts.length >= 2) {
        const qual = parts[parts.length - 2]!;
        candidates = candidates.filter((b) => b.alias === qual);
        if (candidates.length === 0) continue;
      }
      const hits: Array<{ b: Binding; i: number }> = [];
      for (const b of candidates) b.cols.forEach((c, i) => { if (c.name === name) hits.push({ b, i }); });
      if (hits.length > 1 && parts.length === 1) throw err('42702', `column reference "${name}" is ambiguous`);
      if (hits.length >= 1) return { depth, index: hits[0]!.b.offset + hits[0]!.i, col: hits[0]!.b.cols[hits[0]!.i]! };
      if (parts.length >= 2) throw err(SqlState.undefinedColumn, `column ${parts.slice(-2).join('.')} does not exist`);
    }
    if (parts.length >= 2) throw err(SqlState.undefinedTable, `missing FROM-clause entry for table "${parts[parts.length - 2]}"`);
    throw err(SqlState.undefinedColumn, `column "${parts[0]}" does not exist`);
  }

  /** Gives an untyped literal the type of what it meets (as Postgres resolves 'unknown'). */
  private coerce(ce: CE, to: PgType): CE {
    if (ce.t !== 'unknown' || to === 'unknown' || to === 'null') return ce;
    return { t: to, name: ce.name, ev: (c) => this.cast(ce.ev(c), 'unknown', to) };
  }

  private coerceValue(v: Value, from: PgType, to: PgType): Value {
    if (v === null || from === to || to === 'text' && (from === 'unknown' || from === 'null')) return v;
    if (from === 'unknown' || from === 'null') return this.cast(v, 'unknown', to);
    return v;
  }

  private pair(l: CE, r: CE): [CE, CE] {
    if (l.t === 'unknown' && r.t !== 'unknown') return [this.coerce(l, r.t), r];
    if (r.t === 'unknown' && l.t !== 'unknown') return [l, this.coerce(r, l.t)];
    return [l, r];
  }

  private compileQuery(q: A.Query, scope: Scope): Rel {
    return this.planQuery(q, scope, scope.ctes);
  }

  compile(e: A.Expr, scope: Scope, mode: Mode): CE {
    switch (e.k) {
      case 'lit':
        return { t: e.t, name: e.t === 'bool' ? 'bool' : '?column?', ev: () => e.v };
      case 'param': {
        const t = this.env.paramTypes[e.n - 1] ?? 'unknown';
        return {
          t, name: '?column?', ev: () => {
            if (e.n < 1 || e.n > this.env.params.length) throw err('42P02', `there is no parameter $${e.n}`);
            const v = this.env.params[e.n - 1]!;
            return t === 'unknown' ? v : this.cast(v, 'unknown', t);
          },
        };
      }
      case 'col': {
        const { depth, index, col } = this.resolve(e.parts, scope);
        const ev: Ev = depth === 0 ? (c) => c.row[index]! : (c) => {
          let x = c;
          for (let i = 0; i < depth; i++) x = x.outer!;
          return x.row[index]!;
        };
        return { t: col.type, name: col.name, ev };
      }
      case 'func': return this.compileFunc(e, scope, mode);
      case 'op': return this.compileOp(e, scope, mode);
      case 'is': {
        const x = this.compile(e.e, scope, mode);
        const test = e.what === 'null' || e.what === 'unknown' ? (v: Value) => v === null : e.what === 'true' ? (v: Value) => v === true : (v: Value) => v === false;
        return { t: 'bool', name: '?column?', ev: (c) => test(x.ev(c)) !== e.not };
      }
      case 'distinctFrom': {
        const [l, r] = this.pair(this.compile(e.l, scope, mode), this.compile(e.r, scope, mode));
        return {
          t: 'bool', name: '?column?', ev: (c) => {
            const a = l.ev(c);
            const b = r.ev(c);
            const distinct = a === null || b === null ? a !== b : compareValues(a, b) !== 0;
            return distinct !== e.not;
          },
        };
      }
      case 'in': {
        const x = this.compile(e.e, scope, mode);
        let values: (c: Ctx) => Value[];
        let lhs = x;
        if (e.sub) {
          const rel = this.compileQuery(e.sub, scope);
          lhs = this.coerce(x, rel.cols[0]?.type ?? 'text');
          values = (c) => rel.rows(c).map((r) => r[0]!);
        } else {
          const known = e.list!.map((i) => this.compile(i, scope, mode));
          const target = x.t !== 'unknown' ? x.t : known.find((k) => k.t !== 'unknown')?.t ?? 'text';
          lhs = this.coerce(x, target);
          const items = known.map((k) => this.coerce(k, target));
          values = (c) => items.map((i) => i.ev(c));
        }
        return {
          t: 'bool', name: '?column?', ev: (c) => {
            const v = lhs.ev(c);
            if (v === null) return null;
            let sawNull = false;
            for (const w of values(c)) {
              if (w === null) { sawNull = true; continue; }
              if (compareValues(v, w) === 0) return !e.not;
            }
            return sawNull ? null : e.not;
          },
        };
      }
      case 'between': {
        const x = this.compile(e.e, scope, mode);
        const [x1, lo] = this.pair(x, this.compile(e.lo, scope, mode));
        const [, hi] = this.pair(x1, this.compile(e.hi, scope, mode));
        return {
          t: 'bool', name: '?column?', ev: (c) => {
            const v = x1.ev(c);
            const a = lo.ev(c);
            const b = hi.ev(c);
            if (v === null || a === null || b === null) return null;
            return (compareValues(a, v) <= 0 && compareValues(v, b) <= 0) !== e.not;
          },
        };
      }
      case 'like': {
        const x = this.compile(e.e, scope, mode);
        const p = this.compile(e.pat, scope, mode);
        return {
          t: 'bool', name: '?column?', ev: (c) => {
            const v = x.ev(c);
            const pat = p.ev(c);
            if (v === null || pat === null) return null;
            return likeRegex(String(pat), e.ci).test(toText(v, x.t, this.env.snap)) !== e.not;
          },
        };
      }
      case 'any': {
        let l = this.compile(e.l, scope, mode);
        let values: (c: Ctx) => Value[] | null;
        if (e.sub) {
          const rel = this.compileQuery(e.sub, scope);
          l = this.coerce(l, rel.cols[0]?.type ?? 'text');
          values = (c) => rel.rows(c).map((r) => r[0]!);
        } else {
          let r = this.compile(e.r!, scope, mode);
          if (r.t === 'unknown') r = this.coerce(r, l.t === 'unknown' ? 'text[]' : `${l.t}[]`);
          if (!isArrayType(r.t)) throw err(SqlState.datatypeMismatch, `op ANY/ALL (array) requires array on right side`);
          l = this.coerce(l, elementType(r.t));
          const rr = r;
          values = (c) => rr.ev(c) as Value[] | null;
        }
        const op = e.op;
        if (!cmpOps.has(op)) throw err(SqlState.undefinedFunction, `operator does not exist: ${op}`);
        return {
          t: 'bool', name: e.all ? 'all' : 'any', ev: (c) => {
            const v = l.ev(c);
            const arr = values(c);
            if (arr === null) return null;
            if (arr.length === 0) return e.all;
            if (v === null) return null;
            let sawNull = false;
            for (const w of arr) {
              if (w === null) { sawNull = true; continue; }
              const ok = testCompare(op, compareValues(v, w));
              if (ok && !e.all) return true;
              if (!ok && e.all) return false;
            }
            return sawNull ? null : e.all;
          },
        };
      }
      case 'case': {
        const operand = e.operand ? this.compile(e.operand, scope, mode) : undefined;
        const whens = e.whens.map(([w, t]) => {
          let cond = this.compile(w, scope, mode);
          let op = operand;
          if (op) [op, cond] = this.pair(op, cond);
          return { op, cond, then: this.compile(t, scope, mode) };
        });
        const els = e.else ? this.compile(e.else, scope, mode) : undefined;
        const t = unify([...whens.map((w) => w.then.t), ...(els ? [els.t] : [])]);
        const thens = whens.map((w) => this.coerce(w.then, t));
        const elseCe = els ? this.coerce(els, t) : undefined;
        return {
          t, name: 'case', ev: (c) => {
            for (let i = 0; i < whens.length; i++) {
              const w = whens[i]!;
              if (w.op) {
                const a = w.op.ev(c);
                const b = w.cond.ev(c);
                if (a !== null && b !== null && compareValues(a, b) === 0) return thens[i]!.ev(c);
              } else if (w.cond.ev(c) === true) return thens[i]!.ev(c);
            }
            return elseCe ? elseCe.ev(c) : null;
          },
        };
      }
      case 'cast': {
        const x = this.compile(e.e, scope, mode);
        const to = canonicalType(e.type.name, e.type.array);
        if (!to) throw err('42704', `type "${e.type.name}" does not exist`);
        const named = x.name !== '?column?' && !x.weak;
        return { t: to, name: named ? x.name : e.type.name, weak: !named, ev: (c) => this.cast(x.ev(c), x.t, to) };
      }
      case 'sub': {
        const rel = this.compileQuery(e.q, scope);
        return {
          t: rel.cols[0]?.type ?? 'text', name: rel.cols[0]?.name ?? '?column?', ev: (c) => {
            const rows = rel.rows(c);
            if (rows.length > 1) throw err('21000', 'more than one row returned by a subquery used as an expression');
            return rows[0]?.[0] ?? null;
          },
        };
      }
      case 'exists': {
        const rel = this.compileQuery(e.q, scope);
        return { t: 'bool', name: 'exists', ev: (c) => rel.rows(c).length > 0 };
      }
      case 'array': {
        if (e.sub) {
          const rel = this.compileQuery(e.sub, scope);
          const el = rel.cols[0]?.type ?? 'text';
          return { t: `${el === 'unknown' ? 'text' : el}[]`, name: 'array', ev: (c) => rel.rows(c).map((r) => r[0]!) };
        }
        const items = e.items!.map((i) => this.compile(i, scope, mode));
        const el = unify(items.map((i) => i.t));
        const typed = items.map((i) => this.coerce(i, el));
        return { t: `${el}[]`, name: 'array', ev: (c) => typed.map((i) => i.ev(c)) };
      }
      case 'index': {
        const x = this.compile(e.e, scope, mode);
        const i = this.compile(e.idx, scope, mode);
        if (!isArrayType(x.t)) throw err('42804', `cannot subscript type ${x.t} because it does not support subscripting`);
        const base = isVector(x.t) ? 0 : 1;
        return {
          t: elementType(x.t), name: x.name, ev: (c) => {
            const arr = x.ev(c) as Value[] | null;
            const n = i.ev(c);
            if (arr === null || n === null) return null;
            return arr[Number(n) - base] ?? null;
          },
        };
      }
      case 'row': {
        const items = e.items.map((i) => this.compile(i, scope, mode));
        return { t: 'record', name: 'row', ev: (c) => items.map((i) => i.ev(c)) };
      }
    }
  }

  private compileFunc(e: Extract<A.Expr, { k: 'func' }>, scope: Scope, mode: Mode): CE {
    const name = e.name;
    if (e.schema !== undefined && e.schema !== 'pg_catalog' && e.schema !== 'information_schema') {
      throw err(SqlState.undefinedFunction, `function ${e.schema}.${name} does not exist`);
    }
    if (e.over) {
      if (!mode.wins) throw err('42P20', 'window functions are not allowed here');
      if (!['row_number', 'rank', 'dense_rank'].includes(name) && !AGGREGATES[name]) throw err(SqlState.undefinedFunction, `window function ${name} does not exist`);
      const args = e.args.map((a) => this.compile(a, scope, NO_AGGS));
      const spec: WinSpec = {
        name, args, star: e.star === true,
        partition: e.over.partitionBy.map((p) => this.compile(p, scope, NO_AGGS)),
        order: e.over.orderBy.map((o) => ({ ce: this.compile(o.e, scope, NO_AGGS), desc: o.desc, nullsFirst: o.nullsFirst })),
      };
      const i = mode.wins.push(spec) - 1;
      const t = AGGREGATES[name] ? AGGREGATES[name]!.ret(args.map((a) => a.t)) : 'int8';
      return { t, name, ev: (c) => c.win?.[i] ?? null };
    }
    const agg = AGGREGATES[name];
    if (agg) {
      if (!mode.aggs) throw err('42803', `aggregate functions are not allowed here`);
      const args = e.args.map((a) => this.compile(a, scope, NO_AGGS));
      const spec: AggSpec = {
        name, args, star: e.star === true || (name === 'count' && args.length === 0), distinct: e.distinct === true,
        order: (e.orderBy ?? []).map((o) => ({ ce: this.compile(o.e, scope, NO_AGGS), desc: o.desc, nullsFirst: o.nullsFirst })),
      };
      const i = mode.aggs.push(spec) - 1;
      return { t: agg.ret(args.map((a) => a.t)), name, ev: (c) => c.aggs?.[i] ?? null };
    }
    const fn = SCALARS[name];
    if (!fn) {
      if (SET_FUNCTIONS[name]) throw err('0A000', `set-returning function ${name}() is only supported in FROM or as a whole select-list item`);
      const args = e.args.map((a) => this.compile(a, scope, mode).t);
      throw err(SqlState.undefinedFunction, `function ${name}(${args.map((t) => (t === 'unknown' ? 'unknown' : t)).join(', ')}) does not exist`,
        'The emulated Postgres catalog has the functions psql and common client tools use; this is not one of them.');
    }
    const args = e.args.map((a) => this.compile(a, scope, mode));
    const types = args.map((a) => (a.t === 'unknown' ? 'text' : a.t));
    const ret = typeof fn.ret === 'function' ? fn.ret(types) : fn.ret;
    const strict = fn.strict !== false;
    const cx = this.fn(types);
    return {
      t: ret, name, ev: (c) => {
        const vals = args.map((a) => a.ev(c));
        if (strict && vals.some((v) => v === null)) return null;
        return fn.call(vals, cx);
      },
    };
  }

  private compileOp(e: Extract<A.Expr, { k: 'op' }>, scope: Scope, mode: Mode): CE {
    const op = e.op;
    if (op === 'not') {
      const r = this.compile(e.r, scope, mode);
      return { t: 'bool', name: '?column?', ev: (c) => { const v = r.ev(c); return v === null ? null : !v; } };
    }
    if (op === 'neg') {
      const r = this.compile(e.r, scope, mode);
      return { t: r.t, name: '?column?', ev: (c) => { const v = r.ev(c); return v === null ? null : -Number(v); } };
    }
    let l = this.compile(e.l!, scope, mode);
    let r = this.compile(e.r, scope, mode);
    if (op === 'and' || op === 'or') {
      const and = op === 'and';
      return {
        t: 'bool', name: '?column?', ev: (c) => {
          const a = l.ev(c);
          if (a === !and) return !and;
          const b = r.ev(c);
          if (b === !and) return !and;
          return a === null || b === null ? null : and;
        },
      };
    }
    if (cmpOps.has(op)) {
      [l, r] = this.pair(l, r);
      if (!comparable(l.t, r.t) && !(l.t === 'bool' && r.t === 'bool')) throw typeMismatch(op, l.t, r.t);
      return {
        t: 'bool', name: '?column?', ev: (c) => {
          const a = l.ev(c);
          const b = r.ev(c);
          return a === null || b === null ? null : testCompare(op, compareValues(a, b));
        },
      };
    }
    const text = (ce: CE, v: Value): string => toText(v, ce.t, this.env.snap);
    const strictBool = (f: (a: Value, b: Value) => boolean): CE => ({
      t: 'bool', name: '?column?', ev: (c) => {
        const a = l.ev(c);
        const b = r.ev(c);
        return a === null || b === null ? null : f(a, b);
      },
    });
    switch (op) {
      case '~': case '!~': case '~*': case '!~*': {
        const neg = op.startsWith('!');
        const flags = op.endsWith('*') ? 'i' : '';
        return strictBool((a, b) => pgRegex(String(b), flags).test(text(l, a)) !== neg);
      }
      case '~~': case '!~~': case '~~*': case '!~~*': {
        const neg = op.startsWith('!');
        const ci = op.endsWith('*');
        return strictBool((a, b) => likeRegex(String(b), ci).test(text(l, a)) !== neg);
      }
      case 'similar': case '!similar':
        return strictBool((a, b) => similarRegex(String(b)).test(text(l, a)) !== (op === '!similar'));
      case '||': {
        if (isArrayType(l.t) || isArrayType(r.t)) {
          const t = isArrayType(l.t) ? l.t : r.t;
          if (l.t === 'unknown') l = this.coerce(l, t);
          if (r.t === 'unknown') r = this.coerce(r, t);
          const la = isArrayType(l.t);
          const ra = isArrayType(r.t);
          return {
            t, name: '?column?', ev: (c) => {
              const a = l.ev(c);
              const b = r.ev(c);
              if (la && ra) return a === null ? b : b === null ? a : [...(a as Value[]), ...(b as Value[])];
              if (la) return [...((a as Value[] | null) ?? []), b];
              return [a, ...((b as Value[] | null) ?? [])];
            },
          };
        }
        return {
          t: 'text', name: '?column?', ev: (c) => {
            const a = l.ev(c);
            const b = r.ev(c);
            return a === null || b === null ? null : text(l, a) + text(r, b);
          },
        };
      }
      case '@>': case '<@': case '&&': {
        [l, r] = this.pair(l, r);
        return strictBool((a, b) => {
          const A1 = a as Value[];
          const B1 = b as Value[];
          const has = (arr: Value[], v: Value): boolean => arr.some((x) => x !== null && v !== null && compareValues(x, v) === 0);
          if (op === '@>') return B1.every((v) => has(A1, v));
          if (op === '<@') return A1.every((v) => has(B1, v));
          return A1.some((v) => has(B1, v));
        });
      }
      case '+': case '-': case '*': case '/': case '%': case '^': {
        [l, r] = this.pair(l, r);
        if (l.t === 'unknown') { l = this.coerce(l, 'numeric'); r = this.coerce(r, 'numeric'); }
        if (!isNumeric(l.t) || !isNumeric(r.t)) throw typeMismatch(op, l.t, r.t);
        const ints = isInteger(l.t) && isInteger(r.t) && op !== '^';
        const t = ints ? (l.t === 'int8' || r.t === 'int8' ? 'int8' : l.t === 'int2' && r.t === 'int2' ? 'int2' : 'int4') : l.t === 'float8' || r.t === 'float8' ? 'float8' : 'numeric';
        return {
          t, name: '?column?', ev: (c) => {
            const av = l.ev(c);
            const bv = r.ev(c);
            if (av === null || bv === null) return null;
            const a = Number(av);
            const b = Number(bv);
            switch (op) {
              case '+': return a + b;
              case '-': return a - b;
              case '*': return a * b;
              case '^': return a ** b;
              default: {
                if (b === 0) throw err('22012', 'division by zero');
                if (op === '%') return a % b;
                return ints ? Math.trunc(a / b) : a / b;
              }
            }
          },
        };
      }
      default:
        throw err(SqlState.undefinedFunction, `operator does not exist: ${l.t} ${op} ${r.t}`);
    }
  }

  /** The plan of a whole statement. */
  plan(q: A.Query): Rel {
    return this.planQuery(q, undefined, new Map());
  }
}

/** The common type of a list of branch/column types: the first known one, else text. */
function unify(types: PgType[]): PgType {
  return types.find((t) => t !== 'unknown' && t !== 'null') ?? (types.every((t) => t === 'null') && types.length > 0 ? 'text' : 'unknown');
}

function dedupe(rows: Value[][]): Value[][] {
  const seen = new Set<string>();
  return rows.filter((r) => {
    const k = keyOf(r);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
