/**
 * Compiles bound expressions into JavaScript functions that loop over a batch's columns
 * (generated source + `new Function`, once per plan). No tree walking per row.
 *
 * One loop is generated per output expression: the loop reads input columns, evaluates the expression
 * row by row into local variables with explicit NULL flags (three-valued logic), and writes a typed
 * output column. AND, OR, CASE, COALESCE and IF evaluate lazily, as SQL requires.
 */
import type { BoundExpr, Call } from './expr.ts';
import type { Batch, Column } from '../../types/batch.ts';
import { constantColumn, gatherColumn } from '../../types/batch.ts';
import type { DataType, Physical } from '../../types/data-type.ts';
import { physicalOf, isCharacter, typesEqualIgnoringNull } from '../../types/data-type.ts';
import { makeCast } from '../../types/cast.ts';
import { FreshetError, SqlState, internalError } from '../../util/errors.ts';
import { runtime } from './runtime.ts';
import { lookupScalar } from '../functions/registry.ts';
import type { UserFunction } from '../functions/udf.ts';
import type { GenContext, ValueAndNull } from '../functions/function.ts';
import { exprToString } from './print.ts';

export interface CompileEnv {
  timeZone: string;
  /** Statement start (epoch ms): the value of CURRENT_TIMESTAMP and friends for the whole statement. */
  now: number;
  /** Processing time for PROCTIME(): read per batch in streaming jobs (absent: `now`). */
  clock?: { now(): number };
  /** Names of input columns, for error messages. */
  inputNames?: readonly string[];
  /** The watermark of the operator's input, for CURRENT_WATERMARK (null until the first one; absent: NULL). */
  watermark?: { value: number | null };
}

/** Evaluates one expression over the rows of a batch (all rows, or those listed in `sel`). */
export type ColumnKernel = (batch: Batch, sel: Int32Array | null, n: number) => Column;
/** Evaluates a predicate; returns the indices of rows where it is TRUE. */
export type PredicateKernel = (batch: Batch, sel: Int32Array | null, n: number) => { sel: Int32Array; n: number };

/** How generated code reads input column `index` at the current row. */
type InputReader = (index: number, g: CodeGen) => ValueAndNull;

class CodeGen {
  readonly consts: unknown[] = [];
  readonly decls = new Set<string>();
  private tmpCount = 0;
  private readonly constIndex = new Map<unknown, number>();
  readonly env: CompileEnv;
  readonly readInput: InputReader;

  constructor(env: CompileEnv, readInput: InputReader) {
    this.env = env;
    this.readInput = readInput;
  }

  tmp(): string {
    const name = `t${this.tmpCount++}`;
    this.decls.add(name);
    return name;
  }

  constant(v: unknown): string {
    const known = this.constIndex.get(v);
    if (known !== undefined) return `K[${known}]`;
    this.consts.push(v);
    const i = this.consts.length - 1;
    if (v !== null && (typeof v === 'object' || typeof v === 'function')) this.constIndex.set(v, i);
    return `K[${i}]`;
  }

  literal(value: unknown, type: DataType): string {
    if (value === null || value === undefined) return 'null';
    switch (typeof value) {
      case 'boolean': return value ? 'true' : 'false';
      case 'number':
        // negative literals are parenthesised: generators splice operands after prefix operators (`-x`, `!x`)
        if (Number.isFinite(value) && !Object.is(value, -0)) return value < 0 ? `(${value})` : String(value);
        return this.constant(value);
      case 'string': return JSON.stringify(value);
      default:
        void type;
        return this.constant(value);
    }
  }

  /** Emits statements into `out`; returns expressions for the value and the NULL flag. */
  gen(e: BoundExpr, out: string[]): ValueAndNull {
    switch (e.kind) {
      case 'input': return this.readInput(e.index, this);
      case 'literal': return e.value === null ? { v: 'null', n: 'true' } : { v: this.literal(e.value, e.type), n: 'false' };
      case 'param': throw internalError('unbound parameter in compiled expression');
      case 'outer': throw internalError('correlated reference survived decorrelation');
      case 'cast': return this.genCast(e.arg, e.type, e.safe, out);
      case 'case': return this.genCase(e.whens, e.else, out);
      case 'call': return this.genCall(e, out);
    }
  }

  private genCast(arg: BoundExpr, to: DataType, safe: boolean, out: string[]): ValueAndNull {
    const a = this.gen(arg, out);
    const from = arg.type;
    if (typesEqualIgnoringNull(from, to) || from.kind === 'NULL') return a;
    const fn = makeCast(from, to, { timeZone: this.env.timeZone });
    const v = this.tmp();
    const n = this.tmp();
    const f = this.constant(fn);
    if (safe) {
      out.push(`if (${a.n}) { ${n} = true; ${v} = null; } else { ${v} = $.tryCall(${f}, ${a.v}); ${n} = ${v} === null; }`);
    } else {
      out.push(`if (${a.n}) { ${n} = true; ${v} = null; } else { ${v} = ${f}(${a.v}); ${n} = false; }`);
    }
    return { v, n };
  }

  private genCase(whens: Array<[BoundExpr, BoundExpr]>, els: BoundExpr | null, out: string[]): ValueAndNull {
    const v = this.tmp();
    const n = this.tmp();
    // nested if/else chain: each WHEN's condition is only evaluated if the previous ones failed
    const emit = (k: number, block: string[]): void => {
      if (k === whens.length) {
        if (els) {
          const r = this.gen(els, block);
          block.push(`${v} = ${r.v}; ${n} = ${r.n};`);
        } else block.push(`${v} = null; ${n} = true;`);
        return;
      }
      const [w, t] = whens[k]!;
      const c = this.gen(w, block);
      const thenBlock: string[] = [];
      const r = this.gen(t, thenBlock);
      thenBlock.push(`${v} = ${r.v}; ${n} = ${r.n};`);
      const elseBlock: string[] = [];
      emit(k + 1, elseBlock);
      block.push(`if (!(${c.n}) && ${c.v}) { ${thenBlock.join(' ')} } else { ${elseBlock.join(' ')} }`);
    };
    emit(0, out);
    return { v, n };
  }

  private genCall(e: Call, out: string[]): ValueAndNull {
    const { fn, args, type } = e;
    switch (fn) {
      case 'and': case 'or': return this.genAndOr(fn, args, out);
      case 'coalesce': return this.genCoalesce(args, out);
      case 'if': return this.genCase([[args[0]!, args[1]!]], args[2] ?? null, out);
      case '$udf': return this.genUserFunction(e, out);
      case '$current_watermark': {
        // the watermark the operator has seen so far; NULL before the first one and in batch mode
        const cell = this.constant(this.env.watermark ?? { value: null });
        const v = this.tmp();
        const n = this.tmp();
        out.push(`${v} = ${cell}.value; ${n} = ${v} === null;`);
        return { v, n };
      }
      default: break;
    }
    const def = lookupScalar(fn);
    if (!def) throw internalError(`unknown function ${fn} at compile time`);
    const argVals = args.map((a) => this.gen(a, out));
    const ctx: GenContext = {
      constant: (x) => this.constant(x),
      argTypes: args.map((a) => a.type),
      resultType: type,
      info: e.info,
      timeZone: this.env.timeZone,
      now: this.env.now,
      clock: this.env.clock,
    };
    if (def.nulls === 'custom') {
      const r = def.genCustom!(argVals, ctx);
      const v = this.tmp();
      const n = this.tmp();
      out.push(def.mayReturnNull ? `${v} = ${r.v}; ${n} = (${r.n}) || ${v} === null || ${v} === undefined;` : `${v} = ${r.v}; ${n} = ${r.n};`);
      return { v, n };
    }
    const v = this.tmp();
    const n = this.tmp();
    const anyNull = argVals.map((a) => a.n).filter((x) => x !== 'false');
    const body = def.gen!(argVals.map((a) => a.v), ctx);
    const assign = def.mayReturnNull ? `${v} = ${body}; ${n} = ${v} === null || ${v} === undefined;` : `${v} = ${body}; ${n} = false;`;
    if (anyNull.length === 0) out.push(assign);
    else out.push(`if (${anyNull.join(' || ')}) { ${v} = null; ${n} = true; } else { ${assign} }`);
    return { v, n };
  }

  /** A user-defined function: called with every argument (NULL as null); it decides what NULL means. */
  private genUserFunction(e: Call, out: string[]): ValueAndNull {
    const udf = e.info as UserFunction;
    const argVals = e.args.map((a) => this.gen(a, out));
    const f = this.constant(udf.invoke);
    const v = this.tmp();
    const n = this.tmp();
    const args = argVals.map((a) => `(${a.n} ? null : ${a.v})`);
    out.push(`${v} = ${f}(${args.join(', ')}); ${n} = ${v} === null;`);
    return { v, n };
  }

  /** Three-valued AND/OR with short circuit: FALSE AND x = FALSE, TRUE OR x = TRUE, even if x is NULL. */
  private genAndOr(fn: 'and' | 'or', args: BoundExpr[], out: string[]): ValueAndNull {
    const v = this.tmp();
    const n = this.tmp();
    const decisive = fn === 'and' ? 'false' : 'true';
    // v is the running result, n records that some operand was NULL; once v is decisive the rest is skipped
    out.push(`${v} = ${fn === 'and' ? 'true' : 'false'}; ${n} = false;`);
    for (const arg of args) {
      const block: string[] = [];
      const a = this.gen(arg, block);
      block.push(`if (${a.n}) ${n} = true; else if (${a.v} === ${decisive}) ${v} = ${decisive};`);
      out.push(`if (${v} !== ${decisive}) { ${block.join(' ')} }`);
    }
    out.push(`if (${v} === ${decisive}) ${n} = false;`);
    return { v, n };
  }

  private genCoalesce(args: BoundExpr[], out: string[]): ValueAndNull {
    const v = this.tmp();
    const n = this.tmp();
    const emit = (k: number, block: string[]): void => {
      if (k === args.length) {
        block.push(`${v} = null; ${n} = true;`);
        return;
      }
      const a = this.gen(args[k]!, block);
      const rest: string[] = [];
      emit(k + 1, rest);
      block.push(`if (!(${a.n})) { ${v} = ${a.v}; ${n} = false; } else { ${rest.join(' ')} }`);
    };
    emit(0, out);
    return { v, n };
  }
}

/** Reads column `index` of `batch` at row `i` (the generated loop's variable). */
function batchReader(used: Map<number, Physical>, types: readonly DataType[]): InputReader {
  return (index) => {
    const t = types[index];
    if (!t) throw internalError(`input column ${index} out of range`);
    used.set(index, physicalOf(t));
    const v = physicalOf(t) === 'bool' ? `(c${index}v[i] === 1)` : `c${index}v[i]`;
    return { v, n: `(c${index}n !== null && c${index}n[i] === 1)` };
  };
}

function prelude(used: Map<number, Physical>, batchVar = 'batch', prefix = 'c'): string {
  return [...used.keys()].map((i) => `const ${prefix}${i}v = ${batchVar}.columns[${i}].values, ${prefix}${i}n = ${batchVar}.columns[${i}].nulls;`).join('\n');
}

function outputAlloc(phys: Physical): string {
  switch (phys) {
    case 'bool': return 'new Uint8Array(n)';
    case 'i32': return 'new Int32Array(n)';
    case 'f64': case 'i64': return 'new Float64Array(n)';
    default: return 'new Array(n)';
  }
}

function outputStore(phys: Physical, r: ValueAndNull): string {
  const nullStore = `if (on === null) on = new Uint8Array(n); on[j] = 1;${phys === 'obj' ? ' ov[j] = null;' : ''}`;
  let store: string;
  switch (phys) {
    case 'bool': store = `ov[j] = ${r.v} ? 1 : 0;`; break;
    case 'i64': store = `{ const x = ${r.v}; if (typeof x === 'bigint' && !Array.isArray(ov)) ov = Array.from(ov); ov[j] = x; }`; break;
    default: store = `ov[j] = ${r.v};`;
  }
  if (r.n === 'false') return store;
  if (r.n === 'true') return nullStore;
  return `if (${r.n}) { ${nullStore} } else { ${store} }`;
}

function build<F>(params: string[], body: string, consts: unknown[]): F {
  try {
    // eslint-disable-next-line @typescript-eslint/no-implied-eval
    const factory = new Function('$', 'K', `"use strict";\nreturn function(${params.join(', ')}) {\n${body}\n};`);
    return factory(runtime, consts) as F;
  } catch (e) {
    throw internalError(`generated code does not compile: ${(e as Error).message}\n${body}`);
  }
}

/** Adds the failing expression to a runtime error, so the user sees which part of the query failed. */
function annotate(e: unknown, expr: BoundExpr, env: CompileEnv): never {
  if (e instanceof FreshetError && e.detail === undefined) {
    throw new FreshetError(e.sqlState, e.message, { hint: e.hint, detail: `while evaluating ${exprToString(expr, env.inputNames)}`, cause: e });
  }
  throw e;
}

/** Compiles an expression into a kernel producing one output column. */
export function compileColumn(expr: BoundExpr, inputTypes: readonly DataType[], env: CompileEnv): ColumnKernel {
  // pass-through and constants need no loop
  if (expr.kind === 'input') {
    const index = expr.index;
    const phys = physicalOf(inputTypes[index]!);
    return (batch, sel, n) => (sel === null ? batch.columns[index]! : gatherColumn(batch.columns[index]!, phys, sel, n));
  }
  if (expr.kind === 'literal') {
    const { value, type } = expr;
    return (_batch, _sel, n) => constantColumn(type, value, n);
  }
  const used = new Map<number, Physical>();
  const g = new CodeGen(env, batchReader(used, inputTypes));
  const stmts: string[] = [];
  const r = g.gen(expr, stmts);
  const phys = physicalOf(expr.type);
  const decls = g.decls.size > 0 ? `let ${[...g.decls].join(', ')};` : '';
  const body = `${prelude(used)}
let ov = ${outputAlloc(phys)}; let on = null;
${decls}
for (let j = 0; j < n; j++) {
  const i = sel === null ? j : sel[j];
  ${stmts.join('\n  ')}
  ${outputStore(phys, r)}
}
return { values: ov, nulls: on };`;
  const kernel = build<ColumnKernel>(['batch', 'sel', 'n'], body, g.consts);
  return (batch, sel, n) => {
    try {
      return kernel(batch, sel, n);
    } catch (e) {
      return annotate(e, expr, env);
    }
  };
}

/** Compiles a predicate into a kernel returning the rows where it is TRUE (NULL counts as not TRUE). */
export function compilePredicate(expr: BoundExpr, inputTypes: readonly DataType[], env: CompileEnv): PredicateKernel {
  const used = new Map<number, Physical>();
  const g = new CodeGen(env, batchReader(used, inputTypes));
  const stmts: string[] = [];
  const r = g.gen(expr, stmts);
  const decls = g.decls.size > 0 ? `let ${[...g.decls].join(', ')};` : '';
  const body = `${prelude(used)}
const out = new Int32Array(n); let k = 0;
${decls}
for (let j = 0; j < n; j++) {
  const i = sel === null ? j : sel[j];
  ${stmts.join('\n  ')}
  if (!(${r.n}) && ${r.v}) out[k++] = i;
}
return { sel: out, n: k };`;
  const kernel = build<PredicateKernel>(['batch', 'sel', 'n'], body, g.consts);
  return (batch, sel, n) => {
    try {
      return kernel(batch, sel, n);
    } catch (e) {
      return annotate(e, expr, env);
    }
  };
}

/**
 * A predicate over pairs of rows from two batches (join conditions): input columns below `leftWidth`
 * read `left` at `li[k]`, the others read `right` at `ri[k]`. Returns the positions k where it is TRUE.
 */
export type PairPredicateKernel = (left: Batch, right: Batch, li: Int32Array, ri: Int32Array, n: number) => { sel: Int32Array; n: number };

export function compilePairPredicate(expr: BoundExpr, leftTypes: readonly DataType[], rightTypes: readonly DataType[], env: CompileEnv): PairPredicateKernel {
  const usedL = new Map<number, Physical>();
  const usedR = new Map<number, Physical>();
  const lw = leftTypes.length;
  const reader: InputReader = (index) => {
    const isLeft = index < lw;
    const t = isLeft ? leftTypes[index]! : rightTypes[index - lw]!;
    const local = isLeft ? index : index - lw;
    const p = isLeft ? 'l' : 'r';
    (isLeft ? usedL : usedR).set(local, physicalOf(t));
    const row = isLeft ? 'li[k]' : 'ri[k]';
    const v = physicalOf(t) === 'bool' ? `(${p}${local}v[${row}] === 1)` : `${p}${local}v[${row}]`;
    return { v, n: `(${p}${local}n !== null && ${p}${local}n[${row}] === 1)` };
  };
  const g = new CodeGen(env, reader);
  const stmts: string[] = [];
  const r = g.gen(expr, stmts);
  const decls = g.decls.size > 0 ? `let ${[...g.decls].join(', ')};` : '';
  const body = `${prelude(usedL, 'left', 'l')}
${prelude(usedR, 'right', 'r')}
const out = new Int32Array(n); let m = 0;
${decls}
for (let k = 0; k < n; k++) {
  ${stmts.join('\n  ')}
  if (!(${r.n}) && ${r.v}) out[m++] = k;
}
return { sel: out, n: m };`;
  const kernel = build<PairPredicateKernel>(['left', 'right', 'li', 'ri', 'n'], body, g.consts);
  return (left, right, li, ri, n) => {
    try {
      return kernel(left, right, li, ri, n);
    } catch (e) {
      return annotate(e, expr, env);
    }
  };
}

/** Evaluates an expression without inputs (constant folding, VALUES rows). */
export function evaluateConstant(expr: BoundExpr, env: CompileEnv): unknown {
  const kernel = compileColumn(expr, [], env);
  const col = kernel({ columns: [], length: 1, kinds: null }, null, 1);
  if (col.nulls !== null && col.nulls[0] === 1) return null;
  const v = (col.values as ArrayLike<unknown>)[0];
  return physicalOf(expr.type) === 'bool' ? v === 1 : v;
}

/** Whether an expression is a character-typed literal (used by callers deciding on coercions). */
export function isStringLiteral(e: BoundExpr): boolean {
  return e.kind === 'literal' && isCharacter(e.type);
}

export { SqlState };
