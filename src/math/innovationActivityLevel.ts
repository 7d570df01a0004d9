/**
 * Level of innovation activity Lact, per cent.
 *
 * Definition (domain brief; national statistics practice used in both seed dissertations):
 * Lact = innovating enterprises / active enterprises * 100. From a survey round it is the share
 * of respondents who introduced any innovation (profile question "innovated" other than "none").
 *
 * Example: 129 innovating of 1000 active enterprises -> 12.9 % (the 2020 INact of table 17).
 */
export function innovationActivityLevel(innovating: number, active: number): number {
  if (!Number.isFinite(innovating) || !Number.isFinite(active) || innovating < 0 || active <= 0) {
    throw new RangeError('innovationActivityLevel: counts must be non-negative and the number of active enterprises positive');
  }
  if (innovating > active) throw new RangeError('innovationActivityLevel: more innovating than active enterprises');
  return (innovating / active) * 100;
}
