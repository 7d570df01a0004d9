import { describe, expect, it } from 'vitest';
import {
  missingAnswers,
  profileAnswerRows,
  profileFromAnswers,
  validateAnswers,
  validateProfile,
  type FormItem,
  type QuestionnaireForm,
  type TRespondentProfileQuestion,
} from '../../../src/modules/responses/responses.schemas';
import { invitationExpired } from '../../../src/modules/invitations/invitations.state';
import { roundAvailability } from '../../../src/modules/rounds/rounds.service';
import { EMPTY_COLUMNS, KINDS, type RatingQuestion } from '../../../src/modules/questionnaires/kinds';

const text = (s: string) => ({ kk: s, ru: s, en: s });
const labels = Object.fromEntries([1, 2, 3, 4, 5].map((v) => [String(v), text(String(v))]));
const rating = (code: string, allowCannotJudge = true): RatingQuestion => ({ kind: 'rating', code, text: text(code), scale: { min: 1, max: 5, labels, notApplicable: text('na') }, allowCannotJudge });
const item = (code: string, extra: Partial<FormItem> = {}): FormItem => ({
  id: Number(code.slice(1)),
  code,
  kind: 'rating',
  question: rating(code, extra.allowCannotJudge ?? true),
  showIf: [],
  categoryId: 1,
  categoryCode: 'MARKET',
  position: 1,
  text_kk: code,
  text_ru: code,
  text_en: code,
  allowCannotJudge: true,
  allowComment: true,
  required: true,
  ...extra,
});
const questions: TRespondentProfileQuestion[] = [
  { code: 'territory', type: 'choice-from-territories', required: true, text: text('t') },
  { code: 'size', type: 'choice', required: true, text: text('s'), options: [{ code: 'micro', text: text('m') }, { code: 'small', text: text('s') }] },
  { code: 'employees', type: 'integer', required: false, text: text('e'), min: 0, max: 250 },
  {
    code: 'innovated',
    type: 'multi-choice',
    required: false,
    text: text('i'),
    options: [{ code: 'product', text: text('p') }, { code: 'process', text: text('pr') }, { code: 'none', exclusive: true, text: text('n') }],
  },
];
const territories = [{ id: 10, code: 'ridder-city', name_kk: 'Риддер', name_ru: 'Риддер', name_en: 'Ridder' }];

describe('a rating posted on a 1-5 scale', () => {
  it.each([
    ['1', 1],
    ['5', 5],
    [3, 3],
    ['na', null],
    [null, null],
    ['0', 'invalid'],
    ['6', 'invalid'],
    [7, 'invalid'],
    ['3.5', 'invalid'],
    [2.5, 'invalid'],
    ['abc', 'invalid'],
    ['1e0', 'invalid'],
  ] as const)('%j -> %j (null = cannot judge)', (raw, expected) => {
    const parsed = KINDS.rating.parse(rating('B01'), raw, undefined);
    const got = 'error' in parsed ? 'invalid' : 'blank' in parsed ? 'blank' : parsed.value.cannotJudge ? null : parsed.value.value;
    expect(got).toBe(expected);
  });
});

describe('validateAnswers', () => {
  const items = [item('B01'), item('B02', { required: false }), item('B03', { allowCannotJudge: false, allowComment: false })];

  it('accepts ratings, "cannot judge" and comments, and lists required items left out', () => {
    const out = validateAnswers(items, { B01: '4', B02: 'na' }, { B01: '  слишком дорого  ' });
    expect(out.invalid).toEqual([]);
    expect(out.answers.get('B01')).toEqual({ columns: { ...EMPTY_COLUMNS, value: 4 }, comment: 'слишком дорого' });
    expect(out.answers.get('B02')).toEqual({ columns: { ...EMPTY_COLUMNS, cannotJudge: true }, comment: null });
    expect(out.missing.map((m) => m.path)).toEqual(['answers.B03']);
  });

  it('refuses out-of-range values, unknown codes, refused "cannot judge" and comments where none are taken', () => {
    const out = validateAnswers(items, { B01: '7', B03: 'na', B99: '1' }, { B03: 'x', ZZ: 'y', B02: 'a'.repeat(2001) });
    expect(out.invalid.map((e) => e.path).sort()).toEqual(['answers.B01', 'answers.B03', 'answers.B99', 'comments.B02', 'comments.B03', 'comments.ZZ']);
  });
});

describe('validateProfile, and the profile as answer rows', () => {
  it('keeps the definition order of options, and stores each answer as its item\'s row and reads it back', () => {
    const out = validateProfile(questions, territories, { territory: 'ridder-city', size: 'small', employees: '12', innovated: ['process', 'product'] });
    expect(out.invalid).toEqual([]);
    expect(out.missing).toEqual([]);
    expect(out.profile).toEqual({ territory: 'ridder-city', size: 'small', employees: 12, innovated: ['product', 'process'] });
    const profileItemIds = Object.fromEntries(questions.map((q, i) => [q.code, 100 + i]));
    const form = { profile: questions, profileItemIds };
    const rows = profileAnswerRows(form, out.profile);
    expect(rows.map((r) => [r.itemId, r.columns.choice, r.columns.numberValue])).toEqual([
      [profileItemIds.territory, 'ridder-city', null],
      [profileItemIds.size, 'small', null],
      [profileItemIds.employees, null, 12],
      [profileItemIds.innovated, 'product process', null],
    ]);
    expect(profileFromAnswers(form, new Map(rows.map((r) => [r.itemId, r.columns])))).toEqual(out.profile);
    // An item without an answer is simply absent from the profile.
    expect(profileFromAnswers(form, new Map())).toEqual({});
  });

  it('refuses malformed values and marks missing required questions', () => {
    const bad = validateProfile(questions, territories, { territory: 'nowhere', size: ['micro', 'small'], employees: '12abc', innovated: ['none', 'product'], colour: 'red' });
    expect(bad.invalid.map((e) => e.path).sort()).toEqual(['profile.colour', 'profile.employees', 'profile.innovated', 'profile.size', 'profile.territory']);
    expect(bad.invalid.find((e) => e.path === 'profile.innovated')?.params).toMatchObject({ option_en: 'n' });
    const empty = validateProfile(questions, territories, { employees: '' });
    expect(empty.invalid).toEqual([]);
    expect(empty.missing.map((e) => e.path)).toEqual(['profile.territory', 'profile.size']);
    expect(validateProfile(questions, territories, { territory: 'ridder-city', size: 'micro', employees: '251' }).invalid.map((e) => e.path)).toEqual(['profile.employees']);
  });
});

describe('missingAnswers', () => {
  it('names required profile questions and items without an answer', () => {
    const form = { profile: questions, items: [item('B01'), item('B02', { required: false })] } as unknown as QuestionnaireForm;
    expect(missingAnswers(form, { territory: 'ridder-city' }, new Set([2])).map((e) => e.path)).toEqual(['profile.size', 'answers.B01']);
    expect(missingAnswers(form, { territory: 'ridder-city', size: 'micro' }, new Set([1]))).toEqual([]);
  });
});

describe('round and invitation availability', () => {
  const now = Date.parse('2026-11-22T12:00:00Z');
  it.each([
    [{ status: 'open', opensAt: null, closesAt: null }, 'open'],
    [{ status: 'open', opensAt: '2026-11-22T11:59:59Z', closesAt: '2026-11-22T12:00:01Z' }, 'open'],
    [{ status: 'open', opensAt: '2026-11-22T12:00:01Z', closesAt: null }, 'notOpen'],
    [{ status: 'open', opensAt: null, closesAt: '2026-11-22T12:00:00Z' }, 'closed'],
    [{ status: 'draft', opensAt: null, closesAt: null }, 'notOpen'],
    [{ status: 'closed', opensAt: null, closesAt: null }, 'closed'],
    [{ status: 'archived', opensAt: null, closesAt: null }, 'closed'],
  ] as const)('%j is %s', (round, expected) => {
    expect(roundAvailability(round, now)).toBe(expected);
  });
  it('treats an invitation as expired by status or by time', () => {
    expect(invitationExpired({ status: 'opened', expiresAt: null }, now)).toBe(false);
    expect(invitationExpired({ status: 'opened', expiresAt: '2026-11-22T12:00:00Z' }, now)).toBe(true);
    expect(invitationExpired({ status: 'expired', expiresAt: null }, now)).toBe(true);
  });
});
