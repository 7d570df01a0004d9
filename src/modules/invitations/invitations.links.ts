import crypto from 'node:crypto';

/**
 * The plaintext links of a new batch must survive one more request (the CSV download) without
 * being stored in a form a database dump would reveal. They are sealed with AES-256-GCM under
 * a key derived from the application secret; the sealed record is deleted on first download
 * and expires within the hour (see invitations.service.ts).
 */
function keyFrom(secret: string): Buffer {
  return Buffer.from(crypto.hkdfSync('sha256', secret, 'kedergi', 'invitation-link-batch-v1', 32));
}

export function sealLinks(secret: string, links: Array<[number, string]>): string {
  const iv = crypto.randomBytes(12);
  const cipher = crypto.createCipheriv('aes-256-gcm', keyFrom(secret), iv);
  const body = Buffer.concat([cipher.update(JSON.stringify(links), 'utf8'), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64');
}

/** Undefined when the record was tampered with or sealed under another secret. */
export function openLinks(secret: string, sealed: string): Array<[number, string]> | undefined {
  try {
    const raw = Buffer.from(sealed, 'base64');
    const decipher = crypto.createDecipheriv('aes-256-gcm', keyFrom(secret), raw.subarray(0, 12));
    decipher.setAuthTag(raw.subarray(12, 28));
    const text = Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
    return JSON.parse(text) as Array<[number, string]>;
  } catch {
    return undefined;
  }
}

/** 128-bit random identifier of a parked import or link batch. */
export function opaqueId(): string {
  return crypto.randomBytes(16).toString('base64url');
}
