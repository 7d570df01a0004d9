import { describe, expect, it } from 'vitest';
import { EMPTY_COLUMNS, type KindQuestion } from '../../../src/modules/questionnaires/kinds';
import { chosenOptions, validateAnswers, visibleItems, type FormItem, type QuestionnaireForm } from '../../../src/modules/responses/responses.schemas';

/**
 * Regressions found by the property test (tests/modules/questionnaires/property.test.ts):
 * an answer posted for a question its own condition hides must not show the questions that
 * depend on it, and a choice question left blank is blank (required or not), never "invalid".
 */
const text = (s: string) => ({ kk: s, ru: s, en: s });
const options = (...codes: string[]) => codes.map((code) => ({ code, text: text(code) }));

function item(id: number, category: string, question: KindQuestion, showIf: FormItem['showIf'] = [], required = true): FormItem {
  return {
    id,
    code: question.code,
    kind: question.kind,
    question,
    showIf,
    categoryId: category === 'A' ? 1 : 2,
    categoryCode: category,
    position: id,
    text_kk: question.code,
    text_ru: question.code,
    text_en: question.code,
    allowCannotJudge: false,
    allowComment: false,
    required,
  };
}

const q1 = item(1, 'A', { kind: 'single-choice', code: 'Q1', text: text('q1'), options: options('YES', 'NO') });
// Asked only when Q1 is YES; its answer decides Q3.
const q2 = item(2, 'A', { kind: 'multi-choice', code: 'Q2', text: text('q2'), options: options('X', 'Y') }, [{ question: 'Q1', anyOf: ['YES'] }]);
const q3 = item(3, 'B', { kind: 'text', code: 'Q3', text: text('q3'), maxLength: 100 }, [{ question: 'Q2', anyOf: ['X'] }]);
const form = { profile: [], categories: [], items: [q1, q2, q3] } as unknown as QuestionnaireForm;

describe('conditions on earlier answers', () => {
  it('count an answer only when its own question is asked', () => {
    const answers = new Map([
      [1, { ...EMPTY_COLUMNS, choice: 'NO' }],
      // Posted for Q2 although Q1 = NO hides it (a one-request client, a stale tab).
      [2, { ...EMPTY_COLUMNS, choice: 'X' }],
    ]);
    const chosen = chosenOptions(form, {}, answers);
    expect(chosen.has('Q2')).toBe(false);
    expect(visibleItems(form, chosen).map((i) => i.code)).toEqual(['Q1']);

    answers.set(1, { ...EMPTY_COLUMNS, choice: 'YES' });
    expect(visibleItems(form, chosenOptions(form, {}, answers)).map((i) => i.code)).toEqual(['Q1', 'Q2', 'Q3']);
  });
});

describe('a choice question with nothing posted', () => {
  it('is blank: required ones are missing, optional ones simply unanswered', () => {
    const single = item(4, 'A', { kind: 'single-choice', code: 'S', text: text('s'), options: options('A', 'B') });
    const multi = item(5, 'A', { kind: 'multi-choice', code: 'M', text: text('m'), options: options('A', 'B') }, [], false);
    const checked = validateAnswers([single, multi], {});
    expect(checked.invalid).toEqual([]);
    expect(checked.missing).toEqual([{ path: 'answers.S', key: 'respond:errors.required' }]);
    expect(checked.answers.size).toBe(0);
  });
});
