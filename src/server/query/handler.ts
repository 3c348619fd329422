/**
 * The conversation after startup: Simple Query and the extended protocol (Parse, Bind, Describe,
 * Execute, Sync, Flush, Close), the transaction status the client sees, SET/SHOW, errors and notices.
 * One handler per connection, owning its engine Session; messages are handled one at a time, in order.
 */
import type * as A from '../../sql/ast.ts';
import type { Session } from '../../session/session.ts';
import type { ResultColumn, StatementResult } from '../../session/result.ts';
import type { Batch, Field } from '../../types/batch.ts';
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
import { openQuery, planQuery, returnsRows, runStatement, subscribeColumns } from './run.ts';
import { arrayStream, ResultRowStream, type RowStream } from './row-stream.ts';
import { Cursors, cursorName, fetch, fetchTimeout } from './cursors.ts';
import { copyFormat, type CopyFormat } from '../copy/copy-format.ts';
import { CopyDecoder, type FieldSink } from '../copy/copy-decoder.ts';
import { CopyEncoder } from '../copy/copy-encoder.ts';
import { CopyInSource, CopyRowBuilder } from '../copy/copy-in.ts';
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
  /**
   * The client's next message, read by a statement in the middle of running (COPY FROM STDIN); null when
   * the connection is gone, 'interrupted' when interruptFrameWait() was called meanwhile.
   */
  nextFrame(): Promise<Frame | null | 'interrupted'>;
  interruptFrameWait(): void;
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
  /** Whether the statement returns rows (worked out at the first Describe of one of its portals). */
  returnsRows?: boolean;
}

interface Portal {
  prepared: Prepared;
  values: Array<string | null>;
  formats: number[];
  /** The result, once run (by Describe for row statements, or Execute). */
  result?: WireResult & { origin?: TextOrigin };
  /** The statement as run (parameters substituted), for COPY, which runs at Execute only. */
  bound?: { st: A.Statement; sql: string; origin: TextOrigin };
  done: boolean;
}

/** A statement's outcome as the wire sends it: rows to stream (or none) and the command tag. */
interface WireResult {
  stream: RowStream | null;
  /** The command tag, given the rows sent by the Execute that finished the result. */
  tag: (rows: number) => string;
  warnings: string[];
  /** Rows in binary format whatever the client asked (a BINARY cursor's FETCH). */
  binary?: boolean;
}

/** Rows read from a stream per chunk written to the socket. */
const READ_CHUNK = 1024;

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
  private readonly cursors = new Cursors();
  /** The stream the running statement is sending (a CancelRequest stops it). */
  private reading: RowStream | null = null;
  /** The data source of a running COPY FROM STDIN (a CancelRequest fails it). */
  private copying: CopyInSource | null = null;

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
    this.reading?.cancel();
    if (this.copying) {
      this.copying.fail(canceled());
      // a COPY waiting for the client's data answers now, as Postgres does
      this.wire.interruptFrameWait();
    }
  }

  /** The connection is gone: stop what runs and what cursors and portals hold open. */
  close(): void {
    this.cancel();
    this.cursors.closeAll();
    this.dropPortals();
  }

  /** Drops every portal, stopping the queries of those still open. */
  private dropPortals(): void {
    for (const p of this.portals.values()) p.result?.stream?.cancel();
    this.portals.clear();
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
      case 'C': return this.guard(() => this.closeMessage(r));
      case 'H': await this.wire.flush(); return true;
      case 'S': {
        this.skipUntilSync = false;
        // portals live until the end of their transaction: outside a block, Sync ends it
        if (this.tx === 'I') this.dropPortals();
        else {
          this.portals.get('')?.result?.stream?.cancel();
          this.portals.delete('');
        }
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
        const st = parseStatement(piece.text, { dialect: 'postgres' });
        await this.active(async () => {
          if (st.kind === 'copy') {
            B.commandComplete(this.wire.w, await this.copy(st, piece.text));
            return;
          }
          const out = await this.open(st, piece.text);
          // set_config() may have changed settings the client is told about
          this.reportChanged();
          let n = 0;
          if (out.stream) {
            const formats = out.binary ? [1] : [0];
            B.rowDescription(this.wire.w, out.stream.columns, B.resultFormats(formats, out.stream.columns.length));
            n = await this.sendStream(out.stream, formats, Number.POSITIVE_INFINITY);
          }
          this.notices(out.warnings);
          B.commandComplete(this.wire.w, out.tag(n));
        });
      } catch (e) {
        if (e instanceof FrameError) throw e;
        this.fail(e, origin);
        return;
      }
    }
  }

  /**
   * Runs `fn` as the running statement: the statement timeout armed, cancellable by a CancelRequest
   * (also while its rows are being sent), a cancellation reported as 57014.
   */
  private async active<T>(fn: () => Promise<T>): Promise<T> {
    if (this.running) return fn();
    this.cancelReason = null;
    this.running = true;
    const timeout = this.settings.statementTimeout();
    const timer = timeout > 0 ? setTimeout(() => this.cancel('timeout'), timeout) : undefined;
    try {
      return await fn();
    } catch (e) {
      if (this.cancelReason === 'timeout' && e instanceof FreshetError && e.sqlState === SqlState.queryCanceled) {
        throw new FreshetError(SqlState.queryCanceled, 'canceling statement due to statement timeout');
      }
      throw e;
    } finally {
      if (timer) clearTimeout(timer);
      this.running = false;
      this.cancelReason = null;
      this.reading = null;
      this.copying = null;
    }
  }

  /** Runs an engine statement with the statement timeout and cancellation armed. */
  private run(sql: string, st?: A.Statement): Promise<StatementResult> {
    return this.active(() => runStatement(this.session, sql, this.hooks, st));
  }

  private readonly hooks = { cancelled: () => this.cancelReason !== null };

  /** A cancelled statement whose stream ended quietly (a subscription's job stops without an error) still fails. */
  private checkCancelled(): void {
    if (this.cancelReason !== null) throw canceled();
  }

  /**
   * Runs a statement other than COPY and returns its rows as a stream: queries and SUBSCRIBE are opened,
   * not read; cursor statements are answered here; everything else runs in the engine.
   */
  private async open(st: A.Statement, sql: string): Promise<WireResult> {
    switch (st.kind) {
      case 'queryStatement': case 'subscribe': {
        const stream = await this.openStream(st, sql);
        return { stream, tag: (n) => `${stream.command} ${n}`, warnings: stream.warnings };
      }
      case 'declareCursor': {
        if (this.tx === 'I' && !st.hold) {
          throw new FreshetError(PgState.noActiveTransaction, 'DECLARE CURSOR can only be used in transaction blocks', {
            hint: 'Run it after BEGIN, or declare the cursor WITH HOLD to keep it outside one.',
          });
        }
        if (st.scroll) throw new FreshetError(SqlState.featureNotSupported, 'SCROLL cursors are not supported', { hint: 'Declare it NO SCROLL (or without SCROLL): Freshet cursors read forward only.' });
        const name = cursorName(st.name);
        this.cursors.checkFree(name);
        const stream = await this.openStream(st.statement, sql);
        this.cursors.declare(name, stream, st.hold, st.binary, this.tx !== 'I');
        return { stream: null, tag: () => 'DECLARE CURSOR', warnings: [] };
      }
      case 'fetch': {
        const cursor = this.cursors.get(cursorName(st.cursor));
        const timeout = fetchTimeout(st.options);
        this.reading = cursor.stream;
        const out = await fetch(cursor, st, timeout);
        this.checkCancelled();
        if (st.move) return { stream: null, tag: () => `MOVE ${out.count}`, warnings: [] };
        return { stream: arrayStream(cursor.stream.columns, out.rows, 'FETCH'), tag: () => `FETCH ${out.rows.length}`, warnings: [], binary: cursor.binary };
      }
      case 'closeCursor':
        if (st.cursor === undefined) this.cursors.closeAll();
        else this.cursors.close(cursorName(st.cursor));
        return { stream: null, tag: () => (st.cursor === undefined ? 'CLOSE CURSOR ALL' : 'CLOSE CURSOR'), warnings: [] };
      case 'copy':
        throw new FreshetError(SqlState.internalError, 'internal error: COPY reached the statement runner');
      default: {
        const out = toWire(await this.run(sql, st));
        const columns = out.columns === null ? null : this.named(out.columns, sql);
        const stream = columns === null ? null : arrayStream(columns, out.rows, out.tag);
        return { stream, tag: () => out.tag, warnings: out.warnings };
      }
    }
  }

  /** A query or SUBSCRIBE as a stream of rows, not read yet. */
  private async openStream(st: A.QueryStatement | A.SubscribeStatement, sql: string): Promise<RowStream> {
    const res = await this.active(() => openQuery(this.session, st, sql, this.hooks));
    if (res.kind === 'rows') return arrayStream(this.named(res.columns, sql), res.rows, res.command, res.warnings);
    const stream = new ResultRowStream(res, st.kind === 'subscribe');
    if (st.kind === 'queryStatement') stream.columns = this.named(stream.columns, sql);
    return stream;
  }

  /**
   * Sends up to `max` rows of a stream as DataRows, flushing (and waiting for the socket) every flushAt
   * bytes, and after every chunk of a continuous stream so that each change goes out when it arrives.
   * Nothing more is read while the socket is full: the query behind the stream waits.
   */
  private async sendStream(stream: RowStream, formats: readonly number[], max: number): Promise<number> {
    const reg = this.systemCatalog.session;
    const w = this.wire.w;
    const limit = this.wire.flushAt;
    this.reading = stream;
    let n = 0;
    try {
      const encoders = B.fieldEncoders(stream.columns, B.resultFormats(formats, stream.columns.length), this.session.options.timeZone(), (t, oid) => reg.regName(t, oid));
      while (n < max) {
        const rows = await stream.read(Math.min(READ_CHUNK, max - n));
        this.checkCancelled();
        if (rows.length === 0) break;
        for (const row of rows) {
          B.dataRow(w, row, encoders);
          if (w.length >= limit) await this.wire.flush();
        }
        n += rows.length;
        if (stream.continuous) await this.wire.flush();
        this.checkCancelled();
      }
    } catch (e) {
      // a statement that failed or was cancelled while sending stops its query
      stream.cancel();
      throw e;
    } finally {
      this.reading = null;
    }
    return n;
  }

  // ---- COPY ----

  /** COPY .. FROM STDIN or TO STDOUT; returns the command tag. */
  private async copy(st: A.CopyStatement, sql: string): Promise<string> {
    const format = copyFormat(st, sql);
    const endpoint = st.endpoint;
    if (endpoint.kind === 'file' || endpoint.kind === 'program') {
      const dir = st.direction === 'from' ? 'FROM' : 'TO';
      throw new FreshetError(SqlState.featureNotSupported, `COPY ${dir} a ${endpoint.kind} on the server is not supported`, {
        hint: `Use COPY .. ${dir} ${st.direction === 'from' ? 'STDIN' : 'STDOUT'}: psql's \\copy does that with a file on the client.`,
      }).at(sql, endpoint.loc.start);
    }
    if (st.direction === 'from') {
      if (endpoint.kind !== 'stdin') throw new FreshetError(SqlState.syntaxError, 'COPY FROM reads STDIN, not STDOUT').at(sql, endpoint.loc.start);
      if (st.source.kind !== 'table') throw new FreshetError(SqlState.syntaxError, 'COPY FROM copies into a table, not into a query', { hint: 'Write COPY table [(columns)] FROM STDIN.' }).at(sql, st.loc.start);
      return this.copyIn(st, format, sql);
    }
    if (endpoint.kind !== 'stdout') throw new FreshetError(SqlState.syntaxError, 'COPY TO writes to STDOUT, not STDIN').at(sql, endpoint.loc.start);
    return this.copyOut(st, format, sql);
  }

  /**
   * COPY table FROM STDIN: CopyInResponse, then CopyData until CopyDone (commit) or CopyFail (nothing
   * written). Data is decoded and converted as it arrives and handed to the INSERT a batch at a time;
   * the next message is read only when the INSERT has room, so the socket is paused rather than the
   * data buffered. A bad row ends the COPY at once (the INSERT is aborted); messages the client still
   * sends for it are dropped, as Postgres does.
   */
  private async copyIn(st: A.CopyStatement, format: CopyFormat, sql: string): Promise<string> {
    const table = st.source.kind === 'table' ? st.source.table.parts.map((p) => p.value).join('.') : '';
    let source: CopyInSource | null = null;
    let announce!: (fields: Field[]) => void;
    const bound = new Promise<Field[]>((resolve) => { announce = resolve; });
    let runError: unknown = undefined;
    const run = this.session.copyFrom(st, sql, {
      open: (fields) => (source = new CopyInSource(fields, table)),
      bound: (fields) => announce(fields),
    });
    run.catch((e: unknown) => { runError = e; });
    // binding errors (unknown table or column) come before CopyInResponse
    const fields = await Promise.race([bound, run.then(() => { throw new FreshetError(SqlState.internalError, 'internal error: COPY ended before reading data'); })]);
    const src = source as unknown as CopyInSource;
    this.copying = src;
    B.copyResponse(this.wire.w, 'G', fields.length);
    await this.wire.flush();
    const rows = new CopyRowBuilder(fields, table, this.session.options.timeZone(), format.nullText);
    const decoder = new CopyDecoder(format);
    const sink = headerSkipping(format, fields, rows, table);
    const abort = async (e: unknown): Promise<never> => {
      src.fail(e);
      await run.catch(() => {});
      throw e;
    };
    const hand = async (batches: Batch[]): Promise<void> => {
      for (const b of batches) await src.offer(b);
      if (runError !== undefined) await abort(runError);
    };
    for (;;) {
      // a cancel that came while the last message was handled is seen here, before waiting for the next
      if (this.cancelReason !== null) return abort(canceled());
      const f = await this.wire.nextFrame();
      if (f === null) return abort(new FreshetError(PgState.protocolViolation, 'the connection closed during COPY FROM STDIN'));
      if (this.cancelReason !== null) return abort(canceled());
      if (f === 'interrupted') continue;
      const type = String.fromCharCode(f.type);
      if (type === 'd') {
        try {
          decoder.push(f.body, sink);
        } catch (e) {
          return abort(e);
        }
        await hand(rows.take());
      } else if (type === 'c') {
        try {
          decoder.end(sink);
        } catch (e) {
          return abort(e);
        }
        await hand(rows.finish());
        src.finish();
        const res = await run;
        this.notices(res.warnings);
        return `COPY ${res.rowCount ?? 0}`;
      } else if (type === 'f') {
        const message = new BodyReader(f.body).cstring();
        return abort(new FreshetError(SqlState.queryCanceled, `COPY from stdin failed: ${message}`));
      } else if (type !== 'H' && type !== 'S') {
        // as in Postgres: Flush and Sync are ignored during COPY IN, anything else aborts it
        return abort(new FreshetError(PgState.protocolViolation, `unexpected message type 0x${f.type.toString(16)} during COPY from stdin`));
      }
    }
  }

  /** COPY table | (query) TO STDOUT: CopyOutResponse, one CopyData per row as it is read, CopyDone. */
  private async copyOut(st: A.CopyStatement, format: CopyFormat, sql: string): Promise<string> {
    const query = st.source.kind === 'query' ? st.source.statement : selectColumns(st.source.table, st.source.columns, st.loc);
    const stream = await this.openStream(query, sql);
    const reg = this.systemCatalog.session;
    const encoder = new CopyEncoder(format, stream.columns, this.session.options.timeZone(), (t, oid) => reg.regName(t, oid));
    const w = this.wire.w;
    B.copyResponse(w, 'H', stream.columns.length);
    if (format.header) B.copyData(w, encoder.header(stream.columns));
    const limit = this.wire.flushAt;
    this.reading = stream;
    let n = 0;
    try {
      for (;;) {
        const rows = await stream.read(READ_CHUNK);
        this.checkCancelled();
        if (rows.length === 0) break;
        for (const row of rows) {
          B.copyData(w, encoder.line(row));
          if (w.length >= limit) await this.wire.flush();
        }
        n += rows.length;
        if (stream.continuous) await this.wire.flush();
      }
    } catch (e) {
      stream.cancel();
      throw e;
    } finally {
      this.reading = null;
    }
    B.simple(w, 'c');
    this.notices(stream.warnings);
    return `COPY ${n}`;
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
        this.cursors.endBlock(!failed);
        this.dropPortals();
        this.tx = 'I';
        B.commandComplete(w, failed ? 'ROLLBACK' : 'COMMIT');
        return;
      }
      case 'rollback':
        if (this.tx === 'I') this.notices(['there is no transaction in progress']);
        this.cursors.endBlock(false);
        this.dropPortals();
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
        this.dropPortals();
        this.cursors.closeAll();
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
    this.portals.get(portalName)?.result?.stream?.cancel();
    this.portals.set(portalName, { prepared: p, values, formats: resultFormats, done: false });
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
    let formats = portal.formats;
    if (p.pg) {
      if (p.pg.kind === 'show' || p.pg.kind === 'showAll') columns = showResult(this.settings, p.pg).columns;
    } else if (p.stmt && (p.returnsRows ??= returnsRows(parseStatement(p.stmt.sql, { dialect: 'postgres' })))) {
      // row statements run (are opened) here, so the description is exactly what Execute sends
      await this.runPortal(portal);
      columns = portal.result!.stream?.columns ?? null;
      if (portal.result!.binary) formats = [1];
    }
    if (columns) B.rowDescription(this.wire.w, columns, B.resultFormats(formats, columns.length));
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
      if (st.kind === 'subscribe') return subscribeColumns(this.session, st, sub.text);
      if (st.kind === 'fetch') return st.move ? null : this.cursors.get(cursorName(st.cursor)).stream.columns;
      if (st.kind === 'show' || st.kind === 'describe' || st.kind === 'explain') return toWire(await this.run(sub.text)).columns;
      return null;
    } catch (e) {
      // the error's position is in the substituted text; guard() reports it in the client's text
      (e as { origin?: TextOrigin }).origin = { text: p.text, executed: sub.text, map: (o) => offset + sub.originalOffset(o) };
      throw e;
    }
  }

  /** The portal's statement with its parameters in place, parsed (once). */
  private bindPortal(portal: Portal, untypedAsString: boolean): { st: A.Statement; sql: string; origin: TextOrigin } {
    const p = portal.prepared;
    const stmt = p.stmt!;
    const literals = portal.values.map((v, i) => literalFor(v, p.oids[i]!, untypedAsString));
    const sub = substitute(stmt.sql, p.slots, literals);
    const origin: TextOrigin = { text: p.text, executed: sub.text, map: (o) => stmt.offset + sub.originalOffset(o) };
    try {
      return { st: parseStatement(sub.text, { dialect: 'postgres' }), sql: sub.text, origin };
    } catch (e) {
      (e as { origin?: TextOrigin }).origin = origin;
      throw e;
    }
  }

  /** Runs (or opens) a bound portal's statement once, keeping its result for Execute. */
  private async runPortal(portal: Portal): Promise<void> {
    if (portal.result) return;
    const p = portal.prepared;
    const attempt = async (untypedAsString: boolean): Promise<WireResult & { origin: TextOrigin }> => {
      const b = this.bindPortal(portal, untypedAsString);
      try {
        return { ...(await this.open(b.st, b.sql)), origin: b.origin };
      } catch (e) {
        (e as { origin?: TextOrigin }).origin = b.origin;
        throw e;
      }
    };
    let out: WireResult & { origin: TextOrigin };
    try {
      out = await attempt(false);
    } catch (e) {
      const numericGuess = portal.values.some((v, i) => v !== null && (p.oids[i] === 0 || p.oids[i] === Oid.unknown) && /^[+-]?(\d|\.\d)/.test(v));
      if (!(e instanceof FreshetError) || !UNTYPED_RETRY.has(e.sqlState) || !numericGuess) throw e;
      out = await attempt(true);
    }
    this.reportChanged();
    if (out.stream && out.stream.command === 'SELECT') out.stream.columns = this.named(out.stream.columns, p);
    portal.result = out;
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
    let origin: TextOrigin | undefined;
    try {
      if (!portal.result) {
        // COPY runs at Execute only (it reads and writes the connection); it is never Described with rows
        const b = portal.bound ?? this.bindPortal(portal, false);
        portal.bound = b;
        origin = b.origin;
        if (b.st.kind === 'copy') {
          if (portal.done) throw new FreshetError(SqlState.objectInUse, 'this COPY portal has already run');
          portal.done = true;
          const st = b.st;
          B.commandComplete(this.wire.w, await this.active(() => this.copy(st, b.sql)));
          return;
        }
      }
      await this.runPortal(portal);
      const res = portal.result!;
      origin = res.origin;
      if (res.stream === null) {
        if (!portal.done) this.notices(res.warnings);
        portal.done = true;
        B.commandComplete(this.wire.w, res.tag(0));
        return;
      }
      const stream = res.stream;
      const n = await this.active(() => this.sendStream(stream, res.binary ? [1] : portal.formats, maxRows > 0 ? maxRows : Number.POSITIVE_INFINITY));
      if (maxRows > 0 && n === maxRows && !stream.ended) {
        B.simple(this.wire.w, 's');
        return;
      }
      if (!portal.done) this.notices(res.warnings);
      portal.done = true;
      B.commandComplete(this.wire.w, res.tag(n));
    } catch (e) {
      this.fail(e, (e as { origin?: TextOrigin }).origin ?? origin);
      this.skipUntilSync = true;
    }
  }

  private closeMessage(r: BodyReader): void {
    const what = r.byte();
    const name = r.cstring();
    if (what === c('S')) this.prepared.delete(name);
    else if (what === c('P')) {
      this.portals.get(name)?.result?.stream?.cancel();
      this.portals.delete(name);
    } else throw new FrameError(`invalid Close target ${what}`);
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

const canceled = (): FreshetError => new FreshetError(SqlState.queryCanceled, 'canceling statement due to user request');

/** COPY table [(cols)] TO ..: the query it reads. */
function selectColumns(table: A.QualifiedName, columns: A.Identifier[] | undefined, loc: A.Loc): A.QueryStatement {
  const items: A.SelectItem[] = columns === undefined ? [{ kind: 'star', loc }]
    : columns.map((c) => ({ kind: 'expr', expr: { kind: 'column', name: { parts: [c], loc: c.loc }, loc: c.loc }, loc: c.loc }));
  return {
    kind: 'queryStatement', loc,
    query: { kind: 'query', orderBy: [], loc, body: { kind: 'select', hints: [], distinct: false, items, from: [{ kind: 'table', name: table, hints: [], loc: table.loc }], windows: [], loc } },
  };
}

/** COPY FROM with HEADER: the first record is skipped, or (HEADER MATCH) checked against the column names. */
function headerSkipping(format: CopyFormat, fields: readonly Field[], rows: CopyRowBuilder, table: string): FieldSink {
  if (format.header === false) return rows;
  let inHeader = true;
  const names: Array<string | null> = [];
  return {
    field: (col, text, line) => {
      if (!inHeader) rows.field(col, text, line);
      else names.push(text);
    },
    endRecord: (line) => {
      if (!inHeader) {
        rows.endRecord(line);
        return;
      }
      inHeader = false;
      if (format.header === 'match') {
        const want = fields.map((f) => f.name);
        if (names.length !== want.length || names.some((n, i) => n !== want[i])) {
          throw new FreshetError(SqlState.badRecord, `COPY ${table}, line ${line}: the header (${names.join(', ')}) does not match the columns (${want.join(', ')})`, {
            hint: 'HEADER MATCH needs the column names in order; use HEADER to skip the line without checking.',
          });
        }
      }
    },
  };
}
