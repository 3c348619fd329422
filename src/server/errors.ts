/**
 * Errors as the wire reports them: SQLSTATEs only the server raises, and the conversion of any error
 * into ErrorResponse fields, with the position turned from an offset in the text the engine ran into
 * the 1-based character position in the text the client sent (psql draws its caret from it).
 */
import { FreshetError, SqlState } from '../util/errors.ts';
import type { ErrorFields } from './protocol/backend.ts';

export const PgState = {
  protocolViolation: '08P01',
  tooManyConnections: '53300',
  invalidPassword: '28P01',
  invalidAuthorization: '28000',
  inFailedTransaction: '25P02',
  activeTransaction: '25001',
  noActiveTransaction: '25P01',
  invalidCatalogName: '3D000',
  duplicatePreparedStatement: '42P05',
  duplicateCursor: '42P03',
  invalidStatementName: '26000',
  invalidCursorName: '34000',
  adminShutdown: '57P01',
  idleSessionTimeout: '57P05',
  warning: '01000',
} as const;

/** Where the text the engine ran sits in the text the client sent. */
export interface TextOrigin {
  /** The client's text (a Query message or a Parse'd statement). */
  text: string;
  /** Offset in the client's text of offset 0 of the executed text, or a mapping for substituted text. */
  map: (offset: number) => number;
  /** The text the engine ran (errors whose source is another text, such as a view, get no position). */
  executed: string;
}

/** Counts characters as Postgres does (code points), not UTF-16 units. */
function codePoints(s: string, end: number): number {
  let n = 0;
  for (let i = 0; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c < 0xd800 || c > 0xdbff || i + 1 >= end) n++;
    else { n++; i++; }
  }
  return n;
}

export function errorFields(e: unknown, origin?: TextOrigin): ErrorFields {
  if (e instanceof FreshetError) {
    let position: number | undefined;
    if (origin && e.position !== undefined && (e.source === undefined || e.source === origin.executed)) {
      const at = Math.min(origin.text.length, Math.max(0, origin.map(e.position.offset)));
      position = codePoints(origin.text, at) + 1;
    }
    return { severity: 'ERROR', code: e.sqlState, message: e.message, detail: e.detail, hint: e.hint, position };
  }
  const message = e instanceof Error ? e.message : String(e);
  return { severity: 'ERROR', code: SqlState.internalError, message: `internal error: ${message}` };
}
