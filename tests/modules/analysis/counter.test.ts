import { describe, expect, it } from 'vitest';
import { AnalysisCounter } from '../../../src/modules/analysis/analysis.counter';

/** The background counter with a stand-in analysis service that records its passes. */
function counterWith(options: { failOn?: number; passMs?: number } = {}) {
  const passes: number[] = [];
  const errors: unknown[] = [];
  let running = 0;
  let overlapped = false;
  const analysis = {
    async ensureCounted(roundId: number) {
      running++;
      if (running > 1) overlapped = true;
      await new Promise((resolve) => setTimeout(resolve, options.passMs ?? 5));
      running--;
      passes.push(roundId);
      if (roundId === options.failOn) throw new Error(`round ${roundId} failed`);
    },
    async roundsToCount() {
      return [1, 2, 3];
    },
  };
  const counter = new AnalysisCounter(analysis, { delayMs: 10, onError: (e) => errors.push(e) });
  return { counter, passes, errors, overlapped: () => overlapped };
}

describe('background counter', () => {
  it('counts a burst of submissions of one round in one pass, after the delay', async () => {
    const { counter, passes } = counterWith();
    for (let i = 0; i < 500; i++) counter.nudge(7);
    expect(passes).toEqual([]); // nothing counted on the submission's own path
    await counter.settled();
    expect(passes).toEqual([7]);
  });

  it('runs one pass at a time; nudges during a pass get a pass of their own afterwards', async () => {
    const { counter, passes, overlapped } = counterWith({ passMs: 30 });
    counter.nudge(1);
    await new Promise((resolve) => setTimeout(resolve, 20)); // the first pass is under way
    counter.nudge(1);
    counter.nudge(2);
    await counter.settled();
    expect(passes).toEqual([1, 1, 2]);
    expect(overlapped()).toBe(false);
  });

  it('reports a failing round and goes on with the others', async () => {
    const { counter, passes, errors } = counterWith({ failOn: 1 });
    await counter.sweep();
    expect(errors).toHaveLength(1);
    expect(passes).toEqual([1, 2, 3]);
  });

  it('counts nothing more once stopped', async () => {
    const { counter, passes } = counterWith();
    counter.nudge(4);
    await counter.stop();
    counter.nudge(5);
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(passes).toEqual([]);
  });
});
