/**
 * The one error type a user sees. Every error a user can cause carries a SQLSTATE (so the Postgres wire
 * server can report it), a message that says what went wrong, and where possible a position in the
 * statement text and a hint that says what to do.
 */

export interface SourcePosition {
  /** 0-based offset into the statement text. */
  offset: number;
  /** 1-based line. */
  line: number;
  /** 1-based column. */
  column: number;
}

export interface ErrorInit {
  position?: SourcePosition | undefined;
  /** The statement text the position refers to, so the error can show the line with a caret. */
  source?: string | undefined;
  hint?: string | undefined;
  detail?: string | undefined;
  cause?: unknown;
}

export class FreshetError extends Error {
  readonly sqlState: string;
  position: SourcePosition | undefined;
  source: string | undefined;
  readonly hint: string | undefined;
  readonly detail: string | undefined;

  constructor(sqlState: string, message: string, init: ErrorInit = {}) {
    super(message, init.cause === undefined ? undefined : { cause: init.cause });
    this.name = 'FreshetError';
    this.sqlState = sqlState;
    this.position = init.position;
    this.source = init.source;
    this.hint = init.hint;
    this.detail = init.detail;
  }

  /** Attaches a position (from an offset into `source`) unless the error already has one. */
  at(source: string, offset: number | undefined): this {
    if (this.position === undefined && offset !== undefined) {
      this.position = positionOf(source, offset);
      this.source = source;
    } else if (this.source === undefined && this.position !== undefined) {
      this.source = source;
    }
    return this;
  }
}

/** SQLSTATE codes used across the engine (PostgreSQL's values, so clients recognise them). */
export const SqlState = {
  syntaxError: '42601',
  undefinedTable: '42P01',
  undefinedColumn: '42703',
  undefinedFunction: '42883',
  undefinedObject: '42704',
  undefinedSchema: '3F000',
  undefinedCatalog: '3D000',
  duplicateTable: '42P07',
  duplicateObject: '42710',
  duplicateColumn: '42701',
  ambiguousColumn: '42702',
  datatypeMismatch: '42804',
  groupingError: '42803',
  windowingError: '42P20',
  invalidColumnReference: '42P10',
  wrongObjectType: '42809',
  invalidParameterValue: '22023',
  invalidTextRepresentation: '22P02',
  invalidDatetimeFormat: '22007',
  datetimeOverflow: '22008',
  numericOverflow: '22003',
  divisionByZero: '22012',
  stringDataRightTruncation: '22001',
  nullValueNotAllowed: '22004',
  cardinalityViolation: '21000',
  dataException: '22000',
  badRecord: '22P04',
  invalidRegularExpression: '2201B',
  featureNotSupported: '0A000',
  ioError: '58030',
  internalError: 'XX000',
  queryCanceled: '57014',
  programLimitExceeded: '54000',
  statementTooComplex: '54001',
  outOfMemory: '53200',
  duplicateAlias: '42712',
  objectInUse: '55006',
  invalidName: '42602',
  /** A commit lost to a concurrent one and could not be retried (the writer may run the statement again). */
  serializationFailure: '40001',
  /** Stored metadata or data could not be read back as written. */
  dataCorrupted: 'XX001',
} as const;

/** Converts a 0-based offset into a 1-based line and column. */
export function positionOf(source: string, offset: number): SourcePosition {
  const clamped = Math.max(0, Math.min(offset, source.length));
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < clamped; i++) {
    if (source.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { offset: clamped, line, column: clamped - lineStart + 1 };
}

/** The offending line of `source` with a caret under `position`, for terminals. */
export function caretSnippet(source: string, position: SourcePosition): string {
  const lines = source.split('\n');
  const text = (lines[position.line - 1] ?? '').replace(/\t/g, ' ');
  const caret = ' '.repeat(Math.max(0, position.column - 1)) + '^';
  return `${text}\n${caret}`;
}

/** Renders an error for a person: message, position and caret, hint. Stack only when verbose. */
export function formatError(error: unknown, verbose = false): string {
  if (error instanceof FreshetError) {
    const parts: string[] = [];
    const where = error.position ? ` (line ${error.position.line}, column ${error.position.column})` : '';
    parts.push(`ERROR ${error.sqlState}: ${error.message}${where}`);
    if (error.position && error.source !== undefined) parts.push(indent(caretSnippet(error.source, error.position)));
    if (error.detail) parts.push(`DETAIL: ${error.detail}`);
    if (error.hint) parts.push(`HINT: ${error.hint}`);
    if (verbose && error.stack) parts.push(error.stack);
    return parts.join('\n');
  }
  if (error instanceof Error) {
    return verbose && error.stack ? `ERROR XX000: ${error.stack}` : `ERROR XX000: internal error: ${error.message}`;
  }
  return `ERROR XX000: ${String(error)}`;
}

function indent(text: string): string {
  return text.split('\n').map((l) => '  ' + l).join('\n');
}

/** Shorthands for the errors that are raised everywhere. */
export function notSupported(message: string, hint?: string): FreshetError {
  return new FreshetError(SqlState.featureNotSupported, message, { hint });
}

export function invalidParameter(message: string, hint?: string): FreshetError {
  return new FreshetError(SqlState.invalidParameterValue, message, { hint });
}

export function internalError(message: string): FreshetError {
  return new FreshetError(SqlState.internalError, `internal error: ${message}`);
}

/** A JavaScript stack overflow while handling a statement: the statement nests or chains too deeply. */
export function isStackOverflow(e: unknown): boolean {
  return e instanceof RangeError && /call stack/i.test(e.message);
}

export function tooComplex(): FreshetError {
  return new FreshetError(SqlState.statementTooComplex, 'statement is too complex: it nests or chains expressions or queries too deeply', {
    hint: 'Split it up, e.g. with a WITH clause, a view, or IN (...) instead of a long chain of OR.',
  });
}
