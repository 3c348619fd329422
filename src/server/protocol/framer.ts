/**
 * Cuts the byte stream of a connection into frontend messages. Before startup completes, messages have
 * no type byte (StartupMessage, SSLRequest, CancelRequest); afterwards each is a type byte and an int32
 * length that counts itself. A length past the configured limit, or shorter than the length field, is
 * a protocol violation reported before the body is buffered, so an oversized message never fills
 * memory.
 */

export interface Frame {
  /** Message type byte, or 0 for an untyped startup-phase message. */
  type: number;
  /** The body after the length field. */
  body: Buffer;
}

export class FrameError extends Error {}

export class Framer {
  private chunks: Buffer[] = [];
  private available = 0;
  /** Startup-phase messages have no type byte. */
  typed = false;
  private readonly maxMessageSize: number;

  constructor(maxMessageSize: number) {
    this.maxMessageSize = maxMessageSize;
  }

  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.available += chunk.length;
  }

  /** Bytes received and not yet cut into messages. */
  get buffered(): number {
    return this.available;
  }

  /** The next complete message, or null when more bytes are needed. Throws FrameError on a bad header. */
  next(): Frame | null {
    const head = this.typed ? 5 : 4;
    if (this.available < head) return null;
    const header = this.peek(head);
    const type = this.typed ? header[0]! : 0;
    const len = header.readInt32BE(this.typed ? 1 : 0);
    if (len < 4) throw new FrameError(`invalid message length ${len}`);
    if (len > this.maxMessageSize) throw new FrameError(`message of ${len} bytes exceeds the limit of ${this.maxMessageSize} bytes`);
    if (!this.typed && len < 8) throw new FrameError(`invalid startup packet length ${len}`);
    const total = head + len - 4;
    if (this.available < total) return null;
    const all = this.take(total);
    return { type, body: all.subarray(head) };
  }

  /** The first n bytes without consuming them. */
  private peek(n: number): Buffer {
    const first = this.chunks[0]!;
    if (first.length >= n) return first;
    return Buffer.concat(this.chunks, Math.min(this.available, Math.max(n, 16))).subarray(0, n);
  }

  private take(n: number): Buffer {
    this.available -= n;
    const first = this.chunks[0]!;
    if (first.length === n) {
      this.chunks.shift();
      return first;
    }
    if (first.length > n) {
      this.chunks[0] = first.subarray(n);
      return first.subarray(0, n);
    }
    const out = Buffer.allocUnsafe(n);
    let at = 0;
    while (at < n) {
      const c = this.chunks[0]!;
      const want = n - at;
      if (c.length <= want) {
        c.copy(out, at);
        at += c.length;
        this.chunks.shift();
      } else {
        c.copy(out, at, 0, want);
        this.chunks[0] = c.subarray(want);
        at += want;
      }
    }
    return out;
  }
}

/** Reads the fields of one message body; reading past its end is a FrameError (malformed message). */
export class BodyReader {
  private pos = 0;
  private readonly buf: Buffer;

  constructor(buf: Buffer) {
    this.buf = buf;
  }

  get remaining(): number {
    return this.buf.length - this.pos;
  }

  private need(n: number): void {
    if (n < 0 || this.pos + n > this.buf.length) throw new FrameError('message is shorter than its contents');
  }

  int16(): number {
    this.need(2);
    const v = this.buf.readInt16BE(this.pos);
    this.pos += 2;
    return v;
  }

  int32(): number {
    this.need(4);
    const v = this.buf.readInt32BE(this.pos);
    this.pos += 4;
    return v;
  }

  uint32(): number {
    this.need(4);
    const v = this.buf.readUInt32BE(this.pos);
    this.pos += 4;
    return v;
  }

  byte(): number {
    this.need(1);
    return this.buf[this.pos++]!;
  }

  cstring(): string {
    const end = this.buf.indexOf(0, this.pos);
    if (end < 0) throw new FrameError('string is not NUL-terminated');
    const s = this.buf.toString('utf8', this.pos, end);
    this.pos = end + 1;
    return s;
  }

  bytes(n: number): Buffer {
    this.need(n);
    const b = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return b;
  }
}
