/**
 * PEST influence profile: per group the positive and negative influence and their balance.
 *
 * Definition (per group g in P, E, S, T; w_i = mean expert weight, s_i = mean strength):
 *   v_i = w_i / sum_{j in g} w_j   over ALL factors of the group, positive and negative
 *                                  together (the README says "v normalised within the
 *                                  group", not within the group's polarity), so the two
 *                                  parts are on one scale and can be subtracted;
 *   positive_g = sum_{i in g, +} v_i s_i,  negative_g = sum_{i in g, -} v_i s_i,
 *   balance_g  = positive_g - negative_g   (in [-5, 5] on the 1-5 scale).
 * A group with no scored factors has 0 everywhere.
 *
 * Reference: /work/shared/domain/README.md ("PEST").
 *
 * Example: P+1 (w 4, s 4), P+2 (2, 3), P-1 (3, 5), P-2 (1, 2): sum w = 10,
 *   v = .4, .2, .3, .1; positive = 1.6 + 0.6 = 2.2; negative = 1.5 + 0.2 = 1.7; balance 0.5.
 */
export const PEST_GROUPS = ['P', 'E', 'S', 'T'] as const;
export type PestGroup = (typeof PEST_GROUPS)[number];

export interface PestFactorInput {
  code: string;
  group: PestGroup;
  polarity: '+' | '-';
  weight: number;
  strength: number;
}

export interface PestFactorResult extends PestFactorInput {
  normalisedWeight: number;
  /** v_i * s_i, always >= 0; its polarity says which side it counts on. */
  score: number;
}

export interface PestGroupResult {
  group: PestGroup;
  positive: number;
  negative: number;
  balance: number;
}

export interface PestResult {
  factors: PestFactorResult[];
  groups: PestGroupResult[];
}

export function pestInfluence(input: readonly PestFactorInput[]): PestResult {
  const weightSums: Record<PestGroup, number> = { P: 0, E: 0, S: 0, T: 0 };
  for (const f of input) weightSums[f.group] += f.weight;
  const parts: Record<PestGroup, { positive: number; negative: number }> = {
    P: { positive: 0, negative: 0 },
    E: { positive: 0, negative: 0 },
    S: { positive: 0, negative: 0 },
    T: { positive: 0, negative: 0 },
  };
  const factors = input.map((f) => {
    const sum = weightSums[f.group];
    const normalisedWeight = sum > 0 ? f.weight / sum : 0;
    const score = normalisedWeight * f.strength;
    if (f.polarity === '+') parts[f.group].positive += score;
    else parts[f.group].negative += score;
    return { ...f, normalisedWeight, score };
  });
  const groups = PEST_GROUPS.map((group) => ({ group, ...parts[group], balance: parts[group].positive - parts[group].negative }));
  return { factors, groups };
}
