import crypto from 'node:crypto';

/** 128 random bits, URL-safe: the secret in an invitation or public link. */
export function generateLinkToken(): string {
  return crypto.randomBytes(16).toString('base64url');
}

/** Only this hash is stored; a database leak does not leak working links. */
export function hashToken(token: string): string {
  return crypto.createHash('sha256').update(token, 'utf8').digest('hex');
}
