/**
 * SCRAM-SHA-256 (RFC 5802 / RFC 7677) on the server side, and the verifiers users are stored with:
 * `SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>` (base64 parts), the format Postgres
 * keeps in pg_authid, so verifiers can be copied between the two. Passwords are used as their UTF-8
 * bytes (no SASLprep normalization: ASCII passwords are unaffected).
 */
import { createHash, createHmac, pbkdf2Sync, randomBytes, timingSafeEqual } from 'node:crypto';

export const SCRAM_MECHANISM = 'SCRAM-SHA-256';
export const DEFAULT_ITERATIONS = 4096;

export interface ScramVerifier {
  iterations: number;
  salt: Buffer;
  storedKey: Buffer;
  serverKey: Buffer;
}

const hmac = (key: Buffer, data: string | Buffer): Buffer => createHmac('sha256', key).update(data).digest();
const sha256 = (data: Buffer): Buffer => createHash('sha256').update(data).digest();

export function deriveVerifier(password: string, salt: Buffer, iterations: number): ScramVerifier {
  const salted = pbkdf2Sync(Buffer.from(password, 'utf8'), salt, iterations, 32, 'sha256');
  const clientKey = hmac(salted, 'Client Key');
  return { iterations, salt, storedKey: sha256(clientKey), serverKey: hmac(salted, 'Server Key') };
}

/** A new verifier for a password, with a random salt (what `freshet server --hash-password` prints). */
export function hashPassword(password: string, iterations = DEFAULT_ITERATIONS): string {
  return formatVerifier(deriveVerifier(password, randomBytes(16), iterations));
}

export function formatVerifier(v: ScramVerifier): string {
  return `${SCRAM_MECHANISM}$${v.iterations}:${v.salt.toString('base64')}$${v.storedKey.toString('base64')}:${v.serverKey.toString('base64')}`;
}

/** Parses a stored verifier; undefined when the text is not one (then it is a plain password). */
export function parseVerifier(text: string): ScramVerifier | undefined {
  const m = /^SCRAM-SHA-256\$(\d+):([A-Za-z0-9+/=]+)\$([A-Za-z0-9+/=]+):([A-Za-z0-9+/=]+)$/.exec(text);
  if (!m) return undefined;
  const v = { iterations: Number(m[1]), salt: Buffer.from(m[2]!, 'base64'), storedKey: Buffer.from(m[3]!, 'base64'), serverKey: Buffer.from(m[4]!, 'base64') };
  if (v.iterations < 1 || v.storedKey.length !== 32 || v.serverKey.length !== 32) return undefined;
  return v;
}

/** Whether a cleartext password matches a verifier (constant time in the comparison). */
export function passwordMatches(password: string, v: ScramVerifier): boolean {
  const d = deriveVerifier(password, v.salt, v.iterations);
  return timingSafeEqual(d.storedKey, v.storedKey);
}

export class ScramError extends Error {}

/**
 * One server-side SCRAM exchange. `first()` takes the client-first-message and returns the
 * server-first-message; `final()` takes the client-final-message and returns the server-final-message
 * when the proof is right, or null when it is not (a wrong password or an unknown user, alike).
 */
export class ScramExchange {
  private readonly verifier: ScramVerifier;
  private readonly known: boolean;
  private clientFirstBare = '';
  private serverFirst = '';
  private nonce = '';
  private gs2Header = '';

  /** `verifier` undefined = unknown user: the exchange runs on a made-up verifier and fails at the end. */
  constructor(verifier: ScramVerifier | undefined, mockSalt: Buffer) {
    this.known = verifier !== undefined;
    this.verifier = verifier ?? { iterations: DEFAULT_ITERATIONS, salt: mockSalt, storedKey: randomBytes(32), serverKey: randomBytes(32) };
  }

  first(clientFirst: string): string {
    // gs2-header: "n,," (no channel binding) or "y,," (client could but thinks we cannot); "p=" is refused
    const m = /^([ny]),(a=[^,]*)?,(.*)$/.exec(clientFirst);
    if (!m) throw new ScramError(clientFirst.startsWith('p=') ? 'channel binding is not supported' : 'malformed SCRAM client-first-message');
    this.gs2Header = `${m[1]},${m[2] ?? ''},`;
    this.clientFirstBare = m[3]!;
    const r = /(?:^|,)r=([^,]+)/.exec(this.clientFirstBare);
    if (!r || /[^\x21-\x2b\x2d-\x7e]/.test(r[1]!)) throw new ScramError('malformed SCRAM nonce');
    this.nonce = r[1]! + randomBytes(18).toString('base64');
    this.serverFirst = `r=${this.nonce},s=${this.verifier.salt.toString('base64')},i=${this.verifier.iterations}`;
    return this.serverFirst;
  }

  final(clientFinal: string): string | null {
    const m = /^c=([^,]*),r=([^,]*)(?:,.*)?,p=([A-Za-z0-9+/=]+)$/.exec(clientFinal);
    if (!m) throw new ScramError('malformed SCRAM client-final-message');
    if (Buffer.from(m[1]!, 'base64').toString('latin1') !== this.gs2Header) throw new ScramError('SCRAM channel binding does not match');
    if (m[2] !== this.nonce) throw new ScramError('SCRAM nonce does not match');
    const withoutProof = clientFinal.slice(0, clientFinal.lastIndexOf(',p='));
    const authMessage = `${this.clientFirstBare},${this.serverFirst},${withoutProof}`;
    const proof = Buffer.from(m[3]!, 'base64');
    if (proof.length !== 32) return null;
    const signature = hmac(this.verifier.storedKey, authMessage);
    const clientKey = Buffer.alloc(32);
    for (let i = 0; i < 32; i++) clientKey[i] = proof[i]! ^ signature[i]!;
    const ok = timingSafeEqual(sha256(clientKey), this.verifier.storedKey);
    if (!ok || !this.known) return null;
    return `v=${hmac(this.verifier.serverKey, authMessage).toString('base64')}`;
  }
}
