import crypto from 'node:crypto';
import { LRUCache } from 'lru-cache';

/**
 * Values kept by a digest of everything they are made from, least recently used dropped first
 * once their total size passes `budget` (lru-cache does the bookkeeping). Keyed by content, never
 * by an id: when the numbers a chart draws change (a new submission counted, another filter,
 * another language), the key changes with them, so a stale value can never be served and nothing
 * has to be invalidated.
 */
export class DigestCache<V extends NonNullable<unknown>> {
  private readonly entries: LRUCache<string, V>;
  hits = 0;
  misses = 0;

  constructor(
    /** Total size (what `sizeOf` counts) kept at most; a single larger value is returned, not kept. */
    budget: number,
    sizeOf: (value: V) => number,
  ) {
    this.entries = new LRUCache<string, V>({ maxSize: budget, sizeCalculation: (value) => Math.max(1, sizeOf(value)) });
  }

  /** The digest of `inputs` (JSON; functions are not serialised, so pass what they would produce). */
  static key(inputs: unknown): string {
    return crypto.createHash('sha256').update(JSON.stringify(inputs)).digest('base64url');
  }

  get(key: string, make: () => V): V {
    const found = this.entries.get(key);
    if (found !== undefined) {
      this.hits += 1;
      return found;
    }
    this.misses += 1;
    const value = make();
    this.entries.set(key, value);
    return value;
  }

  get size(): number {
    return this.entries.size;
  }
}
