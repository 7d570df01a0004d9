import crypto from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { batchPayload, idRuns, readBatchPayload } from '../../../src/modules/invitations/invitations.links';

const SECRET = 'test-secret-0123456789-abcdefghijklmnopqrstuvwxyz';

/** A batch as versions before the id runs stored it: [id, token] pairs sealed with AES-256-GCM. */
function legacySealed(secret: string, links: Array<[number, string]>): string {
  const key = Buffer.from(crypto.hkdfSync('sha256', secret, 'kedergi', 'invitation-link-batch-v1', 32));
  const iv = crypto.randomBytes(12);
  const cipher = crypto.createCipheriv('aes-256-gcm', key, iv);
  const body = Buffer.concat([cipher.update(JSON.stringify(links), 'utf8'), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64');
}

describe('link batch payload', () => {
  it('keeps the ids of a batch as runs of consecutive ids, whatever order they came back in', () => {
    expect(idRuns([])).toEqual([]);
    expect(idRuns([5])).toEqual([[5, 5]]);
    expect(idRuns([3, 1, 2, 10, 12, 11, 20])).toEqual([[1, 3], [10, 12], [20, 20]]);
    // Numeric order, not text order (9 before 10).
    expect(idRuns([10, 9, 100])).toEqual([[9, 10], [100, 100]]);
    const national = Array.from({ length: 100_000 }, (_, i) => 2_000_001 + i);
    expect(batchPayload(idRuns(national))).toBe('{"runs":[[2000001,2100000]]}');
  });

  it('reads its own payload back and refuses a damaged one', () => {
    expect(readBatchPayload(SECRET, batchPayload([[1, 3], [7, 7]]))).toEqual({ runs: [[1, 3], [7, 7]] });
    for (const bad of ['{"runs":[[3,1]]}', '{"runs":[[1]]}', '{"runs":"1-3"}', '{"runs":[[1.5,2]]}', '{}', '{not json', 'AAAA']) {
      expect(readBatchPayload(SECRET, bad)).toBeUndefined();
    }
  });

  it('still opens a batch stored before the runs (sealed links), under the right secret only', () => {
    const sealed = legacySealed(SECRET, [[12, 'tok-b'], [11, 'tok-a'], [14, 'tok-c']]);
    const content = readBatchPayload(SECRET, sealed);
    expect(content?.runs).toEqual([[11, 12], [14, 14]]);
    expect([...content!.tokens!]).toEqual([[12, 'tok-b'], [11, 'tok-a'], [14, 'tok-c']]);
    expect(readBatchPayload('another-secret-of-another-install-0123456789', sealed)).toBeUndefined();
    const tampered = Buffer.from(sealed, 'base64');
    tampered[tampered.length - 1]! ^= 1;
    expect(readBatchPayload(SECRET, tampered.toString('base64'))).toBeUndefined();
  });
});
