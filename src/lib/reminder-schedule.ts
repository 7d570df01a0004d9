import { z } from 'zod';

/**
 * A reminder schedule (invitations of a survey round, experts of a Delphi panel): the first
 * reminder `afterDays` after the first mail, then one every `everyDays`, at most `maxCount`.
 * The mail module and the experts module each keep their own schedules in this one shape.
 */
export const ZReminderSchedule = z.strictObject({
  enabled: z.preprocess((v) => v === 'on' || v === 'true' || v === true || v === '1', z.boolean()),
  afterDays: z.coerce.number().int().min(1).max(365),
  everyDays: z.coerce.number().int().min(1).max(365),
  maxCount: z.coerce.number().int().min(0).max(20),
});
export type TReminderSchedule = z.infer<typeof ZReminderSchedule>;

export const DEFAULT_REMINDER_SCHEDULE: TReminderSchedule = { enabled: false, afterDays: 7, everyDays: 7, maxCount: 2 };

const DAY_MS = 24 * 3600_000;

/**
 * Whether one more reminder is due at `now`: fewer than `maxCount` so far, and `afterDays` since
 * `since` (the first mail: an invitation mail, a round opening) for the first one, `everyDays`
 * since the latest one after that. Times are ISO-8601.
 */
export function isReminderDue(schedule: TReminderSchedule, sent: { count: number; lastAt: string | null }, since: string, now: Date): boolean {
  if (!schedule.enabled || sent.count >= schedule.maxCount) return false;
  const from = sent.count === 0 || !sent.lastAt ? since : sent.lastAt;
  const wait = (sent.count === 0 ? schedule.afterDays : schedule.everyDays) * DAY_MS;
  return now.getTime() - Date.parse(from) >= wait;
}
