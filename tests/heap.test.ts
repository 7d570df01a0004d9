import v8 from 'node:v8';
import { describe, expect, it } from 'vitest';
import { HeapBudget } from '../src/heap';

const MB = 2 ** 20;
const used = () => v8.getHeapStatistics().used_heap_size;

/** Garbage that survives young-generation collection: rows kept long enough to be promoted, then dropped (as an upload's chunks are). */
function promoteGarbage(mb: number, budget?: HeapBudget): number {
  let held: string[][] = [];
  let peak = 0;
  for (let i = 0; i < mb * 64; i++) {
    held.push(Array.from({ length: 64 }, (_, j) => `row ${i} cell ${j} ${'x'.repeat(i % 7)}`));
    if (held.length >= 4000) {
      held = [];
      budget?.check();
    }
    if (i % 256 === 0) peak = Math.max(peak, used());
  }
  return peak;
}

describe('HeapBudget (src/heap.ts)', () => {
  it('collects in full once the heap grows past its headroom, and then counts from what is live', () => {
    const budget = new HeapBudget(16);
    const before = used();
    promoteGarbage(256, budget);
    expect(budget.collections).toBeGreaterThan(0);
    expect(budget.collectMs).toBeGreaterThan(0);
    // Right after a check the heap is under the ceiling the last collection set: live + headroom.
    budget.check();
    expect(used()).toBeLessThan(before + 16 * MB + 64 * MB);
  });

  it('does nothing while the heap stays within the headroom', () => {
    const budget = new HeapBudget(512);
    for (let i = 0; i < 1000; i++) budget.check();
    expect(budget.collections).toBe(0);
  });

  it('collects once more when a large operation ends, and not after a small one', async () => {
    const nextTurn = () => new Promise((resolve) => setImmediate(resolve));
    const small = new HeapBudget(512);
    small.release();
    await nextTurn();
    expect(small.collections).toBe(0);

    const large = new HeapBudget(16);
    promoteGarbage(256, large);
    const during = large.collections;
    expect(during).toBeGreaterThan(0);
    large.release();
    await nextTurn();
    expect(large.collections).toBe(during + 1);
  });
});
