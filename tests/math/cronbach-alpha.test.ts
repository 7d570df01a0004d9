import fc from 'fast-check';
import * as ss from 'simple-statistics';
import { describe, expect, it } from 'vitest';
import { cronbachAlpha, cronbachAlphaFromMoments, type ScaleMoments } from '../../src/math/cronbach-alpha';

/** The sums SQL accumulates, from a respondents x items matrix. */
function momentsOf(rows: number[][]): ScaleMoments {
  const totals = rows.map((r) => r.reduce((s, v) => s + v, 0));
  return {
    n: rows.length,
    totalSum: ss.sum(totals),
    totalSquares: ss.sum(totals.map((t) => t * t)),
    items: rows[0]!.map((_, i) => ({
      sum: ss.sum(rows.map((r) => r[i]!)),
      squares: ss.sum(rows.map((r) => r[i]! ** 2)),
      crossTotal: ss.sum(rows.map((r, j) => r[i]! * totals[j]!)),
    })),
  };
}

/** Definition applied directly to the raw matrix (simple-statistics sample variances). */
function alphaRaw(rows: number[][]): number {
  const k = rows[0]!.length;
  const itemVar = ss.sum(rows[0]!.map((_, i) => ss.sampleVariance(rows.map((r) => r[i]!))));
  return (k / (k - 1)) * (1 - itemVar / ss.sampleVariance(rows.map((r) => ss.sum(r))));
}

const EXAMPLE = [
  [4, 5, 4],
  [3, 4, 3],
  [5, 5, 4],
  [2, 3, 2],
  [4, 4, 5],
];

describe("Cronbach's alpha", () => {
  it('matches the hand-computed example', () => {
    // Hand-computed (see cronbach-alpha.ts): item variances 1.3, 0.7, 1.3; var(T) = 8.3;
    // alpha = 1.5 * (1 - 3.3/8.3) = 0.9036145. Without item 1: var(T') = 3.2, 2 * (1 - 2/3.2) = 0.75;
    // without 2: 2 * (1 - 2.6/4.7) = 0.8936170; without 3: 2 * (1 - 2/3.7) = 0.9189189.
    // numpy on the same matrix gives 0.9036144578313254, 0.75, 0.8936170212765957, 0.9189189189189191.
    expect(cronbachAlpha([1.3, 0.7, 1.3], 8.3)).toBeCloseTo(0.9036144578313254, 12);
    const r = cronbachAlphaFromMoments(momentsOf(EXAMPLE));
    expect(r.alpha).toBeCloseTo(0.9036144578313254, 12);
    expect(r.itemVariances.map((v) => Number(v.toFixed(12)))).toEqual([1.3, 0.7, 1.3]);
    expect(r.totalVariance).toBeCloseTo(8.3, 12);
    expect(r.alphaIfDeleted[0]).toBeCloseTo(0.75, 12);
    expect(r.alphaIfDeleted[1]).toBeCloseTo(0.8936170212765957, 12);
    expect(r.alphaIfDeleted[2]).toBeCloseTo(0.9189189189189191, 12);
  });

  it('equals the definition applied to raw rows, and deletion equals recomputing without the item', () => {
    const rows = fc.integer({ min: 3, max: 5 }).chain((k) =>
      fc.array(fc.array(fc.integer({ min: 1, max: 5 }), { minLength: k, maxLength: k }), { minLength: 3, maxLength: 40 }),
    );
    fc.assert(
      fc.property(rows, (matrix) => {
        const totals = matrix.map((r) => ss.sum(r));
        if (ss.sampleVariance(totals) === 0) return cronbachAlphaFromMoments(momentsOf(matrix)).alpha === null;
        const r = cronbachAlphaFromMoments(momentsOf(matrix));
        if (Math.abs(r.alpha! - alphaRaw(matrix)) > 1e-9) return false;
        return matrix[0]!.every((_, i) => {
          const rest = matrix.map((row) => row.filter((_, j) => j !== i));
          if (ss.sampleVariance(rest.map((x) => ss.sum(x))) === 0) return r.alphaIfDeleted[i] === null;
          return Math.abs(r.alphaIfDeleted[i]! - alphaRaw(rest)) < 1e-9;
        });
      }),
      { numRuns: 150, seed: 20261122 },
    );
  });

  it('is undefined for fewer than two respondents or items, or a constant total', () => {
    expect(cronbachAlpha([1], 2)).toBeNull();
    expect(cronbachAlpha([1, 1], 0)).toBeNull();
    expect(cronbachAlphaFromMoments(momentsOf([[3, 4, 5]])).alpha).toBeNull();
    const two = cronbachAlphaFromMoments(momentsOf([[1, 2], [2, 3], [4, 4]]));
    expect(two.alpha).not.toBeNull();
    expect(two.alphaIfDeleted).toEqual([null, null]); // one item left is not a scale
    expect(cronbachAlphaFromMoments(momentsOf([[3, 3], [3, 3]])).alpha).toBeNull();
  });
});
