/**
 * A recursive-descent parser for the Postgres query subset that clients send to read the catalog
 * (psql's meta-commands, JDBC metadata, DBeaver, Metabase, Grafana). It accepts queries only (SELECT,
 * VALUES, WITH); anything else, or anything it cannot read, is left to the engine's Flink SQL parser,
 * which is why a failure here is a plain `undefined` rather than an error.
 */
import type { Expr, FromItem, OrderItem, Query, QueryBody, Select, SelectItem, TypeName, WindowSpec } from './ast.ts';

type TokKind = 'ident' | 'qident' | 'string' | 'number' | 'param' | 'op' | 'punct' | 'eof';

interface Tok {
  kind: TokKind;
  /** ident: lower-cased; qident/string: the content; others: the text. */
  text: string;
  pos: number;
  /** E'..' strings and quoted names keep their case and are never keywords. */
}

export class PgSyntaxError extends Error {}

const OPS = ['::', '<=', '>=', '<>', '!=', '!~~*', '!~~', '!~*', '!~', '~~*', '~~', '~*', '||', '->>', '->', '#>>', '#>', '@>', '<@', '&&',
  '=', '<', '>', '+', '-', '*', '/', '%', '^', '~', '|', '&', '#'];

function lex(s: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  const n = s.length;
  while (i < n) {
    const c = s[i]!;
    if (/\s/.test(c)) { i++; continue; }
    if (c === '-' && s[i + 1] === '-') { while (i < n && s[i] !== '\n') i++; continue; }
    if (c === '/' && s[i + 1] === '*') {
      let depth = 1;
      i += 2;
      while (i < n && depth > 0) {
        if (s[i] === '/' && s[i + 1] === '*') { depth++; i += 2; } else if (s[i] === '*' && s[i + 1] === '/') { depth--; i += 2; } else i++;
      }
      continue;
    }
    const start = i;
    if ((c === 'E' || c === 'e') && s[i + 1] === "'") {
      i += 2;
      let v = '';
      for (;;) {
        if (i >= n) throw new PgSyntaxError('unterminated string');
        const d = s[i]!;
        if (d === '\\') {
          const x = s[i + 1] ?? '';
          v += ({ n: '\n', t: '\t', r: '\r', b: '\b', f: '\f' } as Record<string, string>)[x] ?? x;
          i += 2;
        } else if (d === "'") {
          if (s[i + 1] === "'") { v += "'"; i += 2; } else { i++; break; }
        } else { v += d; i++; }
      }
      out.push({ kind: 'string', text: v, pos: start });
      continue;
    }
    if (c === "'") {
      i++;
      let v = '';
      for (;;) {
        if (i >= n) throw new PgSyntaxError('unterminated string');
        if (s[i] === "'") {
          if (s[i + 1] === "'") { v += "'"; i += 2; continue; }
          i++;
          // 'a'\n'b' is one string in Postgres (literals separated by a newline)
          const m = /^[ \t]*\n\s*'/.exec(s.slice(i));
          if (m) { i += m[0].length; continue; }
          break;
        }
        v += s[i];
        i++;
      }
      out.push({ kind: 'string', text: v, pos: start });
      continue;
    }
    if (c === '"') {
      i++;
      let v = '';
      for (;;) {
        if (i >= n) throw new PgSyntaxError('unterminated quoted identifier');
        if (s[i] === '"') {
          if (s[i + 1] === '"') { v += '"'; i += 2; continue; }
          i++;
          break;
        }
        v += s[i];
        i++;
      }
      out.push({ kind: 'qident', text: v, pos: start });
      continue;
    }
    if (c === '$' && /[0-9]/.test(s[i + 1] ?? '')) {
      i++;
      while (i < n && /[0-9]/.test(s[i]!)) i++;
      out.push({ kind: 'param', text: s.slice(start + 1, i), pos: start });
      continue;
    }
    const num = /^(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?/.exec(s.slice(i, i + 64));
    if (num) {
      i += num[0].length;
      out.push({ kind: 'number', text: num[0], pos: start });
      continue;
    }
    const id = /^[A-Za-z_\u0080-\uffff][A-Za-z0-9_$\u0080-\uffff]*/.exec(s.slice(i, i + 256));
    if (id) {
      i += id[0].length;
      out.push({ kind: 'ident', text: id[0].toLowerCase(), pos: start });
      continue;
    }
    if ('(),.[];'.includes(c)) {
      out.push({ kind: 'punct', text: c, pos: start });
      i++;
      continue;
    }
    const op = OPS.find((o) => s.startsWith(o, i));
    if (!op) throw new PgSyntaxError(`unexpected character ${c}`);
    out.push({ kind: 'op', text: op, pos: start });
    i += op.length;
  }
  out.push({ kind: 'eof', text: '', pos: n });
  return out;
}

/** Words that end an expression or cannot be an alias without AS. */
const RESERVED = new Set(['select', 'from', 'where', 'group', 'having', 'order', 'limit', 'offset', 'union', 'intersect', 'except', 'join',
  'left', 'right', 'inner', 'full', 'cross', 'outer', 'natural', 'on', 'using', 'and', 'or', 'not', 'as', 'is', 'null', 'in', 'like',
  'ilike', 'similar', 'between', 'case', 'when', 'then', 'else', 'end', 'asc', 'desc', 'nulls', 'fetch', 'window', 'with', 'into',
  'for', 'collate', 'isnull', 'notnull', 'true', 'false', 'all', 'any', 'some', 'distinct', 'values', 'lateral', 'returning', 'escape',
  'over', 'filter', 'operator']);

const COMPARE = new Set(['=', '<', '>', '<=', '>=', '<>', '!=']);
const NO_PAREN_FUNCS = new Set(['current_user', 'session_user', 'user', 'current_role', 'current_catalog', 'current_schema',
  'current_date', 'current_timestamp', 'localtimestamp', 'current_time', 'localtime']);

class Parser {
  private i = 0;
  private readonly t: Tok[];

  constructor(text: string) {
    this.t = lex(text);
  }

  private peek(o = 0): Tok {
    return this.t[Math.min(this.i + o, this.t.length - 1)]!;
  }

  private next(): Tok {
    const t = this.peek();
    if (t.kind !== 'eof') this.i++;
    return t;
  }

  private isWord(w: string, o = 0): boolean {
    const t = this.peek(o);
    return t.kind === 'ident' && t.text === w;
  }

  private isPunct(p: string, o = 0): boolean {
    const t = this.peek(o);
    return t.kind === 'punct' && t.text === p;
  }

  private isOp(p: string, o = 0): boolean {
    const t = this.peek(o);
    return t.kind === 'op' && t.text === p;
  }

  private acceptWord(...ws: string[]): boolean {
    for (let k = 0; k < ws.length; k++) if (!this.isWord(ws[k]!, k)) return false;
    this.i += ws.length;
    return true;
  }

  private acceptPunct(p: string): boolean {
    if (!this.isPunct(p)) return false;
    this.i++;
    return true;
  }

  private expectWord(w: string): void {
    if (!this.acceptWord(w)) this.fail(`expected ${w.toUpperCase()}`);
  }

  private expectPunct(p: string): void {
    if (!this.acceptPunct(p)) this.fail(`expected ${p}`);
  }

  private fail(msg: string): never {
    const t = this.peek();
    throw new PgSyntaxError(`${msg} at ${t.kind === 'eof' ? 'end of input' : `"${t.text}"`}`);
  }

  /** An identifier (unquoted or quoted); keywords are accepted unless reserved is asked for. */
  private ident(allowReserved = true): string {
    const t = this.peek();
    if (t.kind === 'qident' || (t.kind === 'ident' && (allowReserved || !RESERVED.has(t.text)))) {
      this.i++;
      return t.text;
    }
    return this.fail('expected a name');
  }

  private startsQuery(o = 0): boolean {
    return this.isWord('select', o) || this.isWord('with', o) || this.isWord('values', o);
  }

  statement(): Query {
    const q = this.query();
    this.acceptPunct(';');
    if (this.peek().kind !== 'eof') this.fail('unexpected text');
    return q;
  }

  query(): Query {
    const withs: Query['with'] = [];
    if (this.acceptWord('with')) {
      this.acceptWord('recursive');
      do {
        const name = this.ident(false);
        let cols: string[] | undefined;
        if (this.acceptPunct('(')) { cols = this.identList(); this.expectPunct(')'); }
        this.expectWord('as');
        this.acceptWord('materialized') || this.acceptWord('not', 'materialized');
        this.expectPunct('(');
        const q = this.query();
        this.expectPunct(')');
        withs.push({ name, cols, q });
      } while (this.acceptPunct(','));
    }
    let body = this.queryTerm();
    for (;;) {
      let op: 'union' | 'intersect' | 'except' | undefined;
      if (this.acceptWord('union')) op = 'union';
      else if (this.acceptWord('intersect')) op = 'intersect';
      else if (this.acceptWord('except')) op = 'except';
      if (!op) break;
      const all = this.acceptWord('all');
      if (!all) this.acceptWord('distinct');
      body = { k: 'setop', op, all, l: body, r: this.queryTerm() };
    }
    const q: Query = { with: withs, body, orderBy: [] };
    if (this.acceptWord('order', 'by')) q.orderBy = this.orderList();
    for (;;) {
      if (this.acceptWord('limit')) {
        if (!this.acceptWord('all')) q.limit = this.expr();
      } else if (this.acceptWord('offset')) {
        q.offset = this.expr();
        this.acceptWord('rows') || this.acceptWord('row');
      } else if (this.acceptWord('fetch')) {
        if (!this.acceptWord('first')) this.expectWord('next');
        q.limit = this.isWord('rows') || this.isWord('row') ? { k: 'lit', v: 1, t: 'int4', pos: this.peek().pos } : this.expr();
        this.acceptWord('rows') || this.acceptWord('row');
        this.expectWord('only');
      } else if (this.acceptWord('for')) {
        // FOR UPDATE / FOR SHARE: nothing to lock in a catalog snapshot
        while (this.peek().kind === 'ident' && !this.isPunct(';')) this.next();
      } else break;
    }
    return q;
  }

  private queryTerm(): QueryBody {
    if (this.isPunct('(') && (this.startsQuery(1) || this.isPunct('(', 1))) {
      this.next();
      const q = this.query();
      this.expectPunct(')');
      return { k: 'nested', q };
    }
    if (this.acceptWord('values')) {
      const rows: Expr[][] = [];
      do {
        this.expectPunct('(');
        rows.push(this.exprList());
        this.expectPunct(')');
      } while (this.acceptPunct(','));
      return { k: 'values', rows };
    }
    this.expectWord('select');
    const s: Select = { k: 'select', distinct: false, items: [], from: [], groupBy: [] };
    if (this.acceptWord('distinct')) {
      s.distinct = true;
      if (this.acceptWord('on')) { this.expectPunct('('); this.exprList(); this.expectPunct(')'); }
    } else this.acceptWord('all');
    if (!this.isWord('from') && this.peek().kind !== 'eof' && !this.isPunct(')') && !this.isPunct(';')) {
      do s.items.push(this.selectItem()); while (this.acceptPunct(','));
    }
    if (this.acceptWord('from')) {
      do s.from.push(this.fromItem()); while (this.acceptPunct(','));
    }
    if (this.acceptWord('where')) s.where = this.expr();
    if (this.acceptWord('group', 'by')) s.groupBy = this.exprList();
    if (this.acceptWord('having')) s.having = this.expr();
    return s;
  }

  private selectItem(): SelectItem {
    if (this.isOp('*')) { this.next(); return { k: 'star' }; }
    if ((this.peek().kind === 'ident' || this.peek().kind === 'qident') && this.isPunct('.', 1) && this.isOp('*', 2)) {
      const qualifier = this.ident();
      this.i += 2;
      return { k: 'star', qualifier };
    }
    const e = this.expr();
    if (this.acceptWord('as')) return { k: 'expr', e, alias: this.ident() };
    const t = this.peek();
    if (t.kind === 'qident' || (t.kind === 'ident' && !RESERVED.has(t.text))) return { k: 'expr', e, alias: this.ident() };
    return { k: 'expr', e };
  }

  private alias(): { alias?: string; colAliases?: string[] } {
    let alias: string | undefined;
    if (this.acceptWord('as')) alias = this.ident();
    else {
      const t = this.peek();
      if (t.kind === 'qident' || (t.kind === 'ident' && !RESERVED.has(t.text))) alias = this.ident();
    }
    let colAliases: string[] | undefined;
    if (alias !== undefined && this.isPunct('(')) {
      this.next();
      colAliases = this.identList();
      this.expectPunct(')');
    }
    return { alias, colAliases };
  }

  private fromItem(): FromItem {
    let left = this.fromPrimary();
    for (;;) {
      let type: 'inner' | 'left' | 'right' | 'full' | 'cross' | undefined;
      if (this.acceptWord('cross', 'join')) type = 'cross';
      else if (this.acceptWord('join') || this.acceptWord('inner', 'join')) type = 'inner';
      else if (this.acceptWord('left', 'join') || this.acceptWord('left', 'outer', 'join')) type = 'left';
      else if (this.acceptWord('right', 'join') || this.acceptWord('right', 'outer', 'join')) type = 'right';
      else if (this.acceptWord('full', 'join') || this.acceptWord('full', 'outer', 'join')) type = 'full';
      if (!type) return left;
      const right = this.fromPrimary();
      const j: FromItem = { k: 'join', type, l: left, r: right };
      if (type !== 'cross') {
        if (this.acceptWord('on')) j.on = this.expr();
        else if (this.acceptWord('using')) { this.expectPunct('('); j.using = this.identList(); this.expectPunct(')'); }
        else this.fail('expected ON or USING');
      }
      left = j;
    }
  }

  private fromPrimary(): FromItem {
    this.acceptWord('lateral');
    if (this.isPunct('(')) {
      if (this.startsQuery(1) || (this.isPunct('(', 1) && this.startsQuery(2))) {
        this.next();
        const q = this.query();
        this.expectPunct(')');
        return { k: 'subquery', q, ...this.alias() };
      }
      this.next();
      const inner = this.fromItem();
      this.expectPunct(')');
      return inner;
    }
    const pos = this.peek().pos;
    const first = this.ident();
    let schema: string | undefined;
    let name = first;
    if (this.acceptPunct('.')) {
      schema = first;
      name = this.ident();
      if (this.acceptPunct('.')) { schema = name; name = this.ident(); }
    }
    if (this.isPunct('(')) {
      const call = this.funcCall(name, schema, pos);
      const ordinality = this.acceptWord('with', 'ordinality');
      return { k: 'func', call, ordinality, ...this.alias() };
    }
    return { k: 'table', schema, name, pos, ...this.alias() };
  }

  private identList(): string[] {
    const out = [this.ident()];
    while (this.acceptPunct(',')) out.push(this.ident());
    return out;
  }

  private exprList(): Expr[] {
    const out = [this.expr()];
    while (this.acceptPunct(',')) out.push(this.expr());
    return out;
  }

  private orderList(): OrderItem[] {
    const out: OrderItem[] = [];
    do {
      const e = this.expr();
      let desc = false;
      if (this.acceptWord('desc')) desc = true;
      else this.acceptWord('asc');
      let nullsFirst: boolean | undefined;
      if (this.acceptWord('nulls', 'first')) nullsFirst = true;
      else if (this.acceptWord('nulls', 'last')) nullsFirst = false;
      out.push({ e, desc, nullsFirst });
    } while (this.acceptPunct(','));
    return out;
  }

  // ---- expressions, lowest precedence first ----

  expr(): Expr {
    let l = this.andExpr();
    while (this.acceptWord('or')) l = { k: 'op', op: 'or', l, r: this.andExpr(), pos: 0 };
    return l;
  }

  private andExpr(): Expr {
    let l = this.notExpr();
    while (this.acceptWord('and')) l = { k: 'op', op: 'and', l, r: this.notExpr(), pos: 0 };
    return l;
  }

  private notExpr(): Expr {
    if (this.acceptWord('not')) return { k: 'op', op: 'not', r: this.notExpr(), pos: 0 };
    return this.isExpr();
  }

  private isExpr(): Expr {
    let e = this.comparison();
    for (;;) {
      if (this.acceptWord('isnull')) { e = { k: 'is', e, what: 'null', not: false }; continue; }
      if (this.acceptWord('notnull')) { e = { k: 'is', e, what: 'null', not: true }; continue; }
      if (!this.acceptWord('is')) return e;
      const not = this.acceptWord('not');
      if (this.acceptWord('distinct', 'from')) { e = { k: 'distinctFrom', l: e, r: this.comparison(), not }; continue; }
      const w = this.next();
      if (w.kind !== 'ident' || !['null', 'true', 'false', 'unknown'].includes(w.text)) this.fail('expected NULL, TRUE, FALSE or DISTINCT FROM after IS');
      e = { k: 'is', e, what: w.text as 'null', not };
    }
  }

  private comparison(): Expr {
    const l = this.likeLevel();
    const t = this.peek();
    if (t.kind === 'op' && COMPARE.has(t.text)) {
      this.next();
      const op = t.text === '!=' ? '<>' : t.text;
      return this.anyOrRight(op, l, t.pos, () => this.likeLevel());
    }
    return l;
  }

  /** `op ANY (...)`, `op ALL (...)`, or the plain right operand. */
  private anyOrRight(op: string, l: Expr, pos: number, right: () => Expr): Expr {
    if ((this.isWord('any') || this.isWord('some') || this.isWord('all')) && this.isPunct('(', 1)) {
      const all = this.next().text === 'all';
      this.next();
      if (this.startsQuery()) {
        const sub = this.query();
        this.expectPunct(')');
        return { k: 'any', op, l, sub, all, pos };
      }
      const r = this.expr();
      this.expectPunct(')');
      return { k: 'any', op, l, r, all, pos };
    }
    return { k: 'op', op, l, r: right(), pos };
  }

  private likeLevel(): Expr {
    const e = this.otherOp();
    const not = this.isWord('not') && (this.isWord('in', 1) || this.isWord('like', 1) || this.isWord('ilike', 1) || this.isWord('between', 1) || this.isWord('similar', 1));
    if (not) this.next();
    if (this.acceptWord('in')) {
      this.expectPunct('(');
      if (this.startsQuery()) {
        const sub = this.query();
        this.expectPunct(')');
        return { k: 'in', e, sub, not };
      }
      const list = this.exprList();
      this.expectPunct(')');
      return { k: 'in', e, list, not };
    }
    if (this.isWord('like') || this.isWord('ilike')) {
      const ci = this.next().text === 'ilike';
      const pat = this.otherOp();
      if (this.acceptWord('escape')) this.otherOp();
      return { k: 'like', e, pat, ci, not };
    }
    if (this.acceptWord('similar', 'to')) {
      const pat = this.otherOp();
      return { k: 'op', op: not ? '!similar' : 'similar', l: e, r: pat, pos: 0 };
    }
    if (this.acceptWord('between')) {
      this.acceptWord('symmetric');
      const lo = this.otherOp();
      this.expectWord('and');
      const hi = this.otherOp();
      return { k: 'between', e, lo, hi, not };
    }
    if (not) this.fail('expected IN, LIKE or BETWEEN');
    return e;
  }

  /** Operators of the "any other operator" precedence: ~ !~ ~* !~* || OPERATOR(...) and friends. */
  private otherOp(): Expr {
    let l = this.additive();
    for (;;) {
      const t = this.peek();
      let op: string | undefined;
      if (t.kind === 'op' && !COMPARE.has(t.text) && !['+', '-', '*', '/', '%', '^', '::'].includes(t.text)) {
        this.next();
        op = t.text;
      } else if (this.isWord('operator') && this.isPunct('(', 1)) {
        this.i += 2;
        if ((this.peek().kind === 'ident' || this.peek().kind === 'qident') && this.isPunct('.', 1)) this.i += 2;
        const o = this.next();
        if (o.kind !== 'op') this.fail('expected an operator');
        this.expectPunct(')');
        op = o.text === '!=' ? '<>' : o.text;
        if (COMPARE.has(op)) return this.anyOrRight(op, l, t.pos, () => this.additive());
      }
      if (op === undefined) return l;
      l = { k: 'op', op, l, r: this.additive(), pos: t.pos };
    }
  }

  private additive(): Expr {
    let l = this.multiplicative();
    while (this.isOp('+') || this.isOp('-')) {
      const t = this.next();
      l = { k: 'op', op: t.text, l, r: this.multiplicative(), pos: t.pos };
    }
    return l;
  }

  private multiplicative(): Expr {
    let l = this.power();
    while (this.isOp('*') || this.isOp('/') || this.isOp('%')) {
      const t = this.next();
      l = { k: 'op', op: t.text, l, r: this.power(), pos: t.pos };
    }
    return l;
  }

  private power(): Expr {
    let l = this.unary();
    while (this.isOp('^')) {
      const t = this.next();
      l = { k: 'op', op: '^', l, r: this.unary(), pos: t.pos };
    }
    return l;
  }

  private unary(): Expr {
    if (this.isOp('-') || this.isOp('+')) {
      const t = this.next();
      const r = this.unary();
      if (t.text === '-' && r.k === 'lit' && typeof r.v === 'number') return { ...r, v: -r.v };
      return t.text === '-' ? { k: 'op', op: 'neg', r, pos: t.pos } : r;
    }
    return this.postfix();
  }

  private postfix(): Expr {
    let e = this.primary();
    for (;;) {
      if (this.isOp('::')) {
        const t = this.next();
        e = { k: 'cast', e, type: this.typeName(), pos: t.pos, colon: true };
      } else if (this.isPunct('[')) {
        this.next();
        const idx = this.expr();
        if (this.isPunct(':') || this.isOp(':')) this.fail('array slices are not supported');
        this.expectPunct(']');
        e = { k: 'index', e, idx };
      } else if (this.acceptWord('collate')) {
        this.ident();
        while (this.acceptPunct('.')) this.ident();
      } else if (this.isWord('at') && this.isWord('time', 1) && this.isWord('zone', 2)) {
        this.i += 3;
        this.postfixOperand();
      } else return e;
    }
  }

  private postfixOperand(): Expr {
    return this.primary();
  }

  typeName(): TypeName {
    const t = this.peek();
    let name: string;
    if (t.kind === 'qident') {
      this.next();
      name = t.text === 'char' ? '"char"' : t.text.toLowerCase();
    } else {
      name = this.ident();
      if (this.acceptPunct('.')) name = this.peek().kind === 'qident' && this.peek().text === 'char' ? (this.next(), '"char"') : this.ident();
    }
    if (name === 'double' && this.acceptWord('precision')) name = 'float8';
    else if ((name === 'character' || name === 'char' || name === 'national') && this.acceptWord('varying')) name = 'varchar';
    else if (name === 'bit' && this.acceptWord('varying')) name = 'varbit';
    const mods: number[] = [];
    if (this.isPunct('(')) {
      this.next();
      do {
        const n = this.next();
        if (n.kind !== 'number') this.fail('expected a type modifier');
        mods.push(Number(n.text));
      } while (this.acceptPunct(','));
      this.expectPunct(')');
    }
    if (name === 'timestamp' || name === 'time') {
      if (this.acceptWord('with', 'time', 'zone')) name += 'tz';
      else this.acceptWord('without', 'time', 'zone');
    }
    let array = false;
    while (this.isPunct('[')) {
      this.next();
      if (this.peek().kind === 'number') this.next();
      this.expectPunct(']');
      array = true;
    }
    if (this.acceptWord('array')) array = true;
    return { name, mods, array };
  }

  private primary(): Expr {
    const t = this.peek();
    switch (t.kind) {
      case 'number': {
        this.next();
        const isInt = /^\d+$/.test(t.text);
        if (isInt) {
          const v = Number(t.text);
          return { k: 'lit', v, t: v <= 2147483647 ? 'int4' : 'int8', pos: t.pos };
        }
        return { k: 'lit', v: Number(t.text), t: 'numeric', pos: t.pos };
      }
      case 'string':
        this.next();
        return { k: 'lit', v: t.text, t: 'unknown', pos: t.pos };
      case 'param':
        this.next();
        return { k: 'param', n: Number(t.text), pos: t.pos };
      case 'punct':
        if (t.text === '(') {
          this.next();
          if (this.startsQuery()) {
            const q = this.query();
            this.expectPunct(')');
            return { k: 'sub', q };
          }
          const e = this.expr();
          if (this.acceptPunct(',')) {
            const items = [e, ...this.exprList()];
            this.expectPunct(')');
            return { k: 'row', items };
          }
          this.expectPunct(')');
          return e;
        }
        return this.fail('unexpected punctuation');
      case 'qident':
        return this.nameOrCall();
      case 'ident':
        break;
      default:
        return this.fail('expected an expression');
    }
    const w = t.text;
    switch (w) {
      case 'null': this.next(); return { k: 'lit', v: null, t: 'null', pos: t.pos };
      case 'true': case 'false': this.next(); return { k: 'lit', v: w === 'true', t: 'bool', pos: t.pos };
      case 'case': return this.caseExpr();
      case 'cast': {
        this.next();
        this.expectPunct('(');
        const e = this.expr();
        this.expectWord('as');
        const type = this.typeName();
        this.expectPunct(')');
        return { k: 'cast', e, type, pos: t.pos };
      }
      case 'exists': {
        this.next();
        this.expectPunct('(');
        const q = this.query();
        this.expectPunct(')');
        return { k: 'exists', q };
      }
      case 'array': {
        if (this.isPunct('[', 1)) {
          this.i += 2;
          const items = this.isPunct(']') ? [] : this.exprList();
          this.expectPunct(']');
          return { k: 'array', items };
        }
        if (this.isPunct('(', 1)) {
          this.i += 2;
          const sub = this.query();
          this.expectPunct(')');
          return { k: 'array', sub };
        }
        break;
      }
      case 'row':
        if (this.isPunct('(', 1)) {
          this.i += 2;
          const items = this.isPunct(')') ? [] : this.exprList();
          this.expectPunct(')');
          return { k: 'row', items };
        }
        break;
      case 'trim':
        if (this.isPunct('(', 1)) return this.trimExpr();
        break;
      case 'substring':
        if (this.isPunct('(', 1)) return this.substringExpr();
        break;
      case 'position':
        if (this.isPunct('(', 1)) {
          this.i += 2;
          const needle = this.otherOp();
          this.expectWord('in');
          const hay = this.otherOp();
          this.expectPunct(')');
          return { k: 'func', name: 'strpos', args: [hay, needle], pos: t.pos };
        }
        break;
      case 'extract':
        if (this.isPunct('(', 1)) {
          this.i += 2;
          const f = this.next();
          this.expectWord('from');
          const e = this.expr();
          this.expectPunct(')');
          return { k: 'func', name: 'date_part', args: [{ k: 'lit', v: f.text, t: 'unknown', pos: f.pos }, e], pos: t.pos };
        }
        break;
      case 'interval': case 'date': case 'timestamp': case 'timestamptz': case 'time': case 'text': case 'int': case 'integer':
      case 'bool': case 'boolean': case 'varchar': case 'bigint': case 'numeric':
        if (this.peek(1).kind === 'string') {
          this.next();
          const s = this.next();
          return { k: 'cast', e: { k: 'lit', v: s.text, t: 'unknown', pos: s.pos }, type: { name: w, mods: [], array: false }, pos: t.pos };
        }
        break;
      case 'not':
        this.next();
        return { k: 'op', op: 'not', r: this.isExpr(), pos: t.pos };
    }
    if (NO_PAREN_FUNCS.has(w) && !this.isPunct('(', 1)) {
      this.next();
      return { k: 'func', name: w, args: [], pos: t.pos };
    }
    if (RESERVED.has(w) && !this.isPunct('(', 1)) this.fail('expected an expression');
    return this.nameOrCall();
  }

  private nameOrCall(): Expr {
    const pos = this.peek().pos;
    const parts = [this.ident()];
    while (this.isPunct('.') && !this.isOp('*', 1)) {
      this.next();
      parts.push(this.ident());
    }
    if (this.isPunct('(')) {
      const name = parts[parts.length - 1]!;
      const schema = parts.length > 1 ? parts[parts.length - 2] : undefined;
      return this.funcCall(name, schema, pos);
    }
    return { k: 'col', parts, pos };
  }

  private funcCall(name: string, schema: string | undefined, pos: number): Extract<Expr, { k: 'func' }> {
    this.expectPunct('(');
    const call: Extract<Expr, { k: 'func' }> = { k: 'func', name, args: [], pos };
    if (schema !== undefined) call.schema = schema;
    if (this.isOp('*')) {
      this.next();
      call.star = true;
    } else if (!this.isPunct(')')) {
      if (this.acceptWord('distinct')) call.distinct = true;
      else this.acceptWord('all');
      call.args = this.exprList();
      if (this.acceptWord('order', 'by')) call.orderBy = this.orderList();
    }
    this.expectPunct(')');
    if (this.acceptWord('within', 'group')) {
      this.expectPunct('(');
      this.expectWord('order');
      this.expectWord('by');
      call.orderBy = this.orderList();
      this.expectPunct(')');
    }
    if (this.acceptWord('filter')) {
      this.fail('FILTER is not supported');
    }
    if (this.acceptWord('over')) call.over = this.windowSpec();
    return call;
  }

  private windowSpec(): WindowSpec {
    this.expectPunct('(');
    const w: WindowSpec = { partitionBy: [], orderBy: [] };
    if (this.acceptWord('partition', 'by')) w.partitionBy = this.exprList();
    if (this.acceptWord('order', 'by')) w.orderBy = this.orderList();
    this.expectPunct(')');
    return w;
  }

  private caseExpr(): Expr {
    this.expectWord('case');
    const c: Extract<Expr, { k: 'case' }> = { k: 'case', whens: [] };
    if (!this.isWord('when')) c.operand = this.expr();
    while (this.acceptWord('when')) {
      const cond = this.expr();
      this.expectWord('then');
      c.whens.push([cond, this.expr()]);
    }
    if (this.acceptWord('else')) c.else = this.expr();
    this.expectWord('end');
    return c;
  }

  private trimExpr(): Expr {
    const pos = this.peek().pos;
    this.i += 2;
    let side = 'both';
    if (this.isWord('leading') || this.isWord('trailing') || this.isWord('both')) side = this.next().text;
    let chars: Expr | undefined;
    let str: Expr;
    if (this.acceptWord('from')) str = this.expr();
    else {
      const first = this.expr();
      if (this.acceptWord('from')) { chars = first; str = this.expr(); } else if (this.acceptPunct(',')) { str = first; chars = this.expr(); } else str = first;
    }
    this.expectPunct(')');
    const fn = side === 'leading' ? 'ltrim' : side === 'trailing' ? 'rtrim' : 'btrim';
    return { k: 'func', name: fn, args: chars ? [str, chars] : [str], pos };
  }

  private substringExpr(): Expr {
    const pos = this.peek().pos;
    this.i += 2;
    const s = this.expr();
    const args = [s];
    if (this.acceptWord('from')) {
      args.push(this.expr());
      if (this.acceptWord('for')) args.push(this.expr());
    } else if (this.acceptWord('for')) {
      args.push({ k: 'lit', v: 1, t: 'int4', pos }, this.expr());
    } else {
      while (this.acceptPunct(',')) args.push(this.expr());
    }
    this.expectPunct(')');
    return { k: 'func', name: 'substr', args, pos };
  }
}

/** The query in `sql`, or undefined when it is not a query this parser reads. */
export function parsePgQuery(sql: string): Query | undefined {
  try {
    return new Parser(sql).statement();
  } catch (e) {
    if (e instanceof PgSyntaxError) return undefined;
    throw e;
  }
}

/** Parses or throws the syntax error (for tests and diagnostics). */
export function parsePgQueryOrThrow(sql: string): Query {
  return new Parser(sql).statement();
}
