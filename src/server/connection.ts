/**
 * One client connection: the socket (upgraded to TLS on request), framing with the message size
 * limit, the startup phase (SSLRequest, GSSENCRequest, CancelRequest, StartupMessage, database
 * choice), authentication, then the QueryHandler. Incoming messages are queued and handled strictly in
 * order; when too much waits, the socket is paused. Outgoing bytes wait for 'drain' when the client
 * reads slowly. Anything the client does wrong ends this connection only.
 */
import type { Socket } from 'node:net';
import { TLSSocket, type SecureContext } from 'node:tls';
import { createHmac, randomInt, timingSafeEqual } from 'node:crypto';
import type { Engine } from '../session/engine.ts';
import type { Session } from '../session/session.ts';
import { Framer, FrameError, BodyReader, type Frame } from './protocol/framer.ts';
import { MessageWriter } from './protocol/writer.ts';
import * as B from './protocol/backend.ts';
import { PgState, errorFields } from './errors.ts';
import type { ServerConfig } from './config.ts';
import { ScramError, ScramExchange, SCRAM_MECHANISM, parseVerifier, passwordMatches } from './auth/scram.ts';
import { QueryHandler, type Wire } from './query/handler.ts';
import { REPORTED, Settings } from './session/settings.ts';

const SSL_REQUEST = 80877103;
const GSSENC_REQUEST = 80877104;
const CANCEL_REQUEST = 80877102;
const PROTOCOL_3_0 = 196608;
/** Bytes built before a row loop hands them to the socket. */
const FLUSH_AT = 64 * 1024;
/** Queued incoming messages past which the socket is paused. */
const MAX_QUEUED = 256;

export interface ServerContext {
  engine: Engine;
  config: ServerConfig;
  tls?: SecureContext;
  version: string;
  /** Secret for made-up SCRAM salts of unknown users (stable per server, so retries look alike). */
  mockKey: Buffer;
  register(c: Connection): void;
  unregister(c: Connection): void;
  /** A CancelRequest arrived: cancel the connection with this key. */
  cancel(pid: number, secret: number): void;
  /** Whether accepting one more session would exceed the connection limit. */
  overLimit(): boolean;
}

type Phase = 'startup' | 'auth-password' | 'auth-sasl-initial' | 'auth-sasl-final' | 'ready' | 'closed';

export class Connection implements Wire {
  readonly w = new MessageWriter();
  readonly flushAt = FLUSH_AT;
  readonly pid: number;
  readonly secret: number;
  private socket: Socket;
  private readonly ctx: ServerContext;
  private readonly framer: Framer;
  private phase: Phase = 'startup';
  private readonly queue: Frame[] = [];
  private processing = false;
  private paused = false;
  private user = '';
  private database = '';
  private startupParams: Record<string, string> = {};
  private scram?: ScramExchange;
  private session?: Session;
  private handler?: QueryHandler;
  private idleTimer?: NodeJS.Timeout;
  private drainWaiters: Array<() => void> = [];
  /** A statement waiting for the client's next message (COPY FROM STDIN reads its data this way). */
  private frameWaiter: ((f: Frame | null | 'interrupted') => void) | null = null;
  /** Resolves when the connection has closed and its session is released. */
  readonly closed: Promise<void>;
  private resolveClosed!: () => void;

  constructor(socket: Socket, ctx: ServerContext, pid: number, secret: number) {
    this.socket = socket;
    this.ctx = ctx;
    this.pid = pid;
    this.secret = secret;
    this.framer = new Framer(ctx.config.maxMessageSize);
    this.closed = new Promise((r) => { this.resolveClosed = r; });
    this.attach(socket);
  }

  private attach(s: Socket): void {
    s.setNoDelay(true);
    s.on('data', this.onData);
    s.on('drain', this.onDrain);
    s.on('error', () => this.destroy());
    s.on('close', () => this.destroy());
  }

  private readonly onData = (chunk: Buffer): void => {
    if (this.phase === 'closed') return;
    this.clearIdle();
    this.framer.push(chunk);
    try {
      for (;;) {
        const f = this.framer.next();
        if (!f) break;
        this.queue.push(f);
        if (this.phase === 'startup') break; // the answer may change the socket (TLS): one at a time
      }
    } catch (e) {
      this.protocolError(e instanceof Error ? e.message : String(e));
      return;
    }
    if (this.queue.length >= MAX_QUEUED && !this.paused) {
      this.paused = true;
      this.socket.pause();
    }
    if (this.frameWaiter !== null && this.queue.length > 0) {
      const w = this.frameWaiter;
      this.frameWaiter = null;
      w(this.takeFrame());
    }
    void this.pump();
  };

  private takeFrame(): Frame {
    const f = this.queue.shift()!;
    if (this.paused && this.queue.length < MAX_QUEUED / 2) {
      this.paused = false;
      this.socket.resume();
    }
    return f;
  }

  /**
   * The client's next message, for a statement that reads several (COPY FROM STDIN); null once the
   * connection is gone, 'interrupted' when the statement was cancelled while waiting.
   */
  nextFrame(): Promise<Frame | null | 'interrupted'> {
    if (this.phase === 'closed') return Promise.resolve(null);
    if (this.queue.length > 0) return Promise.resolve(this.takeFrame());
    return new Promise((resolve) => { this.frameWaiter = resolve; });
  }

  /** Ends a wait in nextFrame (the statement waiting was cancelled). */
  interruptFrameWait(): void {
    const w = this.frameWaiter;
    this.frameWaiter = null;
    w?.('interrupted');
  }

  private readonly onDrain = (): void => {
    const waiters = this.drainWaiters;
    this.drainWaiters = [];
    for (const w of waiters) w();
  };

  private async pump(): Promise<void> {
    if (this.processing) return;
    this.processing = true;
    try {
      while (this.queue.length > 0 && this.phase !== 'closed') {
        const f = this.takeFrame();
        const keepOpen = await this.dispatch(f);
        if (!keepOpen) {
          await this.flush();
          this.end();
          return;
        }
        // a startup-phase message may leave more complete messages buffered
        if (this.queue.length === 0 && this.framer.buffered > 0) this.onData(Buffer.alloc(0));
      }
      await this.flush();
      if (this.phase === 'ready') this.armIdle();
    } catch (e) {
      if (e instanceof FrameError) this.protocolError(e.message);
      else {
        B.errorResponse(this.w, { ...errorFields(e), severity: 'FATAL' });
        await this.flush().catch(() => {});
        this.end();
      }
    } finally {
      this.processing = false;
    }
  }

  private async dispatch(f: Frame): Promise<boolean> {
    switch (this.phase) {
      case 'startup': return this.startup(f);
      case 'auth-password': return this.passwordMessage(f);
      case 'auth-sasl-initial': case 'auth-sasl-final': return this.saslMessage(f);
      case 'ready': return this.handler!.handle(f);
      default: return false;
    }
  }

  // ---- startup ----

  private async startup(f: Frame): Promise<boolean> {
    const r = new BodyReader(f.body);
    const code = r.int32();
    if (code === SSL_REQUEST || code === GSSENC_REQUEST) {
      if (this.framer.buffered > 0) throw new FrameError('received unencrypted data after SSL request');
      if (code === SSL_REQUEST && this.ctx.tls && !(this.socket instanceof TLSSocket)) {
        this.socket.write('S');
        this.upgrade();
      } else {
        this.socket.write('N');
      }
      return true;
    }
    if (code === CANCEL_REQUEST) {
      const pid = r.int32();
      const secret = r.int32();
      this.ctx.cancel(pid, secret);
      return false;
    }
    const major = code >>> 16;
    const minor = code & 0xffff;
    if (major !== 3) {
      return this.fatal('0A000', `unsupported frontend protocol ${major}.${minor}: server supports 3.0 to 3.0`);
    }
    const params: Record<string, string> = {};
    const unrecognized: string[] = [];
    for (;;) {
      const k = r.cstring();
      if (k === '') break;
      const v = r.cstring();
      if (k.startsWith('_pq_.')) unrecognized.push(k);
      else params[k] = v;
    }
    if (code !== PROTOCOL_3_0 || unrecognized.length > 0) B.negotiateProtocolVersion(this.w, PROTOCOL_3_0, unrecognized);
    this.framer.typed = true;
    this.startupParams = params;
    this.user = params['user'] ?? '';
    if (this.user === '') return this.fatal(PgState.invalidAuthorization, 'no PostgreSQL user name specified in startup packet');
    if (this.ctx.config.tls?.required && !(this.socket instanceof TLSSocket)) {
      // as a pg_hba "hostssl"-only server says it: nothing about users or databases is revealed
      return this.fatal(PgState.invalidAuthorization, `no encryption: this server accepts only TLS connections (user "${this.user}")`);
    }
    this.database = params['database'] || 'freshet';
    if (this.ctx.overLimit()) return this.fatal(PgState.tooManyConnections, 'sorry, too many clients already');
    this.ctx.register(this);
    const auth = this.ctx.config.auth;
    if (auth === 'trust') return this.authenticated();
    if (auth === 'password') {
      B.authRequest(this.w, B.Auth.cleartext);
      this.phase = 'auth-password';
      return true;
    }
    const stored = this.ctx.config.users.find((u) => u.name === this.user)?.password;
    const verifier = stored === undefined ? undefined : parseVerifier(stored);
    if (stored !== undefined && verifier === undefined) {
      // a plain password in the config: SCRAM needs a verifier, so ask for the password in clear (TLS advised)
      B.authRequest(this.w, B.Auth.cleartext);
      this.phase = 'auth-password';
      return true;
    }
    this.scram = new ScramExchange(verifier, createHmac('sha256', this.ctx.mockKey).update(this.user).digest().subarray(0, 16));
    B.authRequest(this.w, B.Auth.sasl, Buffer.from(`${SCRAM_MECHANISM}\0\0`, 'utf8'));
    this.phase = 'auth-sasl-initial';
    return true;
  }

  private upgrade(): void {
    const raw = this.socket;
    raw.removeListener('data', this.onData);
    raw.removeListener('drain', this.onDrain);
    raw.removeAllListeners('error');
    raw.removeAllListeners('close');
    const tls = new TLSSocket(raw, { isServer: true, secureContext: this.ctx.tls! });
    this.socket = tls;
    this.attach(tls);
  }

  private passwordMessage(f: Frame): Promise<boolean> | boolean {
    if (f.type !== 'p'.charCodeAt(0)) throw new FrameError(`expected password response, got message type ${f.type}`);
    const password = new BodyReader(f.body).cstring();
    const stored = this.ctx.config.users.find((u) => u.name === this.user)?.password;
    let ok = false;
    if (stored !== undefined) {
      const v = parseVerifier(stored);
      if (v) ok = passwordMatches(password, v);
      else {
        const a = Buffer.from(password, 'utf8');
        const b = Buffer.from(stored, 'utf8');
        ok = a.length === b.length && timingSafeEqual(a, b);
      }
    }
    return ok ? this.authenticated() : this.authFailed();
  }

  private saslMessage(f: Frame): Promise<boolean> | boolean {
    if (f.type !== 'p'.charCodeAt(0)) throw new FrameError(`expected SASL response, got message type ${f.type}`);
    const r = new BodyReader(f.body);
    try {
      if (this.phase === 'auth-sasl-initial') {
        const mechanism = r.cstring();
        if (mechanism !== SCRAM_MECHANISM) return this.fatal(PgState.protocolViolation, `SASL authentication mechanism ${mechanism} is not supported`);
        const len = r.int32();
        const first = len < 0 ? '' : r.bytes(len).toString('utf8');
        B.authRequest(this.w, B.Auth.saslContinue, this.scram!.first(first));
        this.phase = 'auth-sasl-final';
        return true;
      }
      const final = this.scram!.final(r.bytes(r.remaining).toString('utf8'));
      if (final === null) return this.authFailed();
      B.authRequest(this.w, B.Auth.saslFinal, final);
      return this.authenticated();
    } catch (e) {
      if (e instanceof ScramError) return this.fatal(PgState.protocolViolation, e.message);
      throw e;
    }
  }

  private authFailed(): boolean {
    return this.fatal(PgState.invalidPassword, `password authentication failed for user "${this.user}"`);
  }

  private async authenticated(): Promise<boolean> {
    const engine = this.ctx.engine;
    const session = engine.createSession({ 'execution.runtime-mode': 'batch', ...this.ctx.config.options });
    const db = this.database;
    if (db !== 'freshet') {
      const dot = db.indexOf('.');
      const catName = dot < 0 ? db : db.slice(0, dot);
      const catalog = engine.catalogs.get(catName);
      const dbName = dot < 0 ? catalog?.defaultDatabase : db.slice(dot + 1);
      if (!catalog || dbName === undefined || !catalog.listDatabases().includes(dbName)) {
        const names = [...engine.catalogs.keys()].sort();
        return this.fatal(PgState.invalidCatalogName, `database "${db}" does not exist`, `Connect to "freshet" (the default catalog and database), a catalog (${names.join(', ')}) or catalog.database.`);
      }
      session.catalogs.currentCatalog = catName;
      session.catalogs.currentDatabase = dbName;
    }
    this.session = session;
    const settings = new Settings(session, {
      serverVersion: '15.0', freshetVersion: this.ctx.version, user: this.user,
      statementTimeoutMs: this.ctx.config.statementTimeout, idleSessionTimeoutMs: this.ctx.config.idleSessionTimeout,
    });
    try {
      for (const [k, v] of Object.entries(this.startupParams)) {
        if (k === 'user' || k === 'database' || k === 'replication') continue;
        if (k === 'options') continue; // command-line options (-c x=y) are not supported; ignored like unknown ones
        try { settings.set(k, v); } catch { /* unknown startup parameters are ignored, as a pooler would */ }
      }
    } finally {
      settings.takeChanged();
    }
    this.handler = new QueryHandler(session, settings, this);
    B.authRequest(this.w, B.Auth.ok);
    for (const name of REPORTED) B.parameterStatus(this.w, name, settings.get(name) ?? '');
    B.parameterStatus(this.w, 'server_version_num', settings.get('server_version_num')!);
    B.backendKeyData(this.w, this.pid, this.secret);
    B.readyForQuery(this.w, 'I');
    this.phase = 'ready';
    return true;
  }

  // ---- output ----

  async flush(): Promise<void> {
    const buf = this.w.take();
    if (!buf || this.phase === 'closed') return;
    if (this.socket.write(buf)) return;
    await new Promise<void>((resolve) => {
      if (this.phase === 'closed') resolve();
      else this.drainWaiters.push(resolve);
    });
  }

  private fatal(code: string, message: string, hint?: string): boolean {
    B.errorResponse(this.w, { severity: 'FATAL', code, message, hint });
    return false;
  }

  private protocolError(message: string): void {
    if (this.phase === 'closed') return;
    this.w.truncate(0);
    B.errorResponse(this.w, { severity: 'FATAL', code: PgState.protocolViolation, message: `protocol violation: ${message}` });
    const buf = this.w.take();
    if (buf) this.socket.write(buf);
    this.end();
  }

  private armIdle(): void {
    const ms = this.ctx.config.idleSessionTimeout;
    if (ms <= 0 || this.queue.length > 0) return;
    this.clearIdle();
    this.idleTimer = setTimeout(() => {
      if (this.processing || this.phase !== 'ready') return;
      B.errorResponse(this.w, { severity: 'FATAL', code: PgState.idleSessionTimeout, message: 'terminating connection due to idle-session timeout' });
      void this.flush().finally(() => this.end());
    }, ms);
    this.idleTimer.unref();
  }

  private clearIdle(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
  }

  /** Bytes encoded for the client and not yet taken by the network: bounded by backpressure. */
  get outputBuffered(): number {
    return this.socket.writableLength + this.w.length;
  }

  /** Whether the session is waiting for the client to read what was sent (its statement is paused). */
  get waitingForClient(): boolean {
    return this.drainWaiters.length > 0;
  }

  get userName(): string {
    return this.user;
  }

  /** Cancels the running statement (CancelRequest with this connection's key). */
  cancelRunning(): void {
    this.handler?.cancel();
  }

  /** Whether a CancelRequest's secret is this connection's (constant time). */
  matchesSecret(secret: number): boolean {
    const a = Buffer.alloc(4);
    const b = Buffer.alloc(4);
    a.writeInt32BE(this.secret);
    b.writeInt32BE(secret | 0);
    return timingSafeEqual(a, b);
  }

  /** Tells the client the server is shutting down, and closes. */
  shutdown(): void {
    if (this.phase === 'closed') return;
    this.handler?.cancel();
    B.errorResponse(this.w, { severity: 'FATAL', code: PgState.adminShutdown, message: 'terminating connection due to administrator command' });
    const buf = this.w.take();
    if (buf) this.socket.write(buf);
    this.end();
  }

  /** Half-closes after what was written, then tears down. */
  private end(): void {
    if (this.phase === 'closed') return;
    const s = this.socket;
    s.end(() => s.destroy());
    this.destroy();
  }

  private destroy(): void {
    if (this.phase === 'closed') return;
    this.phase = 'closed';
    this.clearIdle();
    this.onDrain();
    const w = this.frameWaiter;
    this.frameWaiter = null;
    w?.(null);
    this.handler?.close();
    if (this.session) this.ctx.engine.releaseSession(this.session);
    this.ctx.unregister(this);
    // give a half-closed socket a moment to flush, then make sure it is gone
    const s = this.socket;
    setTimeout(() => s.destroy(), 1000).unref();
    this.resolveClosed();
  }
}

export function newBackendKey(): { pid: number; secret: number } {
  return { pid: randomInt(1, 2 ** 31 - 1), secret: randomInt(-(2 ** 31), 2 ** 31 - 1) };
}

