/**
 * Periods that look like years (or other plain numbers) can drive a trend and are the `year` of
 * derived-indicator formulas; others ('2020-Q1', 'undated') have no number.
 */
export function numericPeriod(period: string): number | undefined {
  return /^-?\d+(\.\d+)?$/.test(period.trim()) ? Number(period) : undefined;
}
