/**
 * COPY .. FROM STDIN on the engine's side: the fields the decoder reads are converted to the target
 * columns' types as they arrive (a string is cast the way an INSERT casts it; bytea also takes
 * Postgres' `\x` hex form) into column builders, a batch at a time, and handed to the INSERT through a
 * source that holds at most a couple of batches: the connection reads the next CopyData only when the
 * INSERT has taken what came before, so a large copy is never held whole.
 */
import type { ScanContext, ScanRequest, ScanSource } from '../../connectors/connector.ts';
import { BATCH_SIZE, ColumnBuilder, type Batch, type Field } from '../../types/batch.ts';
import { T, physicalOf, typeToString, isBinary, type DataType } from '../../types/data-type.ts';
import { makeCast, type CastFn } from '../../types/cast.ts';
import { pgByteaIn } from '../../exec/functions/scalar/postgres.ts';
import { FreshetError, SqlState } from '../../util/errors.ts';
import type { FieldSink } from './copy-decoder.ts';

/** How many batches may wait for the INSERT before the connection stops reading. */
const MAX_WAITING = 2;

/** Builds batches of the target's columns from decoded fields, converting each value. */
export class CopyRowBuilder implements FieldSink {
  private readonly fields: readonly Field[];
  private readonly table: string;
  private readonly convert: CastFn[];
  private builders: ColumnBuilder[];
  private filled = 0;
  private rows = 0;
  private readonly full: Batch[] = [];
  private readonly batchSize: number;

  private readonly nullText: string;

  /** `fields`: the columns copied into, as the table has them (NOT NULL ones are checked here, with the line). */
  constructor(fields: readonly Field[], table: string, timeZone: string, nullText: string, batchSize = BATCH_SIZE) {
    this.fields = fields;
    this.table = table;
    this.nullText = nullText;
    this.batchSize = batchSize;
    this.convert = fields.map((f) => converter(f.type, timeZone));
    this.builders = this.newBuilders();
  }

  private newBuilders(): ColumnBuilder[] {
    return this.fields.map((f) => new ColumnBuilder(physicalOf(f.type), Math.min(this.batchSize, 1024)));
  }

  field(column: number, text: string | null, line: number): void {
    if (column >= this.fields.length) {
      throw new FreshetError(SqlState.badRecord, `COPY ${this.table}, line ${line}: extra data after last expected column`, {
        hint: `The input has more fields than the ${this.fields.length} column(s) copied into (${this.fields.map((f) => f.name).join(', ')}); check the DELIMITER.`,
      });
    }
    this.filled = column + 1;
    if (text === null) {
      const f = this.fields[column]!;
      if (!f.type.nullable) {
        throw new FreshetError(SqlState.nullValueNotAllowed, `COPY ${this.table}, line ${line}, column ${f.name}: the column is NOT NULL but the value is NULL`, {
          hint: `Give the column a value, or check the NULL marker (${JSON.stringify(this.nullText)}).`,
        });
      }
      this.builders[column]!.appendNull();
      return;
    }
    let v: unknown;
    try {
      v = this.convert[column]!(text);
    } catch (e) {
      const f = this.fields[column]!;
      const what = e instanceof FreshetError && e.sqlState !== SqlState.invalidTextRepresentation ? e.message : `invalid input syntax for type ${typeToString(f.type, false)}: "${text}"`;
      throw new FreshetError(e instanceof FreshetError && e.sqlState.startsWith('22') ? e.sqlState : SqlState.invalidTextRepresentation,
        `COPY ${this.table}, line ${line}, column ${f.name}: ${what}`, { hint: `Fix the value, or copy it into a STRING column and convert it with CAST.` });
    }
    this.builders[column]!.append(v);
  }

  endRecord(line: number): void {
    if (this.filled < this.fields.length) {
      const missing = this.fields[this.filled]!.name;
      throw new FreshetError(SqlState.badRecord, `COPY ${this.table}, line ${line}: missing data for column ${missing}`, {
        hint: `Each line needs ${this.fields.length} field(s) (${this.fields.map((f) => f.name).join(', ')}); check the DELIMITER.`,
      });
    }
    this.filled = 0;
    this.rows++;
    if (this.builders[0] !== undefined && this.builders[0].length >= this.batchSize) this.cut();
  }

  private cut(): void {
    const n = this.builders[0]?.length ?? 0;
    if (n === 0) return;
    this.full.push({ columns: this.builders.map((b) => b.build()), length: n, kinds: null });
    this.builders = this.newBuilders();
  }

  /** Batches completed since the last call. */
  take(): Batch[] {
    return this.full.splice(0, this.full.length);
  }

  /** The rows of an incomplete last batch too (the data ended). */
  finish(): Batch[] {
    this.cut();
    return this.take();
  }

  /** Rows read so far. */
  get count(): number {
    return this.rows;
  }
}

/** How one column's text becomes its value: the string cast, except bytea's Postgres forms (`\x00ff`, escapes). */
function converter(type: DataType, timeZone: string): CastFn {
  if (!isBinary(type)) return makeCast(T.string(), type, { timeZone });
  const fit = makeCast(T.bytes(), type, { timeZone });
  return (v) => fit(pgByteaIn(v as string));
}

/**
 * The rows of a COPY .. FROM STDIN as a source of the INSERT: the connection offers batches, the INSERT
 * reads them; `finish` ends the data, `fail` makes the INSERT fail (so nothing is committed).
 */
export class CopyInSource implements ScanSource {
  readonly fields: Field[];
  readonly bounded = true;
  private readonly table: string;
  private readonly waiting: Batch[] = [];
  private ended = false;
  private error: unknown = undefined;
  private readerGone = false;
  private wakeReader: (() => void) | null = null;
  private wakeWriter: (() => void) | null = null;

  constructor(fields: Field[], table: string) {
    this.fields = fields;
    this.table = table;
  }

  describe(): string {
    return `copy(${this.table} FROM STDIN)`;
  }

  /** Hands a batch on; resolves when there is room for more (or the INSERT no longer reads). */
  offer(batch: Batch): Promise<void> | void {
    if (this.ended || this.readerGone) return;
    this.waiting.push(batch);
    this.wake();
    if (this.waiting.length < MAX_WAITING) return;
    return new Promise((resolve) => { this.wakeWriter = resolve; });
  }

  finish(): void {
    this.ended = true;
    this.wake();
  }

  fail(e: unknown): void {
    if (this.error === undefined) this.error = e;
    this.ended = true;
    this.waiting.length = 0;
    this.wake();
  }

  private wake(): void {
    const r = this.wakeReader;
    this.wakeReader = null;
    r?.();
  }

  private wakeOffer(): void {
    const w = this.wakeWriter;
    this.wakeWriter = null;
    w?.();
  }

  async *open(request: ScanRequest, ctx: ScanContext): AsyncIterable<Batch> {
    try {
      for (;;) {
        if (this.error !== undefined) throw this.error;
        const b = this.waiting.shift();
        if (b !== undefined) {
          if (this.waiting.length < MAX_WAITING) this.wakeOffer();
          if (ctx.isCancelled()) return;
          yield { columns: request.columns.map((c) => b.columns[c]!), length: b.length, kinds: null };
          continue;
        }
        if (this.ended) return;
        await new Promise<void>((resolve) => { this.wakeReader = resolve; });
      }
    } finally {
      this.readerGone = true;
      this.wakeOffer();
    }
  }
}
