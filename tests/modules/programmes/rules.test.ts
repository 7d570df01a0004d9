import { describe, expect, it } from 'vitest';
import { projectTrend } from '../../../src/modules/programmes/programmes.projection';
import { almatyToday, attainmentOf, dutyDueDate, indicatorStatus, measureDueDate, measureStatus, measureYears } from '../../../src/modules/programmes/programmes.rules';

const RULE = { onTrackMin: 1, atRiskMin: 0.9 };

describe('indicator status rule (hand-made data)', () => {
  it('on track at 100 % and above, at risk from 90 % to below 100 %, off track below 90 %, no data without an actual', () => {
    expect(indicatorStatus(attainmentOf(2.35, 2.35, 'higher'), RULE)).toBe('on_track');
    expect(indicatorStatus(attainmentOf(2.5, 2.35, 'higher'), RULE)).toBe('on_track');
    expect(indicatorStatus(attainmentOf(2.3, 2.35, 'higher'), RULE)).toBe('at_risk'); // 97.9 %
    expect(indicatorStatus(attainmentOf(0.9, 1, 'higher'), RULE)).toBe('at_risk'); // exactly 90 %
    expect(indicatorStatus(attainmentOf(0.89, 1, 'higher'), RULE)).toBe('off_track');
    expect(indicatorStatus(attainmentOf(undefined, 2.35, 'higher'), RULE)).toBe('no_data');
    expect(indicatorStatus(attainmentOf(5, undefined, 'higher'), RULE)).toBe('no_data');
  });

  it('lower is better: a rank of 30 against 30 is on track, 31 at risk (96.8 %), 35 off track (85.7 %)', () => {
    expect(indicatorStatus(attainmentOf(30, 30, 'lower'), RULE)).toBe('on_track');
    expect(indicatorStatus(attainmentOf(29, 30, 'lower'), RULE)).toBe('on_track');
    expect(indicatorStatus(attainmentOf(31, 30, 'lower'), RULE)).toBe('at_risk');
    expect(indicatorStatus(attainmentOf(35, 30, 'lower'), RULE)).toBe('off_track');
  });

  it('uses the programme thresholds it is given (data, not code)', () => {
    expect(indicatorStatus(0.95, { onTrackMin: 0.95, atRiskMin: 0.8 })).toBe('on_track');
    expect(indicatorStatus(0.85, { onTrackMin: 0.95, atRiskMin: 0.8 })).toBe('at_risk');
  });
});

describe('measure deadlines and status (hand-made data)', () => {
  const once = { deadlineFrom: 2026, deadlineTo: 2026, dueMonth: 3 };
  const annual = { deadlineFrom: 2027, deadlineTo: 2035, dueMonth: 12 };

  it('due on the last day of the deadline month, each year of an annual range', () => {
    expect(measureDueDate(once, 2026)).toBe('2026-03-31');
    expect(measureDueDate({ dueMonth: 2 }, 2028)).toBe('2028-02-29');
    expect(measureDueDate(annual, 2030)).toBe('2030-12-31');
    expect(measureYears(once)).toEqual([2026]);
    expect(measureYears(annual)).toHaveLength(9);
  });

  it('done wins; overdue after the due date when not done; in progress as reported; else not started', () => {
    expect(measureStatus(undefined, '2026-03-31', '2026-03-31')).toBe('not_started');
    expect(measureStatus(undefined, '2026-03-31', '2026-04-01')).toBe('overdue');
    expect(measureStatus({ status: 'in_progress' }, '2026-03-31', '2026-03-01')).toBe('in_progress');
    expect(measureStatus({ status: 'in_progress' }, '2026-03-31', '2026-04-01')).toBe('overdue');
    expect(measureStatus({ status: 'done' }, '2026-03-31', '2027-01-01')).toBe('done');
  });

  it('reporting duties fall due on their day of the following year (1 April and 1 May)', () => {
    expect(dutyDueDate({ dueDay: 1, dueMonth: 4, yearOffset: 1 }, 2026)).toBe('2027-04-01');
    expect(dutyDueDate({ dueDay: 1, dueMonth: 5, yearOffset: 1 }, 2026)).toBe('2027-05-01');
  });

  it("today is the calendar date in Almaty (UTC+5): 20:00 UTC on 31 March is already 1 April there", () => {
    expect(almatyToday(new Date('2026-03-31T20:00:00Z'))).toBe('2026-04-01');
    expect(almatyToday(new Date('2026-03-31T18:00:00Z'))).toBe('2026-03-31');
  });
});

describe('trend projection with a 95 % prediction interval', () => {
  it('reproduces a hand computation: points (2025, 2.3), (2026, 2.4), (2027, 2.6) projected to 2035', () => {
    // x̄ = 2026, Sxx = 2, slope = (−1·2.3 + 0 + 1·2.6)/2 = 0.15, intercept at 2026 = 2.4333…
    // residuals 0.01667, −0.03333, 0.01667: SSE = 0.0016667, s = sqrt(SSE / 1) = 0.040825
    // ŷ(2035) = 2.43333 + 9·0.15 = 3.78333; se = s·sqrt(1 + 1/3 + 81/2) = 0.040825·6.4679 = 0.26405
    // t(0.975; 1) = 12.7062: half-width 3.3551
    const p = projectTrend([{ year: 2025, value: 2.3 }, { year: 2026, value: 2.4 }, { year: 2027, value: 2.6 }], 2035)!;
    expect(p.slope).toBeCloseTo(0.15, 10);
    expect(p.value).toBeCloseTo(3.783333, 5);
    const half = 12.7062047 * Math.sqrt(0.0016666667) * Math.sqrt(1 + 1 / 3 + 81 / 2);
    expect(Math.abs(p.interval!.upper - (p.value + half))).toBeLessThan(1e-4);
    expect(Math.abs(p.interval!.lower - (p.value - half))).toBeLessThan(1e-4);
  });

  it('two points give a line without an interval; one gives nothing', () => {
    const p = projectTrend([{ year: 2025, value: 31 }, { year: 2026, value: 30 }], 2035)!;
    expect(p.value).toBeCloseTo(21, 10);
    expect(p.interval).toBeNull();
    expect(projectTrend([{ year: 2025, value: 1 }], 2035)).toBeNull();
  });
});
