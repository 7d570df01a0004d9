/**
 * Min-max partial index of one indicator over the compared territories.
 *
 * Definition (domain brief, "Composite indicators"; seed dissertation on depressed districts,
 * table 40 normalisation):
 *   stimulant    Y_i = (A_i - Amin) / (Amax - Amin)
 *   destimulant  Y_i = 1 - (A_i - Amin) / (Amax - Amin)
 * so 1 is always the best observed value and 0 the worst.
 *
 * When Amax == Amin the indicator does not tell the territories apart. The formula is then
 * 0/0; we define every partial index as 1 ("all at the best observed level") and report
 * `constant: true`. 1 rather than 0 or 0.5 because it is neutral in a geometric mean (a 0 would
 * zero every territory's integral index) and, being the same for everyone, it never changes a
 * ranking in an arithmetic mean either.
 *
 * Example: stimulant [2, 4, 6] -> [0, 0.5, 1]; destimulant [2, 4, 6] -> [1, 0.5, 0].
 */
export type Direction = 'stimulant' | 'destimulant';

export interface MinMaxResult {
  values: number[];
  min: number;
  max: number;
  constant: boolean;
}

export function minMaxNormalize(raw: readonly number[], direction: Direction): MinMaxResult {
  if (raw.length === 0) throw new RangeError('minMaxNormalize: no values');
  for (const v of raw) if (!Number.isFinite(v)) throw new RangeError('minMaxNormalize: values must be finite numbers');
  const min = Math.min(...raw);
  const max = Math.max(...raw);
  if (max === min) return { values: raw.map(() => 1), min, max, constant: true };
  const span = max - min;
  const values = raw.map((a) => {
    const share = (a - min) / span;
    return direction === 'stimulant' ? share : 1 - share;
  });
  return { values, min, max, constant: false };
}
