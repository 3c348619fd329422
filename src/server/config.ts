/**
 * Server configuration: defaults, the YAML or JSON config file (`--config`), and command-line flags
 * on top. Checks values when loading so a bad file fails at start with the key it is about.
 */
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { parseDuration } from '../session/options.ts';

export type AuthMethod = 'trust' | 'password' | 'scram-sha-256';

export interface UserConfig {
  name: string;
  /** A SCRAM-SHA-256 verifier (`SCRAM-SHA-256$...`) or, less safely, the plain password. */
  password: string;
}

export interface ServerConfig {
  host: string;
  port: number;
  warehouse: string;
  /** trust when no users are configured, scram-sha-256 when some are (unless set). */
  auth: AuthMethod;
  users: UserConfig[];
  allowTrustRemote: boolean;
  /** With `required`, a client that does not negotiate TLS is refused (28000) before authentication. */
  tls?: { cert: string; key: string; required?: boolean };
  maxConnections: number;
  /** Largest frontend message accepted, in bytes. */
  maxMessageSize: number;
  /** Milliseconds; 0 = none. */
  statementTimeout: number;
  idleSessionTimeout: number;
  /** Options every session starts with (Freshet options, as if SET). */
  options: Record<string, string>;
}

export class ConfigError extends Error {}

export const DEFAULT_PORT = 5433;

export function defaultConfig(): ServerConfig {
  return {
    host: '127.0.0.1', port: DEFAULT_PORT, warehouse: './warehouse', auth: 'trust', users: [], allowTrustRemote: false,
    maxConnections: 100, maxMessageSize: 1024 * 1024 * 1024, statementTimeout: 0, idleSessionTimeout: 0, options: {},
  };
}

function millis(key: string, v: unknown): number {
  if (typeof v === 'number' && v >= 0) return v;
  if (typeof v === 'string') {
    const d = parseDuration(v);
    if (d !== undefined) return d;
  }
  throw new ConfigError(`${key}: '${String(v)}' is not a duration (milliseconds, or e.g. '30 s', '5 min')`);
}

function positiveInt(key: string, v: unknown): number {
  const n = typeof v === 'string' ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isInteger(n) || n <= 0) throw new ConfigError(`${key}: '${String(v)}' is not a positive integer`);
  return n;
}

function str(key: string, v: unknown): string {
  if (typeof v !== 'string' && typeof v !== 'number') throw new ConfigError(`${key}: expected a string`);
  return String(v);
}

const KEYS = ['host', 'port', 'warehouse', 'auth', 'users', 'allow-trust-remote', 'tls', 'max-connections', 'max-message-size',
  'statement-timeout', 'idle-session-timeout', 'options'];

/** Applies the keys of a parsed config file to `c`. */
export function applyConfigObject(c: ServerConfig, o: Record<string, unknown>): ServerConfig {
  for (const k of Object.keys(o)) if (!KEYS.includes(k)) throw new ConfigError(`unknown key '${k}' (keys: ${KEYS.join(', ')})`);
  if (o['host'] !== undefined) c.host = str('host', o['host']);
  if (o['port'] !== undefined) c.port = parsePort(o['port']);
  if (o['warehouse'] !== undefined) c.warehouse = str('warehouse', o['warehouse']);
  if (o['users'] !== undefined) {
    if (!Array.isArray(o['users'])) throw new ConfigError('users: expected a list of {name, password}');
    c.users = o['users'].map((u: unknown, i) => {
      const x = u as Record<string, unknown>;
      if (!x || typeof x !== 'object' || typeof x['name'] !== 'string' || typeof x['password'] !== 'string') {
        throw new ConfigError(`users[${i}]: expected {name, password} (password: a SCRAM-SHA-256 verifier from 'freshet server --hash-password' or a plain password)`);
      }
      return { name: x['name'], password: x['password'] };
    });
    if (o['auth'] === undefined && c.users.length > 0) c.auth = 'scram-sha-256';
  }
  if (o['auth'] !== undefined) {
    const a = str('auth', o['auth']);
    if (a !== 'trust' && a !== 'password' && a !== 'scram-sha-256') throw new ConfigError(`auth: '${a}' is not one of trust, password, scram-sha-256`);
    c.auth = a;
  }
  if (o['allow-trust-remote'] !== undefined) c.allowTrustRemote = o['allow-trust-remote'] === true || o['allow-trust-remote'] === 'true';
  if (o['tls'] !== undefined) {
    const t = o['tls'] as Record<string, unknown>;
    if (!t || typeof t['cert'] !== 'string' || typeof t['key'] !== 'string') throw new ConfigError('tls: expected {cert, key, required?} (paths to PEM files)');
    const required = t['required'];
    if (required !== undefined && typeof required !== 'boolean' && required !== 'true' && required !== 'false') throw new ConfigError(`tls.required: '${String(required)}' is not true or false`);
    c.tls = { cert: t['cert'], key: t['key'], required: required === true || required === 'true' };
  }
  if (o['max-connections'] !== undefined) c.maxConnections = positiveInt('max-connections', o['max-connections']);
  if (o['max-message-size'] !== undefined) c.maxMessageSize = positiveInt('max-message-size', o['max-message-size']);
  if (o['statement-timeout'] !== undefined) c.statementTimeout = millis('statement-timeout', o['statement-timeout']);
  if (o['idle-session-timeout'] !== undefined) c.idleSessionTimeout = millis('idle-session-timeout', o['idle-session-timeout']);
  if (o['options'] !== undefined) {
    const opts = o['options'] as Record<string, unknown>;
    if (!opts || typeof opts !== 'object' || Array.isArray(opts)) throw new ConfigError('options: expected a map of option = value');
    for (const [k, v] of Object.entries(opts)) c.options[k] = String(v);
  }
  return c;
}

function parsePort(v: unknown): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new ConfigError(`port: '${String(v)}' is not a port number`);
  return n;
}

/** Reads a YAML or JSON config file (JSON is YAML too; the extension does not matter). */
export function loadConfigFile(path: string, into: ServerConfig = defaultConfig()): ServerConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new ConfigError(`cannot read config file ${path}: ${(e as Error).message}`);
  }
  let o: unknown;
  try {
    o = parseYaml(text);
  } catch (e) {
    throw new ConfigError(`config file ${path} is not valid YAML or JSON: ${(e as Error).message}`);
  }
  if (o === null || o === undefined) return into;
  if (typeof o !== 'object' || Array.isArray(o)) throw new ConfigError(`config file ${path}: expected a map of keys`);
  try {
    return applyConfigObject(into, o as Record<string, unknown>);
  } catch (e) {
    if (e instanceof ConfigError) throw new ConfigError(`config file ${path}: ${e.message}`);
    throw e;
  }
}

export function isLoopback(host: string): boolean {
  const h = host.toLowerCase();
  return h === 'localhost' || h === '::1' || h === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(h) || h === '::ffff:127.0.0.1';
}

/** Refuses configurations that would be unsafe or cannot work. */
export function checkConfig(c: ServerConfig): void {
  if (c.auth === 'trust' && !isLoopback(c.host) && !c.allowTrustRemote) {
    throw new ConfigError(`refusing to listen on ${c.host} with trust authentication: anyone who can reach it could connect as any user. `
      + 'Configure users (auth: scram-sha-256) in the config file, listen on 127.0.0.1, or pass --allow-trust-remote if this is really meant.');
  }
  if (c.auth !== 'trust' && c.users.length === 0) throw new ConfigError(`auth is ${c.auth} but no users are configured`);
}
