/**
 * Holm's step-down adjustment of m p-values for multiple testing (family-wise error rate).
 *
 * Definition: order the m defined p-values p_(1) <= ... <= p_(m); the adjusted value of the
 * j-th smallest is min(1, max_{i <= j} (m - i + 1) p_(i)). Undefined entries (null, NaN) stay
 * null and do not count towards m, as R's p.adjust(p, "holm") leaves NA alone with its
 * default n = length(p[!is.na(p)]). Ties keep their input order (a stable sort), which does
 * not change the result because of the running maximum.
 *
 * Reference: S. Holm, "A simple sequentially rejective multiple test procedure",
 * Scandinavian Journal of Statistics 6 (1979) 65-70; R stats::p.adjust.
 *
 * Example (R 4.x): p.adjust(c(0.01, 0.04, 0.03, 0.005, 0.2, NA, 0.04), "holm")
 *   -> 0.05 0.12 0.12 0.03 0.20 NA 0.12.
 */
export function holmAdjust(pValues: ReadonlyArray<number | null | undefined>): Array<number | null> {
  const defined = pValues
    .map((p, index) => ({ p, index }))
    .filter((x): x is { p: number; index: number } => typeof x.p === 'number' && Number.isFinite(x.p))
    .sort((a, b) => a.p - b.p || a.index - b.index);
  const m = defined.length;
  const out: Array<number | null> = pValues.map(() => null);
  let runningMax = 0;
  defined.forEach(({ p, index }, i) => {
    runningMax = Math.max(runningMax, (m - i) * p);
    out[index] = Math.min(1, runningMax);
  });
  return out;
}
