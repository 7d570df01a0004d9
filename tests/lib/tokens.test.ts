import crypto from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { generateLinkToken, generateLinkTokens, hashToken } from '../../src/lib/tokens';

describe('link tokens', () => {
  it('hashes with SHA-256 in hex (reference digests from FIPS 180-2, appendix B.1, and of a UTF-8 text)', () => {
    expect(hashToken('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    // A token is ASCII, but the hash must read any text as UTF-8, as the streaming API did.
    expect(hashToken('Кәсіпорын')).toBe(crypto.createHash('sha256').update(Buffer.from('Кәсіпорын', 'utf8')).digest('hex'));
  });

  it('makes tokens of 128 random bits, URL-safe, one at a time or many from one draw', () => {
    const many = generateLinkTokens(5000);
    expect(many).toHaveLength(5000);
    for (const token of [...many, generateLinkToken()]) {
      expect(token).toMatch(/^[A-Za-z0-9_-]{22}$/);
      expect(Buffer.from(token, 'base64url')).toHaveLength(16);
    }
    // Every token its own 16 bytes of the draw: no repeats, and no bits shared between neighbours.
    expect(new Set(many).size).toBe(5000);
    const bytes = Buffer.concat(many.map((t) => Buffer.from(t, 'base64url')));
    const ones = [...bytes].reduce((n, b) => n + b.toString(2).replace(/0/g, '').length, 0);
    // 640,000 fair bits: the share of ones within 0.5 +- 0.005 (more than 7 standard deviations).
    expect(Math.abs(ones / (bytes.length * 8) - 0.5)).toBeLessThan(0.005);
    expect(generateLinkTokens(0)).toEqual([]);
  });
});
