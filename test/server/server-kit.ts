/**
 * Test kit for the wire server: a server on 127.0.0.1 with an ephemeral port over an in-memory engine,
 * and a raw protocol client (pg-protocol builds frontend messages and parses backend ones) that
 * collects messages and lets a test wait for a given one.
 */
import { connect, type Socket } from 'node:net';
import { serialize } from 'pg-protocol';
import { Parser } from 'pg-protocol/dist/parser.js';
import type { BackendMessage } from 'pg-protocol/dist/messages.js';
import { Engine } from '../../src/session/engine.ts';
import { PgServer } from '../../src/server/server.ts';
import { applyConfigObject, defaultConfig } from '../../src/server/config.ts';

export interface TestServer {
  engine: Engine;
  server: PgServer;
  port: number;
  close(): Promise<void>;
}

export async function startServer(config: Record<string, unknown> = {}, engine?: Engine): Promise<TestServer> {
  const e = engine ?? await Engine.open({});
  const c = applyConfigObject(defaultConfig(), { host: '127.0.0.1', port: 0, ...config });
  const server = new PgServer(e, c, 'test');
  const port = await server.listen();
  return {
    engine: e, server, port,
    async close() {
      await server.close();
      if (!engine) await e.close();
    },
  };
}

export { serialize };

/** A client speaking raw protocol messages. */
export class RawClient {
  readonly socket: Socket;
  readonly messages: BackendMessage[] = [];
  private readonly parser = new Parser();
  private waiters: Array<() => void> = [];
  closed = false;
  /** Single bytes answered to SSLRequest / GSSENCRequest, before framed messages. */
  rawBytes: Buffer[] = [];
  private expectRaw = 0;

  private constructor(socket: Socket) {
    this.socket = socket;
    socket.on('data', (chunk: Buffer) => {
      let data = chunk;
      while (this.expectRaw > 0 && data.length > 0) {
        this.rawBytes.push(data.subarray(0, 1));
        data = data.subarray(1);
        this.expectRaw--;
      }
      if (data.length > 0) this.parser.parse(data, (m) => this.messages.push(m));
      this.wake();
    });
    socket.on('close', () => { this.closed = true; this.wake(); });
    socket.on('error', () => { /* the test looks at `closed` */ });
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  static async connect(port: number): Promise<RawClient> {
    const socket = connect(port, '127.0.0.1');
    await new Promise<void>((resolve, reject) => { socket.once('connect', resolve); socket.once('error', reject); });
    return new RawClient(socket);
  }

  /** Connects and completes startup (trust auth); waits for the first ReadyForQuery. */
  static async ready(port: number, params: Record<string, string> = {}): Promise<RawClient> {
    const c = await RawClient.connect(port);
    c.send(serialize.startup({ user: 'tester', database: 'freshet', ...params }));
    await c.waitFor('readyForQuery');
    return c;
  }

  send(...bufs: Buffer[]): void {
    this.socket.write(Buffer.concat(bufs));
  }

  /** Expect `n` single raw bytes (SSLRequest answers) before normal messages. */
  expectRawBytes(n: number): void {
    this.expectRaw += n;
  }

  async waitUntil(pred: () => boolean): Promise<void> {
    while (!pred()) {
      if (this.closed) throw new Error(`connection closed; messages: ${this.names().join(', ')}`);
      await new Promise<void>((r) => this.waiters.push(r));
    }
  }

  /** Waits for the `count`-th message named `name` (counting all received so far). */
  async waitFor(name: string, count = 1): Promise<void> {
    await this.waitUntil(() => this.messages.filter((m) => m.name === name).length >= count);
  }

  async waitClosed(): Promise<void> {
    while (!this.closed) await new Promise<void>((r) => this.waiters.push(r));
  }

  names(): string[] {
    return this.messages.map((m) => m.name);
  }

  /** Names received after message index `from`. */
  namesFrom(from: number): string[] {
    return this.messages.slice(from).map((m) => m.name);
  }

  take(): BackendMessage[] {
    return this.messages.splice(0, this.messages.length);
  }

  end(): void {
    this.socket.end();
  }
}
