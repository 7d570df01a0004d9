import v8 from 'node:v8';
import { describe, expect, it } from 'vitest';
import { HeapBudget } from '../src/heap';

const MB = 2 ** 20;
const used = () => v8.getHeapStatistics().used_heap_size;

/** Garbage that survives young-generation collection: chunks kept a while, then dropped (as a page of an export is). */
function promoteGarbage(mb: number, budget?: HeapBudget): number {
  let held: string[][] = [];
  let peak = 0;
  for (let i = 0; i < mb * 64; i++) {
    held.push(Array.from({ length: 64 }, (_, j) => `row ${i} cell ${j} ${'x'.repeat(i % 7)}`));
    if (held.length >= 400) {
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
});
