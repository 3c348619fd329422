// Freshet's SQL dialect: Flink SQL 2.x, plus a few conveniences Postgres users expect
// (double-quoted identifiers, `::` casts, E'' strings).
//
// With the parse option `dialect: 'postgres'` (wire sessions) it also reads the Postgres syntax that
// psql, JDBC drivers and client tools send: `~ !~ ~* !~*`, OPERATOR(pg_catalog.~), COLLATE, `= ANY
// (array)`, ARRAY(subquery), Postgres type names (`"char"`, regclass, oid, int2vector, `text[]`,
// `pg_catalog.` qualified) and keywords after a dot (`pg_catalog.unnest`). Rules that only exist in that
// dialect start with `&{ return PG; }`; without the option the grammar reads Flink SQL unchanged.
//
// Produces the AST of src/sql/ast.ts. Every node gets `loc` = { start, end } offsets into the input.
// Keywords are case-insensitive; identifiers keep their case (matching rules live in the binder).

{{
  const RESERVED = new Set([
    'ALL', 'ALTER', 'AND', 'ANY', 'AS', 'BETWEEN', 'BY', 'CASE', 'CAST', 'CREATE', 'CROSS', 'DELETE',
    'DESCRIBE', 'DISTINCT', 'DROP', 'ELSE', 'END', 'ESCAPE', 'EXCEPT', 'EXISTS', 'EXPLAIN', 'FALSE',
    'FETCH', 'FOR', 'FROM', 'FULL', 'GROUP', 'HAVING', 'IN', 'INNER', 'INSERT', 'INTERSECT', 'INTERVAL',
    'INTO', 'IS', 'JOIN', 'LATERAL', 'LEFT', 'LIKE', 'LIMIT', 'MINUS', 'NATURAL', 'NOT', 'NULL', 'OFFSET',
    'ON', 'OR', 'ORDER', 'OUTER', 'QUALIFY', 'RIGHT', 'SELECT', 'SIMILAR', 'SOME', 'TABLE', 'THEN', 'TRUE',
    'TRY_CAST', 'UNION', 'UNKNOWN', 'UNNEST', 'USING', 'VALUES', 'WHEN', 'WHERE', 'WINDOW', 'WITH', 'ILIKE',
  ]);
  // Words that end a table or select-list item, so they cannot be an alias written without AS.
  const NO_BARE_ALIAS = new Set(['ASC', 'DESC', 'NULLS', 'OVER', 'FILTER', 'WITHIN', 'PARTITION', 'TABLESAMPLE', 'RESPECT', 'IGNORE', 'MATCH_RECOGNIZE']);

  function mergeLoc(a, b) { return { start: a.loc.start, end: b.loc.end }; }

  function buildBinary(head, tail) {
    return tail.reduce((left, [op, right]) => ({ kind: 'binary', op, left, right, loc: mergeLoc(left, right) }), head);
  }
}}

{
  const PG = options.dialect === 'postgres';

  function L() {
    const l = location();
    return { start: l.start.offset, end: l.end.offset };
  }
}

// ------------------------------------------------------------------ entry points

Script
  = _ head:StatementWithText? tail:(_ ";" _ s:StatementWithText? { return s; })* _ {
      return [head, ...tail].filter((s) => s !== null);
    }

StatementWithText
  = s:Statement { return { statement: s, text: text(), offset: location().start.offset }; }

SingleStatement
  = _ s:Statement _ (";" _)* { return s; }

DataTypeOnly
  = _ t:DataType _ { return t; }

ExpressionOnly
  = _ e:Expression _ { return e; }

Statement
  = ExplainStatement
  / QueryStatement
  / InsertStatement
  / StatementSetStatement
  / CreateStatement
  / DropStatement
  / AlterStatement
  / UseStatement
  / ShowStatement
  / DescribeStatement
  / SetStatement
  / ResetStatement
  / StopJobStatement
  / CallStatement

// ------------------------------------------------------------------ queries

QueryStatement
  = q:Query { return { kind: 'queryStatement', query: q, loc: L() }; }

Query
  = w:(WithClause __)? body:SetExpr tail:QueryTail {
      return { kind: 'query', with: w ? w[0] : undefined, body, orderBy: tail.orderBy, limit: tail.limit, offset: tail.offset, loc: L() };
    }

QueryTail
  = o:(__ OrderByClause)? lo:(__ LimitOffset)? {
      const r = { orderBy: o ? o[1] : [], limit: undefined, offset: undefined };
      if (lo) { r.limit = lo[1].limit; r.offset = lo[1].offset; }
      return r;
    }

WithClause
  = WITH r:(__ RECURSIVE)? __ head:Cte tail:(_ "," _ c:Cte { return c; })* {
      return { recursive: !!r, ctes: [head, ...tail] };
    }

Cte
  = name:Identifier cols:(_ c:ParenIdentList { return c; })? __ AS _ "(" _ q:Query _ ")" {
      return { name, columns: cols ?? undefined, query: q, loc: L() };
    }

OrderByClause
  = ORDER __ BY __ head:OrderItem tail:(_ "," _ o:OrderItem { return o; })* { return [head, ...tail]; }

OrderItem
  = e:Expression dir:(__ d:(ASC / DESC) { return d; })? nulls:(__ NULLS __ n:(FIRST / LAST) { return n; })? {
      return { expr: e, desc: dir === 'DESC', nullsFirst: nulls === null ? undefined : nulls === 'FIRST', loc: L() };
    }

LimitOffset
  = LIMIT __ l:LimitValue o:(__ OFFSET __ e:Expression (__ (ROWS / ROW))? { return e; })? { return { limit: l, offset: o ?? undefined }; }
  / OFFSET __ o:Expression (__ (ROWS / ROW))? f:(__ FETCH __ (FIRST / NEXT) __ e:Expression __ (ROWS / ROW) __ ONLY { return e; })? { return { limit: f ?? undefined, offset: o }; }
  / FETCH __ (FIRST / NEXT) __ e:Expression __ (ROWS / ROW) __ ONLY { return { limit: e, offset: undefined }; }

LimitValue
  = ALL { return undefined; }
  / Expression

SetExpr
  = head:IntersectTerm tail:(__ op:(UNION / EXCEPT / MINUS) q:(__ (ALL / DISTINCT))? __ right:IntersectTerm { return [op, q, right]; })* {
      return tail.reduce((left, [op, q, right]) => ({
        kind: 'setop', op: op === 'MINUS' ? 'EXCEPT' : op, all: !!q && q[1] === 'ALL', left, right,
        loc: { start: left.loc.start, end: right.loc.end },
      }), head);
    }

IntersectTerm
  = head:SetPrimary tail:(__ INTERSECT q:(__ (ALL / DISTINCT))? __ right:SetPrimary { return [q, right]; })* {
      return tail.reduce((left, [q, right]) => ({
        kind: 'setop', op: 'INTERSECT', all: !!q && q[1] === 'ALL', left, right,
        loc: { start: left.loc.start, end: right.loc.end },
      }), head);
    }

SetPrimary
  = Select
  / ValuesClause
  / "(" _ q:Query _ ")" { return q; }
  / TABLE __ n:QualifiedName {
      return { kind: 'select', hints: [], distinct: false, items: [{ kind: 'star', loc: n.loc }],
        from: [{ kind: 'table', name: n, hints: [], loc: n.loc }], windows: [], loc: L() };
    }

ValuesClause
  = VALUES _ head:ValuesRow tail:(_ "," _ r:ValuesRow { return r; })* {
      return { kind: 'values', rows: [head, ...tail], loc: L() };
    }

ValuesRow
  = ROW? _ "(" _ list:ExpressionList _ ")" { return list; }
  / e:Expression { return [e]; }

Select
  = SELECT hints:(_ h:HintComment { return h; })? q:(__ (ALL / DISTINCT))? __ items:SelectList
    from:(__ FROM __ f:FromList { return f; })?
    where:(__ WHERE __ e:Expression { return e; })?
    group:(__ GROUP __ BY __ g:GroupingList { return g; })?
    having:(__ HAVING __ e:Expression { return e; })?
    windows:(__ WINDOW __ w:NamedWindowList { return w; })?
    qualify:(__ QUALIFY __ e:Expression { return e; })? {
      return {
        kind: 'select', hints: hints ?? [], distinct: !!q && q[1] === 'DISTINCT', items, from: from ?? [],
        where: where ?? undefined, groupBy: group ?? undefined, having: having ?? undefined,
        windows: windows ?? [], qualify: qualify ?? undefined, loc: L(),
      };
    }

SelectList
  = head:SelectItem tail:(_ "," _ i:SelectItem { return i; })* { return [head, ...tail]; }

SelectItem
  = q:(n:QualifiedName _ "." _ { return n; })? "*" { return { kind: 'star', qualifier: q ?? undefined, loc: L() }; }
  / e:Expression a:Alias? { return { kind: 'expr', expr: e, alias: a ?? undefined, loc: L() }; }

Alias
  = __ AS __ a:AliasName { return a; }
  / __ a:BareAlias { return a; }

AliasName
  = Identifier
  / s:StringLiteralText { return { value: s, quoted: true, loc: L() }; }

BareAlias
  = id:Identifier &{ return id.quoted || !NO_BARE_ALIAS.has(id.value.toUpperCase()); } { return id; }

NamedWindowList
  = head:NamedWindow tail:(_ "," _ w:NamedWindow { return w; })* { return [head, ...tail]; }

NamedWindow
  = name:Identifier __ AS _ "(" _ spec:WindowSpecBody _ ")" { return { name, spec }; }

GroupingList
  = head:GroupingElement tail:(_ "," _ g:GroupingElement { return g; })* { return [head, ...tail]; }

GroupingElement
  = ROLLUP _ "(" _ items:GroupingItemList _ ")" { return { kind: 'rollup', items, loc: L() }; }
  / CUBE _ "(" _ items:GroupingItemList _ ")" { return { kind: 'cube', items, loc: L() }; }
  / GROUPING __ SETS _ "(" _ head:GroupingElement tail:(_ "," _ g:GroupingElement { return g; })* _ ")" {
      return { kind: 'sets', sets: [head, ...tail], loc: L() };
    }
  / "(" _ ")" { return { kind: 'empty', loc: L() }; }
  / e:Expression { return { kind: 'expr', expr: e, loc: L() }; }

GroupingItemList
  = head:GroupingItem tail:(_ "," _ g:GroupingItem { return g; })* { return [head, ...tail]; }

GroupingItem
  = "(" _ list:ExpressionList _ ")" { return list; }
  / e:Expression { return [e]; }

// ------------------------------------------------------------------ FROM

FromList
  = head:TableRef tail:(_ "," _ t:TableRef { return t; })* { return [head, ...tail]; }

TableRef
  = head:TablePrimary tail:(j:JoinTail { return j; })* {
      return tail.reduce((left, j) => ({ ...j, left, loc: { start: left.loc.start, end: j.loc.end } }), head);
    }

JoinTail
  = __ CROSS __ JOIN __ right:TablePrimary { return { kind: 'join', type: 'CROSS', natural: false, right, loc: L() }; }
  / __ n:(NATURAL __)? t:JoinType? JOIN __ right:TablePrimary cond:JoinCondition? {
      return { kind: 'join', type: t ?? 'INNER', natural: !!n, right, on: cond?.on, using: cond?.using, loc: L() };
    }

JoinType
  = INNER __ { return 'INNER'; }
  / LEFT __ (OUTER __)? { return 'LEFT'; }
  / RIGHT __ (OUTER __)? { return 'RIGHT'; }
  / FULL __ (OUTER __)? { return 'FULL'; }

JoinCondition
  = __ ON __ e:Expression { return { on: e }; }
  / __ USING _ cols:ParenIdentList { return { using: cols }; }

TablePrimary
  = lat:(LATERAL __)? TABLE _ "(" _ call:FunctionCall _ ")" a:TableAlias? {
      return { kind: 'tableFunction', call, lateral: !!lat, alias: a?.alias, columnAliases: a?.columns, loc: L() };
    }
  / lat:(LATERAL __)? UNNEST _ "(" _ exprs:ExpressionList _ ")" ord:(__ WITH __ ORDINALITY)? a:TableAlias? {
      return { kind: 'unnest', exprs, withOrdinality: !!ord, lateral: !!lat, alias: a?.alias, columnAliases: a?.columns, loc: L() };
    }
  / lat:(LATERAL __)? "(" _ q:Query _ ")" a:TableAlias? {
      return { kind: 'derived', query: q, lateral: !!lat, alias: a?.alias, columnAliases: a?.columns, loc: L() };
    }
  / "(" _ t:TableRef _ ")" { return t; }
  / call:FunctionCall a:TableAlias? {
      return { kind: 'tableFunction', call, lateral: false, alias: a?.alias, columnAliases: a?.columns, loc: L() };
    }
  / name:QualifiedName hints:(_ h:HintComment { return h; })? st:(__ FOR __ SYSTEM_TIME __ AS __ OF __ e:Additive { return e; })? a:TableAlias? {
      return { kind: 'table', name, hints: hints ?? [], systemTime: st ?? undefined, alias: a?.alias, columnAliases: a?.columns, loc: L() };
    }

TableAlias
  = __ AS __ alias:Identifier cols:(_ c:ParenIdentList { return c; })? { return { alias, columns: cols ?? undefined }; }
  / __ alias:BareTableAlias cols:(_ c:ParenIdentList { return c; })? { return { alias, columns: cols ?? undefined }; }

BareTableAlias
  = id:Identifier &{ return id.quoted || !NO_BARE_ALIAS.has(id.value.toUpperCase()); } { return id; }

// ------------------------------------------------------------------ hints

HintComment
  = "/*+" _ head:Hint tail:(_ ","? _ h:Hint { return h; })* _ "*/" { return [head, ...tail]; }

Hint
  = name:RawWord _ "(" _ body:HintBody? _ ")" {
      const options = [];
      const args = [];
      for (const item of body ?? []) {
        if (Array.isArray(item)) options.push(item); else args.push(item);
      }
      return { name: name.toUpperCase(), options, args, loc: L() };
    }
  / name:RawWord { return { name: name.toUpperCase(), options: [], args: [], loc: L() }; }

HintBody
  = head:HintItem tail:(_ "," _ i:HintItem { return i; })* { return [head, ...tail]; }

HintItem
  = k:StringLiteralText _ "=" _ v:StringLiteralText { return [k, v]; }
  / s:StringLiteralText { return s; }
  / n:QualifiedName { return n.parts.map((p) => p.value).join('.'); }

RawWord
  = $([A-Za-z_][A-Za-z0-9_]*)

// ------------------------------------------------------------------ expressions

ExpressionList
  = head:Expression tail:(_ "," _ e:Expression { return e; })* { return [head, ...tail]; }

Expression
  = OrExpr

OrExpr
  = head:AndExpr tail:(__ OR __ r:AndExpr { return ['OR', r]; })* { return buildBinary(head, tail); }

AndExpr
  = head:NotExpr tail:(__ AND __ r:NotExpr { return ['AND', r]; })* { return buildBinary(head, tail); }

NotExpr
  = NOT __ e:NotExpr { return { kind: 'unary', op: 'NOT', operand: e, loc: L() }; }
  / Predicate

Predicate
  = left:Concat tail:PredicateTail* {
      return tail.reduce((acc, t) => t(acc), left);
    }

PredicateTail
  = _ op:CompareOp _ q:(ANY / SOME / ALL) _ "(" _ sub:Query _ ")" {
      const e = L();
      return (left) => ({ kind: 'quantified', op, quantifier: q, left, query: sub, loc: { start: left.loc.start, end: e.end } });
    }
  / &{ return PG; } _ op:CompareOp _ q:(ANY / SOME / ALL) _ "(" _ arr:Expression _ ")" {
      const e = L();
      return (left) => ({ kind: 'quantifiedArray', op, quantifier: q, left, array: arr, loc: { start: left.loc.start, end: e.end } });
    }
  / _ op:CompareOp _ right:Concat { return (left) => ({ kind: 'binary', op, left, right, loc: mergeLoc(left, right) }); }
  / &{ return PG; } _ op:(RegexOp / PgOperator) _ right:Concat { return (left) => ({ kind: 'binary', op, left, right, loc: mergeLoc(left, right) }); }
  / __ IS not:(__ NOT)? __ DISTINCT __ FROM __ right:Concat {
      return (left) => ({ kind: 'isDistinct', left, right, not: !!not, loc: mergeLoc(left, right) });
    }
  / __ IS not:(__ NOT)? __ NULL {
      const e = L();
      return (left) => ({ kind: 'isNull', expr: left, not: !!not, loc: { start: left.loc.start, end: e.end } });
    }
  / __ NOTNULL { const e = L(); return (left) => ({ kind: 'isNull', expr: left, not: true, loc: { start: left.loc.start, end: e.end } }); }
  / __ IS not:(__ NOT)? __ v:(TRUE / FALSE / UNKNOWN) {
      const e = L();
      return (left) => ({ kind: 'isBool', expr: left, value: v, not: !!not, loc: { start: left.loc.start, end: e.end } });
    }
  / not:(__ NOT)? __ BETWEEN sym:(__ (SYMMETRIC / ASYMMETRIC))? __ low:Concat __ AND __ high:Concat {
      return (left) => ({ kind: 'between', expr: left, low, high, not: !!not, symmetric: !!sym && sym[1] === 'SYMMETRIC', loc: mergeLoc(left, high) });
    }
  / not:(__ NOT)? __ IN _ "(" _ q:Query _ ")" {
      const e = L();
      return (left) => ({ kind: 'inSubquery', expr: left, query: q, not: !!not, loc: { start: left.loc.start, end: e.end } });
    }
  / not:(__ NOT)? __ IN _ "(" _ list:ExpressionList _ ")" {
      const e = L();
      return (left) => ({ kind: 'inList', expr: left, list, not: !!not, loc: { start: left.loc.start, end: e.end } });
    }
  / not:(__ NOT)? __ op:(LIKE / ILIKE / SIMILAR __ TO { return 'SIMILAR'; }) __ pattern:Concat esc:(__ ESCAPE __ e:Concat { return e; })? {
      const e = L();
      return (left) => ({ kind: 'like', op, expr: left, pattern, escape: esc ?? undefined, not: !!not, loc: { start: left.loc.start, end: e.end } });
    }

CompareOp
  = "<>" { return '<>'; }
  / "!=" { return '<>'; }
  / "<=" { return '<='; }
  / ">=" { return '>='; }
  / "<" { return '<'; }
  / ">" { return '>'; }
  / "==" { return '='; }
  / "=" !">" { return '='; }

// Postgres' regular-expression match operators (case-sensitive, case-insensitive, negated)
RegexOp
  = "!~*" { return '!~*'; }
  / "!~" !"~" { return '!~'; }
  / "~*" { return '~*'; }
  / "~" !"~" { return '~'; }

// OPERATOR(pg_catalog.~): an operator named with its schema
PgOperator
  = OPERATOR _ "(" _ (Identifier _ "." _)? op:(RegexOp / CompareOp) _ ")" { return op; }

Concat
  = head:Additive tail:(_ "||" _ r:Additive { return ['||', r]; })* { return buildBinary(head, tail); }

Additive
  = head:Multiplicative tail:(_ op:("+" / "-" !"-" { return '-'; }) _ r:Multiplicative { return [op, r]; })* { return buildBinary(head, tail); }

Multiplicative
  = head:Unary tail:(_ op:("*" / "/" !"*" { return '/'; } / "%") _ r:Unary { return [op, r]; })* { return buildBinary(head, tail); }

Unary
  = "-" !"-" _ e:Unary {
      if (e.kind === 'literal' && e.type === 'number' && !e.value.startsWith('-')) return { ...e, value: '-' + e.value, loc: L() };
      if (e.kind === 'interval') return { ...e, negative: !e.negative, loc: L() };
      return { kind: 'unary', op: '-', operand: e, loc: L() };
    }
  / "+" _ e:Unary { return e; }
  / Postfix

Postfix
  = head:Primary tail:PostfixOp* { return tail.reduce((acc, f) => f(acc), head); }

PostfixOp
  = _ "[" _ idx:Expression _ "]" { const e = L(); return (x) => ({ kind: 'subscript', expr: x, index: idx, loc: { start: x.loc.start, end: e.end } }); }
  / _ "." _ f:Identifier { const e = L(); return (x) => ({ kind: 'field', expr: x, field: f, loc: { start: x.loc.start, end: e.end } }); }
  / _ "::" _ t:DataType { const e = L(); return (x) => ({ kind: 'cast', expr: x, type: t, try: false, loc: { start: x.loc.start, end: e.end } }); }
  / &{ return PG; } __ COLLATE __ (QualifiedName) { return (x) => x; }

Primary
  = Literal
  / IntervalLiteral
  / CastExpr
  / CaseExpr
  / ExtractExpr
  / TrimExpr
  / PositionExpr
  / SubstringExpr
  / OverlayExpr
  / FloorCeilExpr
  / TimestampArithExpr
  / JsonObjectExpr
  / JsonArrayExpr
  / JsonValueExpr
  / JsonQueryExpr
  / ExistsExpr
  / ArraySubquery
  / ArrayCtor
  / MapCtor
  / RowCtor
  / DescriptorExpr
  / TableArg
  / "(" _ q:Query _ ")" { return { kind: 'subquery', query: q, loc: L() }; }
  / "(" _ e:Expression _ "," _ rest:ExpressionList _ ")" { return { kind: 'row', fields: [e, ...rest], explicit: false, loc: L() }; }
  / "(" _ e:Expression _ ")" { return e; }
  / FunctionCall
  / NiladicFunction
  / Parameter
  / ColumnRef

ColumnRef
  = n:QualifiedName { return { kind: 'column', name: n, loc: L() }; }

Parameter "parameter"
  = "?" { return { kind: 'param', index: -1, loc: L() }; }
  / "$" d:$[0-9]+ { return { kind: 'param', index: parseInt(d, 10), loc: L() }; }

CastExpr
  = t:(CAST / TRY_CAST) _ "(" _ e:Expression __ AS __ type:DataType _ ")" { return { kind: 'cast', expr: e, type, try: t === 'TRY_CAST', loc: L() }; }

CaseExpr
  = CASE operand:(__ e:Expression { return e; })? whens:(__ WHEN __ w:Expression __ THEN __ t:Expression { return { when: w, then: t }; })+
    els:(__ ELSE __ e:Expression { return e; })? __ END {
      return { kind: 'case', operand: operand ?? undefined, whens, else: els ?? undefined, loc: L() };
    }

ExtractExpr
  = EXTRACT _ "(" _ f:TimeUnit __ FROM __ e:Expression _ ")" { return { kind: 'extract', field: f, expr: e, loc: L() }; }

TrimExpr
  = TRIM _ "(" _ side:(s:(BOTH / LEADING / TRAILING) __ { return s; })? chars:(c:Expression __ { return c; })? FROM __ e:Expression _ ")" {
      return { kind: 'trim', side: side ?? 'BOTH', chars: chars ?? undefined, expr: e, loc: L() };
    }
  / TRIM _ "(" _ e:Expression _ ")" { return { kind: 'trim', side: 'BOTH', expr: e, loc: L() }; }

PositionExpr
  = POSITION _ "(" _ needle:Concat __ IN __ hay:Expression from:(__ FROM __ f:Expression { return f; })? _ ")" {
      return { kind: 'position', needle, haystack: hay, from: from ?? undefined, loc: L() };
    }

SubstringExpr
  = name:SUBSTRING _ "(" _ e:Expression __ FROM __ from:Expression len:(__ FOR __ l:Expression { return l; })? _ ")" {
      const args = len ? [e, from, len] : [e, from];
      return { kind: 'function', name: { parts: [{ value: 'SUBSTRING', quoted: false, loc: L() }], loc: L() }, args, distinct: false, star: false, loc: L() };
    }

OverlayExpr
  = OVERLAY _ "(" _ e:Expression __ PLACING __ p:Expression __ FROM __ from:Expression len:(__ FOR __ l:Expression { return l; })? _ ")" {
      const args = len ? [e, p, from, len] : [e, p, from];
      return { kind: 'function', name: { parts: [{ value: 'OVERLAY', quoted: false, loc: L() }], loc: L() }, args, distinct: false, star: false, loc: L() };
    }

FloorCeilExpr
  = fn:(FLOOR / CEILING { return 'CEIL'; } / CEIL) _ "(" _ e:Expression __ TO __ u:TimeUnit _ ")" { return { kind: 'floorCeil', fn, expr: e, unit: u, loc: L() }; }

TimestampArithExpr
  = fn:(TIMESTAMPADD / TIMESTAMPDIFF / TIMESTAMP_DIFF { return 'TIMESTAMPDIFF'; }) _ "(" _ u:TimeUnitArg _ "," _ a:Expression _ "," _ b:Expression _ ")" {
      return { kind: 'function', name: { parts: [{ value: fn, quoted: false, loc: L() }], loc: L() }, args: [u, a, b], distinct: false, star: false, loc: L() };
    }

TimeUnitArg
  = u:TimeUnit { return { kind: 'timeUnit', unit: u, loc: L() }; }

// SQL/JSON constructors and queries with their keyword clauses; each becomes a call of the function of
// that name (JSON_OBJECT's keys and values alternate; the ON NULL choice is a field of the call).
JsonObjectExpr
  = JSON_OBJECT _ "(" _ entries:JsonObjectEntries? onNull:(_ n:JsonOnNull { return n; })? _ ")" {
      const args = (entries ?? []).flatMap((e) => [e.key, e.value]);
      return { kind: 'function', name: { parts: [{ value: 'JSON_OBJECT', quoted: false, loc: L() }], loc: L() }, args, distinct: false, star: false, onNull: onNull ?? 'NULL', loc: L() };
    }

JsonObjectEntries
  = head:JsonObjectEntry tail:(_ "," _ e:JsonObjectEntry { return e; })* { return [head, ...tail]; }

JsonObjectEntry
  = (KEY __)? key:Concat __ VALUE __ value:Expression { return { key, value }; }

JsonOnNull
  = n:(NULL / ABSENT) __ ON __ NULL { return n; }

JsonArrayExpr
  = JSON_ARRAY _ "(" _ list:ExpressionList? onNull:(_ n:JsonOnNull { return n; })? _ ")" {
      return { kind: 'function', name: { parts: [{ value: 'JSON_ARRAY', quoted: false, loc: L() }], loc: L() }, args: list ?? [], distinct: false, star: false, onNull: onNull ?? 'ABSENT', loc: L() };
    }

JsonValueExpr
  = JSON_VALUE _ "(" _ j:Expression _ "," _ p:Expression __ RETURNING __ t:DataType _ ")" {
      // NULL ON ERROR (Flink's default) also covers a value that does not convert to the RETURNING type
      const call = { kind: 'function', name: { parts: [{ value: 'JSON_VALUE', quoted: false, loc: L() }], loc: L() }, args: [j, p], distinct: false, star: false, loc: L() };
      return { kind: 'cast', expr: call, type: t, try: true, loc: L() };
    }

JsonQueryExpr
  = JSON_QUERY _ "(" _ j:Expression _ "," _ p:Expression __ w:JsonWrapper _ ")" {
      const mode = { kind: 'literal', type: 'string', value: w, loc: L() };
      return { kind: 'function', name: { parts: [{ value: 'JSON_QUERY', quoted: false, loc: L() }], loc: L() }, args: [j, p, mode], distinct: false, star: false, loc: L() };
    }

JsonWrapper
  = WITHOUT (__ ARRAY)? __ WRAPPER { return 'without'; }
  / WITH __ CONDITIONAL (__ ARRAY)? __ WRAPPER { return 'conditional'; }
  / WITH (__ UNCONDITIONAL)? (__ ARRAY)? __ WRAPPER { return 'with'; }

ExistsExpr
  = EXISTS _ "(" _ q:Query _ ")" { return { kind: 'exists', query: q, loc: L() }; }

// ARRAY(SELECT ..): the subquery's values as an array (Postgres)
ArraySubquery
  = &{ return PG; } ARRAY _ "(" _ q:Query _ ")" { return { kind: 'arraySubquery', query: q, loc: L() }; }

ArrayCtor
  = ARRAY _ "[" _ list:ExpressionList? _ "]" { return { kind: 'array', elements: list ?? [], loc: L() }; }

MapCtor
  = MAP _ "[" _ list:ExpressionList? _ "]" {
      const items = list ?? [];
      if (items.length % 2 !== 0) error('MAP[...] needs an even number of arguments: key1, value1, key2, value2, ...');
      const entries = [];
      for (let i = 0; i < items.length; i += 2) entries.push({ key: items[i], value: items[i + 1] });
      return { kind: 'map', entries, loc: L() };
    }

RowCtor
  = ROW _ "(" _ list:ExpressionList? _ ")" { return { kind: 'row', fields: list ?? [], explicit: true, loc: L() }; }

DescriptorExpr
  = DESCRIPTOR _ "(" _ head:Identifier tail:(_ "," _ i:Identifier { return i; })* _ ")" { return { kind: 'descriptor', columns: [head, ...tail], loc: L() }; }

TableArg
  = TABLE __ n:QualifiedName p:TableArgPartition? { return { kind: 'tableArg', name: n, partitionBy: p ?? [], loc: L() }; }
  / TABLE _ "(" _ q:Query _ ")" p:TableArgPartition? { return { kind: 'tableArg', query: q, partitionBy: p ?? [], loc: L() }; }

// PARTITION BY k or PARTITION BY (k1, k2): columns only, so the next argument is not swallowed
TableArgPartition
  = __ PARTITION __ BY _ "(" _ head:ColumnRef tail:(_ "," _ c:ColumnRef { return c; })* _ ")" { return [head, ...tail]; }
  / __ PARTITION __ BY __ c:ColumnRef { return [c]; }

FunctionCall
  = name:FunctionName _ "(" _ args:FunctionArgs _ ")"
    within:(__ WITHIN __ GROUP _ "(" _ o:OrderByClause _ ")" { return o; })?
    nulls:(__ n:(RESPECT / IGNORE) __ NULLS { return n; })?
    filter:(__ FILTER _ "(" _ WHERE __ e:Expression _ ")" { return e; })?
    over:(__ OVER _ w:WindowRef { return w; })? {
      return {
        kind: 'function', name, args: args.args, distinct: args.distinct, star: args.star,
        orderBy: within ?? args.orderBy, nullTreatment: nulls ?? args.nullTreatment, filter: filter ?? undefined, over: over ?? undefined, loc: L(),
      };
    }

FunctionName
  = n:QualifiedName { return n; }
  / k:(LEFT / RIGHT / IF / REPLACE / TRUNCATE / INSERT / MOD / YEAR / MONTH / DAY / HOUR / MINUTE / SECOND / ROW_NUMBER / FIRST_VALUE / LAST_VALUE / CURRENT_DATE / CURRENT_TIME / CURRENT_TIMESTAMP / LOCALTIME / LOCALTIMESTAMP) {
      return { parts: [{ value: k, quoted: false, loc: L() }], loc: L() };
    }

FunctionArgs
  = "*" { return { args: [], distinct: false, star: true }; }
  / q:(d:(DISTINCT / ALL) __ { return d; })? list:FunctionArgList order:(__ o:OrderByClause { return o; })? nulls:(__ n:(RESPECT / IGNORE) __ NULLS { return n; })? {
      return { args: list, distinct: q === 'DISTINCT', star: false, orderBy: order ?? undefined, nullTreatment: nulls ?? undefined };
    }
  / "" { return { args: [], distinct: false, star: false }; }

FunctionArgList
  = head:FunctionArg tail:(_ "," _ a:FunctionArg { return a; })* { return [head, ...tail]; }

FunctionArg
  = name:Identifier _ "=>" _ value:Expression { return { kind: 'namedArg', name, value, loc: L() }; }
  / Expression

NiladicFunction
  = k:(CURRENT_TIMESTAMP / CURRENT_DATE / CURRENT_TIME / LOCALTIMESTAMP / LOCALTIME / CURRENT_CATALOG / CURRENT_DATABASE / CURRENT_SCHEMA / CURRENT_USER / SESSION_USER / USER) !(_ "(") {
      return { kind: 'function', name: { parts: [{ value: k, quoted: false, loc: L() }], loc: L() }, args: [], distinct: false, star: false, loc: L() };
    }

WindowRef
  = "(" _ spec:WindowSpecBody _ ")" { return spec; }
  / name:Identifier { return { base: name, partitionBy: [], orderBy: [], loc: L() }; }

WindowSpecBody
  = base:(b:Identifier &(_ (")" / PARTITION / ORDER / ROWS / RANGE)) { return b; })?
    part:(_ PARTITION __ BY __ l:ExpressionList { return l; })?
    order:(_ o:OrderByClause { return o; })?
    frame:(_ f:FrameClause { return f; })? {
      return { base: base ?? undefined, partitionBy: part ?? [], orderBy: order ?? [], frame: frame ?? undefined, loc: L() };
    }

FrameClause
  = units:(ROWS / RANGE) __ BETWEEN __ start:FrameBound __ AND __ end:FrameBound { return { units, start, end, loc: L() }; }
  / units:(ROWS / RANGE) __ start:FrameBound { return { units, start, end: { kind: 'currentRow' }, loc: L() }; }

FrameBound
  = UNBOUNDED __ PRECEDING { return { kind: 'unboundedPreceding' }; }
  / UNBOUNDED __ FOLLOWING { return { kind: 'unboundedFollowing' }; }
  / CURRENT __ ROW { return { kind: 'currentRow' }; }
  / e:Additive __ PRECEDING { return { kind: 'preceding', offset: e }; }
  / e:Additive __ FOLLOWING { return { kind: 'following', offset: e }; }

TimeUnit "time unit"
  = u:(MILLENNIUM / CENTURY / DECADE / YEARS / YEAR / QUARTER / MONTHS / MONTH / WEEK / DAYS / DAY / HOURS / HOUR / MINUTES / MINUTE
    / SECONDS / SECOND / MILLISECOND / MICROSECOND / NANOSECOND / DOW / DOY / ISODOW / ISOYEAR / EPOCH / SQL_TSI_UNIT) {
      // YEARS -> YEAR, SQL_TSI_DAY -> DAY
      return u.replace(/^SQL_TSI_/, '').replace(/^(YEAR|MONTH|DAY|HOUR|MINUTE|SECOND)S$/, '$1');
    }

SQL_TSI_UNIT
  = "SQL_TSI_"i u:$("YEAR"i / "QUARTER"i / "MONTH"i / "WEEK"i / "DAY"i / "HOUR"i / "MINUTE"i / "SECOND"i) !IdentPart { return 'SQL_TSI_' + u.toUpperCase(); }

// ------------------------------------------------------------------ literals

Literal
  = NumberLiteral
  / s:StringLiteralText { return { kind: 'literal', type: 'string', value: s, loc: L() }; }
  / TRUE { return { kind: 'literal', type: 'boolean', value: true, loc: L() }; }
  / FALSE { return { kind: 'literal', type: 'boolean', value: false, loc: L() }; }
  / NULL { return { kind: 'literal', type: 'null', value: null, loc: L() }; }
  / UNKNOWN { return { kind: 'literal', type: 'null', value: null, loc: L() }; }
  / DATE _ s:StringLiteralText { return { kind: 'literal', type: 'date', value: s, loc: L() }; }
  / TIME _ s:StringLiteralText { return { kind: 'literal', type: 'time', value: s, loc: L() }; }
  / TIMESTAMP __ WITH __ LOCAL __ TIME __ ZONE _ s:StringLiteralText { return { kind: 'literal', type: 'timestamp_ltz', value: s, loc: L() }; }
  / TIMESTAMP_LTZ _ s:StringLiteralText { return { kind: 'literal', type: 'timestamp_ltz', value: s, loc: L() }; }
  / TIMESTAMP _ s:StringLiteralText { return { kind: 'literal', type: 'timestamp', value: s, loc: L() }; }
  / [xX] "'" h:$[0-9a-fA-F]* "'" { return { kind: 'literal', type: 'binary', value: h, loc: L() }; }

NumberLiteral "number"
  = n:$(([0-9]+ ("." [0-9]*)? / "." [0-9]+) ([eE] [+-]? [0-9]+)?) !IdentStart { return { kind: 'literal', type: 'number', value: n, loc: L() }; }

IntervalLiteral
  = INTERVAL _ sign:("-" _ / "+" _)? v:(StringLiteralText / $[0-9]+) _ from:TimeUnit p:(_ "(" _ [0-9]+ (_ "," _ [0-9]+)? _ ")")? to:(__ TO __ t:TimeUnit (_ "(" _ [0-9]+ _ ")")? { return t; })? {
      return { kind: 'interval', value: String(v), negative: !!sign && sign[0] === '-', from, to: to ?? undefined, loc: L() };
    }
  / INTERVAL _ v:StringLiteralText !(_ TimeUnit) {
      // INTERVAL '10 seconds', INTERVAL '1 day' (Postgres style): the unit is inside the string
      const m = /^\s*([+-]?\d+(?:\.\d+)?)\s*([A-Za-z]+)\s*$/.exec(v);
      if (!m) error("write intervals as INTERVAL '<n>' <unit>, e.g. INTERVAL '10' SECOND");
      let unit = m[2].toUpperCase().replace(/S$/, '');
      const aliases = { SEC: 'SECOND', MIN: 'MINUTE', MS: 'MILLISECOND', H: 'HOUR', D: 'DAY', MILLISECOND: 'MILLISECOND', MSEC: 'MILLISECOND' };
      unit = aliases[unit] ?? unit;
      if (!['YEAR', 'MONTH', 'WEEK', 'DAY', 'HOUR', 'MINUTE', 'SECOND', 'MILLISECOND'].includes(unit)) error(`unknown interval unit '${m[2]}'`);
      return { kind: 'interval', value: m[1], negative: false, from: unit, loc: L() };
    }

StringLiteralText "string"
  = parts:StringPiece|1.., _| { return parts.join(''); }

StringPiece
  = [eE] "'" chars:EscapedChar* "'" { return chars.join(''); }
  / "'" chars:("''" { return "'"; } / [^'])* "'" { return chars.join(''); }

EscapedChar
  = "\\" c:. {
      switch (c) { case 'n': return '\n'; case 't': return '\t'; case 'r': return '\r'; case 'b': return '\b'; case 'f': return '\f'; case '0': return '\0'; default: return c; }
    }
  / "''" { return "'"; }
  / [^'\\]

// ------------------------------------------------------------------ names

QualifiedName
  = head:Identifier tail:(_ "." _ i:QualifiedPart { return i; })* { return { parts: [head, ...tail], loc: L() }; }

// After a dot any word is a name in Postgres (`pg_catalog.unnest`)
QualifiedPart
  = Identifier
  / &{ return PG; } w:$(IdentStart IdentPart*) { return { value: w, quoted: false, loc: L() }; }

ParenIdentList
  = "(" _ head:Identifier tail:(_ "," _ i:Identifier { return i; })* _ ")" { return [head, ...tail]; }

Identifier "identifier"
  = "`" chars:("``" { return '`'; } / [^`])+ "`" { return { value: chars.join(''), quoted: true, loc: L() }; }
  / "\"" chars:("\"\"" { return '"'; } / [^"])+ "\"" { return { value: chars.join(''), quoted: true, loc: L() }; }
  / w:$(IdentStart IdentPart*) &{ return !RESERVED.has(w.toUpperCase()); } { return { value: w, quoted: false, loc: L() }; }

IdentStart = [A-Za-z_\u00C0-\uFFFF]
IdentPart = [A-Za-z0-9_$\u00C0-\uFFFF]

// ------------------------------------------------------------------ data types

DataType "data type"
  = (&{ return PG; } "pg_catalog"i _ "." _)? t:BaseDataType dims:(&{ return PG; } _ "[" _ [0-9]* _ "]")* arr:(__ a:(ARRAY / MULTISET) { return a; })* nn:(__ n:NullConstraint { return n; })? {
      let r = t;
      for (const _d of dims) r = { kind: 'type', name: 'ARRAY', params: [], element: r, notNull: false, loc: L() };
      for (const a of arr) r = { kind: 'type', name: a, params: [], element: r, notNull: false, loc: L() };
      if (nn === 'NOT NULL') r = { ...r, notNull: true, loc: L() };
      return r;
    }

NullConstraint
  = NOT __ NULL { return 'NOT NULL'; }
  / NULL { return 'NULL'; }

BaseDataType
  = &{ return PG; } "\"char\"" { return { kind: 'type', name: '"CHAR"', params: [], notNull: false, loc: L() }; }
  / name:(CHARACTER __ VARYING { return 'VARCHAR'; } / CHAR __ VARYING { return 'VARCHAR'; }) p:TypeParams? { return { kind: 'type', name, params: p ?? [], notNull: false, loc: L() }; }
  / DOUBLE __ PRECISION { return { kind: 'type', name: 'DOUBLE', params: [], notNull: false, loc: L() }; }
  / TIMESTAMP p:TypeParams? z:TimeZoneSuffix? {
      return { kind: 'type', name: z === 'LOCAL' ? 'TIMESTAMP_LTZ' : z === 'TZ' ? 'TIMESTAMP_TZ' : 'TIMESTAMP', params: p ?? [], notNull: false, loc: L() };
    }
  / TIME p:TypeParams? z:TimeZoneSuffix? { return { kind: 'type', name: 'TIME', params: p ?? [], notNull: false, loc: L() }; }
  / INTERVAL __ from:TimeUnit p:TypeParams? to:(__ TO __ t:TimeUnit TypeParams? { return t; })? {
      return { kind: 'type', name: 'INTERVAL', params: p ?? [], from, to: to ?? undefined, notNull: false, loc: L() };
    }
  / ARRAY _ "<" _ e:DataType _ ">" { return { kind: 'type', name: 'ARRAY', params: [], element: e, notNull: false, loc: L() }; }
  / MULTISET _ "<" _ e:DataType _ ">" { return { kind: 'type', name: 'MULTISET', params: [], element: e, notNull: false, loc: L() }; }
  / MAP _ "<" _ k:DataType _ "," _ v:DataType _ ">" { return { kind: 'type', name: 'MAP', params: [], key: k, value: v, notNull: false, loc: L() }; }
  / ROW _ "<" _ fields:RowFieldList? _ ">" { return { kind: 'type', name: 'ROW', params: [], fields: fields ?? [], notNull: false, loc: L() }; }
  / ROW _ "(" _ fields:RowFieldList? _ ")" { return { kind: 'type', name: 'ROW', params: [], fields: fields ?? [], notNull: false, loc: L() }; }
  / name:TypeWord p:TypeParams? { return { kind: 'type', name, params: p ?? [], notNull: false, loc: L() }; }

TimeZoneSuffix
  = __ WITH __ LOCAL __ TIME __ ZONE { return 'LOCAL'; }
  / __ WITHOUT __ TIME __ ZONE { return 'NONE'; }
  / __ WITH __ TIME __ ZONE { return 'TZ'; }

TypeParams
  = _ "(" _ head:$[0-9]+ tail:(_ "," _ n:$[0-9]+ { return n; })* _ ")" { return [head, ...tail].map(Number); }

RowFieldList
  = head:RowField tail:(_ "," _ f:RowField { return f; })* { return [head, ...tail]; }

RowField
  = name:Identifier __ type:DataType comment:(__ COMMENT __ c:StringLiteralText { return c; })? { return { name, type, comment: comment ?? undefined }; }

TypeWord "type name"
  = w:$(IdentStart IdentPart*) &{
      return ['BOOLEAN', 'BOOL', 'TINYINT', 'SMALLINT', 'INT', 'INTEGER', 'BIGINT', 'FLOAT', 'REAL', 'DOUBLE', 'DECIMAL', 'DEC',
        'NUMERIC', 'CHAR', 'CHARACTER', 'VARCHAR', 'STRING', 'TEXT', 'BINARY', 'VARBINARY', 'BYTES', 'BYTEA', 'DATE', 'TIMESTAMP_LTZ',
        'NULL', 'INT2', 'INT4', 'INT8', 'FLOAT4', 'FLOAT8', 'JSON', 'JSONB', 'VARIANT', 'RAW', 'REGCLASS', 'REGTYPE', 'OID', 'NAME', 'UUID'].includes(w.toUpperCase())
        || (PG && ['REGNAMESPACE', 'REGROLE', 'REGPROC', 'REGPROCEDURE', 'INT2VECTOR', 'OIDVECTOR', 'XID', 'ACLITEM', 'PG_NODE_TREE',
          'TIMESTAMPTZ', 'BPCHAR'].includes(w.toUpperCase()));
    } { return w.toUpperCase(); }

// ------------------------------------------------------------------ DDL

CreateStatement
  = CreateMaterializedTable
  / CreateTable
  / CreateView
  / CreateCatalog
  / CreateDatabase
  / CreateFunction

CreateTable
  = CREATE tmp:(__ TEMPORARY)? __ TABLE ine:IfNotExists? __ name:QualifiedName
    body:(_ "(" _ elems:TableElementList _ ")" { return elems; })?
    comment:(__ COMMENT __ c:StringLiteralText { return c; })?
    part:(__ PARTITIONED __ BY _ cols:ParenIdentList { return cols; })?
    opts:(__ WITH _ o:OptionList { return o; })?
    like:(__ LIKE __ src:QualifiedName lo:(_ "(" _ l:LikeOptionList? _ ")" { return l ?? []; })? { return { source: src, options: lo ?? [], loc: L() }; })?
    as:(__ AS __ q:Query { return q; })? {
      const columns = [];
      let watermark, primaryKey;
      for (const el of body ?? []) {
        if (el.kind === 'watermark') { if (watermark) error('a table can have only one WATERMARK'); watermark = el.def; }
        else if (el.kind === 'primaryKey') { if (primaryKey) error('a table can have only one PRIMARY KEY'); primaryKey = el.def; }
        else columns.push(el);
      }
      const inlinePk = columns.filter((c) => c.kind === 'physical' && c.primaryKey);
      if (inlinePk.length > 0) {
        if (primaryKey || inlinePk.length > 1) error('a table can have only one PRIMARY KEY');
        primaryKey = { columns: [inlinePk[0].name], loc: inlinePk[0].loc };
      }
      return {
        kind: 'createTable', temporary: !!tmp, ifNotExists: !!ine, name, columns, watermark, primaryKey,
        comment: comment ?? undefined, partitionedBy: part ?? [], options: opts ?? [], like: like ?? undefined, asQuery: as ?? undefined, loc: L(),
      };
    }

IfNotExists
  = __ IF __ NOT __ EXISTS { return true; }

IfExists
  = __ IF __ EXISTS { return true; }

TableElementList
  = head:TableElement tail:(_ "," _ e:TableElement { return e; })* { return [head, ...tail]; }

TableElement
  = WatermarkDef
  / PrimaryKeyConstraint
  / ColumnDefinition

WatermarkDef
  = WATERMARK __ FOR __ col:QualifiedName __ AS __ e:ExprWithText {
      return { kind: 'watermark', def: { column: col, expr: e.expr, exprText: e.text, loc: L() } };
    }

ExprWithText
  = e:Expression { return { expr: e, text: text() }; }

PrimaryKeyConstraint
  = name:(CONSTRAINT __ n:Identifier __ { return n; })? PRIMARY __ KEY _ cols:ParenIdentList __ NOT __ ENFORCED {
      return { kind: 'primaryKey', def: { name: name ?? undefined, columns: cols, loc: L() } };
    }
  / (CONSTRAINT __ Identifier __)? PRIMARY __ KEY _ ParenIdentList !(__ NOT __ ENFORCED) {
      error('Flink does not enforce primary keys: write PRIMARY KEY (..) NOT ENFORCED');
    }

ColumnDefinition
  = name:Identifier __ AS __ e:ExprWithText comment:ColumnComment? {
      return { kind: 'computed', name, expr: e.expr, exprText: e.text, comment: comment ?? undefined, loc: L() };
    }
  / name:Identifier __ type:DataType __ METADATA key:(__ FROM __ k:StringLiteralText { return k; })? virt:(__ VIRTUAL)? comment:ColumnComment? {
      return { kind: 'metadata', name, type, key: key ?? undefined, virtual: !!virt, comment: comment ?? undefined, loc: L() };
    }
  / name:Identifier __ type:DataType pk:(__ (CONSTRAINT __ Identifier __)? PRIMARY __ KEY __ NOT __ ENFORCED)? comment:ColumnComment? {
      return { kind: 'physical', name, type, comment: comment ?? undefined, primaryKey: !!pk, loc: L() };
    }

ColumnComment
  = __ COMMENT __ c:StringLiteralText { return c; }

OptionList
  = "(" _ head:OptionPair? tail:(_ "," _ o:OptionPair { return o; })* _ ","? _ ")" { return head ? [head, ...tail] : tail; }

OptionPair
  = k:OptionKey _ "=" _ v:OptionValue { return { key: k, value: v, loc: L() }; }

OptionKey
  = StringLiteralText
  / n:QualifiedName { return n.parts.map((p) => p.value).join('.'); }

OptionValue
  = StringLiteralText
  / n:$("-"? [0-9]+ ("." [0-9]+)?) { return n; }
  / TRUE { return 'true'; }
  / FALSE { return 'false'; }

LikeOptionList
  = head:LikeOption tail:(_ LikeOption)* { return [head, ...tail.map((t) => t[1])]; }

LikeOption
  = a:(INCLUDING / EXCLUDING / OVERWRITING) __ b:(ALL / CONSTRAINTS / GENERATED / OPTIONS / PARTITIONS / WATERMARKS / METADATA) { return a + ' ' + b; }

CreateView
  = CREATE rep:(__ OR __ REPLACE)? tmp:(__ TEMPORARY)? __ VIEW ine:IfNotExists? __ name:QualifiedName cols:(_ c:ParenIdentList { return c; })?
    comment:(__ COMMENT __ c:StringLiteralText { return c; })? __ AS __ q:QueryWithText {
      return { kind: 'createView', orReplace: !!rep, temporary: !!tmp, ifNotExists: !!ine, name, columns: cols ?? undefined, comment: comment ?? undefined, query: q.query, queryText: q.text, loc: L() };
    }

QueryWithText
  = q:Query { return { query: q, text: text() }; }

CreateCatalog
  = CREATE __ CATALOG ine:IfNotExists? __ name:Identifier opts:(__ WITH _ o:OptionList { return o; })? {
      return { kind: 'createCatalog', ifNotExists: !!ine, name, options: opts ?? [], loc: L() };
    }

CreateDatabase
  = CREATE __ (DATABASE / SCHEMA) ine:IfNotExists? __ name:QualifiedName comment:(__ COMMENT __ c:StringLiteralText { return c; })? opts:(__ WITH _ o:OptionList { return o; })? {
      return { kind: 'createDatabase', ifNotExists: !!ine, name, comment: comment ?? undefined, options: opts ?? [], loc: L() };
    }

CreateFunction
  = CREATE tmp:(__ TEMPORARY sys:(__ SYSTEM)? { return { system: !!sys }; })? __ FUNCTION ine:IfNotExists? __ name:QualifiedName __ AS __ cls:StringLiteralText lang:(__ LANGUAGE __ l:RawWord { return l.toUpperCase(); })? {
      return { kind: 'createFunction', temporary: !!tmp, system: !!tmp && tmp.system, ifNotExists: !!ine, name, className: cls, language: lang ?? undefined, loc: L() };
    }

// ------------------------------------------------------------------ materialized tables

CreateMaterializedTable
  = CREATE alt:(__ OR __ ALTER)? __ MATERIALIZED __ TABLE __ name:QualifiedName
    pk:(_ "(" _ c:PrimaryKeyConstraint _ ")" { return c.def; })?
    comment:(__ COMMENT __ c:StringLiteralText { return c; })?
    part:(__ PARTITIONED __ BY _ cols:ParenIdentList { return cols; })?
    opts:(__ WITH _ o:OptionList { return o; })?
    fresh:(__ f:FreshnessClause { return f; })?
    mode:(__ m:RefreshModeClause { return m; })?
    __ AS __ q:QueryWithText {
      return {
        kind: 'createMaterializedTable', orAlter: !!alt, name, primaryKey: pk ?? undefined, comment: comment ?? undefined,
        partitionedBy: part ?? [], options: opts ?? [], freshness: fresh ?? undefined, refreshMode: mode ?? undefined,
        query: q.query, queryText: q.text, loc: L(),
      };
    }

FreshnessClause
  = FRESHNESS _ "=" _ e:Expression { return e; }

RefreshModeClause
  = REFRESH_MODE _ "=" _ m:RefreshModeName { return m; }

RefreshModeName
  = m:(CONTINUOUS / INCREMENTAL / FULL) { return { mode: m, loc: L() }; }
  / w:$(IdentStart IdentPart*) { error(`unknown refresh mode '${w}': write CONTINUOUS, INCREMENTAL or FULL`); }

AlterMaterializedTable
  = ALTER __ MATERIALIZED __ TABLE __ name:QualifiedName __ action:AlterMaterializedAction {
      return { kind: 'alterMaterializedTable', name, action, loc: L() };
    }

AlterMaterializedAction
  = SUSPEND { return { kind: 'suspend', loc: L() }; }
  / RESUME opts:(__ WITH _ o:OptionList { return o; })? { return { kind: 'resume', options: opts ?? [], loc: L() }; }
  / REFRESH part:(__ PARTITION _ "(" _ head:PartitionSpec tail:(_ "," _ p:PartitionSpec { return p; })* _ ")" { return [head, ...tail]; })? {
      return { kind: 'refresh', partition: part ?? [], loc: L() };
    }
  / SET __ f:FreshnessClause { return { kind: 'setFreshness', freshness: f, loc: L() }; }
  / SET __ m:RefreshModeClause { return { kind: 'setRefreshMode', mode: m, loc: L() }; }
  / AS __ q:QueryWithText { return { kind: 'as', query: q.query, queryText: q.text, loc: L() }; }

DropStatement
  = DROP __ MATERIALIZED __ TABLE ie:IfExists? __ name:QualifiedName {
      return { kind: 'drop', objectType: 'MATERIALIZED TABLE', temporary: false, ifExists: !!ie, name, cascade: false, loc: L() };
    }
  / DROP tmp:(__ TEMPORARY sys:(__ SYSTEM)? { return { system: !!sys }; })? __ type:(TABLE / VIEW / FUNCTION) ie:IfExists? __ name:QualifiedName {
      return { kind: 'drop', objectType: type, temporary: !!tmp, system: !!tmp && tmp.system, ifExists: !!ie, name, cascade: false, loc: L() };
    }
  / DROP __ (DATABASE / SCHEMA) ie:IfExists? __ name:QualifiedName c:(__ (RESTRICT / CASCADE))? {
      return { kind: 'drop', objectType: 'DATABASE', temporary: false, ifExists: !!ie, name, cascade: !!c && c[1] === 'CASCADE', loc: L() };
    }
  / DROP __ CATALOG ie:IfExists? __ name:QualifiedName {
      return { kind: 'drop', objectType: 'CATALOG', temporary: false, ifExists: !!ie, name, cascade: false, loc: L() };
    }

AlterStatement
  = AlterMaterializedTable
  / ALTER __ type:(TABLE / VIEW) ie:IfExists? __ name:QualifiedName __ action:AlterAction {
      return { kind: 'alterTable', objectType: type, ifExists: !!ie, name, action, loc: L() };
    }

AlterAction
  = SET _ o:OptionList { return { kind: 'setOptions', options: o }; }
  / RESET _ "(" _ head:OptionKey tail:(_ "," _ k:OptionKey { return k; })* _ ")" { return { kind: 'resetOptions', keys: [head, ...tail] }; }
  / RENAME __ TO __ n:QualifiedName { return { kind: 'rename', newName: n }; }
  / RENAME __ (COLUMN __)? from:Identifier __ TO __ to:Identifier { return { kind: 'renameColumn', from, to }; }
  / ADD _ "(" _ elems:TableElementList _ ")" {
      const columns = elems.filter((e) => e.kind !== 'watermark' && e.kind !== 'primaryKey');
      const wm = elems.find((e) => e.kind === 'watermark');
      const pk = elems.find((e) => e.kind === 'primaryKey');
      return { kind: 'addColumns', columns, watermark: wm?.def, primaryKey: pk?.def };
    }
  / ADD __ (COLUMN __)? c:ColumnDefinition pos:(__ p:ColumnPosition { return p; })? { return { kind: 'addColumns', columns: [c], position: pos ?? undefined }; }
  / DROP _ c:ParenIdentList { return { kind: 'dropColumns', columns: c }; }
  / DROP __ (COLUMN __)? c:Identifier { return { kind: 'dropColumns', columns: [c] }; }
  / MODIFY _ "(" _ elems:TableElementList _ ")" { return { kind: 'modifyColumns', columns: elems.filter((e) => e.kind !== 'watermark' && e.kind !== 'primaryKey') }; }
  / MODIFY __ c:ColumnDefinition { return { kind: 'modifyColumns', columns: [c] }; }

ColumnPosition
  = FIRST { return { first: true }; }
  / AFTER __ a:Identifier { return { first: false, after: a }; }

// ------------------------------------------------------------------ utility statements

UseStatement
  = USE __ CATALOG __ n:QualifiedName { return { kind: 'use', catalog: true, name: n, loc: L() }; }
  / USE __ n:QualifiedName { return { kind: 'use', catalog: false, name: n, loc: L() }; }

ShowStatement
  = SHOW __ CURRENT __ CATALOG { return { kind: 'show', what: 'CURRENT CATALOG', loc: L() }; }
  / SHOW __ CURRENT __ (DATABASE / SCHEMA) { return { kind: 'show', what: 'CURRENT DATABASE', loc: L() }; }
  / SHOW __ CREATE __ TABLE __ n:QualifiedName { return { kind: 'show', what: 'CREATE TABLE', name: n, loc: L() }; }
  / SHOW __ CREATE __ VIEW __ n:QualifiedName { return { kind: 'show', what: 'CREATE VIEW', name: n, loc: L() }; }
  / SHOW __ CREATE __ MATERIALIZED __ TABLE __ n:QualifiedName { return { kind: 'show', what: 'CREATE MATERIALIZED TABLE', name: n, loc: L() }; }
  / SHOW __ CATALOGS like:ShowLike? { return { kind: 'show', what: 'CATALOGS', like: like ?? undefined, loc: L() }; }
  / SHOW __ (DATABASES / SCHEMAS) from:ShowFrom? like:ShowLike? { return { kind: 'show', what: 'DATABASES', from: from ?? undefined, like: like ?? undefined, loc: L() }; }
  / SHOW __ MATERIALIZED __ TABLES from:ShowFrom? like:ShowLike? { return { kind: 'show', what: 'MATERIALIZED TABLES', from: from ?? undefined, like: like ?? undefined, loc: L() }; }
  / SHOW __ TABLES from:ShowFrom? like:ShowLike? { return { kind: 'show', what: 'TABLES', from: from ?? undefined, like: like ?? undefined, loc: L() }; }
  / SHOW __ VIEWS from:ShowFrom? like:ShowLike? { return { kind: 'show', what: 'VIEWS', from: from ?? undefined, like: like ?? undefined, loc: L() }; }
  / SHOW __ USER __ FUNCTIONS like:ShowLike? { return { kind: 'show', what: 'USER FUNCTIONS', like: like ?? undefined, loc: L() }; }
  / SHOW __ FUNCTIONS from:ShowFrom? like:ShowLike? { return { kind: 'show', what: 'FUNCTIONS', from: from ?? undefined, like: like ?? undefined, loc: L() }; }
  / SHOW __ JOBS { return { kind: 'show', what: 'JOBS', loc: L() }; }
  / SHOW __ COLUMNS __ (FROM / IN) __ n:QualifiedName like:ShowLike? { return { kind: 'show', what: 'COLUMNS', name: n, like: like ?? undefined, loc: L() }; }
  / SHOW __ PARTITIONS __ n:QualifiedName { return { kind: 'show', what: 'PARTITIONS', name: n, loc: L() }; }

ShowFrom
  = __ (FROM / IN) __ n:QualifiedName { return n; }

ShowLike
  = not:(__ NOT)? __ op:(LIKE / ILIKE) __ p:StringLiteralText { return { pattern: p, not: !!not, ilike: op === 'ILIKE' }; }

DescribeStatement
  = (DESCRIBE / DESC) ext:(__ (EXTENDED / DETAIL))? __ n:QualifiedName { return { kind: 'describe', name: n, extended: !!ext, loc: L() }; }

SetStatement
  = SET __ k:SetKey _ ("=" / TO) _ v:SetValue { return { kind: 'set', key: k, value: v, loc: L() }; }
  / SET !(_ IdentStart) { return { kind: 'set', loc: L() }; }

SetKey
  = StringLiteralText
  / n:QualifiedName { return n.parts.map((p) => p.value).join('.'); }

SetValue
  = StringLiteralText
  / n:$("-"? [0-9]+ ("." [0-9]+)?) { return n; }
  / n:QualifiedName { return n.parts.map((p) => p.value).join('.'); }
  / TRUE { return 'true'; }
  / FALSE { return 'false'; }

ResetStatement
  = RESET __ k:SetKey { return { kind: 'reset', key: k, loc: L() }; }
  / RESET { return { kind: 'reset', loc: L() }; }

InsertStatement
  = (EXECUTE __)? INSERT __ mode:(INTO / OVERWRITE) __ table:QualifiedName hints:(_ h:HintComment { return h; })?
    part:(__ PARTITION _ "(" _ head:PartitionSpec tail:(_ "," _ p:PartitionSpec { return p; })* _ ")" { return [head, ...tail]; })?
    cols:(_ c:ParenIdentList { return c; })?
    _ src:InsertSource {
      return { kind: 'insert', overwrite: mode === 'OVERWRITE', table, hints: hints ?? [], partition: part ?? [], columns: cols ?? undefined, source: src, loc: L() };
    }

InsertSource
  = Query

PartitionSpec
  = name:Identifier _ "=" _ value:Expression { return { name, value }; }

StatementSetStatement
  = EXECUTE __ STATEMENT __ SET __ BEGIN _ stmts:(i:InsertStatement _ ";" _ { return i; })* END {
      return { kind: 'statementSet', statements: stmts, loc: L() };
    }
  / BEGIN __ STATEMENT __ SET _ ";"? _ stmts:(i:InsertStatement _ ";" _ { return i; })* END {
      return { kind: 'statementSet', statements: stmts, loc: L() };
    }

ExplainStatement
  = EXPLAIN details:(__ d:ExplainDetailList { return d; })? (__ PLAN __ FOR)? __ s:(QueryStatement / InsertStatement / StatementSetStatement) {
      return { kind: 'explain', details: details ?? [], statement: s, loc: L() };
    }

ExplainDetailList
  = head:ExplainDetail tail:(_ "," _ d:ExplainDetail { return d; })* { return [head, ...tail]; }

ExplainDetail
  = CHANGELOG_MODE / ESTIMATED_COST / JSON_EXECUTION_PLAN / PLAN_ADVICE

StopJobStatement
  = STOP __ JOB __ id:StringLiteralText sp:(__ WITH __ SAVEPOINT)? dr:(__ WITH __ DRAIN)? {
      return { kind: 'stopJob', jobId: id, withSavepoint: !!sp, withDrain: !!dr, loc: L() };
    }

// CALL [catalog.]sys.procedure(arg, ..., name => arg, ...): the table store's maintenance procedures.
// Arguments are written like function arguments; which names and how many is the procedure's business.
CallStatement
  = CALL __ name:QualifiedName _ "(" _ args:(head:CallArg tail:(_ "," _ a:CallArg { return a; })* { return [head, ...tail]; })? _ ")" {
      return { kind: 'call', procedure: name, args: args ?? [], loc: L() };
    }

// Before `=>` any word names a parameter, reserved ones too: `table => 'db.t'` reads as meant.
CallArg
  = name:(Identifier / w:$(IdentStart IdentPart*) { return { value: w, quoted: false, loc: L() }; }) _ "=>" _ value:Expression {
      return { kind: 'namedArg', name, value, loc: L() };
    }
  / Expression

// ------------------------------------------------------------------ whitespace and comments

_ "whitespace"
  = (WhiteSpace / LineComment / BlockComment)*

__ "whitespace"
  = (WhiteSpace / LineComment / BlockComment)+
  / &[(),;'"`*=<>!+\-/|\[\].:?$]
  / !.

WhiteSpace
  = [ \t\r\n\f\u00A0\uFEFF]+

LineComment
  = "--" [^\n]*

BlockComment
  = "/*" !"+" (!"*/" .)* "*/"

// ------------------------------------------------------------------ keywords

KW_END = !IdentPart

ADD = "ADD"i KW_END { return 'ADD'; }
AFTER = "AFTER"i KW_END { return 'AFTER'; }
ALL = "ALL"i KW_END { return 'ALL'; }
ALTER = "ALTER"i KW_END { return 'ALTER'; }
AND = "AND"i KW_END { return 'AND'; }
ANY = "ANY"i KW_END { return 'ANY'; }
ABSENT = "ABSENT"i KW_END { return 'ABSENT'; }
ARRAY = "ARRAY"i KW_END { return 'ARRAY'; }
CONDITIONAL = "CONDITIONAL"i KW_END { return 'CONDITIONAL'; }
CONTINUOUS = "CONTINUOUS"i KW_END { return 'CONTINUOUS'; }
FRESHNESS = "FRESHNESS"i KW_END { return 'FRESHNESS'; }
INCREMENTAL = "INCREMENTAL"i KW_END { return 'INCREMENTAL'; }
REFRESH = "REFRESH"i KW_END { return 'REFRESH'; }
REFRESH_MODE = "REFRESH_MODE"i KW_END { return 'REFRESH_MODE'; }
RESUME = "RESUME"i KW_END { return 'RESUME'; }
RETURNING = "RETURNING"i KW_END { return 'RETURNING'; }
SUSPEND = "SUSPEND"i KW_END { return 'SUSPEND'; }
UNCONDITIONAL = "UNCONDITIONAL"i KW_END { return 'UNCONDITIONAL'; }
VALUE = "VALUE"i KW_END { return 'VALUE'; }
WRAPPER = "WRAPPER"i KW_END { return 'WRAPPER'; }
AS = "AS"i KW_END { return 'AS'; }
ASC = "ASC"i KW_END { return 'ASC'; }
ASYMMETRIC = "ASYMMETRIC"i KW_END { return 'ASYMMETRIC'; }
BEGIN = "BEGIN"i KW_END { return 'BEGIN'; }
BETWEEN = "BETWEEN"i KW_END { return 'BETWEEN'; }
BOTH = "BOTH"i KW_END { return 'BOTH'; }
BY = "BY"i KW_END { return 'BY'; }
CALL = "CALL"i KW_END { return 'CALL'; }
CASCADE = "CASCADE"i KW_END { return 'CASCADE'; }
CASE = "CASE"i KW_END { return 'CASE'; }
CAST = "CAST"i KW_END { return 'CAST'; }
CATALOG = "CATALOG"i KW_END { return 'CATALOG'; }
CATALOGS = "CATALOGS"i KW_END { return 'CATALOGS'; }
CEIL = "CEIL"i KW_END { return 'CEIL'; }
CEILING = "CEILING"i KW_END { return 'CEILING'; }
CENTURY = "CENTURY"i KW_END { return 'CENTURY'; }
CHANGELOG_MODE = "CHANGELOG_MODE"i KW_END { return 'CHANGELOG_MODE'; }
CHAR = "CHAR"i KW_END { return 'CHAR'; }
CHARACTER = "CHARACTER"i KW_END { return 'CHARACTER'; }
COLLATE = "COLLATE"i KW_END { return 'COLLATE'; }
COLUMN = "COLUMN"i KW_END { return 'COLUMN'; }
COLUMNS = "COLUMNS"i KW_END { return 'COLUMNS'; }
COMMENT = "COMMENT"i KW_END { return 'COMMENT'; }
CONSTRAINT = "CONSTRAINT"i KW_END { return 'CONSTRAINT'; }
CONSTRAINTS = "CONSTRAINTS"i KW_END { return 'CONSTRAINTS'; }
CREATE = "CREATE"i KW_END { return 'CREATE'; }
CROSS = "CROSS"i KW_END { return 'CROSS'; }
CUBE = "CUBE"i KW_END { return 'CUBE'; }
CURRENT = "CURRENT"i KW_END { return 'CURRENT'; }
CURRENT_CATALOG = "CURRENT_CATALOG"i KW_END { return 'CURRENT_CATALOG'; }
CURRENT_DATABASE = "CURRENT_DATABASE"i KW_END { return 'CURRENT_DATABASE'; }
CURRENT_DATE = "CURRENT_DATE"i KW_END { return 'CURRENT_DATE'; }
CURRENT_SCHEMA = "CURRENT_SCHEMA"i KW_END { return 'CURRENT_SCHEMA'; }
CURRENT_TIME = "CURRENT_TIME"i KW_END { return 'CURRENT_TIME'; }
CURRENT_TIMESTAMP = "CURRENT_TIMESTAMP"i KW_END { return 'CURRENT_TIMESTAMP'; }
CURRENT_USER = "CURRENT_USER"i KW_END { return 'CURRENT_USER'; }
DATABASE = "DATABASE"i KW_END { return 'DATABASE'; }
DATABASES = "DATABASES"i KW_END { return 'DATABASES'; }
DATE = "DATE"i KW_END { return 'DATE'; }
DAY = "DAY"i KW_END { return 'DAY'; }
DAYS = "DAYS"i KW_END { return 'DAYS'; }
DECADE = "DECADE"i KW_END { return 'DECADE'; }
DESC = "DESC"i KW_END { return 'DESC'; }
DESCRIBE = "DESCRIBE"i KW_END { return 'DESCRIBE'; }
DESCRIPTOR = "DESCRIPTOR"i KW_END { return 'DESCRIPTOR'; }
DETAIL = "DETAIL"i KW_END { return 'DETAIL'; }
DISTINCT = "DISTINCT"i KW_END { return 'DISTINCT'; }
DOUBLE = "DOUBLE"i KW_END { return 'DOUBLE'; }
DOW = "DOW"i KW_END { return 'DOW'; }
DOY = "DOY"i KW_END { return 'DOY'; }
DRAIN = "DRAIN"i KW_END { return 'DRAIN'; }
DROP = "DROP"i KW_END { return 'DROP'; }
ELSE = "ELSE"i KW_END { return 'ELSE'; }
END = "END"i KW_END { return 'END'; }
ENFORCED = "ENFORCED"i KW_END { return 'ENFORCED'; }
EPOCH = "EPOCH"i KW_END { return 'EPOCH'; }
ESCAPE = "ESCAPE"i KW_END { return 'ESCAPE'; }
ESTIMATED_COST = "ESTIMATED_COST"i KW_END { return 'ESTIMATED_COST'; }
EXCEPT = "EXCEPT"i KW_END { return 'EXCEPT'; }
EXCLUDING = "EXCLUDING"i KW_END { return 'EXCLUDING'; }
EXECUTE = "EXECUTE"i KW_END { return 'EXECUTE'; }
EXISTS = "EXISTS"i KW_END { return 'EXISTS'; }
EXPLAIN = "EXPLAIN"i KW_END { return 'EXPLAIN'; }
EXTENDED = "EXTENDED"i KW_END { return 'EXTENDED'; }
EXTRACT = "EXTRACT"i KW_END { return 'EXTRACT'; }
FALSE = "FALSE"i KW_END { return 'FALSE'; }
FETCH = "FETCH"i KW_END { return 'FETCH'; }
FILTER = "FILTER"i KW_END { return 'FILTER'; }
FIRST = "FIRST"i KW_END { return 'FIRST'; }
FIRST_VALUE = "FIRST_VALUE"i KW_END { return 'FIRST_VALUE'; }
FLOOR = "FLOOR"i KW_END { return 'FLOOR'; }
FOLLOWING = "FOLLOWING"i KW_END { return 'FOLLOWING'; }
FOR = "FOR"i KW_END { return 'FOR'; }
FROM = "FROM"i KW_END { return 'FROM'; }
FULL = "FULL"i KW_END { return 'FULL'; }
FUNCTION = "FUNCTION"i KW_END { return 'FUNCTION'; }
FUNCTIONS = "FUNCTIONS"i KW_END { return 'FUNCTIONS'; }
GENERATED = "GENERATED"i KW_END { return 'GENERATED'; }
GROUP = "GROUP"i KW_END { return 'GROUP'; }
GROUPING = "GROUPING"i KW_END { return 'GROUPING'; }
HAVING = "HAVING"i KW_END { return 'HAVING'; }
HOUR = "HOUR"i KW_END { return 'HOUR'; }
HOURS = "HOURS"i KW_END { return 'HOURS'; }
IF = "IF"i KW_END { return 'IF'; }
IGNORE = "IGNORE"i KW_END { return 'IGNORE'; }
ILIKE = "ILIKE"i KW_END { return 'ILIKE'; }
IN = "IN"i KW_END { return 'IN'; }
INCLUDING = "INCLUDING"i KW_END { return 'INCLUDING'; }
INNER = "INNER"i KW_END { return 'INNER'; }
INSERT = "INSERT"i KW_END { return 'INSERT'; }
INTERSECT = "INTERSECT"i KW_END { return 'INTERSECT'; }
INTERVAL = "INTERVAL"i KW_END { return 'INTERVAL'; }
INTO = "INTO"i KW_END { return 'INTO'; }
IS = "IS"i KW_END { return 'IS'; }
ISODOW = "ISODOW"i KW_END { return 'ISODOW'; }
ISOYEAR = "ISOYEAR"i KW_END { return 'ISOYEAR'; }
JOB = "JOB"i KW_END { return 'JOB'; }
JOBS = "JOBS"i KW_END { return 'JOBS'; }
JOIN = "JOIN"i KW_END { return 'JOIN'; }
JSON_EXECUTION_PLAN = "JSON_EXECUTION_PLAN"i KW_END { return 'JSON_EXECUTION_PLAN'; }
KEY = "KEY"i KW_END { return 'KEY'; }
JSON_ARRAY = "JSON_ARRAY"i KW_END { return 'JSON_ARRAY'; }
JSON_OBJECT = "JSON_OBJECT"i KW_END { return 'JSON_OBJECT'; }
JSON_QUERY = "JSON_QUERY"i KW_END { return 'JSON_QUERY'; }
JSON_VALUE = "JSON_VALUE"i KW_END { return 'JSON_VALUE'; }
LANGUAGE = "LANGUAGE"i KW_END { return 'LANGUAGE'; }
LAST = "LAST"i KW_END { return 'LAST'; }
LAST_VALUE = "LAST_VALUE"i KW_END { return 'LAST_VALUE'; }
LATERAL = "LATERAL"i KW_END { return 'LATERAL'; }
LEADING = "LEADING"i KW_END { return 'LEADING'; }
LEFT = "LEFT"i KW_END { return 'LEFT'; }
LIKE = "LIKE"i KW_END { return 'LIKE'; }
LIMIT = "LIMIT"i KW_END { return 'LIMIT'; }
LOCAL = "LOCAL"i KW_END { return 'LOCAL'; }
LOCALTIME = "LOCALTIME"i KW_END { return 'LOCALTIME'; }
LOCALTIMESTAMP = "LOCALTIMESTAMP"i KW_END { return 'LOCALTIMESTAMP'; }
MAP = "MAP"i KW_END { return 'MAP'; }
MATERIALIZED = "MATERIALIZED"i KW_END { return 'MATERIALIZED'; }
METADATA = "METADATA"i KW_END { return 'METADATA'; }
MICROSECOND = "MICROSECOND"i KW_END { return 'MICROSECOND'; }
MILLENNIUM = "MILLENNIUM"i KW_END { return 'MILLENNIUM'; }
MILLISECOND = "MILLISECOND"i KW_END { return 'MILLISECOND'; }
MINUS = "MINUS"i KW_END { return 'MINUS'; }
MINUTE = "MINUTE"i KW_END { return 'MINUTE'; }
MINUTES = "MINUTES"i KW_END { return 'MINUTES'; }
MOD = "MOD"i KW_END { return 'MOD'; }
MODIFY = "MODIFY"i KW_END { return 'MODIFY'; }
MONTH = "MONTH"i KW_END { return 'MONTH'; }
MONTHS = "MONTHS"i KW_END { return 'MONTHS'; }
MULTISET = "MULTISET"i KW_END { return 'MULTISET'; }
NANOSECOND = "NANOSECOND"i KW_END { return 'NANOSECOND'; }
NATURAL = "NATURAL"i KW_END { return 'NATURAL'; }
NEXT = "NEXT"i KW_END { return 'NEXT'; }
NOT = "NOT"i KW_END { return 'NOT'; }
NOTNULL = "NOTNULL"i KW_END { return 'NOTNULL'; }
NULL = "NULL"i KW_END { return 'NULL'; }
NULLS = "NULLS"i KW_END { return 'NULLS'; }
OF = "OF"i KW_END { return 'OF'; }
OFFSET = "OFFSET"i KW_END { return 'OFFSET'; }
ON = "ON"i KW_END { return 'ON'; }
ONLY = "ONLY"i KW_END { return 'ONLY'; }
OPERATOR = "OPERATOR"i KW_END { return 'OPERATOR'; }
OPTIONS = "OPTIONS"i KW_END { return 'OPTIONS'; }
OR = "OR"i KW_END { return 'OR'; }
ORDER = "ORDER"i KW_END { return 'ORDER'; }
ORDINALITY = "ORDINALITY"i KW_END { return 'ORDINALITY'; }
OUTER = "OUTER"i KW_END { return 'OUTER'; }
OVER = "OVER"i KW_END { return 'OVER'; }
OVERLAY = "OVERLAY"i KW_END { return 'OVERLAY'; }
OVERWRITE = "OVERWRITE"i KW_END { return 'OVERWRITE'; }
OVERWRITING = "OVERWRITING"i KW_END { return 'OVERWRITING'; }
PARTITION = "PARTITION"i KW_END { return 'PARTITION'; }
PARTITIONED = "PARTITIONED"i KW_END { return 'PARTITIONED'; }
PARTITIONS = "PARTITIONS"i KW_END { return 'PARTITIONS'; }
PLACING = "PLACING"i KW_END { return 'PLACING'; }
PLAN = "PLAN"i KW_END { return 'PLAN'; }
PLAN_ADVICE = "PLAN_ADVICE"i KW_END { return 'PLAN_ADVICE'; }
POSITION = "POSITION"i KW_END { return 'POSITION'; }
PRECEDING = "PRECEDING"i KW_END { return 'PRECEDING'; }
PRECISION = "PRECISION"i KW_END { return 'PRECISION'; }
PRIMARY = "PRIMARY"i KW_END { return 'PRIMARY'; }
QUALIFY = "QUALIFY"i KW_END { return 'QUALIFY'; }
QUARTER = "QUARTER"i KW_END { return 'QUARTER'; }
RANGE = "RANGE"i KW_END { return 'RANGE'; }
RECURSIVE = "RECURSIVE"i KW_END { return 'RECURSIVE'; }
RENAME = "RENAME"i KW_END { return 'RENAME'; }
REPLACE = "REPLACE"i KW_END { return 'REPLACE'; }
RESET = "RESET"i KW_END { return 'RESET'; }
RESPECT = "RESPECT"i KW_END { return 'RESPECT'; }
RESTRICT = "RESTRICT"i KW_END { return 'RESTRICT'; }
RIGHT = "RIGHT"i KW_END { return 'RIGHT'; }
ROLLUP = "ROLLUP"i KW_END { return 'ROLLUP'; }
ROW = "ROW"i KW_END { return 'ROW'; }
ROW_NUMBER = "ROW_NUMBER"i KW_END { return 'ROW_NUMBER'; }
ROWS = "ROWS"i KW_END { return 'ROWS'; }
SAVEPOINT = "SAVEPOINT"i KW_END { return 'SAVEPOINT'; }
SCHEMA = "SCHEMA"i KW_END { return 'SCHEMA'; }
SCHEMAS = "SCHEMAS"i KW_END { return 'SCHEMAS'; }
SECOND = "SECOND"i KW_END { return 'SECOND'; }
SECONDS = "SECONDS"i KW_END { return 'SECONDS'; }
SELECT = "SELECT"i KW_END { return 'SELECT'; }
SESSION_USER = "SESSION_USER"i KW_END { return 'SESSION_USER'; }
SET = "SET"i KW_END { return 'SET'; }
SETS = "SETS"i KW_END { return 'SETS'; }
SHOW = "SHOW"i KW_END { return 'SHOW'; }
SIMILAR = "SIMILAR"i KW_END { return 'SIMILAR'; }
SOME = "SOME"i KW_END { return 'SOME'; }
STATEMENT = "STATEMENT"i KW_END { return 'STATEMENT'; }
STOP = "STOP"i KW_END { return 'STOP'; }
SUBSTRING = "SUBSTRING"i KW_END { return 'SUBSTRING'; }
SYMMETRIC = "SYMMETRIC"i KW_END { return 'SYMMETRIC'; }
SYSTEM = "SYSTEM"i KW_END { return 'SYSTEM'; }
SYSTEM_TIME = "SYSTEM_TIME"i KW_END { return 'SYSTEM_TIME'; }
TABLE = "TABLE"i KW_END { return 'TABLE'; }
TABLES = "TABLES"i KW_END { return 'TABLES'; }
TEMPORARY = "TEMPORARY"i KW_END { return 'TEMPORARY'; }
THEN = "THEN"i KW_END { return 'THEN'; }
TIME = "TIME"i KW_END { return 'TIME'; }
TIMESTAMP = "TIMESTAMP"i KW_END { return 'TIMESTAMP'; }
TIMESTAMP_DIFF = "TIMESTAMP_DIFF"i KW_END { return 'TIMESTAMP_DIFF'; }
TIMESTAMP_LTZ = "TIMESTAMP_LTZ"i KW_END { return 'TIMESTAMP_LTZ'; }
TIMESTAMPADD = "TIMESTAMPADD"i KW_END { return 'TIMESTAMPADD'; }
TIMESTAMPDIFF = "TIMESTAMPDIFF"i KW_END { return 'TIMESTAMPDIFF'; }
TO = "TO"i KW_END { return 'TO'; }
TRAILING = "TRAILING"i KW_END { return 'TRAILING'; }
TRIM = "TRIM"i KW_END { return 'TRIM'; }
TRUE = "TRUE"i KW_END { return 'TRUE'; }
TRUNCATE = "TRUNCATE"i KW_END { return 'TRUNCATE'; }
TRY_CAST = "TRY_CAST"i KW_END { return 'TRY_CAST'; }
UNBOUNDED = "UNBOUNDED"i KW_END { return 'UNBOUNDED'; }
UNION = "UNION"i KW_END { return 'UNION'; }
UNKNOWN = "UNKNOWN"i KW_END { return 'UNKNOWN'; }
UNNEST = "UNNEST"i KW_END { return 'UNNEST'; }
USE = "USE"i KW_END { return 'USE'; }
USER = "USER"i KW_END { return 'USER'; }
USING = "USING"i KW_END { return 'USING'; }
VALUES = "VALUES"i KW_END { return 'VALUES'; }
VARYING = "VARYING"i KW_END { return 'VARYING'; }
VIEW = "VIEW"i KW_END { return 'VIEW'; }
VIEWS = "VIEWS"i KW_END { return 'VIEWS'; }
VIRTUAL = "VIRTUAL"i KW_END { return 'VIRTUAL'; }
WATERMARK = "WATERMARK"i KW_END { return 'WATERMARK'; }
WATERMARKS = "WATERMARKS"i KW_END { return 'WATERMARKS'; }
WEEK = "WEEK"i KW_END { return 'WEEK'; }
WHEN = "WHEN"i KW_END { return 'WHEN'; }
WHERE = "WHERE"i KW_END { return 'WHERE'; }
WINDOW = "WINDOW"i KW_END { return 'WINDOW'; }
WITH = "WITH"i KW_END { return 'WITH'; }
WITHIN = "WITHIN"i KW_END { return 'WITHIN'; }
WITHOUT = "WITHOUT"i KW_END { return 'WITHOUT'; }
YEAR = "YEAR"i KW_END { return 'YEAR'; }
YEARS = "YEARS"i KW_END { return 'YEARS'; }
ZONE = "ZONE"i KW_END { return 'ZONE'; }
