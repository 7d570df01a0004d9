import crypto from 'node:crypto';

/**
 * Secrets the application must be able to read again (a personal link to re-send, the public
 * link to show again, a queued message that carries a link) are kept sealed with AES-256-GCM
 * under a key derived from the application secret, one key per purpose, so a database dump
 * alone reveals no working link. Keys are derived once per (secret, purpose).
 */
const keys = new Map<string, Buffer>();

function keyFor(secret: string, purpose: string): Buffer {
  const id = `${purpose}\u0000${secret}`;
  let key = keys.get(id);
  if (!key) {
    key = Buffer.from(crypto.hkdfSync('sha256', secret, 'kedergi', `seal-v1:${purpose}`, 32));
    keys.set(id, key);
  }
  return key;
}

/**
 * IVs come from a pool refilled 4 KiB at a time: one randomFillSync per 341 IVs instead of one
 * per message (queueing a round of 100 000 seals 100 000 messages). Each IV is still 96 fresh
 * random bits, never reused.
 */
let ivPool = Buffer.alloc(0);
let ivOffset = 0;
function nextIv(): Buffer {
  if (ivOffset + 12 > ivPool.length) {
    ivPool = crypto.randomBytes(4092);
    ivOffset = 0;
  }
  const iv = Buffer.from(ivPool.subarray(ivOffset, ivOffset + 12));
  ivOffset += 12;
  return iv;
}

export function seal(secret: string, purpose: string, plaintext: string): string {
  const iv = nextIv();
  const cipher = crypto.createCipheriv('aes-256-gcm', keyFor(secret, purpose), iv);
  const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64');
}

/** Undefined when the text was tampered with or sealed under another secret or purpose. */
export function unseal(secret: string, purpose: string, sealed: string): string | undefined {
  try {
    const raw = Buffer.from(sealed, 'base64');
    const decipher = crypto.createDecipheriv('aes-256-gcm', keyFor(secret, purpose), raw.subarray(0, 12));
    decipher.setAuthTag(raw.subarray(12, 28));
    return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
  } catch {
    return undefined;
  }
}

/** A short signature of `value` under the application secret (opt-out links), URL-safe. */
export function sign(secret: string, purpose: string, value: string): string {
  return crypto.createHmac('sha256', keyFor(secret, purpose)).update(value, 'utf8').digest('base64url').slice(0, 32);
}

export function verifySignature(secret: string, purpose: string, value: string, signature: string): boolean {
  const expected = Buffer.from(sign(secret, purpose, value));
  const given = Buffer.from(signature);
  return expected.length === given.length && crypto.timingSafeEqual(expected, given);
}
