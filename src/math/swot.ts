/**
 * Quantitative SWOT: normalised weights, factor scores, quadrant totals, the strategic
 * position and the TOWS strategy it points to.
 *
 * Definition (per factor i of quadrant q in S, W, O, T; w_i = mean expert weight,
 * s_i = mean expert strength, both on 1-5):
 *   v_i = w_i / sum_{j in q} w_j        (normalised weight within the quadrant; sums to 1)
 *   f_i = v_i * s_i                      (factor score)
 *   Q_q = sum_{i in q} f_i               (quadrant total = weighted mean strength, 1..5)
 *   x = S - W, y = O - T                 (strategic position)
 * TOWS strategy by the quadrant of (x, y):
 *   SO aggressive      x > 0,  y > 0
 *   WO turnaround      x <= 0, y > 0
 *   ST diversification x > 0,  y <= 0
 *   WT defensive       x <= 0, y <= 0
 * Boundary (our decision): a zero coordinate counts as NOT positive. A strategy that builds on
 * strengths or opportunities needs them to outweigh weaknesses or threats; a draw gives the
 * more cautious strategy, so (0, 0) is WT. `onBoundary` tells the page to say so.
 * A quadrant with no scored factors (or zero total weight) has total 0.
 *
 * Reference: /work/shared/domain/README.md ("Quantitative SWOT"); H. Weihrich, "The TOWS
 * matrix - a tool for situational analysis", Long Range Planning 15 (1982) 54-66.
 *
 * Example: S1 (w 4, s 5), S2 (2, 3): v = 2/3, 1/3; f = 3.333, 1.000; S = 4.333. With
 * W = 3.6, O = 4, T = 3.5 the position is (0.733, 0.5): SO. Worked fully in tests/math/swot.test.ts.
 */
export const SWOT_QUADRANTS = ['S', 'W', 'O', 'T'] as const;
export type SwotQuadrant = (typeof SWOT_QUADRANTS)[number];
export type TowsStrategy = 'SO' | 'WO' | 'ST' | 'WT';

export interface SwotFactorInput {
  code: string;
  quadrant: SwotQuadrant;
  /** Mean weight w_i (> 0). */
  weight: number;
  /** Mean strength s_i. */
  strength: number;
}

export interface SwotFactorResult extends SwotFactorInput {
  normalisedWeight: number;
  score: number;
}

export interface SwotResult {
  factors: SwotFactorResult[];
  totals: Record<SwotQuadrant, number>;
  x: number;
  y: number;
  strategy: TowsStrategy;
  onBoundary: boolean;
}

export function towsStrategy(x: number, y: number): TowsStrategy {
  if (x > 0) return y > 0 ? 'SO' : 'ST';
  return y > 0 ? 'WO' : 'WT';
}

export function quantitativeSwot(input: readonly SwotFactorInput[]): SwotResult {
  const weightSums: Record<SwotQuadrant, number> = { S: 0, W: 0, O: 0, T: 0 };
  for (const f of input) weightSums[f.quadrant] += f.weight;
  const totals: Record<SwotQuadrant, number> = { S: 0, W: 0, O: 0, T: 0 };
  const factors = input.map((f) => {
    const sum = weightSums[f.quadrant];
    const normalisedWeight = sum > 0 ? f.weight / sum : 0;
    const score = normalisedWeight * f.strength;
    totals[f.quadrant] += score;
    return { ...f, normalisedWeight, score };
  });
  const x = totals.S - totals.W;
  const y = totals.O - totals.T;
  return { factors, totals, x, y, strategy: towsStrategy(x, y), onBoundary: x === 0 || y === 0 };
}
