import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../src/errors';
import type { TQuestion } from '../../../src/modules/questionnaires/kinds';
import { applyChange, canMove, draftIssues, missingTranslations, newDraftDefinition, numberBlankOptionCodes } from '../../../src/modules/questionnaires/questionnaires.drafts';

const text = (s: string) => ({ kk: `${s} kk`, ru: `${s} ru`, en: `${s} en` });

/** A draft with two sections, a choice question in the first and a question shown on it in the second. */
function sample() {
  let def = newDraftDefinition('D', text('Title'), 1, 3);
  for (const p of ['1', '2', '3']) def.scale.labels[p] = text(`L${p}`);
  for (const code of ['S1', 'S2']) def = applyChange(def, { type: 'saveSection', at: null, section: { code, title: text(code) } }).def;
  const q = (question: TQuestion) => (def = applyChange(def, { type: 'saveQuestion', at: null, question, readErrors: [] }).def);
  q({ code: 'C1', category: 'S1', kind: 'single-choice', text: text('C1'), options: [{ code: 'a', text: text('A') }, { code: 'b', text: text('B') }] });
  q({ code: 'R1', category: 'S1', kind: 'rating', text: text('R1') });
  q({ code: 'T1', category: 'S2', kind: 'text', text: text('T1'), maxLength: 10, showIf: { question: 'C1', anyOf: ['a'] } });
  return def;
}

describe('questionnaire drafts (pure rules)', () => {
  it('a new draft lacks its scale labels in every language and has no sections yet', () => {
    const def = newDraftDefinition('D', { kk: 'Т', ru: '', en: '' }, 1, 5);
    const missing = missingTranslations(def);
    expect(missing).toHaveLength(2 + 5 * 3);
    expect(missing[0]).toEqual({ path: ['title'], lang: 'ru' });
    expect(draftIssues(def).map((i) => i.path.join('.'))).toContain('categories');
  });

  it('a complete sample has no issue and no missing translation', () => {
    const def = sample();
    expect(draftIssues(def)).toEqual([]);
    expect(missingTranslations(def)).toEqual([]);
  });

  it('renaming a question keeps the conditions that name it', () => {
    const def = sample();
    const c1 = def.questions![0]!;
    const renamed = applyChange(def, { type: 'saveQuestion', at: 'C1', question: { ...c1, code: 'EXPORT' }, readErrors: [] }).def;
    expect(renamed.questions!.find((q) => q.code === 'T1')!.showIf).toEqual({ question: 'EXPORT', anyOf: ['a'] });
  });

  it('refuses a code another question has, and a condition on a later question, without changing the draft', () => {
    const def = sample();
    const before = JSON.stringify(def);
    expect(() => applyChange(def, { type: 'saveQuestion', at: null, question: { code: 'R1', category: 'S2', kind: 'text', text: text('X'), maxLength: 5 }, readErrors: [] })).toThrow(ValidationError);
    try {
      applyChange(def, { type: 'saveQuestion', at: 'R1', question: { code: 'R1', category: 'S1', kind: 'rating', text: text('R1'), showIf: { question: 'T1', anyOf: ['x'] } }, readErrors: [] });
      expect.unreachable();
    } catch (e) {
      expect((e as ValidationError).fields.map((f) => f.path)).toEqual(['showIf.question']);
    }
    expect(JSON.stringify(def)).toBe(before);
  });

  it('moves within a section only, and says which moves are possible', () => {
    const def = sample();
    expect(canMove(def, 'C1')).toEqual({ up: false, down: true });
    expect(canMove(def, 'T1')).toEqual({ up: false, down: false });
    const moved = applyChange(def, { type: 'moveQuestion', code: 'R1', direction: 'up' }).def;
    expect(moved.questions!.map((q) => q.code)).toEqual(['R1', 'C1', 'T1']);
    // Moving the first section down puts the condition's question after T1: the draft says so, the move is kept.
    const sections = applyChange(def, { type: 'moveSection', code: 'S1', direction: 'down' }).def;
    expect(sections.categories.map((c) => c.code)).toEqual(['S2', 'S1']);
    expect(draftIssues(sections).map((i) => i.key)).toContain('questionnaires:errors.conditionSource');
  });

  it('deleting a section deletes its questions', () => {
    const def = applyChange(sample(), { type: 'deleteSection', code: 'S1' }).def;
    expect(def.categories.map((c) => c.code)).toEqual(['S2']);
    expect(def.questions!.map((q) => q.code)).toEqual(['T1']);
  });

  it('numbers option codes left blank with the next free numbers', () => {
    expect(numberBlankOptionCodes([{ code: '' }, { code: '2' }, { code: '' }]).map((o) => o.code)).toEqual(['1', '2', '3']);
  });
});
