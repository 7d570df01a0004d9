import crypto from 'node:crypto';

const TOKEN_BYTES = 16;

/** 128 random bits, URL-safe: the secret in an invitation or public link. */
export function generateLinkToken(): string {
  return crypto.randomBytes(TOKEN_BYTES).toString('base64url');
}

/**
 * `count` tokens like generateLinkToken's, their randomness drawn in one call: an upload of
 * 100,000 invitations otherwise made 100,000 Buffers, each with native memory of its own that
 * lives until a collection reaches its wrapper. Each token is still 128 fresh random bits.
 */
export function generateLinkTokens(count: number): string[] {
  const random = crypto.randomBytes(TOKEN_BYTES * count);
  const tokens = new Array<string>(count);
  for (let i = 0; i < count; i++) tokens[i] = random.toString('base64url', i * TOKEN_BYTES, (i + 1) * TOKEN_BYTES);
  return tokens;
}

/**
 * One-shot hashing (Node >= 20.12) makes no Hash object, so no native hashing context waits
 * for the collector per token; older Nodes take the streaming API. Same digest either way.
 */
const oneShot: ((algorithm: string, data: string, encoding: 'hex') => string) | undefined = typeof crypto.hash === 'function' ? crypto.hash : undefined;

/** Only this hash is stored; a database leak does not leak working links. */
export function hashToken(token: string): string {
  return oneShot ? oneShot('sha256', token, 'hex') : crypto.createHash('sha256').update(token, 'utf8').digest('hex');
}
