/**
 * Changelog formats: records that are change events rather than rows. Each event becomes zero or more
 * rows, each with a row kind (+I, -U, +U, -D), and batches read from such files carry `kinds`.
 *
 * A format supplies a decoder (the text of one event → rows with kinds) and an encoder (one row with
 * its kind → the text of one event). Decoders know nothing about files, so a message-based source can
 * decode each message the same way; this module adds what files need: reading them line by line (one
 * event per line) into batches with the bad-record handling of the other text formats, and writing
 * batches as lines.
 */
import type { Batch, Field, RowKindValue } from '../../types/batch.ts';
import { physicalOf } from '../../types/data-type.ts';
import type { ColumnPredicate, ScanContext } from '../connector.ts';
import type { FileIO, OutputFile } from '../../fs/file-io.ts';
import { BatchAssembler } from './assembler.ts';
import type { DataFile, FileFormat, FileWriter, FormatInstance, FormatReadRequest } from './format.ts';
import { badRecord } from './format.ts';
import { FieldError, JsonLinesWriter, JsonRowReader, describeJsonValue, needsExactParse, store } from './json.ts';

/** One row of a change event: its kind and its values (internal representation, null for NULL). */
export interface ChangeRow {
  kind: RowKindValue;
  values: unknown[];
}

/** An event that cannot be decoded; the message says why (the caller adds where). */
export class MalformedEvent extends Error {}

export interface ChangelogDecoder {
  /**
   * The rows of one event, in order: none for events that carry no rows (tombstones, schema changes,
   * tables filtered out). Throws MalformedEvent for an event that cannot be decoded; no rows of such an
   * event are returned, so skipping it leaves no trace.
   */
  decode(text: string): ChangeRow[];
}

/** Encodes row i of a batch (every file field, with the batch's kinds) as the text of one event. */
export type ChangelogEncoder = (batch: Batch, i: number) => string;

/** A changelog format bound to a table's columns and options. */
export interface BoundChangelogFormat {
  /** Whether malformed events are skipped and counted instead of failing the read. */
  readonly ignoreErrors: boolean;
  /** A decoder producing the given file fields (indexes into the bound fields), in that order. */
  decoder(columns: readonly number[]): ChangelogDecoder;
  /** The encoder for writing; throws a FreshetError when this configuration cannot be written. */
  encoder(): ChangelogEncoder;
}

export interface ChangelogFormatSpec {
  name: string;
  optionKeys: readonly string[];
  /** The option that turns on skipping of malformed events (named in error hints). */
  ignoreOption: string;
  bind(fields: readonly Field[], options: Record<string, string>, tableName: string): BoundChangelogFormat;
}

/** Collects change rows into batches of at most `capacity` rows, with kinds. */
export class ChangelogAssembler {
  private readonly asm: BatchAssembler;
  private kinds: Uint8Array;

  constructor(fields: readonly Field[], capacity: number) {
    this.asm = new BatchAssembler(fields.map((f) => physicalOf(f.type)), capacity);
    this.kinds = new Uint8Array(capacity);
  }

  get length(): number {
    return this.asm.row;
  }

  get full(): boolean {
    return this.asm.full;
  }

  append(r: ChangeRow): void {
    const row = this.asm.row;
    const cols = this.asm.columns;
    for (let j = 0; j < cols.length; j++) {
      const v = r.values[j];
      if (v === null || v === undefined) cols[j]!.setNull(row);
      else store(cols[j]!, row, v);
    }
    this.kinds[row] = r.kind;
    this.asm.row++;
  }

  take(): Batch {
    const n = this.asm.row;
    const b = this.asm.take();
    const kinds = this.kinds.length === n ? this.kinds : this.kinds.slice(0, n);
    this.kinds = new Uint8Array(this.asm.capacity);
    return { columns: b.columns, length: n, kinds };
  }
}

/** Whether a parsed JSON value is an object (not null, not an array). */
export function isJsonObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/**
 * Converts one image of a row (a JSON object) into values; `label` names it in errors (`after`,
 * `data[1]`). Thrown errors are MalformedEvents, or the reader's request for exact parsing.
 */
export type ImageReader = (obj: unknown, label: string) => unknown[];

/**
 * A decoder for JSON change events: parses the text (again with exact numbers when a value needs it)
 * and lets `events` turn the parsed message into rows, converting row images with the json format's
 * value rules.
 */
export function jsonEventDecoder(reader: JsonRowReader, events: (msg: unknown, image: ImageReader) => ChangeRow[]): ChangelogDecoder {
  const image: ImageReader = (obj, label) => {
    if (!isJsonObject(obj)) throw new MalformedEvent(`${label} is not a JSON object: ${describeJsonValue(obj)}`);
    try {
      return reader.row(obj);
    } catch (e) {
      if (e instanceof FieldError) throw new MalformedEvent(`${label}: ${e.message}`);
      throw e;
    }
  };
  const parse = (text: string, exact: boolean): unknown => {
    try {
      return reader.parse(text, exact);
    } catch (e) {
      if (e instanceof SyntaxError) throw new MalformedEvent(`not valid JSON (${e.message})`);
      throw e;
    }
  };
  return {
    decode(text) {
      try {
        return events(parse(text, false), image);
      } catch (e) {
        if (!needsExactParse(e)) throw e;
        return events(parse(text, true), image);
      }
    },
  };
}

/** A JSON object field that must be a string (or absent); returns it, or undefined. */
export function stringField(msg: Record<string, unknown>, name: string): string | undefined {
  const v = msg[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw new MalformedEvent(`'${name}' must be a string, found ${describeJsonValue(v)}`);
  return v;
}

const READ_CHUNK = 1 << 20;

class ChangelogInstance implements FormatInstance {
  private readonly spec: ChangelogFormatSpec;
  private readonly fields: readonly Field[];
  private readonly bound: BoundChangelogFormat;
  readonly bytesPerRow: number;

  constructor(spec: ChangelogFormatSpec, fields: readonly Field[], bound: BoundChangelogFormat) {
    this.spec = spec;
    this.fields = fields;
    this.bound = bound;
    // an event carries the field names (often twice, before and after) plus its envelope
    this.bytesPerRow = Math.max(1, fields.reduce((s, f) => s + f.name.length + 12, 40));
  }

  canPrune(_p: ColumnPredicate): boolean {
    return false;
  }

  checkWrite(): void {
    this.bound.encoder();
  }

  createWriter(out: OutputFile): FileWriter {
    return new JsonLinesWriter(out, this.bound.encoder());
  }

  async *read(io: FileIO, file: DataFile, req: FormatReadRequest, ctx: ScanContext): AsyncIterable<Batch> {
    const decoder = this.bound.decoder(req.columns);
    const asm = new ChangelogAssembler(req.columns.map((c) => this.fields[c]!), ctx.batchSize);
    const ignore = this.bound.ignoreErrors;
    const ignoreOption = this.spec.ignoreOption;
    const textDecoder = new TextDecoder('utf-8');
    const ready: Batch[] = [];
    let lineNo = 0;

    const line = (text: string): void => {
      lineNo++;
      if (text.trim() === '') return;
      let rows: ChangeRow[];
      try {
        rows = decoder.decode(text);
      } catch (e) {
        if (!(e instanceof MalformedEvent)) throw e;
        const where = `${file.path}:${lineNo}`;
        if (!ignore) throw badRecord(where, e.message, ignoreOption);
        ctx.countSkipped(where, e.message);
        return;
      }
      for (const r of rows) {
        asm.append(r);
        if (asm.full) ready.push(asm.take());
      }
    };

    /** Handles the complete lines of `text` (all of it when final); returns the incomplete rest. */
    const process = (text: string, final: boolean): string => {
      let pos = 0;
      for (;;) {
        const nl = text.indexOf('\n', pos);
        if (nl < 0) break;
        line(text.slice(pos, nl));
        pos = nl + 1;
      }
      if (final && pos < text.length) {
        line(text.slice(pos));
        pos = text.length;
      }
      return pos >= text.length ? '' : text.slice(pos);
    };

    let carry = '';
    for await (const chunk of io.readChunks(file.path, READ_CHUNK)) {
      carry = process(carry + textDecoder.decode(chunk, { stream: true }), false);
      for (const b of ready) yield b;
      ready.length = 0;
      if (ctx.isCancelled()) return;
    }
    process(carry + textDecoder.decode(), true);
    for (const b of ready) yield b;
    if (asm.length > 0) yield asm.take();
  }
}

/** A FileFormat (one event per line, written with the `json` extension) from a changelog format. */
export function changelogFormat(spec: ChangelogFormatSpec): FileFormat {
  return {
    name: spec.name,
    extension: 'json',
    optionKeys: spec.optionKeys,
    changelog: true,
    bind(fields, options, tableName) {
      return new ChangelogInstance(spec, fields, spec.bind(fields, options, tableName));
    },
  };
}
