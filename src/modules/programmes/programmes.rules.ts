import { ALMATY_TZ } from '../../lib/almaty-time';
import { targetAttainment } from '../../math/targetAttainment';
import type { DutyRecord, MeasureRecord, MeasureReportRecord, TDirection } from './programmes.schemas';

/**
 * The monitoring rules, stated once here and on the pages (the catalogues quote the same
 * thresholds, which come from the programme's row):
 *  - attainment = actual / target (higher is better) or target / actual (lower is better);
 *  - status of an indicator for a year: on track when attainment >= onTrackMin (1.00 for the
 *    seeded concept), at risk when >= atRiskMin (0.90), off track below; no data without an actual;
 *  - status of a measure for a year of its deadline: done when its executor reported it done;
 *    overdue when not done and the due date (the last day of the deadline's month) has passed;
 *    in progress when reported so; not started otherwise.
 */

export type IndicatorStatus = 'on_track' | 'at_risk' | 'off_track' | 'no_data';
export type MeasureStatus = 'not_started' | 'in_progress' | 'done' | 'overdue';

export interface StatusRule {
  onTrackMin: number;
  atRiskMin: number;
}

export function attainmentOf(actual: number | undefined, target: number | undefined, direction: TDirection): number | null {
  if (actual === undefined || target === undefined) return null;
  return targetAttainment(actual, target, direction);
}

export function indicatorStatus(attainment: number | null, rule: StatusRule): IndicatorStatus {
  if (attainment === null) return 'no_data';
  // Compared at 4 decimals: 0.9 entered as 0.9/1.0 must not fall below 0.9 by a rounding error.
  const a = Math.round(attainment * 1e4) / 1e4;
  if (a >= rule.onTrackMin) return 'on_track';
  if (a >= rule.atRiskMin) return 'at_risk';
  return 'off_track';
}

/** Years in which the measure is due (one for a one-off deadline, each year of an annual range). */
export function measureYears(m: Pick<MeasureRecord, 'deadlineFrom' | 'deadlineTo'>): number[] {
  const out: number[] = [];
  for (let y = m.deadlineFrom; y <= m.deadlineTo; y++) out.push(y);
  return out;
}

export function isDueIn(m: Pick<MeasureRecord, 'deadlineFrom' | 'deadlineTo'>, year: number): boolean {
  return year >= m.deadlineFrom && year <= m.deadlineTo;
}

function isoDate(year: number, month: number, day: number): string {
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

/** The last day of the deadline's month in that year, as YYYY-MM-DD. */
export function measureDueDate(m: Pick<MeasureRecord, 'dueMonth'>, year: number): string {
  const lastDay = new Date(Date.UTC(year, m.dueMonth, 0)).getUTCDate();
  return isoDate(year, m.dueMonth, lastDay);
}

export function measureStatus(report: Pick<MeasureReportRecord, 'status'> | undefined, dueDate: string, today: string): MeasureStatus {
  if (report?.status === 'done') return 'done';
  if (today > dueDate) return 'overdue';
  return report?.status === 'in_progress' ? 'in_progress' : 'not_started';
}

/** A reporting duty for reporting year `year` falls due on its day and month of year + offset. */
export function dutyDueDate(d: Pick<DutyRecord, 'dueDay' | 'dueMonth' | 'yearOffset'>, year: number): string {
  return isoDate(year + d.yearOffset, d.dueMonth, d.dueDay);
}

/** Today's date in Almaty (the ministry's calendar), YYYY-MM-DD. */
export function almatyToday(now: Date): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: ALMATY_TZ, year: 'numeric', month: '2-digit', day: '2-digit' }).format(now);
}
