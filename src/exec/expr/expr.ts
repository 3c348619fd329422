/**
 * Bound (resolved, typed) scalar expressions: what the binder produces and the expression compiler
 * consumes. Column references are positions in the input row of the plan node that owns the expression.
 */
import type { DataType } from '../../types/data-type.ts';

export type BoundExpr = InputRef | Literal | Call | CaseExpr | CastExpr | OuterRef | ParamRef;

/** A column of the owning node's input (for joins: left columns, then right columns). */
export interface InputRef { kind: 'input'; index: number; type: DataType }
export interface Literal { kind: 'literal'; value: unknown; type: DataType }
/** A scalar function or operator from the function registry, by its canonical name. */
export interface Call {
  kind: 'call';
  fn: string;
  args: BoundExpr[];
  type: DataType;
  /** What type resolution learnt for code generation (a compiled pattern, a decimal scale...). */
  info?: unknown;
}
export interface CaseExpr { kind: 'case'; whens: Array<[BoundExpr, BoundExpr]>; else: BoundExpr | null; type: DataType }
/** CAST (safe = false) or TRY_CAST (safe = true). */
export interface CastExpr { kind: 'cast'; arg: BoundExpr; safe: boolean; type: DataType }
/** A column of an enclosing query, inside a correlated subquery; removed by decorrelation. */
export interface OuterRef { kind: 'outer'; depth: number; index: number; type: DataType }
/** A statement parameter ($1 / ?); bound to a value before execution. */
export interface ParamRef { kind: 'param'; index: number; type: DataType }

export const inputRef = (index: number, type: DataType): InputRef => ({ kind: 'input', index, type });
export const literal = (value: unknown, type: DataType): Literal => ({ kind: 'literal', value, type });
export const call = (fn: string, args: BoundExpr[], type: DataType, info?: unknown): Call =>
  (info === undefined ? { kind: 'call', fn, args, type } : { kind: 'call', fn, args, type, info });

export function children(e: BoundExpr): BoundExpr[] {
  switch (e.kind) {
    case 'call': return e.args;
    case 'case': return [...e.whens.flat(), ...(e.else ? [e.else] : [])];
    case 'cast': return [e.arg];
    default: return [];
  }
}

/** Rebuilds an expression bottom-up; `f` may replace any node (return undefined to keep it). */
export function transformExpr(e: BoundExpr, f: (e: BoundExpr) => BoundExpr | undefined): BoundExpr {
  let next: BoundExpr;
  switch (e.kind) {
    case 'call': {
      const args = e.args.map((a) => transformExpr(a, f));
      next = args.every((a, i) => a === e.args[i]) ? e : { ...e, args };
      break;
    }
    case 'case': {
      const whens = e.whens.map(([w, t]) => [transformExpr(w, f), transformExpr(t, f)] as [BoundExpr, BoundExpr]);
      const els = e.else ? transformExpr(e.else, f) : null;
      next = { ...e, whens, else: els };
      break;
    }
    case 'cast': {
      const arg = transformExpr(e.arg, f);
      next = arg === e.arg ? e : { ...e, arg };
      break;
    }
    default:
      next = e;
  }
  return f(next) ?? next;
}

export function visitExpr(e: BoundExpr, f: (e: BoundExpr) => void): void {
  f(e);
  for (const c of children(e)) visitExpr(c, f);
}

/** Indices of input columns an expression reads. */
export function inputRefs(e: BoundExpr, into: Set<number> = new Set()): Set<number> {
  visitExpr(e, (x) => {
    if (x.kind === 'input') into.add(x.index);
  });
  return into;
}

/** Rewrites input references through a mapping (old index → new index). */
export function remapInputs(e: BoundExpr, map: (index: number) => number): BoundExpr {
  return transformExpr(e, (x) => (x.kind === 'input' ? { ...x, index: map(x.index) } : undefined));
}

/** Replaces input references by expressions (inlining a projection below). */
export function substituteInputs(e: BoundExpr, exprs: readonly BoundExpr[]): BoundExpr {
  return transformExpr(e, (x) => (x.kind === 'input' ? exprs[x.index] : undefined));
}

export function hasOuterRefs(e: BoundExpr): boolean {
  let found = false;
  visitExpr(e, (x) => {
    if (x.kind === 'outer') found = true;
  });
  return found;
}

export function isLiteral(e: BoundExpr): e is Literal {
  return e.kind === 'literal';
}

export function isTrueLiteral(e: BoundExpr): boolean {
  return e.kind === 'literal' && e.value === true;
}

/** Splits a predicate into its top-level AND terms. */
export function conjuncts(e: BoundExpr | null | undefined): BoundExpr[] {
  if (!e) return [];
  if (e.kind === 'call' && e.fn === 'and') return e.args.flatMap(conjuncts);
  if (isTrueLiteral(e)) return [];
  return [e];
}

export function exprEquals(a: BoundExpr, b: BoundExpr): boolean {
  if (a.kind !== b.kind) return false;
  switch (a.kind) {
    case 'input': return a.index === (b as InputRef).index;
    case 'literal': {
      const y = b as Literal;
      return a.type.kind === y.type.kind && (a.value === y.value || String(a.value) === String(y.value)) && typeof a.value === typeof y.value;
    }
    case 'call': {
      const y = b as Call;
      return a.fn === y.fn && a.args.length === y.args.length && a.args.every((x, i) => exprEquals(x, y.args[i]!));
    }
    case 'cast': {
      const y = b as CastExpr;
      return a.safe === y.safe && a.type.kind === y.type.kind && JSON.stringify(a.type) === JSON.stringify(y.type) && exprEquals(a.arg, y.arg);
    }
    case 'case': {
      const y = b as CaseExpr;
      return a.whens.length === y.whens.length && a.whens.every(([w, t], i) => exprEquals(w, y.whens[i]![0]) && exprEquals(t, y.whens[i]![1]))
        && (a.else === null ? y.else === null : y.else !== null && exprEquals(a.else, y.else));
    }
    case 'outer': return a.depth === (b as OuterRef).depth && a.index === (b as OuterRef).index;
    case 'param': return a.index === (b as ParamRef).index;
  }
}
