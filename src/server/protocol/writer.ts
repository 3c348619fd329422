/**
 * Builds backend messages into one growing scratch buffer that is reused for the life of a connection.
 * Rows are encoded straight into it; `take()` copies what was built into a fresh buffer for the socket
 * (the socket keeps a reference until it has written, so the scratch buffer itself is never handed out)
 * and starts over. One copy per flush of many rows, no allocation per row.
 */

const INITIAL_SIZE = 64 * 1024;

export class MessageWriter {
  private buf: Buffer = Buffer.allocUnsafe(INITIAL_SIZE);
  private pos = 0;
  /** Where the length field of the message being built starts. */
  private start = -1;

  /** Bytes built and not yet taken. */
  get length(): number {
    return this.pos;
  }

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  /** Starts a message of type `code` (one ASCII character). */
  begin(code: number): this {
    this.ensure(5);
    this.buf[this.pos++] = code;
    this.start = this.pos;
    this.pos += 4;
    return this;
  }

  /** Ends the message started by begin(): fills in its length. */
  end(): this {
    this.buf.writeInt32BE(this.pos - this.start, this.start);
    this.start = -1;
    return this;
  }

  byte(v: number): this {
    this.ensure(1);
    this.buf[this.pos++] = v;
    return this;
  }

  int16(v: number): this {
    this.ensure(2);
    this.buf.writeInt16BE(v, this.pos);
    this.pos += 2;
    return this;
  }

  int32(v: number): this {
    this.ensure(4);
    this.buf.writeInt32BE(v | 0, this.pos);
    this.pos += 4;
    return this;
  }

  uint32(v: number): this {
    this.ensure(4);
    this.buf.writeUInt32BE(v >>> 0, this.pos);
    this.pos += 4;
    return this;
  }

  int64(v: bigint): this {
    this.ensure(8);
    this.buf.writeBigInt64BE(v, this.pos);
    this.pos += 8;
    return this;
  }

  float32(v: number): this {
    this.ensure(4);
    this.buf.writeFloatBE(v, this.pos);
    this.pos += 4;
    return this;
  }

  float64(v: number): this {
    this.ensure(8);
    this.buf.writeDoubleBE(v, this.pos);
    this.pos += 8;
    return this;
  }

  /** A NUL-terminated string (UTF-8). */
  cstring(s: string): this {
    const n = Buffer.byteLength(s);
    this.ensure(n + 1);
    this.pos += this.buf.write(s, this.pos, 'utf8');
    this.buf[this.pos++] = 0;
    return this;
  }

  /** A value preceded by its int32 byte length (DataRow fields, Bind parameters). */
  lengthPrefixedString(s: string): this {
    // ASCII-only strings (most values) have as many bytes as characters; measure only when needed
    const max = s.length * 3;
    this.ensure(4 + max);
    const n = this.buf.write(s, this.pos + 4, 'utf8');
    this.buf.writeInt32BE(n, this.pos);
    this.pos += 4 + n;
    return this;
  }

  /** A string's UTF-8 bytes, nothing around them (CopyData). */
  utf8(s: string): this {
    this.ensure(s.length * 3);
    this.pos += this.buf.write(s, this.pos, 'utf8');
    return this;
  }

  bytes(b: Uint8Array): this {
    this.ensure(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
    return this;
  }

  /** Reserves an int32 to be filled later (the length of a binary value); returns its offset. */
  reserve32(): number {
    this.ensure(4);
    const at = this.pos;
    this.pos += 4;
    return at;
  }

  /** Fills a reserved int32 with the number of bytes written since it. */
  patchLength(at: number): void {
    this.buf.writeInt32BE(this.pos - at - 4, at);
  }

  /** Drops what was built since `mark` (a message abandoned half-way). */
  truncate(mark: number): void {
    this.pos = mark;
    this.start = -1;
  }

  /** A copy of everything built, for the socket; the scratch buffer starts over. */
  take(): Buffer | null {
    if (this.pos === 0) return null;
    const out = Buffer.allocUnsafe(this.pos);
    this.buf.copy(out, 0, 0, this.pos);
    this.pos = 0;
    // a huge result grew the buffer: do not keep the memory for the rest of the connection
    if (this.buf.length > 16 * INITIAL_SIZE) this.buf = Buffer.allocUnsafe(INITIAL_SIZE);
    return out;
  }
}
