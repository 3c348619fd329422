/**
 * The per-connection settings map behind SET, SHOW and RESET. Postgres GUCs and Freshet's session
 * options live in one namespace: a name Freshet knows as an option (or any dotted name) is read and
 * written through the engine session's options, with their validation; TimeZone is an alias of
 * table.local-time-zone; everything else is a GUC kept here. Changes to the GUCs that Postgres reports
 * are collected so the connection can send a ParameterStatus for each.
 */
import type { Session } from '../../session/session.ts';
import { OPTION_DEFS, optionDef } from '../../session/options.ts';
import { FreshetError, SqlState } from '../../util/errors.ts';

/** GUCs a client is told about with ParameterStatus (at startup and whenever they change). */
export const REPORTED = ['server_version', 'server_encoding', 'client_encoding', 'application_name', 'default_transaction_read_only',
  'in_hot_standby', 'is_superuser', 'session_authorization', 'DateStyle', 'IntervalStyle', 'TimeZone', 'integer_datetimes',
  'standard_conforming_strings', 'freshet_version'];

const TIME_ZONE_OPTION = 'table.local-time-zone';

interface Guc {
  /** The name as Postgres spells it (SHOW ALL and ParameterStatus use it). */
  name: string;
  value: string;
  description: string;
  readOnly?: boolean;
  check?(value: string): string;
}

function canonicalEncoding(v: string): string {
  const u = v.replace(/[-_\s]/g, '').toUpperCase();
  if (u === 'UTF8' || u === 'UNICODE') return 'UTF8';
  throw new FreshetError(SqlState.featureNotSupported, `client_encoding ${v} is not supported`, { hint: 'Freshet speaks UTF8 only.' });
}

function checkDateStyle(v: string): string {
  const parts = v.split(',').map((p) => p.trim().toUpperCase()).filter((p) => p !== '');
  if (parts.some((p) => !['ISO', 'MDY', 'DMY', 'YMD', 'US', 'EUROPEAN', 'NONEURO', 'NONEUROPEAN', 'DEFAULT'].includes(p))) {
    throw new FreshetError(SqlState.featureNotSupported, `DateStyle ${v} is not supported`, { hint: "Freshet prints dates in ISO style only: SET DateStyle = 'ISO, MDY'." });
  }
  const order = parts.find((p) => p !== 'ISO') ?? 'MDY';
  return `ISO, ${order === 'US' || order === 'NONEURO' || order === 'NONEUROPEAN' || order === 'DEFAULT' ? 'MDY' : order === 'EUROPEAN' ? 'DMY' : order}`;
}

function defaults(serverVersion: string, freshetVersion: string, user: string): Guc[] {
  return [
    { name: 'server_version', value: serverVersion, description: 'Postgres version the server is compatible with.', readOnly: true },
    { name: 'server_version_num', value: '150000', description: 'server_version as a number.', readOnly: true },
    { name: 'freshet_version', value: freshetVersion, description: 'Version of Freshet.', readOnly: true },
    { name: 'server_encoding', value: 'UTF8', description: 'Encoding of the server.', readOnly: true },
    { name: 'client_encoding', value: 'UTF8', description: 'Encoding of the client (UTF8 only).', check: canonicalEncoding },
    { name: 'DateStyle', value: 'ISO, MDY', description: 'Display format for dates (ISO only).', check: checkDateStyle },
    { name: 'IntervalStyle', value: 'postgres', description: 'Display format for intervals.',
      check: (v) => { if (v.toLowerCase() !== 'postgres') throw new FreshetError(SqlState.featureNotSupported, `IntervalStyle ${v} is not supported`, { hint: 'Only postgres is.' }); return 'postgres'; } },
    { name: 'integer_datetimes', value: 'on', description: 'Datetimes are integer based.', readOnly: true },
    { name: 'standard_conforming_strings', value: 'on', description: "'...' strings treat backslashes literally.",
      check: (v) => { if (!['on', 'true', '1'].includes(v.toLowerCase())) throw new FreshetError(SqlState.featureNotSupported, 'standard_conforming_strings cannot be turned off'); return 'on'; } },
    { name: 'is_superuser', value: 'on', description: 'Whether the user is a superuser.', readOnly: true },
    { name: 'session_authorization', value: user, description: 'The session user.', readOnly: true },
    { name: 'application_name', value: '', description: 'Name the client gave itself.' },
    { name: 'default_transaction_read_only', value: 'off', description: 'Transactions start read-only.' },
    { name: 'in_hot_standby', value: 'off', description: 'Whether the server is a standby.', readOnly: true },
    { name: 'extra_float_digits', value: '1', description: 'Float output: 1 or more is shortest round trip.' },
    { name: 'search_path', value: '"$user", public', description: 'Schema search path (informational).' },
    { name: 'transaction_isolation', value: 'read committed', description: 'Isolation level (informational).' },
    { name: 'transaction_read_only', value: 'off', description: 'Whether the transaction is read-only.' },
    { name: 'statement_timeout', value: '0', description: 'Longest time a statement may run, in ms (0 = no limit).', check: checkMillis },
    { name: 'idle_session_timeout', value: '0', description: 'Longest idle time between statements, in ms (0 = no limit); set in the server config.', readOnly: true },
    { name: 'max_identifier_length', value: '63', description: 'Longest identifier.', readOnly: true },
    { name: 'lc_messages', value: 'C', description: 'Language of messages.' },
  ];
}

export interface ServerIdentity {
  serverVersion: string;
  freshetVersion: string;
  user: string;
  statementTimeoutMs: number;
  idleSessionTimeoutMs: number;
}

export class Settings {
  private readonly gucs = new Map<string, Guc>();
  private readonly initial = new Map<string, string>();
  private readonly session: Session;
  /** Reported GUCs whose value changed since the last call of takeChanged(). */
  private readonly changed = new Set<string>();

  constructor(session: Session, id: ServerIdentity) {
    this.session = session;
    for (const g of defaults(id.serverVersion, id.freshetVersion, id.user)) this.gucs.set(g.name.toLowerCase(), g);
    this.gucs.get('statement_timeout')!.value = String(id.statementTimeoutMs);
    this.gucs.get('idle_session_timeout')!.value = String(id.idleSessionTimeoutMs);
    for (const [k, g] of this.gucs) this.initial.set(k, g.value);
  }

  private isOption(key: string): boolean {
    return optionDef(key) !== undefined || key.includes('.');
  }

  /** The value of a setting, or undefined for a name nobody knows. */
  get(name: string): string | undefined {
    const key = name.toLowerCase();
    if (key === 'timezone' || key === 'time zone') return this.session.options.timeZone();
    const g = this.gucs.get(key);
    if (g) return g.value;
    if (this.isOption(name)) return this.session.options.get(name);
    return undefined;
  }

  /** The Postgres spelling of a GUC name (for ParameterStatus). */
  displayName(name: string): string {
    const key = name.toLowerCase();
    if (key === 'timezone' || key === 'time zone') return 'TimeZone';
    return this.gucs.get(key)?.name ?? name;
  }

  /** SET name = value; returns a warning to send as a notice, if any. */
  set(name: string, value: string): string | undefined {
    const key = name.toLowerCase();
    if (key === 'timezone' || key === 'time zone') {
      const zone = value.toUpperCase() === 'LOCAL' || value.toUpperCase() === 'DEFAULT' ? 'default' : value;
      this.session.options.set(TIME_ZONE_OPTION, zone);
      this.changed.add('TimeZone');
      return undefined;
    }
    const g = this.gucs.get(key);
    if (g) {
      if (g.readOnly) throw new FreshetError('55P02', `parameter "${g.name}" cannot be changed`);
      const v = value.toUpperCase() === 'DEFAULT' ? this.initial.get(key)! : g.check ? g.check(value) : value;
      g.value = v;
      if (REPORTED.includes(g.name)) this.changed.add(g.name);
      return undefined;
    }
    if (this.isOption(name)) {
      if (name === TIME_ZONE_OPTION) this.changed.add('TimeZone');
      return this.session.options.set(name, value).warning;
    }
    // an unknown name without a dot: Postgres would refuse it, and so does a typo'd option here
    throw new FreshetError('42704', `unrecognized configuration parameter "${name}"`, {
      hint: `SHOW ALL lists the settings; Freshet options have dotted names such as '${OPTION_DEFS[0]!.key}'.`,
    });
  }

  /** RESET name, or RESET ALL when name is undefined. */
  reset(name?: string): void {
    if (name === undefined) {
      for (const [k, g] of this.gucs) {
        if (g.value !== this.initial.get(k) && REPORTED.includes(g.name)) this.changed.add(g.name);
        g.value = this.initial.get(k)!;
      }
      this.session.options.reset();
      this.changed.add('TimeZone');
      return;
    }
    const key = name.toLowerCase();
    if (key === 'timezone' || key === 'time zone') {
      this.session.options.reset(TIME_ZONE_OPTION);
      this.changed.add('TimeZone');
      return;
    }
    const g = this.gucs.get(key);
    if (g) {
      if (!g.readOnly) {
        g.value = this.initial.get(key)!;
        if (REPORTED.includes(g.name)) this.changed.add(g.name);
      }
      return;
    }
    if (this.isOption(name)) {
      this.session.options.reset(name);
      return;
    }
    throw new FreshetError('42704', `unrecognized configuration parameter "${name}"`);
  }

  /** Every setting with its value and description, sorted by name (SHOW ALL). */
  all(): Array<[string, string, string]> {
    const rows: Array<[string, string, string]> = [];
    for (const g of this.gucs.values()) rows.push([g.name, g.value, g.description]);
    rows.push(['TimeZone', this.session.options.timeZone(), 'Session time zone (the same as table.local-time-zone).']);
    const explicit = this.session.options.explicit();
    for (const d of OPTION_DEFS) rows.push([d.key, this.session.options.get(d.key), d.description]);
    for (const [k, v] of explicit) if (!optionDef(k)) rows.push([k, v, 'Not an option Freshet knows.']);
    return rows.sort((a, b) => a[0].toLowerCase().localeCompare(b[0].toLowerCase()));
  }

  /** Reported GUCs changed since the last call, with their values. */
  takeChanged(): Array<[string, string]> {
    const out: Array<[string, string]> = [];
    for (const name of this.changed) out.push([name, this.get(name) ?? '']);
    this.changed.clear();
    return out;
  }

  /** Statement timeout in milliseconds (0 = none). */
  statementTimeout(): number {
    return parseMillis(this.gucs.get('statement_timeout')!.value);
  }

  idleSessionTimeout(): number {
    return parseMillis(this.gucs.get('idle_session_timeout')!.value);
  }
}

function checkMillis(v: string): string {
  if (!MILLIS_RE.test(v)) throw new FreshetError(SqlState.invalidParameterValue, `invalid value for a time setting: "${v}"`, { hint: "Give milliseconds or a number with a unit: 5000, '5s', '1min'." });
  return v.trim();
}

const MILLIS_RE = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|min|h|d)?\s*$/i;

/** A Postgres time setting: a number of milliseconds or a number with a unit (ms, s, min, h). */
function parseMillis(v: string): number {
  const m = MILLIS_RE.exec(v);
  if (!m) return 0;
  const n = Number(m[1]);
  const unit = (m[2] ?? 'ms').toLowerCase();
  return n * ({ ms: 1, s: 1000, min: 60_000, h: 3_600_000, d: 86_400_000 } as Record<string, number>)[unit]!;
}
