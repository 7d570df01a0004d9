import crypto from 'node:crypto';

/**
 * Values kept by a digest of everything they are made from, least recently used dropped first
 * once their total size passes `budget`. Keyed by content, never by an id: when the numbers a
 * chart draws change (a new submission counted, another filter, another language), the key
 * changes with them, so a stale value can never be served and nothing has to be invalidated.
 */
export class DigestCache<V> {
  private readonly entries = new Map<string, { value: V; size: number }>();
  private total = 0;
  hits = 0;
  misses = 0;

  constructor(
    /** Total size (what `sizeOf` counts) kept at most. */
    private readonly budget: number,
    private readonly sizeOf: (value: V) => number,
  ) {}

  /** The digest of `inputs` (JSON; functions are not serialised, so pass what they would produce). */
  static key(inputs: unknown): string {
    return crypto.createHash('sha256').update(JSON.stringify(inputs)).digest('base64url');
  }

  get(key: string, make: () => V): V {
    const found = this.entries.get(key);
    if (found) {
      this.hits += 1;
      // Re-inserted: a Map iterates in insertion order, so the first entry is the least recently used.
      this.entries.delete(key);
      this.entries.set(key, found);
      return found.value;
    }
    this.misses += 1;
    const value = make();
    const size = this.sizeOf(value);
    if (size > this.budget) return value;
    this.entries.set(key, { value, size });
    this.total += size;
    for (const [oldest, entry] of this.entries) {
      if (this.total <= this.budget) break;
      this.entries.delete(oldest);
      this.total -= entry.size;
    }
    return value;
  }

  get size(): number {
    return this.entries.size;
  }
}
