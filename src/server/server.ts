/**
 * The Postgres wire server: listens, hands each socket to a Connection, keeps the connection registry
 * that CancelRequests look up, enforces the connection limit, and shuts down cleanly (tells clients,
 * closes the engine).
 */
import { createServer, type Server, type Socket } from 'node:net';
import { createSecureContext, type SecureContext } from 'node:tls';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Engine } from '../session/engine.ts';
import { Connection, newBackendKey, type ServerContext } from './connection.ts';
import { checkConfig, ConfigError, type ServerConfig } from './config.ts';

export class PgServer {
  readonly config: ServerConfig;
  private readonly server: Server;
  private readonly connections = new Map<number, Connection>();
  private readonly sockets = new Set<Connection>();
  private readonly ctx: ServerContext;
  private closing: Promise<void> | undefined;

  constructor(engine: Engine, config: ServerConfig, version: string) {
    checkConfig(config);
    this.config = config;
    let tls: SecureContext | undefined;
    if (config.tls) {
      try {
        tls = createSecureContext({ cert: readFileSync(config.tls.cert), key: readFileSync(config.tls.key) });
      } catch (e) {
        throw new ConfigError(`tls: cannot load certificate and key: ${(e as Error).message}`);
      }
    }
    this.ctx = {
      engine, config, tls, version, mockKey: randomBytes(32),
      register: (c) => { this.connections.set(c.pid, c); },
      unregister: (c) => {
        if (this.connections.get(c.pid) === c) this.connections.delete(c.pid);
        this.sockets.delete(c);
      },
      cancel: (pid, secret) => {
        const c = this.connections.get(pid);
        if (c && c.matchesSecret(secret)) c.cancelRunning();
      },
      overLimit: () => this.connections.size >= config.maxConnections,
    };
    this.server = createServer((socket) => this.accept(socket));
  }

  private accept(socket: Socket): void {
    if (this.closing) {
      socket.destroy();
      return;
    }
    let key = newBackendKey();
    while (this.connections.has(key.pid)) key = newBackendKey();
    const c = new Connection(socket, this.ctx, key.pid, key.secret);
    this.sockets.add(c);
  }

  /** Starts listening; resolves with the port (useful with port 0). */
  listen(): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.config.port, this.config.host, () => {
        this.server.off('error', reject);
        const addr = this.server.address();
        resolve(typeof addr === 'object' && addr ? addr.port : this.config.port);
      });
    });
  }

  /** Sessions connected now (authenticated or authenticating). */
  get connectionCount(): number {
    return this.connections.size;
  }

  /**
   * The connected sessions: who, how many bytes wait to be sent to each, and whether a session's
   * statement is paused because its client does not read (for monitoring backpressure).
   */
  sessions(): Array<{ pid: number; user: string; outputBuffered: number; waitingForClient: boolean }> {
    return [...this.connections.values()].map((c) => ({ pid: c.pid, user: c.userName, outputBuffered: c.outputBuffered, waitingForClient: c.waitingForClient }));
  }

  /** Stops accepting, ends every connection (running statements are cancelled). The engine stays open. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      const stopped = new Promise<void>((resolve) => this.server.close(() => resolve()));
      const all = [...this.sockets];
      for (const c of all) c.shutdown();
      await Promise.all(all.map((c) => c.closed));
      await stopped;
    })();
    return this.closing;
  }
}
