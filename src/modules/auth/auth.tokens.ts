import crypto, { type KeyObject } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { ZTokenClaims, type TTokenClaims } from './auth.schemas';

/**
 * Handed a string, jsonwebtoken first tries to parse it as a PEM key and catches the failure on
 * every call (13-15% of the server's CPU under submission load, bench/RESULTS.md); a secret
 * KeyObject built once per secret skips that.
 */
const keys = new Map<string, KeyObject>();
function secretKey(secret: string): KeyObject {
  let key = keys.get(secret);
  if (!key) {
    key = crypto.createSecretKey(Buffer.from(secret, 'utf8'));
    keys.set(secret, key);
  }
  return key;
}

export const ISSUER = 'kedergi';
export type Audience = 'kedergi-web' | 'kedergi-api' | 'kedergi-respondent';

export interface SignInput {
  subject: string;
  tokenVersion: number;
  audience: Audience;
  ttlSeconds: number;
  origin?: number;
}

export function signToken(secret: string, input: SignInput): { token: string; expiresAt: Date } {
  const now = Math.floor(Date.now() / 1000);
  const token = jwt.sign({ tv: input.tokenVersion, orig: input.origin ?? now }, secretKey(secret), {
    algorithm: 'HS256',
    subject: input.subject,
    issuer: ISSUER,
    audience: input.audience,
    expiresIn: input.ttlSeconds,
  });
  return { token, expiresAt: new Date((now + input.ttlSeconds) * 1000) };
}

/** Only HS256 is accepted: a token that names another algorithm (or `none`) is refused. */
export function verifyToken(secret: string, token: string, audience: Audience): TTokenClaims | null {
  try {
    const decoded = jwt.verify(token, secretKey(secret), { algorithms: ['HS256'], issuer: ISSUER, audience });
    const parsed = ZTokenClaims.safeParse(decoded);
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}
