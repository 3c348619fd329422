/**
 * The conversation after startup: Simple Query and the extended protocol (Parse, Bind, Describe,
 * Execute, Sync, Flush, Close), the transaction status the client sees, SET/SHOW, errors and notices.
 * One handler per connection, owning its engine Session; messages are handled one at a time, in order.
 */
import type { Session } from '../../session/session.ts';
import type { ResultColumn, StatementResult } from '../../session/result.ts';
import { parseStatement } from '../../sql/parse.ts';
import { FreshetError, SqlState } from '../../util/errors.ts';
import { T } from '../../types/data-type.ts';
import * as B from '../protocol/backend.ts';
import { BodyReader, FrameError, type Frame } from '../protocol/framer.ts';
import type { MessageWriter } from '../protocol/writer.ts';
import { PgState, errorFields, type TextOrigin } from '../errors.ts';
import { splitStatements } from '../sql/split.ts';
import { recognize, type PgCommand } from '../sql/pg-commands.ts';
import { findParams, literalFor, substitute, type ParamSlot } from '../sql/params.ts';
import { binaryParamToText } from '../types/binary-format.ts';
import { Oid } from '../types/oids.ts';
import type { Settings } from '../session/settings.ts';
import { planQuery, returnsRows, runStatement } from './run.ts';
import { postgresColumnNames, recognizeCatalogQuery, type CatalogQuery } from '../pg-catalog/catalog-query.ts';
import type { SessionView } from '../pg-catalog/metadata.ts';
import { PgSystemCatalog } from '../pg-catalog/system-catalog.ts';

/** What the handler needs from its connection. */
export interface Wire {
  readonly w: MessageWriter;
  /** Sends what was built; resolves when the socket can take more (backpressure). */
  flush(): Promise<void>;
  /** Bytes built past which row loops flush. */
  readonly flushAt: number;
}

type TxStatus = 'I' | 'T' | 'E';

interface Prepared {
  /** The statement text as the client sent it (for error positions). */
  text: string;
  /** Where the statement starts in `text` after leading space and comments; undefined = empty statement. */
  stmt?: { sql: string; offset: number };
  pg?: PgCommand;
  /**
   * Whether it is a query of the emulated Postgres catalog (pg_catalog, information_schema, version(), ...),
   * whose columns get Postgres' names: found out when a result has unnamed columns (null: it is not).
   */
  catalog?: CatalogQuery | null;
  slots: ParamSlot[];
  oids: number[];
}

interface Portal {
  prepared: Prepared;
  values: Array<string | null>;
  formats: number[];
  /** The result, once run (by Describe for row statements, or Execute). */
  result?: { columns: ResultColumn[] | null; rows: unknown[][]; tag: string; warnings: string[]; origin?: TextOrigin };
  /** Rows sent so far. */
  sent: number;
  done: boolean;
}

const c = (ch: string): number => ch.charCodeAt(0);
const TEXT_COLUMN = (name: string): ResultColumn => ({ name, type: T.string() });
const UNTYPED_RETRY = new Set<string>([SqlState.datatypeMismatch, SqlState.undefinedFunction]);

export class QueryHandler {
  private readonly session: Session;
  private readonly settings: Settings;
  private readonly wire: Wire;
  private tx: TxStatus = 'I';
  private skipUntilSync = false;
  private readonly prepared = new Map<string, Prepared>();
  private readonly portals = new Map<string, Portal>();
  /** Set by cancel() (CancelRequest) and the statement timeout; cleared when a statement starts. */
  private cancelReason: 'user' | 'timeout' | null = null;
  private running = false;

  private readonly systemCatalog: PgSystemCatalog;

  constructor(session: Session, settings: Settings, wire: Wire) {
    this.session = session;
    this.settings = settings;
    this.wire = wire;
    // statements of a wire session are read in the Postgres dialect, with the emulated system catalog
    this.systemCatalog = new PgSystemCatalog(this.catalogView());
    session.dialect = 'postgres';
    session.systemCatalog = this.systemCatalog;
  }

  /** What the emulated catalog sees of this connection. */
  private catalogView(): SessionView {
    const settings = this.settings;
    return {
      catalogs: this.session.catalogs,
      get user() { return settings.get('session_authorization') ?? 'freshet'; },
      setting: (name) => settings.get(name),
      setSetting: (name, value) => {
        const warning = settings.set(name, value);
        if (warning) this.notices([warning]);
      },
      allSettings: () => settings.all(),
      get serverVersion() { return settings.get('server_version') ?? '15.0'; },
      get freshetVersion() { return settings.get('freshet_version') ?? ''; },
    };
  }

  /**
   * Columns named as Postgres names them if the statement (`sql`, or a prepared one) is a catalog query;
   * other queries keep Freshet's names. Only results with unnamed columns (EXPR$n) need to know which.
   */
  private named(columns: ResultColumn[], statement: string | Prepared): ResultColumn[] {
    if (!columns.some((c) => /^EXPR\$\d+$/.test(c.name))) return columns;
    let cq: CatalogQuery | undefined;
    if (typeof statement === 'string') cq = recognizeCatalogQuery(statement);
    else {
      if (statement.catalog === undefined) statement.catalog = statement.stmt ? recognizeCatalogQuery(statement.stmt.sql) ?? null : null;
      cq = statement.catalog ?? undefined;
    }
    if (!cq) return columns;
    const names = postgresColumnNames(cq, columns.map((c) => c.name));
    return columns.map((c, i) => (c.name === names[i] ? c : { ...c, name: names[i]! }));
  }

  get status(): TxStatus {
    return this.tx;
  }

  /** Aborts the running statement, if any (CancelRequest). */
  cancel(reason: 'user' | 'timeout' = 'user'): void {
    if (!this.running) return;
    this.cancelReason = reason;
    this.session.cancel();
  }

  /** Handles one message; returns false for Terminate. */
  async handle(f: Frame): Promise<boolean> {
    const r = new BodyReader(f.body);
    if (f.type === c('X')) return false;
    // as in Postgres, a Query after an extended-protocol error is discarded too: only Sync ends the skipping
    if (this.skipUntilSync && f.type !== c('S')) return true;
    switch (String.fromCharCode(f.type)) {
      case 'Q': {
        const sql = r.cstring();
        this.skipUntilSync = false;
        await this.simpleQuery(sql);
        B.readyForQuery(this.wire.w, this.tx);
        await this.wire.flush();
        return true;
      }
      case 'P': return this.guard(() => this.parse(r));
      case 'B': return this.guard(() => this.bind(r));
      case 'D': return this.guard(() => this.describe(r));
      case 'E': return this.guard(() => this.execute(r));
      case 'C': return this.guard(() => this.close(r));
      case 'H': await this.wire.flush(); return true;
      case 'S': {
        this.skipUntilSync = false;
        this.portals.delete('');
        B.readyForQuery(this.wire.w, this.tx);
        await this.wire.flush();
        return true;
      }
      case 'd': case 'c': case 'f': return true; // COPY data outside COPY: Postgres ignores it too
      case 'F': return this.guard(async () => { throw new FreshetError(SqlState.featureNotSupported, 'the function call protocol is not supported'); });
      default:
        throw new FrameError(`invalid frontend message type ${f.type}`);
    }
  }

  /** Runs an extended-protocol step; an error is reported and everything up to Sync is skipped. */
  private async guard(step: () => Promise<void> | void): Promise<boolean> {
    try {
      await step();
    } catch (e) {
      if (e instanceof FrameError) throw e;
      this.fail(e, (e as { origin?: TextOrigin }).origin);
      this.skipUntilSync = true;
    }
    return true;
  }

  private fail(e: unknown, origin?: TextOrigin): void {
    B.errorResponse(this.wire.w, errorFields(e, origin));
    if (this.tx === 'T') this.tx = 'E';
  }

  private notices(warnings: readonly string[]): void {
    for (const m of warnings) B.errorResponse(this.wire.w, { severity: 'WARNING', code: PgState.warning, message: m }, true);
  }

  private checkFailedTransaction(pg: PgCommand | undefined): void {
    if (this.tx === 'E' && pg?.kind !== 'commit' && pg?.kind !== 'rollback') {
      throw new FreshetError(PgState.inFailedTransaction, 'current transaction is aborted, commands ignored until end of transaction block', {
        hint: 'ROLLBACK ends it (Freshet runs each statement on its own; the transaction block only tracks status).',
      });
    }
  }

  // ---- Simple Query ----

  private async simpleQuery(sql: string): Promise<void> {
    const pieces = splitStatements(sql);
    if (pieces.length === 0) {
      B.emptyQueryResponse(this.wire.w);
      return;
    }
    for (const piece of pieces) {
      const origin: TextOrigin = { text: sql, executed: piece.text, map: (o) => piece.offset + o };
      try {
        const pg = recognize(piece.text);
        this.checkFailedTransaction(pg);
        if (pg) {
          await this.pgCommand(pg, true, [0]);
          continue;
        }
        const out = toWire(await this.run(piece.text));
        // set_config() may have changed settings the client is told about
        this.reportChanged();
        if (out.columns) out.columns = this.named(out.columns, piece.text);
        if (out.columns) B.rowDescription(this.wire.w, out.columns, out.columns.map(() => 0));
        await this.sendRows(out.columns ?? [], out.rows, 0, out.rows.length, [0]);
        this.notices(out.warnings);
        B.commandComplete(this.wire.w, out.tag);
      } catch (e) {
        if (e instanceof FrameError) throw e;
        this.fail(e, origin);
        return;
      }
    }
  }

  /** Runs an engine statement with the statement timeout and cancellation armed. */
  private async run(sql: string): Promise<StatementResult> {
    this.cancelReason = null;
    this.running = true;
    const timeout = this.settings.statementTimeout();
    const timer = timeout > 0 ? setTimeout(() => this.cancel('timeout'), timeout) : undefined;
    try {
      return await runStatement(this.session, sql, { cancelled: () => this.cancelReason !== null });
    } catch (e) {
      if (this.cancelReason === 'timeout' && e instanceof FreshetError && e.sqlState === SqlState.queryCanceled) {
        throw new FreshetError(SqlState.queryCanceled, 'canceling statement due to statement timeout');
      }
      throw e;
    } finally {
      if (timer) clearTimeout(timer);
      this.running = false;
      this.cancelReason = null;
    }
  }

  /** DataRows for rows[from, to), flushing (and waiting for the socket) every flushAt bytes. */
  private async sendRows(columns: readonly ResultColumn[], rows: readonly unknown[][], from: number, to: number, formats: readonly number[]): Promise<void> {
    if (to <= from) return;
    const reg = this.systemCatalog.session;
    const encoders = B.fieldEncoders(columns, B.resultFormats(formats, columns.length), this.session.options.timeZone(), (t, oid) => reg.regName(t, oid));
    const w = this.wire.w;
    const limit = this.wire.flushAt;
    for (let i = from; i < to; i++) {
      B.dataRow(w, rows[i]!, encoders);
      if (w.length >= limit) await this.wire.flush();
    }
  }

  private async pgCommand(pg: PgCommand, describeRows: boolean, formats: readonly number[]): Promise<void> {
    const w = this.wire.w;
    switch (pg.kind) {
      case 'begin':
        if (this.tx !== 'I') this.notices(['there is already a transaction in progress']);
        else this.tx = 'T';
        B.commandComplete(w, pg.tag);
        return;
      case 'commit': {
        const failed = this.tx === 'E';
        if (this.tx === 'I') this.notices(['there is no transaction in progress']);
        this.tx = 'I';
        B.commandComplete(w, failed ? 'ROLLBACK' : 'COMMIT');
        return;
      }
      case 'rollback':
        if (this.tx === 'I') this.notices(['there is no transaction in progress']);
        this.tx = 'I';
        B.commandComplete(w, 'ROLLBACK');
        return;
      case 'set': {
        const warning = this.settings.set(pg.name, pg.value);
        if (warning) this.notices([warning]);
        this.reportChanged();
        B.commandComplete(w, 'SET');
        return;
      }
      case 'setNoop':
        B.commandComplete(w, pg.tag);
        return;
      case 'reset':
        this.settings.reset(pg.name);
        this.reportChanged();
        B.commandComplete(w, 'RESET');
        return;
      case 'discard':
        this.settings.reset();
        this.prepared.clear();
        this.portals.clear();
        this.reportChanged();
        B.commandComplete(w, 'DISCARD ALL');
        return;
      case 'deallocate':
        // psycopg 3 sends DEALLOCATE ALL after a rollback; the unnamed statement stays, as in Postgres
        if (pg.name === undefined) {
          for (const name of [...this.prepared.keys()]) if (name !== '') this.prepared.delete(name);
        } else if (!this.prepared.delete(pg.name)) {
          throw new FreshetError(PgState.invalidStatementName, `prepared statement "${pg.name}" does not exist`);
        }
        B.commandComplete(w, pg.name === undefined ? 'DEALLOCATE ALL' : 'DEALLOCATE');
        return;
      case 'show': case 'showAll': {
        const { columns, rows } = showResult(this.settings, pg);
        if (describeRows) B.rowDescription(w, columns, columns.map(() => 0));
        await this.sendRows(columns, rows, 0, rows.length, formats);
        B.commandComplete(w, 'SHOW');
        return;
      }
    }
  }

  private reportChanged(): void {
    for (const [name, value] of this.settings.takeChanged()) B.parameterStatus(this.wire.w, name, value);
  }

  // ---- extended protocol ----

  private parse(r: BodyReader): void {
    const name = r.cstring();
    const text = r.cstring();
    const n = r.int16();
    const oids: number[] = [];
    for (let i = 0; i < n; i++) oids.push(r.uint32());
    if (name !== '' && this.prepared.has(name)) throw new FreshetError(PgState.duplicatePreparedStatement, `prepared statement "${name}" already exists`);
    const pieces = splitStatements(text);
    if (pieces.length > 1) throw new FreshetError(SqlState.syntaxError, 'cannot insert multiple commands into a prepared statement');
    const p: Prepared = { text, slots: [], oids };
    if (pieces.length === 1) {
      const piece = pieces[0]!;
      p.stmt = { sql: piece.text, offset: piece.offset };
      p.pg = recognize(piece.text);
      if (!p.pg) {
        try {
          const found = findParams(piece.text);
          p.slots = found.slots;
          while (p.oids.length < found.count) p.oids.push(0);
        } catch (e) {
          if (e instanceof FreshetError && e.position !== undefined) {
            B.errorResponse(this.wire.w, errorFields(e, { text, executed: piece.text, map: (o) => piece.offset + o }));
            if (this.tx === 'T') this.tx = 'E';
            this.skipUntilSync = true;
            return;
          }
          throw e;
        }
      }
    }
    this.prepared.set(name, p);
    B.simple(this.wire.w, '1');
  }

  private bind(r: BodyReader): void {
    const portalName = r.cstring();
    const stmtName = r.cstring();
    const nf = r.int16();
    const formats: number[] = [];
    for (let i = 0; i < nf; i++) formats.push(r.int16());
    const nv = r.int16();
    const raw: Array<Buffer | null> = [];
    for (let i = 0; i < nv; i++) {
      const len = r.int32();
      raw.push(len === -1 ? null : r.bytes(len));
    }
    const nr = r.int16();
    const resultFormats: number[] = [];
    for (let i = 0; i < nr; i++) resultFormats.push(r.int16());
    const p = this.prepared.get(stmtName);
    if (!p) throw new FreshetError(PgState.invalidStatementName, `prepared statement "${stmtName}" does not exist`);
    if (portalName !== '' && this.portals.has(portalName)) throw new FreshetError(PgState.duplicateCursor, `portal "${portalName}" already exists`);
    const expected = p.oids.length;
    if (nv !== expected) throw new FreshetError(PgState.protocolViolation, `bind message supplies ${nv} parameters, but prepared statement "${stmtName}" requires ${expected}`);
    if (nf > 1 && nf !== nv) throw new FreshetError(PgState.protocolViolation, `bind message has ${nf} parameter formats but ${nv} parameters`);
    for (const fmt of [...formats, ...resultFormats]) if (fmt !== 0 && fmt !== 1) throw new FreshetError(PgState.protocolViolation, `invalid format code ${fmt}`);
    const values = raw.map((b, i) => {
      if (b === null) return null;
      const fmt = nf === 0 ? 0 : nf === 1 ? formats[0]! : formats[i]!;
      if (fmt === 1) return binaryParamToText(p.oids[i]!, b);
      const s = b.toString('utf8');
      if (s.includes('\0')) throw new FreshetError(SqlState.invalidParameterValue, 'a parameter value contains a NUL character');
      return s;
    });
    this.portals.set(portalName, { prepared: p, values, formats: resultFormats, sent: 0, done: false });
    B.simple(this.wire.w, '2');
  }

  private async describe(r: BodyReader): Promise<void> {
    const what = r.byte();
    const name = r.cstring();
    if (what === c('S')) {
      const p = this.prepared.get(name);
      if (!p) throw new FreshetError(PgState.invalidStatementName, `prepared statement "${name}" does not exist`);
      // columns first: a statement that does not bind gets an ErrorResponse alone, not after a ParameterDescription
      const columns = await this.describeStatement(p);
      B.parameterDescription(this.wire.w, p.oids.map((o) => (o === 0 ? Oid.text : o)));
      if (columns) B.rowDescription(this.wire.w, columns, columns.map(() => 0));
      else B.simple(this.wire.w, 'n');
      return;
    }
    if (what !== c('P')) throw new FrameError(`invalid Describe target ${what}`);
    const portal = this.portals.get(name);
    if (!portal) throw new FreshetError(PgState.invalidCursorName, `portal "${name}" does not exist`);
    const p = portal.prepared;
    let columns: ResultColumn[] | null = null;
    if (p.pg) {
      if (p.pg.kind === 'show' || p.pg.kind === 'showAll') columns = showResult(this.settings, p.pg).columns;
    } else if (p.stmt && returnsRows(parseStatement(p.stmt.sql, { dialect: 'postgres' }))) {
      // row statements run here, so the description is exactly what Execute sends
      await this.runPortal(portal);
      columns = portal.result!.columns;
    }
    if (columns) B.rowDescription(this.wire.w, columns, B.resultFormats(portal.formats, columns.length));
    else B.simple(this.wire.w, 'n');
  }

  /** Row columns of a prepared statement without running it (queries are bound with NULL parameters). */
  private async describeStatement(p: Prepared): Promise<ResultColumn[] | null> {
    if (p.pg) return p.pg.kind === 'show' || p.pg.kind === 'showAll' ? showResult(this.settings, p.pg).columns : null;
    if (!p.stmt) return null;
    const sub = substitute(p.stmt.sql, p.slots, p.oids.map((o) => literalFor(null, o, true)));
    const offset = p.stmt.offset;
    try {
      const st = parseStatement(sub.text, { dialect: 'postgres' });
      if (st.kind === 'queryStatement') return this.named((await planQuery(this.session, st, sub.text)).columns, p);
      if (st.kind === 'show' || st.kind === 'describe' || st.kind === 'explain') return toWire(await this.run(sub.text)).columns;
      return null;
    } catch (e) {
      // the error's position is in the substituted text; guard() reports it in the client's text
      (e as { origin?: TextOrigin }).origin = { text: p.text, executed: sub.text, map: (o) => offset + sub.originalOffset(o) };
      throw e;
    }
  }

  /** Runs a bound portal's statement once, keeping its result for Execute. */
  private async runPortal(portal: Portal): Promise<void> {
    if (portal.result) return;
    const p = portal.prepared;
    const stmt = p.stmt!;
    const attempt = async (untypedAsString: boolean): Promise<{ res: StatementResult; origin: TextOrigin }> => {
      const literals = portal.values.map((v, i) => literalFor(v, p.oids[i]!, untypedAsString));
      const sub = substitute(stmt.sql, p.slots, literals);
      const origin: TextOrigin = { text: p.text, executed: sub.text, map: (o) => stmt.offset + sub.originalOffset(o) };
      try {
        return { res: await this.run(sub.text), origin };
      } catch (e) {
        (e as { origin?: TextOrigin }).origin = origin;
        throw e;
      }
    };
    let out: { res: StatementResult; origin: TextOrigin };
    try {
      out = await attempt(false);
    } catch (e) {
      const numericGuess = portal.values.some((v, i) => v !== null && (p.oids[i] === 0 || p.oids[i] === Oid.unknown) && /^[+-]?(\d|\.\d)/.test(v));
      if (!(e instanceof FreshetError) || !UNTYPED_RETRY.has(e.sqlState) || !numericGuess) throw e;
      out = await attempt(true);
    }
    const wire = toWire(out.res);
    this.reportChanged();
    if (wire.columns) wire.columns = this.named(wire.columns, p);
    portal.result = { ...wire, origin: out.origin };
  }

  private async execute(r: BodyReader): Promise<void> {
    const name = r.cstring();
    const maxRows = r.int32();
    const portal = this.portals.get(name);
    if (!portal) throw new FreshetError(PgState.invalidCursorName, `portal "${name}" does not exist`);
    const p = portal.prepared;
    if (!p.stmt) {
      B.emptyQueryResponse(this.wire.w);
      return;
    }
    this.checkFailedTransaction(p.pg);
    if (p.pg) {
      if (portal.done) { B.commandComplete(this.wire.w, 'SHOW'); return; }
      portal.done = true;
      await this.pgCommand(p.pg, false, portal.formats);
      return;
    }
    try {
      await this.runPortal(portal);
    } catch (e) {
      const origin = (e as { origin?: TextOrigin }).origin;
      this.fail(e, origin);
      this.skipUntilSync = true;
      return;
    }
    const res = portal.result!;
    if (res.columns === null) {
      if (!portal.done) this.notices(res.warnings);
      portal.done = true;
      B.commandComplete(this.wire.w, res.tag);
      return;
    }
    const from = portal.sent;
    const to = maxRows > 0 ? Math.min(res.rows.length, from + maxRows) : res.rows.length;
    await this.sendRows(res.columns, res.rows, from, to, portal.formats);
    portal.sent = to;
    if (to < res.rows.length) {
      B.simple(this.wire.w, 's');
      return;
    }
    if (!portal.done) this.notices(res.warnings);
    portal.done = true;
    B.commandComplete(this.wire.w, res.tag.startsWith('SELECT') ? `SELECT ${to - from}` : res.tag);
  }

  private close(r: BodyReader): void {
    const what = r.byte();
    const name = r.cstring();
    if (what === c('S')) this.prepared.delete(name);
    else if (what === c('P')) this.portals.delete(name);
    else throw new FrameError(`invalid Close target ${what}`);
    B.simple(this.wire.w, '3');
  }
}

/** SHOW name / SHOW ALL as rows. */
function showResult(settings: Settings, pg: PgCommand): { columns: ResultColumn[]; rows: unknown[][] } {
  if (pg.kind === 'showAll') {
    return { columns: [TEXT_COLUMN('name'), TEXT_COLUMN('setting'), TEXT_COLUMN('description')], rows: settings.all() };
  }
  const name = (pg as { name: string }).name;
  const v = settings.get(name);
  if (v === undefined) throw new FreshetError('42704', `unrecognized configuration parameter "${name}"`, { hint: 'SHOW ALL lists the settings.' });
  return { columns: [TEXT_COLUMN(name.toLowerCase() === 'timezone' ? 'TimeZone' : settings.displayName(name))], rows: [[v]] };
}

/** An engine result as the wire sends it: columns (null = no rows), rows, the command tag, warnings. */
function toWire(res: StatementResult): { columns: ResultColumn[] | null; rows: unknown[][]; tag: string; warnings: string[] } {
  switch (res.kind) {
    case 'rows':
      return { columns: res.columns, rows: res.rows, tag: res.command === 'SELECT' ? `SELECT ${res.rows.length}` : res.command, warnings: res.warnings };
    case 'text': {
      const explain = res.command === 'EXPLAIN';
      const rows = explain ? res.text.replace(/\n$/, '').split('\n').map((l) => [l]) : [[res.text]];
      return { columns: [TEXT_COLUMN(explain ? 'QUERY PLAN' : 'result')], rows, tag: res.command, warnings: res.warnings };
    }
    case 'ok': {
      const warnings = [...res.warnings];
      if (res.jobId !== undefined) warnings.unshift(res.message);
      const tag = res.command === 'INSERT' ? `INSERT 0 ${res.rowCount ?? 0}` : res.command;
      return { columns: null, rows: [], tag, warnings };
    }
    case 'stream':
      // queries run as batch or are collected in run.ts; a stream here is a bug
      throw new FreshetError(SqlState.internalError, 'internal error: unexpected streaming result');
  }
}
