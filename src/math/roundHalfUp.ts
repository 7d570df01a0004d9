/**
 * Rounding to `digits` decimals with halves away from zero, on the decimal value as written,
 * the way statistical tables print numbers (0.5335 -> 0.534).
 *
 * Why not toFixed or Math.round(v * 1000) / 1000: 0.5335 is stored in binary as slightly less
 * than 0.5335, so (0.5335).toFixed(3) is "0.533", and 0.5105 * 1000 is 510.49999..., so
 * Math.round gives 0.51. Shifting the decimal point through the number's decimal text
 * ("0.5335e3" = 533.5) rounds the value the reader sees.
 *
 * Example: roundHalfUp(0.5335, 3) = 0.534; roundHalfUp(0.5105, 3) = 0.511; roundHalfUp(-0.0005, 3) = -0.001.
 */
export function roundHalfUp(value: number, digits: number): number {
  if (!Number.isFinite(value)) return value;
  if (!Number.isInteger(digits) || digits < 0 || digits > 15) throw new RangeError('roundHalfUp: digits must be an integer from 0 to 15');
  const sign = value < 0 ? -1 : 1;
  const shifted = Math.round(Number(`${Math.abs(value)}e${digits}`));
  return sign * Number(`${shifted}e-${digits}`);
}
