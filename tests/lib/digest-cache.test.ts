import { describe, expect, it } from 'vitest';
import { DigestCache } from '../../src/lib/digest-cache';

describe('DigestCache', () => {
  it('makes a value once per key and returns the kept one after', () => {
    const cache = new DigestCache<string>(100, (s) => s.length);
    let made = 0;
    const key = DigestCache.key({ chart: 'ranking', values: [1, 2, 3] });
    expect(cache.get(key, () => `v${++made}`)).toBe('v1');
    expect(cache.get(key, () => `v${++made}`)).toBe('v1');
    expect([cache.hits, cache.misses, made]).toEqual([1, 1, 1]);
  });

  it('keys by content: other numbers give another key', () => {
    expect(DigestCache.key({ values: [1, 2, 3] })).toBe(DigestCache.key({ values: [1, 2, 3] }));
    expect(DigestCache.key({ values: [1, 2, 3] })).not.toBe(DigestCache.key({ values: [1, 2, 4] }));
  });

  it('drops the least recently used once the total size passes the budget', () => {
    const cache = new DigestCache<string>(10, (s) => s.length);
    cache.get('a', () => 'aaaa');
    cache.get('b', () => 'bbbb');
    cache.get('a', () => 'never'); // a is now the most recently used
    cache.get('c', () => 'cccc'); // 12 > 10: b goes, a stays
    expect(cache.size).toBe(2);
    expect(cache.get('a', () => 'remade')).toBe('aaaa');
    expect(cache.get('b', () => 'remade')).toBe('remade');
  });

  it('returns a value larger than the whole budget without keeping it', () => {
    const cache = new DigestCache<string>(10, (s) => s.length);
    cache.get('small', () => 'ss');
    expect(cache.get('big', () => 'x'.repeat(50))).toHaveLength(50);
    expect(cache.size).toBe(1);
    expect(cache.get('small', () => 'remade')).toBe('ss');
  });
});
