import { describe, expect, it } from 'vitest';
import { formatAlmaty, parseAlmatyLocal, toAlmatyLocalInput } from '../../../src/lib/almaty-time';
import { canTransition, isRoundAcceptingAnswers, roundWindowState } from '../../../src/modules/rounds/rounds.service';

describe('isRoundAcceptingAnswers', () => {
  const opensAt = '2030-03-01T04:00:00.000Z';
  const closesAt = '2030-03-31T13:00:00.000Z';
  const at = (iso: string) => new Date(iso);

  it('accepts only while open and inside [opensAt, closesAt)', () => {
    const round = { status: 'open' as const, opensAt, closesAt };
    expect(isRoundAcceptingAnswers(round, at('2030-03-01T03:59:59.999Z'))).toBe(false);
    expect(isRoundAcceptingAnswers(round, at(opensAt))).toBe(true);
    expect(isRoundAcceptingAnswers(round, at('2030-03-15T00:00:00Z'))).toBe(true);
    expect(isRoundAcceptingAnswers(round, at('2030-03-31T12:59:59.999Z'))).toBe(true);
    expect(isRoundAcceptingAnswers(round, at(closesAt))).toBe(false);
    expect(isRoundAcceptingAnswers(round, at('2031-01-01T00:00:00Z'))).toBe(false);
  });

  it('never accepts outside the open status, even inside the window', () => {
    for (const status of ['draft', 'closed', 'archived'] as const) {
      expect(isRoundAcceptingAnswers({ status, opensAt, closesAt }, at('2030-03-15T00:00:00Z'))).toBe(false);
    }
  });

  it('treats a missing bound as no bound', () => {
    expect(isRoundAcceptingAnswers({ status: 'open', opensAt: null, closesAt: null }, at('1999-01-01T00:00:00Z'))).toBe(true);
    expect(isRoundAcceptingAnswers({ status: 'open', opensAt: null, closesAt }, at('2031-01-01T00:00:00Z'))).toBe(false);
    expect(isRoundAcceptingAnswers({ status: 'open', opensAt, closesAt: null }, at('2099-01-01T00:00:00Z'))).toBe(true);
  });

  it('tells the respondent page whether the round has not opened yet or is over', () => {
    expect(roundWindowState({ status: 'open', opensAt, closesAt }, at('2030-02-01T00:00:00Z'))).toBe('notYetOpen');
    expect(roundWindowState({ status: 'open', opensAt, closesAt }, at('2030-04-01T00:00:00Z'))).toBe('closed');
    expect(roundWindowState({ status: 'closed', opensAt, closesAt }, at('2030-03-15T00:00:00Z'))).toBe('closed');
    expect(roundWindowState({ status: 'open', opensAt, closesAt }, at('2030-03-15T00:00:00Z'))).toBe('accepting');
  });
});

describe('status transitions', () => {
  it('allows exactly draft->open|archived, open->closed, closed->open|archived', () => {
    const statuses = ['draft', 'open', 'closed', 'archived'] as const;
    const allowed = statuses.flatMap((from) => statuses.filter((to) => canTransition(from, to)).map((to) => `${from}->${to}`));
    expect(allowed.sort()).toEqual(['closed->archived', 'closed->open', 'draft->archived', 'draft->open', 'open->closed']);
  });
});

describe('Almaty time', () => {
  // Hand-computed: Almaty is UTC+5 since 1 March 2024 and was UTC+6 before (tzdata 2024a).
  it('reads datetime-local input as Almaty wall time', () => {
    expect(parseAlmatyLocal('2026-11-22T09:00')).toBe('2026-11-22T04:00:00.000Z');
    expect(parseAlmatyLocal('2023-06-01T09:00')).toBe('2023-06-01T03:00:00.000Z');
    expect(parseAlmatyLocal('2026-12-31T23:59')).toBe('2026-12-31T18:59:00.000Z');
    expect(parseAlmatyLocal('2026-02-30T09:00')).toBeUndefined();
    expect(parseAlmatyLocal('tomorrow')).toBeUndefined();
  });

  it('shows stored UTC times in Almaty time and round-trips the input value', () => {
    expect(toAlmatyLocalInput('2026-11-22T04:00:00.000Z')).toBe('2026-11-22T09:00');
    expect(toAlmatyLocalInput('2026-12-31T19:30:00.000Z')).toBe('2027-01-01T00:30');
    expect(formatAlmaty('2026-11-22T04:00:00.000Z', 'ru')).toBe('22.11.2026, 09:00');
    for (const v of ['2026-01-05T00:00', '2026-07-15T18:45', '2024-02-29T23:00']) expect(toAlmatyLocalInput(parseAlmatyLocal(v))).toBe(v);
  });
});
