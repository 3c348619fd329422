/**
 * Wire fuzzing: 1,000 sessions send random and mutated frontend messages (seeded, so every run sends the
 * same bytes) while a few well-behaved clients run queries and check their answers. The server must stay
 * up, answer every bad session with a proper ErrorResponse followed by ReadyForQuery or a close (or just
 * close), never hang, and never throw an uncaught exception.
 *
 * Each session's byte stream is run through a model of the server's framing (untyped startup packets, then
 * type + length frames): when the stream would leave the server waiting inside an unfinished frame, the
 * frame is completed with zero bytes (or the client closes, when that would take too many bytes). After
 * that a Sync and a marker query are sent, so every session that is not closed ends with a known answer.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from 'node:net';
import pg from 'pg';
import { serialize, startServer, type TestServer } from './server-kit.ts';

const SESSIONS = 1000;
const CONCURRENCY = 50;
const GOOD_CLIENTS = 4;
/** Only there so that a hang fails the test instead of the suite; sessions take milliseconds. */
const DEADLINE_MS = 20_000;
const SEED = 0x5eedf00d;
/** Padding past which a session closes instead of completing a frame the server waits for. */
const MAX_PADDING = 256 * 1024;

const SSL_REQUEST = 80877103;
const GSSENC_REQUEST = 80877104;
const CANCEL_REQUEST = 80877102;

// ---- seeded randomness ----

class Rng {
  private s: number;
  constructor(seed: number) { this.s = seed >>> 0; }
  /** mulberry32 */
  next(): number {
    let t = (this.s = (this.s + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(n: number): number { return Math.floor(this.next() * n); }
  range(lo: number, hi: number): number { return lo + this.int(hi - lo + 1); }
  chance(p: number): boolean { return this.next() < p; }
  pick<T>(xs: readonly T[]): T { return xs[this.int(xs.length)]!; }
  bytes(n: number): Buffer {
    const b = Buffer.alloc(n);
    for (let i = 0; i < n; i++) b[i] = this.int(256);
    return b;
  }
}

// ---- valid base messages (pg-protocol's serializer), copied so that mutations never share memory ----

const copy = (b: Buffer): Buffer => Buffer.from(b);
const M = {
  startup: (p: Record<string, string>) => copy(serialize.startup(p)),
  query: (text: string) => copy(serialize.query(text)),
  parse: (name: string, text: string, types: number[] = []) => copy(serialize.parse({ name, text, types })),
  bind: (statement: string, portal: string, values: Array<string | Buffer | null>, binary = false) =>
    copy(serialize.bind({ statement, portal, values, binary })),
  describe: (type: 'S' | 'P', name: string) => copy(serialize.describe({ type, name })),
  execute: (portal: string, rows = 0) => copy(serialize.execute({ portal, rows })),
  close: (type: 'S' | 'P', name: string) => copy(serialize.close({ type, name })),
  sync: () => copy(serialize.sync()),
  flush: () => copy(serialize.flush()),
  terminate: () => copy(serialize.end()),
  copyData: (b: Buffer) => copy(serialize.copyData(b)),
  copyDone: () => copy(serialize.copyDone()),
  copyFail: (m: string) => copy(serialize.copyFail(m)),
  password: (p: string) => copy(serialize.password(p)),
  sslRequest: () => copy(serialize.requestSsl()),
  cancel: (pid: number, secret: number) => copy(serialize.cancel(pid, secret)),
};

/** A typed message built by hand: type byte, length, body. */
function typed(type: number, body: Buffer, length = body.length + 4): Buffer {
  const head = Buffer.alloc(5);
  head[0] = type;
  head.writeInt32BE(length | 0, 1);
  return Buffer.concat([head, body]);
}

/** An untyped startup-phase packet: length, then the body. */
function untyped(body: Buffer, length = body.length + 4): Buffer {
  const head = Buffer.alloc(4);
  head.writeInt32BE(length | 0, 0);
  return Buffer.concat([head, body]);
}

const int32 = (n: number): Buffer => { const b = Buffer.alloc(4); b.writeInt32BE(n | 0); return b; };
const int16 = (n: number): Buffer => { const b = Buffer.alloc(2); b.writeInt16BE(n); return b; };
const cstr = (s: string | Buffer): Buffer => Buffer.concat([typeof s === 'string' ? Buffer.from(s, 'utf8') : s, Buffer.from([0])]);
const int64 = (n: bigint): Buffer => { const b = Buffer.alloc(8); b.writeBigInt64BE(n); return b; };
/** numeric 12.5 in binary: 2 digits, weight 0, positive, dscale 1, digits 12 and 5000. */
const NUMERIC_12_5 = Buffer.concat([int16(2), int16(0), int16(0), int16(1), int16(12), int16(5000)]);
const DAYS_2024_01_15 = (Date.UTC(2024, 0, 15) - Date.UTC(2000, 0, 1)) / 86_400_000;

const OID = { bool: 16, int8: 20, int4: 23, text: 25, numeric: 1700, date: 1082, timestamp: 1114 } as const;

const SIMPLE_QUERIES = [
  'SELECT 1',
  'SELECT id, name FROM fuzz_items ORDER BY id',
  "SELECT name, amount FROM fuzz_items WHERE d = DATE '2024-01-15'",
  'SELECT COUNT(*) FROM fuzz_items',
  "SET application_name = 'fuzz'",
  'SHOW TimeZone',
  'SELECT 1; SELECT 2',
  'SELECT nope FROM fuzz_items',
  'BEGIN',
  'COMMIT',
  'ROLLBACK',
  '',
  'SELECT * FROM no_such_table',
  "SELECT 'héllo wörld', TRUE, 1.5",
];
/** The queries above that succeed, for the exchanges before an expected error. */
const CLEAN_QUERIES = SIMPLE_QUERIES.filter((q) => !q.includes('nope') && !q.includes('no_such'));

const STARTUP = (): Buffer => M.startup({ user: 'fuzz', database: 'freshet' });

/** A short valid exchange, ending so that the server is not left skipping until Sync. */
function unit(rng: Rng, tag: string, clean: boolean): Buffer[] {
  switch (rng.int(9)) {
    case 0: case 1:
      return [M.query(rng.pick(clean ? CLEAN_QUERIES : SIMPLE_QUERIES))];
    case 2:
      return [M.parse('', 'SELECT id, name FROM fuzz_items WHERE id = $1'), M.bind('', '', [String(rng.int(5))]), M.describe('P', ''), M.execute(''), M.sync()];
    case 3: {
      const s = `s_${tag}`;
      return [
        M.parse(s, 'SELECT id, name, amount FROM fuzz_items WHERE id > $1 ORDER BY id', [OID.int4]), M.describe('S', s), M.sync(),
        M.bind(s, `p_${tag}`, ['0']), M.execute(`p_${tag}`, 2), M.execute(`p_${tag}`, 0), M.close('P', `p_${tag}`), M.close('S', s), M.sync(),
      ];
    }
    case 4:
      return [
        M.parse('', 'SELECT id FROM fuzz_items WHERE d = $1 AND id < $2 AND amount > $3 AND flag = $4 AND ts > $5',
          [OID.date, OID.int4, OID.numeric, OID.bool, OID.timestamp]),
        M.bind('', '', [int32(DAYS_2024_01_15), int32(10), NUMERIC_12_5, Buffer.from([1]), int64(0n)], rng.chance(0.5)),
        M.execute(''), M.sync(),
      ];
    case 5:
      return [M.parse('', 'SELECT $1::BIGINT + 1', [OID.int8]), M.bind('', '', [String(rng.int(1000))]), M.execute(''), M.flush(), M.sync()];
    case 6:
      return [M.query('BEGIN'), M.query('SELECT COUNT(*) FROM fuzz_items'), M.query(rng.pick(['COMMIT', 'ROLLBACK']))];
    case 7:
      // COPY messages outside COPY are ignored, as Postgres does
      return [M.copyData(rng.bytes(rng.range(0, 40))), M.copyDone(), M.copyFail('nope'), M.query('SELECT 1')];
    default:
      return [M.parse('', ''), M.bind('', '', []), M.execute(''), M.describe('S', ''), M.sync()];
  }
}

/** Valid exchanges; `clean` ones raise no error (so that an expected error is the first one). */
function units(rng: Rng, tag: string, n: number, clean = false): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < n; i++) out.push(...unit(rng, `${tag}_${i}`, clean));
  return out;
}

// ---- session plans ----

interface Plan {
  name: string;
  /** The bytes to send, before the model adds padding and the terminator. */
  messages: Buffer[];
  /** Split the stream into several writes. */
  chunked?: boolean;
  /** Send the first message alone and wait for its one-byte answer (SSLRequest) before the rest. */
  handshake?: boolean;
  /** Close (half-close) after sending, instead of completing frames and sending the terminator. */
  closeAfter?: boolean;
  /** The first ErrorResponse must have one of these codes (when the session got one before closing). */
  expectCode?: readonly string[];
  /** The expected error is FATAL (connection closes), or ERROR followed by ReadyForQuery and the marker. */
  expectFatal?: boolean;
}

const UNKNOWN_TYPES = [...Array(256).keys()].filter((t) => !'XQPBDECHSdcfF'.includes(String.fromCharCode(t)));

function badUtf8(rng: Rng): Buffer {
  return rng.pick([Buffer.from([0xff, 0xfe]), Buffer.from([0xc0, 0x80]), Buffer.from([0x80]), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from([0xe2, 0x82]), Buffer.from([0xf4, 0x90, 0x80, 0x80])]);
}

/** Sets a typed message's length field. */
function withLength(msg: Buffer, length: number): Buffer {
  const b = Buffer.from(msg);
  b.writeInt32BE(length | 0, 1);
  return b;
}

function plan(i: number): Plan {
  const rng = new Rng(SEED ^ Math.imul(i + 1, 0x9e3779b1));
  const tag = String(i);
  const pre = (clean = false): Buffer[] => [STARTUP(), ...units(rng, `${tag}a`, rng.int(3), clean)];
  const post = (): Buffer[] => units(rng, `${tag}z`, rng.int(2));
  const chunked = rng.chance(0.25);
  const kind = rng.int(24);
  switch (kind) {
    case 0: return { name: 'random bytes after startup', chunked, messages: [...pre(), rng.bytes(rng.range(1, 2000))] };
    case 1: return { name: 'random bytes before startup', chunked, messages: [rng.bytes(rng.range(1, 600))] };
    case 2: {
      // random type bytes with plausible lengths
      const msgs: Buffer[] = [];
      for (let k = rng.range(1, 8); k > 0; k--) {
        const body = rng.bytes(rng.range(0, 60));
        msgs.push(typed(rng.chance(0.7) ? rng.pick([...'QPBDECHSdcfFX'].map((ch) => ch.charCodeAt(0))) : rng.int(256), body));
      }
      return { name: 'random typed messages', chunked, messages: [...pre(), ...msgs] };
    }
    case 3: return { name: 'typed messages before startup', chunked, messages: [...units(rng, tag, rng.range(1, 3))], expectCode: ['08P01'], expectFatal: true };
    case 4: {
      // garbage in the startup packet
      const version = rng.pick([196608, 196608, 196608, 196609, 131072, 262144, rng.int(2 ** 31)]);
      let params: Buffer;
      switch (rng.int(6)) {
        case 0: params = rng.bytes(rng.range(0, 200)); break;
        case 1: params = Buffer.concat([cstr('user'), cstr('fuzz'), cstr('database')]); break; // a key without a value
        case 2: params = Buffer.concat([cstr('user'), Buffer.from('fuzz')]); break; // missing NULs
        case 3: params = Buffer.concat([cstr('user'), cstr(Buffer.concat([Buffer.from('fu'), badUtf8(rng)])), cstr(Buffer.concat([badUtf8(rng), Buffer.from('x')])), cstr('y'), Buffer.from([0])]); break;
        case 4: params = Buffer.concat([cstr('user'), cstr(''), Buffer.from([0])]); break; // empty user
        default: params = Buffer.concat([cstr('user'), cstr('fuzz'), cstr('client_encoding'), cstr('LATIN1'), cstr('_pq_.nope'), cstr('1'),
          cstr('DateStyle'), cstr('German'), cstr('x'.repeat(rng.range(0, 5000))), cstr('y'), cstr('options'), cstr('-c a=b'), Buffer.from([0])]);
      }
      return { name: 'garbage startup', chunked, messages: [untyped(Buffer.concat([int32(version), params])), ...units(rng, tag, rng.int(2))] };
    }
    case 5: {
      // startup-phase packets with bad lengths, SSL/GSS/cancel requests, pipelined data
      const choice = rng.int(7);
      if (choice === 0) return { name: 'startup length < 8', messages: [untyped(int32(196608), rng.range(-5, 7))], expectCode: ['08P01'], expectFatal: true };
      if (choice === 1) return { name: 'startup length over the limit', messages: [untyped(int32(196608), rng.pick([0x7fffffff, 0x40000001]))], expectCode: ['08P01'], expectFatal: true };
      if (choice === 2) return { name: 'SSL request, answer, then startup', handshake: true, chunked, messages: [M.sslRequest(), STARTUP(), ...units(rng, tag, 1)] };
      if (choice === 3) return { name: 'SSL request with pipelined data', messages: [M.sslRequest(), STARTUP()], expectCode: ['08P01'], expectFatal: true };
      if (choice === 4) return { name: 'GSSENC request with garbage', messages: [untyped(int32(GSSENC_REQUEST)), rng.bytes(rng.range(1, 30))] };
      if (choice === 5) return { name: 'cancel request with random key', messages: [M.cancel(rng.range(1, 2 ** 31 - 1), rng.int(2 ** 31))] };
      return { name: 'cancel request truncated', messages: [untyped(Buffer.concat([int32(CANCEL_REQUEST), int32(5)]))], expectCode: ['08P01'], expectFatal: true };
    }
    case 6: {
      // a frame length the server can judge from the header alone: the last thing sent
      const base = rng.pick(units(rng, tag, 1));
      const len = rng.pick([-1, -(2 ** 31), rng.range(-1000, -2), 0, 1, 2, 3, 0x7fffffff, 0x40000001]);
      return { name: `typed length ${len}`, messages: [...pre(true), withLength(base, len)], expectCode: ['08P01'], expectFatal: true };
    }
    case 7: {
      // a wrong but plausible length somewhere in the stream: the server reads the following bytes differently
      const msgs = units(rng, tag, rng.range(1, 3));
      const at = rng.int(msgs.length);
      const real = msgs[at]!.length - 1;
      msgs[at] = withLength(msgs[at]!, Math.max(4, real + rng.pick([-3, -2, -1, 1, 2, 7, 100, rng.range(-real, real * 3)])));
      return { name: 'wrong length mid-stream', chunked, messages: [...pre(), ...msgs] };
    }
    case 8: {
      // a large length below the limit: the server waits for the body, the client gives up
      const base = rng.pick(units(rng, tag, 1));
      return { name: 'large length then close', chunked, messages: [...pre(), withLength(base, rng.range(1 << 20, 1 << 29))], closeAfter: true };
    }
    case 9: {
      const t = rng.pick(UNKNOWN_TYPES);
      return { name: `unknown message type ${t}`, messages: [...pre(true), typed(t, rng.bytes(rng.range(0, 20)))], expectCode: ['08P01'], expectFatal: true };
    }
    case 10: {
      // a valid message's type replaced by another one: the body is read as something else
      const msgs = units(rng, tag, rng.range(1, 3));
      const at = rng.int(msgs.length);
      const b = Buffer.from(msgs[at]!);
      b[0] = rng.pick([...'QPBDECHSdcfF'].map((ch) => ch.charCodeAt(0)));
      msgs[at] = b;
      return { name: 'swapped message type', chunked, messages: [...pre(), ...msgs, ...post()] };
    }
    case 11: {
      // bad UTF-8 in a query or statement text (lengths kept right)
      const bad = badUtf8(rng);
      const sql = rng.pick(['SELECT ', "SELECT 'x", 'SELECT id FROM fuzz_items WHERE name = $1 --']);
      const text = Buffer.concat([Buffer.from(sql), bad, Buffer.from("'")]);
      const msgs = rng.chance(0.5)
        ? [typed(0x51, cstr(text))]
        : [typed(0x50, Buffer.concat([cstr(''), cstr(text), int16(0)])), M.bind('', '', [Buffer.concat([Buffer.from('a'), bad])]), M.execute(''), M.sync()];
      return { name: 'bad UTF-8', chunked, messages: [...pre(), ...msgs, ...post()] };
    }
    case 12: {
      // a string without its NUL (the length says the message ends there)
      const which = rng.int(4);
      const body = which === 0 ? Buffer.from('SELECT 1')
        : which === 1 ? Buffer.concat([cstr('stmt'), Buffer.from('SELECT 1')])
          : which === 2 ? Buffer.from('P')
            : Buffer.concat([cstr(''), Buffer.from('unterminated')]);
      const type = ['Q', 'P', 'D', 'B'][which]!.charCodeAt(0);
      return { name: 'missing NUL', messages: [...pre(true), typed(type, body)], expectCode: ['08P01'], expectFatal: true };
    }
    case 13: {
      // fields cut short or counts that promise more than the body holds
      const choice = rng.int(5);
      const body = choice === 0 ? Buffer.concat([cstr(''), cstr('SELECT $1'), int16(3), int32(23)]) // 3 parameter types, 1 present
        : choice === 1 ? Buffer.concat([cstr(''), cstr(''), int16(0), int16(2), int32(1), Buffer.from('1')]) // 2 values, 1 present
          : choice === 2 ? Buffer.concat([cstr(''), cstr(''), int16(0), int16(1), int32(rng.pick([-2, -100, 0x7fffffff, 50]))]) // bad value length
            : choice === 3 ? Buffer.concat([cstr('p'), int32(5).subarray(0, 2)]) // Execute without its row count
              : Buffer.from([rng.pick([0x41, 0x5a, 0x00])]); // Describe with a bad target and no name
      const type = ['P', 'B', 'B', 'E', 'D'][choice]!.charCodeAt(0);
      const msgs = choice === 1 || choice === 2 ? [M.parse('', 'SELECT $1'), typed(type, body)] : [typed(type, body)];
      return { name: `short fields ${choice}`, messages: [...pre(true), ...msgs], expectCode: ['08P01'], expectFatal: true };
    }
    case 14: {
      const values = rng.pick([[], ['1', '2'], ['1', '2', '3', '4']]);
      return {
        name: 'wrong parameter count in Bind', chunked,
        messages: [...pre(true), M.parse(`c_${tag}`, 'SELECT id FROM fuzz_items WHERE id = $1'), M.bind(`c_${tag}`, '', values), M.execute(''), M.sync(), ...post()],
        expectCode: ['08P01'], expectFatal: false,
      };
    }
    case 15: {
      const choice = rng.int(3);
      const msgs = choice === 0 ? [M.bind(`nope_${tag}`, '', []), M.execute(''), M.sync()]
        : choice === 1 ? [M.describe('S', `nope_${tag}`), M.sync()]
          : [M.close('S', `nope_${tag}`), M.bind(`nope_${tag}`, '', []), M.sync()]; // Close of a missing name is fine; Bind is not
      return { name: 'unknown statement', chunked, messages: [...pre(true), ...msgs, ...post()], expectCode: ['26000'], expectFatal: false };
    }
    case 16: {
      const choice = rng.int(3);
      const msgs = choice === 0 ? [M.execute(`nope_${tag}`), M.sync()]
        : choice === 1 ? [M.describe('P', `nope_${tag}`), M.sync()]
          : [M.parse('', 'SELECT 1'), M.execute(''), M.sync()]; // Execute before Bind
      return { name: choice === 2 ? 'Execute before Bind' : 'unknown portal', chunked, messages: [...pre(true), ...msgs, ...post()], expectCode: ['34000'], expectFatal: false };
    }
    case 17: {
      const dupStatement = rng.chance(0.5);
      const msgs = dupStatement
        ? [M.parse(`d_${tag}`, 'SELECT 1'), M.parse(`d_${tag}`, 'SELECT 2'), M.sync()]
        : [M.parse('', 'SELECT 1'), M.bind('', `dp_${tag}`, []), M.bind('', `dp_${tag}`, []), M.sync()];
      return { name: dupStatement ? 'duplicate statement' : 'duplicate portal', chunked, messages: [...pre(true), ...msgs, ...post()], expectCode: [dupStatement ? '42P05' : '42P03'], expectFatal: false };
    }
    case 18: {
      // format codes other than 0 and 1, or more formats than values
      const formats = rng.pick([[2], [-1], [0, 1, 0], [7, 7]]);
      const body = Buffer.concat([cstr(''), cstr(''), int16(formats.length), ...formats.map(int16), int16(1), int32(1), Buffer.from('5'), int16(0)]);
      return {
        name: 'bad format codes', chunked,
        messages: [...pre(true), M.parse('', 'SELECT $1'), typed(0x42, body), M.execute(''), M.sync(), ...post()],
        expectCode: ['08P01', '22023'], expectFatal: false,
      };
    }
    case 19: {
      // binary parameters that do not decode as their declared type
      const oid = rng.pick([OID.bool, OID.int4, OID.int8, OID.numeric, OID.date, OID.timestamp]);
      const value = rng.chance(0.3) ? rng.bytes(rng.range(0, 12))
        : oid === OID.date ? int32(rng.pick([0x7fffffff, -0x80000000, 1e9]))
          : oid === OID.timestamp ? int64(rng.pick([0x7fffffffffffffffn, -0x8000000000000000n, 10n ** 17n]))
            : oid === OID.numeric ? Buffer.concat([int16(rng.pick([0, 1, 3, -1])), int16(rng.pick([0, 30000, -30000])), int16(rng.pick([0, 0x4000, 0xc000, 0x1234])), int16(rng.pick([0, 5, -3, 1000])), int16(rng.pick([0, 9999, 10000, -1]))])
              : rng.bytes(rng.range(0, 12));
      return {
        name: `bad binary parameter (oid ${oid})`, chunked,
        messages: [...pre(), M.parse('', 'SELECT $1 AS v', [oid]), M.bind('', '', [value]), M.describe('P', ''), M.execute(''), M.sync(), ...post()],
      };
    }
    case 20: {
      // random bit flips and byte changes after the startup
      const stream = Buffer.concat(units(rng, tag, rng.range(1, 4)));
      for (let k = rng.range(1, 6); k > 0; k--) {
        const at = rng.int(stream.length);
        if (rng.chance(0.5)) stream[at]! ^= 1 << rng.int(8);
        else stream[at] = rng.int(256);
      }
      return { name: 'bit flips', chunked, messages: [...pre(), stream] };
    }
    case 21: {
      // bytes inserted or deleted
      let stream = Buffer.concat(units(rng, tag, rng.range(1, 4)));
      for (let k = rng.range(1, 3); k > 0; k--) {
        const at = rng.int(stream.length);
        stream = rng.chance(0.5)
          ? Buffer.concat([stream.subarray(0, at), rng.bytes(rng.range(1, 8)), stream.subarray(at)])
          : Buffer.concat([stream.subarray(0, at), stream.subarray(Math.min(stream.length, at + rng.range(1, 8)))]);
      }
      return { name: 'bytes inserted or deleted', chunked, messages: [...pre(), stream] };
    }
    case 22: {
      // a valid conversation cut anywhere, then closed
      const stream = Buffer.concat([STARTUP(), ...units(rng, tag, rng.range(1, 4))]);
      return { name: 'partial message then close', chunked, messages: [stream.subarray(0, rng.int(stream.length))], closeAfter: true };
    }
    default: {
      // flips anywhere, the startup packet included
      const stream = Buffer.concat([STARTUP(), ...units(rng, tag, rng.range(1, 3))]);
      for (let k = rng.range(1, 3); k > 0; k--) stream[rng.int(stream.length)]! ^= 1 << rng.int(8);
      return { name: 'bit flips including startup', chunked, messages: [stream] };
    }
  }
}

// ---- a model of the server's framing ----

interface Framing {
  /** The server closes the connection before the end of the stream. */
  closes: boolean;
  /** Whether the stream ends after startup (typed frames). */
  typed: boolean;
  /** Bytes the server needs to finish the frame the stream ends inside. */
  missing: number;
  /** SSL / GSSENC requests, each answered with one raw byte. */
  rawAnswers: number;
}

function startupUser(body: Buffer): string | undefined {
  let pos = 4;
  const params: Record<string, string> = {};
  for (;;) {
    const end = body.indexOf(0, pos);
    if (end < 0) return undefined;
    const k = body.toString('utf8', pos, end);
    pos = end + 1;
    if (k === '') break;
    const vEnd = body.indexOf(0, pos);
    if (vEnd < 0) return undefined;
    params[k] = body.toString('utf8', pos, vEnd);
    pos = vEnd + 1;
  }
  return params['user'] ?? '';
}

function framing(stream: Buffer, maxMessageSize: number): Framing {
  let pos = 0;
  let typedMode = false;
  let rawAnswers = 0;
  const closes = { closes: true, typed: typedMode, missing: 0, rawAnswers };
  for (;;) {
    const rem = stream.length - pos;
    const head = typedMode ? 5 : 4;
    if (rem === 0) return { closes: false, typed: typedMode, missing: 0, rawAnswers };
    if (rem < head) return { closes: false, typed: typedMode, missing: head - rem, rawAnswers };
    const len = stream.readInt32BE(pos + head - 4);
    if (len < 4 || len > maxMessageSize || (!typedMode && len < 8)) return { ...closes, rawAnswers };
    if (rem < head + len - 4) return { closes: false, typed: typedMode, missing: head + len - 4 - rem, rawAnswers };
    const type = stream[pos]!;
    const body = stream.subarray(pos + head, pos + head + len - 4);
    pos += head + len - 4;
    if (typedMode) {
      if (type === 0x58) return { ...closes, typed: true, rawAnswers }; // Terminate
      continue;
    }
    const code = body.readInt32BE(0);
    if (code === SSL_REQUEST || code === GSSENC_REQUEST) { rawAnswers++; continue; }
    if (code === CANCEL_REQUEST || code >>> 16 !== 3) return { ...closes, rawAnswers };
    const user = startupUser(body);
    if (!user) return { ...closes, rawAnswers };
    typedMode = true;
  }
}

// ---- running a session ----

interface BackendMessage { type: string; body: Buffer; fields?: Record<string, string> }
type OutcomeKind = 'done' | 'closed' | 'reset' | 'timeout';
interface Outcome { kind: OutcomeKind; messages: BackendMessage[]; sent: number }

const BACKEND_TYPES = new Set([...'RSKZTDCEN123ntsIAvcdGHW']);

function errorFieldsOf(body: Buffer): Record<string, string> {
  const out: Record<string, string> = {};
  let pos = 0;
  while (pos < body.length && body[pos] !== 0) {
    const code = String.fromCharCode(body[pos]!);
    const end = body.indexOf(0, pos + 1);
    if (end < 0) { out['!'] = 'unterminated field'; break; }
    out[code] = body.toString('utf8', pos + 1, end);
    pos = end + 1;
  }
  return out;
}

function runSession(port: number, p: Plan, index: number, maxMessageSize: number): Promise<Outcome> {
  let stream = Buffer.concat(p.messages);
  let closeAfter = p.closeAfter ?? false;
  let model = framing(stream, maxMessageSize);
  const marker = `fuzz-done-${index}`;
  if (!closeAfter && !model.closes) {
    // finish a frame the server would wait for, then Sync and a marker query (after a startup if none happened)
    let padded = 0;
    while (!model.closes && model.missing > 0 && padded + model.missing <= MAX_PADDING) {
      padded += model.missing;
      stream = Buffer.concat([stream, Buffer.alloc(model.missing)]);
      model = framing(stream, maxMessageSize);
    }
    if (model.missing > 0) closeAfter = true;
    else if (!model.closes) {
      const tail = [M.sync(), M.query(`ROLLBACK; SELECT '${marker}' AS marker`)];
      stream = Buffer.concat([stream, ...(model.typed ? tail : [STARTUP(), ...tail])]);
    }
  }
  return new Promise<Outcome>((resolve) => {
    const messages: BackendMessage[] = [];
    let buf: Buffer = Buffer.alloc(0);
    let rawLeft = model.rawAnswers;
    let markerSeen = false;
    let settled = false;
    let answered: (() => void) | undefined;
    const socket = connect(port, '127.0.0.1');
    const finish = (kind: OutcomeKind): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve({ kind, messages, sent: stream.length });
    };
    const timer = setTimeout(() => finish('timeout'), DEADLINE_MS);
    let reset = false;
    socket.on('error', () => { reset = true; });
    socket.on('close', () => { answered?.(); finish(reset ? 'reset' : 'closed'); });
    socket.on('data', (chunk: Buffer) => {
      buf = buf.length === 0 ? chunk : Buffer.concat([buf, chunk]);
      for (;;) {
        if (rawLeft > 0 && buf.length > 0 && (buf[0] === 0x4e || buf[0] === 0x53)) {
          rawLeft--;
          buf = buf.subarray(1);
          answered?.();
          continue;
        }
        if (buf.length < 5) break;
        const len = buf.readInt32BE(1);
        if (len < 4) {
          messages.push({ type: '!', body: Buffer.from(`bad length ${len}`) });
          finish('closed');
          return;
        }
        if (buf.length < 1 + len) break;
        const m: BackendMessage = { type: String.fromCharCode(buf[0]!), body: buf.subarray(5, 1 + len) };
        buf = buf.subarray(1 + len);
        if (m.type === 'E') m.fields = errorFieldsOf(m.body);
        messages.push(m);
        if (m.type === 'D' && m.body.includes(marker)) markerSeen = true;
        if (m.type === 'Z' && markerSeen) {
          socket.end(M.terminate());
          finish('done');
          return;
        }
      }
    });
    socket.once('connect', async () => {
      let at = 0;
      if (p.handshake) {
        const first = p.messages[0]!.length;
        const waiting = new Promise<void>((r) => { answered = r; });
        socket.write(stream.subarray(0, first));
        at = first;
        await waiting;
      }
      // a chunked stream goes out as up to 30 small writes (sizes from the session's index, so the same each run)
      for (let n = 0; p.chunked && n < 30 && at < stream.length && !settled; n++) {
        const size = 1 + ((index * 7919 + n * 104729) % 97);
        socket.write(stream.subarray(at, at + size));
        at += size;
        await new Promise((r) => setImmediate(r));
      }
      if (settled) return;
      if (at < stream.length) socket.write(stream.subarray(at));
      if (closeAfter) socket.end();
    });
  });
}

/** Problems with a session's answers; empty when it behaved. */
function check(p: Plan, o: Outcome): string[] {
  const problems: string[] = [];
  const ms = o.messages;
  if (o.kind === 'timeout') problems.push(`no answer within ${DEADLINE_MS} ms (${ms.length} messages: ${ms.map((m) => m.type).join('')})`);
  ms.forEach((m, i) => {
    if (!BACKEND_TYPES.has(m.type)) problems.push(`unexpected backend message type ${JSON.stringify(m.type)}`);
    if (m.type !== 'E') return;
    const f = m.fields!;
    const code = f['C'] ?? '';
    const severity = f['V'] ?? f['S'] ?? '';
    if (!/^[0-9A-Z]{5}$/.test(code)) problems.push(`ErrorResponse without a proper SQLSTATE: ${JSON.stringify(f)}`);
    else if (!ALLOWED_CLASSES.has(code.slice(0, 2))) problems.push(`unexpected SQLSTATE ${code}: ${f['M']}`);
    if (!f['M']) problems.push(`ErrorResponse without a message: ${JSON.stringify(f)}`);
    if (f['!']) problems.push(`malformed ErrorResponse: ${JSON.stringify(f)}`);
    const next = ms[i + 1];
    if (severity === 'FATAL') {
      if (next) problems.push(`message ${next.type} after a FATAL error ${code}`);
      if (o.kind === 'done') problems.push('the session went on after a FATAL error');
    } else if (severity === 'ERROR') {
      const ok = next ? next.type === 'Z' || (next.type === 'E' && next.fields!['V'] === 'FATAL') : o.kind !== 'done';
      if (!ok) problems.push(`ErrorResponse ${code} followed by ${next?.type ?? 'nothing'} instead of ReadyForQuery or a close`);
    } else {
      problems.push(`ErrorResponse with severity ${severity}`);
    }
  });
  if (p.expectCode) {
    const first = ms.find((m) => m.type === 'E');
    if (first) {
      if (!p.expectCode.includes(first.fields!['C']!)) problems.push(`expected ${p.expectCode.join(' or ')}, got ${first.fields!['C']}: ${first.fields!['M']}`);
      const fatal = first.fields!['V'] === 'FATAL';
      if (p.expectFatal !== undefined && fatal !== p.expectFatal) problems.push(`expected ${p.expectFatal ? 'FATAL' : 'ERROR'}, got ${first.fields!['V']}`);
    } else if (o.kind !== 'reset') {
      // a reset can swallow the last bytes the server sent; a clean close cannot
      problems.push(`expected an ErrorResponse ${p.expectCode.join(' or ')}, got none (${o.kind})`);
    }
    if (p.expectFatal === false && o.kind !== 'done') problems.push(`expected the session to go on after the error, got ${o.kind}`);
  }
  return problems;
}

/**
 * Classes a bad session may see: connection/protocol (08), not supported (0A), data (22), transaction
 * state (25), statement name (26), authorization (28), cursor/portal (34), catalog (3D), syntax and
 * names (42), resources (53), limits (54). Never internal errors (XX).
 */
const ALLOWED_CLASSES = new Set(['08', '0A', '22', '25', '26', '28', '34', '3D', '42', '53', '54']);

// ---- the test ----

let ts: TestServer;
const crashes: unknown[] = [];
const onCrash = (e: unknown): void => { crashes.push(e); };

const GOOD_ROWS = [0, 1, 2, 3, 4, 5, 6, 7].map((id) => ({ id, name: `item ${id}`, amount: `${id * 3}.25` }));

beforeAll(async () => {
  process.on('uncaughtException', onCrash);
  process.on('unhandledRejection', onCrash);
  ts = await startServer({ 'max-connections': 400 });
  const s = ts.engine.createSession({ 'execution.runtime-mode': 'batch' });
  await s.execute('CREATE TABLE fuzz_items (id INT, name STRING, d DATE, ts TIMESTAMP(6), amount DECIMAL(10, 2), flag BOOLEAN)');
  await s.execute("INSERT INTO fuzz_items VALUES (1, 'one', DATE '2024-01-15', TIMESTAMP '2024-01-15 10:00:00', 12.75, TRUE), "
    + "(2, 'two', DATE '2024-01-16', TIMESTAMP '2024-01-16 10:00:00', 3.50, FALSE), (3, 'three', DATE '2024-01-15', TIMESTAMP '2024-01-15 11:00:00', 99.99, TRUE)");
  await s.execute('CREATE TABLE good_items (id INT, name STRING, amount DECIMAL(10, 2))');
  await s.execute(`INSERT INTO good_items VALUES ${GOOD_ROWS.map((r) => `(${r.id}, '${r.name}', ${r.amount})`).join(', ')}`);
  ts.engine.releaseSession(s);
});

afterAll(async () => {
  await ts?.close();
  process.off('uncaughtException', onCrash);
  process.off('unhandledRejection', onCrash);
});

/** A well-behaved client: queries until the fuzzing is over (at least `min` rounds), checking every answer. */
async function goodClient(port: number, k: number, over: () => boolean): Promise<number> {
  const c = new pg.Client({ host: '127.0.0.1', port, user: `good${k}`, database: 'freshet' });
  await c.connect();
  let rounds = 0;
  try {
    while (rounds < 10 || !over()) {
      const all = await c.query('SELECT id, name, amount FROM good_items ORDER BY id');
      expect(all.rows).toEqual(GOOD_ROWS);
      const id = (rounds * 5 + k) % GOOD_ROWS.length;
      const one = await c.query('SELECT name, amount FROM good_items WHERE id = $1', [id]);
      expect(one.rows).toEqual([{ name: GOOD_ROWS[id]!.name, amount: GOOD_ROWS[id]!.amount }]);
      const named = await c.query({ name: 'above', text: 'SELECT COUNT(*) AS n FROM good_items WHERE id >= $1', values: [id] });
      expect(named.rows).toEqual([{ n: String(GOOD_ROWS.length - id) }]);
      await expect(c.query('SELECT nope FROM good_items')).rejects.toMatchObject({ code: '42703' });
      const after = await c.query('SELECT $1::INT * 2 AS twice', [rounds]);
      expect(after.rows).toEqual([{ twice: rounds * 2 }]);
      rounds++;
    }
  } finally {
    await c.end();
  }
  return rounds;
}

describe('wire fuzzing', () => {
  it(`survives ${SESSIONS} sessions of random and mutated messages while good clients get right answers`, async () => {
    const plans = Array.from({ length: SESSIONS }, (_, i) => plan(i));
    const maxMessageSize = ts.server.config.maxMessageSize;
    const outcomes: Outcome[] = new Array(SESSIONS);
    let fuzzing = true;
    const good = Promise.all(Array.from({ length: GOOD_CLIENTS }, (_, k) => goodClient(ts.port, k, () => !fuzzing)));
    good.catch(() => {}); // awaited below; a wrong answer should not count as an unhandled rejection meanwhile
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < SESSIONS) {
        const i = next++;
        outcomes[i] = await runSession(ts.port, plans[i]!, i, maxMessageSize);
      }
    };
    try {
      await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    } finally {
      fuzzing = false;
    }
    const rounds = await good;
    expect(rounds.every((r) => r >= 10)).toBe(true);

    const failures: string[] = [];
    outcomes.forEach((o, i) => {
      for (const problem of check(plans[i]!, o)) failures.push(`session ${i} (${plans[i]!.name}): ${problem}`);
    });
    expect(failures.slice(0, 20), `${failures.length} sessions misbehaved`).toEqual([]);

    // the mix really exercised both ends: sessions that went on to the marker, and sessions that were closed
    const kinds = outcomes.reduce<Record<string, number>>((acc, o) => { acc[o.kind] = (acc[o.kind] ?? 0) + 1; return acc; }, {});
    expect(kinds['done'] ?? 0).toBeGreaterThan(200);
    expect((kinds['closed'] ?? 0) + (kinds['reset'] ?? 0)).toBeGreaterThan(200);
    const codes = new Set(outcomes.flatMap((o) => o.messages.filter((m) => m.type === 'E').map((m) => m.fields!['C'])));
    for (const code of ['08P01', '26000', '34000', '42P05', '42P03', '42601']) expect(codes).toContain(code);

    // the server is still up and serving, and let go of every fuzzing connection
    const c = new pg.Client({ host: '127.0.0.1', port: ts.port, user: 'after', database: 'freshet' });
    await c.connect();
    expect((await c.query('SELECT COUNT(*) AS n FROM fuzz_items')).rows).toEqual([{ n: '3' }]);
    await c.end();
    for (let waited = 0; ts.server.connectionCount > 0 && waited < DEADLINE_MS; waited += 20) await new Promise((r) => setTimeout(r, 20));
    expect(ts.server.connectionCount).toBe(0);
    expect(crashes).toEqual([]);
  }, 120_000);
});
