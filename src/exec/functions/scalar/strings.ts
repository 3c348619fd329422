/**
 * String functions. Positions are 1-based and count characters (code points), as in Flink.
 * Regular expressions use JavaScript syntax, which agrees with Java's for the patterns people write
 * (groups, classes, quantifiers, anchors); patterns given as literals are compiled once per query.
 */
import { createHash, randomUUID } from 'node:crypto';
import { T, withNullable, isCharacter, typeToString } from '../../../types/data-type.ts';
import type { ArgInfo, FunctionModule, Resolved, ScalarFunction, Param } from '../function.ts';
import { signatures } from '../function.ts';
import { FreshetError, SqlState } from '../../../util/errors.ts';

const SURROGATE = /[\uD800-\uDFFF]/;

function chars(s: string): string[] {
  return [...s];
}

function charLength(s: string): number {
  return SURROGATE.test(s) ? [...s].length : s.length;
}

/** Substring by 1-based character position; 0 counts as 1 and a negative start counts from the end. */
function substring(s: string, start: number, len?: number): string {
  const wide = SURROGATE.test(s);
  const n = wide ? [...s].length : s.length;
  let from = start > 0 ? start - 1 : start < 0 ? Math.max(0, n + start) : 0;
  if (from > n) from = n;
  let to = len === undefined ? n : Math.min(n, from + Math.max(0, len));
  if (len !== undefined && len < 0) to = from;
  return wide ? [...s].slice(from, to).join('') : s.slice(from, to);
}

function trimChars(s: string, set: string, left: boolean, right: boolean): string {
  let a = 0;
  let b = s.length;
  if (left) while (a < b && set.includes(s[a]!)) a++;
  if (right) while (b > a && set.includes(s[b - 1]!)) b--;
  return s.slice(a, b);
}

function pad(s: string, len: number, p: string, left: boolean): string | null {
  if (len < 0) return null;
  const c = chars(s);
  if (c.length >= len) return c.slice(0, len).join('');
  if (p.length === 0) return s;
  const need = len - c.length;
  const pc = chars(p);
  let fill = '';
  for (let i = 0; i < need; i++) fill += pc[i % pc.length];
  return left ? fill + s : s + fill;
}

const regexCache = new Map<string, RegExp>();

export function compileRegex(pattern: string, flags = 'u'): RegExp {
  const key = flags + '\u0000' + pattern;
  let r = regexCache.get(key);
  if (!r) {
    try {
      r = new RegExp(pattern, flags);
    } catch (e) {
      throw new FreshetError(SqlState.invalidRegularExpression, `invalid regular expression '${pattern}': ${(e as Error).message}`);
    }
    if (regexCache.size > 1000) regexCache.clear();
    regexCache.set(key, r);
  }
  return r;
}

function regexpExtract(s: string, pattern: string, index: number): string | null {
  const m = compileRegex(pattern).exec(s);
  if (!m) return null;
  if (index < 0 || index >= m.length) {
    throw new FreshetError(SqlState.invalidParameterValue, `REGEXP_EXTRACT group ${index} does not exist in '${pattern}' (it has ${m.length - 1} groups)`);
  }
  return m[index] ?? null;
}

function splitIndex(s: string, delim: string, index: number): string | null {
  if (index < 0) return null;
  const parts = delim.length === 0 ? chars(s) : s.split(delim);
  return index < parts.length ? parts[index]! : null;
}

function initcap(s: string): string {
  return s.toLowerCase().replace(/(^|[^\p{L}\p{N}])(\p{L})/gu, (_m, a: string, b: string) => a + b.toUpperCase());
}

function parseUrl(url: string, part: string, key?: string): string | null {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return null;
  }
  switch (part.toUpperCase()) {
    case 'HOST': return u.hostname || null;
    case 'PATH': return u.pathname;
    case 'QUERY':
      if (key !== undefined) return u.searchParams.get(key);
      return u.search ? u.search.slice(1) : null;
    case 'REF': return u.hash ? u.hash.slice(1) : null;
    case 'PROTOCOL': return u.protocol.replace(/:$/, '');
    case 'FILE': return u.pathname + u.search;
    case 'AUTHORITY': return u.host;
    case 'USERINFO': return u.username ? (u.password ? `${u.username}:${u.password}` : u.username) : null;
    default: return null;
  }
}

function strToMap(s: string, pairDelim = ',', kvDelim = '='): Map<string, string | null> {
  const m = new Map<string, string | null>();
  if (s === '') return m;
  for (const pair of s.split(compileRegex(pairDelim))) {
    const i = pair.search(compileRegex(kvDelim));
    if (i < 0) m.set(pair, null);
    else {
      const mm = compileRegex(kvDelim).exec(pair.slice(i))!;
      m.set(pair.slice(0, i), pair.slice(i + mm[0].length));
    }
  }
  return m;
}

function str(name: string, params: Param[], body: (a: string[]) => string, opts: { minArgs?: number; result?: 'same' | 'string' | 'int' | 'boolean' | 'bigint'; nullable?: boolean; aliases?: string[]; syntax?: string; variadic?: boolean } = {}): ScalarFunction {
  const result = opts.result ?? 'string';
  const rt = result === 'int' ? T.int() : result === 'boolean' ? T.boolean() : result === 'bigint' ? T.bigint() : T.string();
  return {
    name,
    aliases: opts.aliases ?? [],
    syntax: opts.syntax ?? `${name.toUpperCase()}(${params.map((p) => p.toUpperCase()).join(', ')})`,
    resolve: signatures(name, { params, minArgs: opts.minArgs, variadic: opts.variadic, nullableResult: opts.nullable, result: result === 'same' ? (types) => (isCharacter(types[0]!) ? types[0]! : T.string()) : rt }),
    nulls: 'strict',
    mayReturnNull: opts.nullable,
    gen: (args) => body(args),
  };
}

const concat: ScalarFunction = {
  name: 'concat',
  syntax: 'CONCAT(s1, s2, ...): NULL if any argument is NULL',
  resolve(args: ArgInfo[]): Resolved | string {
    if (args.length === 0) return 'CONCAT needs at least one argument';
    const argTypes = args.map((a) => (isCharacter(a.type) ? a.type : withNullable(T.string(), a.type.nullable)));
    return { type: withNullable(T.string(), args.some((a) => a.type.nullable)), argTypes };
  },
  nulls: 'strict',
  gen: (args) => `(${args.join(' + ')})`,
};

const concatWs: ScalarFunction = {
  name: 'concat_ws',
  syntax: 'CONCAT_WS(separator, s1, s2, ...): skips NULL strings',
  resolve(args) {
    if (args.length < 1) return 'CONCAT_WS needs a separator';
    const argTypes = args.map((a) => (isCharacter(a.type) ? a.type : withNullable(T.string(), a.type.nullable)));
    return { type: withNullable(T.string(), args[0]!.type.nullable), argTypes };
  },
  nulls: 'custom',
  genCustom(args) {
    const [sep, ...rest] = args;
    const parts = rest.map((a) => `(${a.n}) ? null : ${a.v}`);
    return { v: `(${sep!.n}) ? null : $.joinNonNull(${sep!.v}, [${parts.join(', ')}])`, n: `(${sep!.n})` };
  },
};

const uuid: ScalarFunction = {
  name: 'uuid',
  syntax: 'UUID(): a random UUID string',
  resolve: signatures('uuid', { params: [], result: T.string() }),
  nulls: 'strict',
  deterministic: false,
  gen: () => '$.uuid()',
};

function hashFn(name: string, algo: string): ScalarFunction {
  return {
    name,
    syntax: `${name.toUpperCase()}(s): hex digest of the UTF-8 bytes`,
    resolve: signatures(name, { params: ['string_or_bytes'], result: T.string() }),
    nulls: 'strict',
    gen: (args) => `$.digest(${JSON.stringify(algo)}, ${args[0]})`,
  };
}

const regexpFn: ScalarFunction = {
  name: 'regexp',
  syntax: 'REGEXP(s, pattern): TRUE if part of s matches',
  resolve(args) {
    const r = signatures('regexp', { params: ['string', 'string'], result: T.boolean() })(args);
    if (typeof r === 'string') return r;
    if (args[1]!.isLiteral && typeof args[1]!.value === 'string') compileRegex(args[1]!.value);
    return r;
  },
  nulls: 'strict',
  gen: (args) => `$.regex(${args[1]}).test(${args[0]})`,
};

export const strings: FunctionModule = {
  functions: [
    str('char_length', ['string'], (a) => `$.charLength(${a[0]})`, { result: 'int', aliases: ['character_length', 'length', 'len'] }),
    str('upper', ['string'], (a) => `${a[0]}.toUpperCase()`, { result: 'same', aliases: ['ucase'] }),
    str('lower', ['string'], (a) => `${a[0]}.toLowerCase()`, { result: 'same', aliases: ['lcase'] }),
    str('initcap', ['string'], (a) => `$.initcap(${a[0]})`),
    str('btrim', ['string', 'string'], (a) => (a.length === 1 ? `${a[0]}.replace(/^ +| +$/g, '')` : `$.trimChars(${a[0]}, ${a[1]}, true, true)`), { minArgs: 1, syntax: "TRIM([BOTH|LEADING|TRAILING] [chars] FROM s), BTRIM(s [, chars])" }),
    str('ltrim', ['string', 'string'], (a) => (a.length === 1 ? `${a[0]}.replace(/^ +/, '')` : `$.trimChars(${a[0]}, ${a[1]}, true, false)`), { minArgs: 1 }),
    str('rtrim', ['string', 'string'], (a) => (a.length === 1 ? `${a[0]}.replace(/ +$/, '')` : `$.trimChars(${a[0]}, ${a[1]}, false, true)`), { minArgs: 1 }),
    str('substring', ['string', 'int', 'int'], (a) => `$.substring(${a[0]}, ${a[1]}${a[2] ? ', ' + a[2] : ''})`, { minArgs: 2, aliases: ['substr'], syntax: 'SUBSTRING(s FROM start [FOR length]), SUBSTR(s, start [, length])' }),
    str('position', ['string', 'string', 'int'], (a) => `$.locate(${a[0]}, ${a[1]}, ${a[2] ?? 1})`, { minArgs: 2, result: 'int', syntax: 'POSITION(needle IN s [FROM start])' }),
    str('locate', ['string', 'string', 'int'], (a) => `$.locate(${a[0]}, ${a[1]}, ${a[2] ?? 1})`, { minArgs: 2, result: 'int', syntax: 'LOCATE(needle, s [, start])' }),
    str('instr', ['string', 'string'], (a) => `$.locate(${a[1]}, ${a[0]}, 1)`, { result: 'int', syntax: 'INSTR(s, needle)' }),
    str('replace', ['string', 'string', 'string'], (a) => `${a[0]}.split(${a[1]}).join(${a[2]})`),
    str('lpad', ['string', 'int', 'string'], (a) => `$.pad(${a[0]}, ${a[1]}, ${a[2] ?? '" "'}, true)`, { minArgs: 2, nullable: true }),
    str('rpad', ['string', 'int', 'string'], (a) => `$.pad(${a[0]}, ${a[1]}, ${a[2] ?? '" "'}, false)`, { minArgs: 2, nullable: true }),
    str('regexp_extract', ['string', 'string', 'int'], (a) => `$.regexpExtract(${a[0]}, ${a[1]}, ${a[2] ?? 0})`, { minArgs: 2, nullable: true, syntax: 'REGEXP_EXTRACT(s, pattern [, group]): the whole match (group 0) by default, NULL without a match' }),
    str('regexp_replace', ['string', 'string', 'string'], (a) => `${a[0]}.replace($.regex(${a[1]}, 'gu'), ${a[2]})`),
    str('split_index', ['string', 'string', 'int'], (a) => `$.splitIndex(${a[0]}, ${a[1]}, ${a[2]})`, { nullable: true, syntax: 'SPLIT_INDEX(s, delimiter, index): the index-th (0-based) part, NULL if absent' }),
    str('left', ['string', 'int'], (a) => `$.substring(${a[0]}, 1, Math.max(0, ${a[1]}))`),
    str('right', ['string', 'int'], (a) => `(${a[1]} <= 0 ? '' : $.substring(${a[0]}, -${a[1]}))`),
    str('repeat', ['string', 'int'], (a) => `${a[0]}.repeat(Math.max(0, ${a[1]}))`),
    str('reverse', ['string'], (a) => `[...${a[0]}].reverse().join('')`),
    str('ascii', ['string'], (a) => `(${a[0]}.length === 0 ? 0 : ${a[0]}.codePointAt(0))`, { result: 'int' }),
    str('chr', ['int'], (a) => `String.fromCodePoint(((${a[0]} % 256) + 256) % 256)`),
    str('overlay', ['string', 'string', 'int', 'int'], (a) => `$.overlay(${a[0]}, ${a[1]}, ${a[2]}${a[3] ? ', ' + a[3] : ''})`, { minArgs: 3, syntax: 'OVERLAY(s PLACING r FROM start [FOR length])' }),
    str('to_base64', ['string_or_bytes'], (a) => `$.toBase64(${a[0]})`),
    str('from_base64', ['string'], (a) => `Buffer.from(${a[0]}, 'base64').toString('utf8')`),
    str('startswith', ['string', 'string'], (a) => `${a[0]}.startsWith(${a[1]})`, { result: 'boolean', aliases: ['starts_with'] }),
    str('endswith', ['string', 'string'], (a) => `${a[0]}.endsWith(${a[1]})`, { result: 'boolean', aliases: ['ends_with'] }),
    str('parse_url', ['string', 'string', 'string'], (a) => `$.parseUrl(${a[0]}, ${a[1]}${a[2] ? ', ' + a[2] : ''})`, { minArgs: 2, nullable: true, syntax: "PARSE_URL(url, 'HOST'|'PATH'|'QUERY'|'REF'|'PROTOCOL'|'FILE'|'AUTHORITY'|'USERINFO' [, key])" }),
    {
      name: 'str_to_map',
      syntax: "STR_TO_MAP(s [, pairDelimiter, keyValueDelimiter]): MAP<STRING, STRING>",
      resolve: signatures('str_to_map', { params: ['string', 'string', 'string'], minArgs: 1, result: T.map(T.string(), T.string()) }),
      nulls: 'strict',
      gen: (a) => `$.strToMap(${a.join(', ')})`,
    },
    {
      name: 'split',
      syntax: 'SPLIT(s, delimiter): ARRAY<STRING>',
      resolve: signatures('split', { params: ['string', 'string'], result: T.array(T.string()) }),
      nulls: 'strict',
      gen: (a) => `(${a[1]}.length === 0 ? [...${a[0]}] : ${a[0]}.split(${a[1]}))`,
    },
    concat, concatWs, uuid, regexpFn,
    hashFn('md5', 'md5'), hashFn('sha1', 'sha1'), hashFn('sha256', 'sha256'), hashFn('sha512', 'sha512'),
  ],
  helpers: {
    charLength, substring, trimChars, pad, initcap, regexpExtract, splitIndex, parseUrl, strToMap,
    regex: (p: string, flags?: string) => compileRegex(p, flags ?? 'u'),
    locate(needle: string, s: string, from: number): number {
      if (from < 1) return 0;
      if (!SURROGATE.test(s) && !SURROGATE.test(needle)) {
        const i = s.indexOf(needle, from - 1);
        return i < 0 ? 0 : i + 1;
      }
      const cs = [...s];
      const tail = cs.slice(from - 1).join('');
      const i = tail.indexOf(needle);
      return i < 0 ? 0 : [...tail.slice(0, i)].length + from;
    },
    overlay(s: string, r: string, start: number, len?: number): string {
      const cs = [...s];
      const l = len === undefined ? [...r].length : len;
      return cs.slice(0, Math.max(0, start - 1)).join('') + r + cs.slice(Math.max(0, start - 1 + l)).join('');
    },
    joinNonNull(sep: string, parts: Array<string | null>): string {
      let out = '';
      let first = true;
      for (const p of parts) {
        if (p === null) continue;
        out += first ? p : sep + p;
        first = false;
      }
      return out;
    },
    digest(algo: string, v: string | Uint8Array): string {
      return createHash(algo).update(v).digest('hex');
    },
    toBase64(v: string | Uint8Array): string {
      return (typeof v === 'string' ? Buffer.from(v, 'utf8') : Buffer.from(v)).toString('base64');
    },
    uuid: () => randomUUID(),
  },
};

void typeToString;
