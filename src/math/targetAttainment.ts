/**
 * Attainment of a target: how much of it an actual value reaches, as a ratio (1 = exactly met).
 *
 * Definition (the usual rule of programme monitoring, e.g. the methodology of the state planning
 * system of Kazakhstan for indicators of strategic plans): for an indicator where a higher value
 * is better, attainment = actual / target; where a lower value is better (a rank, a cost),
 * attainment = target / actual. Both give > 1 when the target is exceeded.
 *
 * Undefined (null) when the divisor is 0 or either value is not a finite number, or when the
 * ratio would be negative (the rule assumes values of one sign).
 *
 * Example: actual 2.3 bn against a target of 2.35 bn, higher is better: 2.3 / 2.35 = 0.9787;
 * GII rank 31 against a target of 30, lower is better: 30 / 31 = 0.9677.
 */
export function targetAttainment(actual: number, target: number, direction: 'higher' | 'lower'): number | null {
  if (!Number.isFinite(actual) || !Number.isFinite(target)) return null;
  const [numerator, denominator] = direction === 'higher' ? [actual, target] : [target, actual];
  if (denominator === 0) return null;
  const ratio = numerator / denominator;
  return ratio < 0 ? null : ratio;
}
