import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { diffDefinitions, type DiffChange, type QuestionDiff } from '../../../src/modules/questionnaires/questionnaires.diff';
import { PROFILE_CATEGORY } from '../../../src/modules/questionnaires/questionnaires.form';
import type { TQuestionnaireDefinition } from '../../../src/modules/questionnaires/questionnaires.schemas';
import { parseDefinition } from '../../../src/modules/questionnaires/questionnaires.service';
import { sharedDomainDir } from '../../../src/paths';

const extendedText = fs.readFileSync(path.join(__dirname, '../../../seeds/content/questionnaire-sme-innovation.json'), 'utf8');
const barriersText = fs.readFileSync(path.join(sharedDomainDir, 'questionnaire-barriers.json'), 'utf8');
const extended = (): TQuestionnaireDefinition => JSON.parse(extendedText);
const barriers = (): TQuestionnaireDefinition => JSON.parse(barriersText);

/** Every edit in these tests must still be a valid definition: the diff compares what can exist. */
function valid(def: TQuestionnaireDefinition): TQuestionnaireDefinition {
  return parseDefinition(def);
}

function question(diff: ReturnType<typeof diffDefinitions>, code: string): QuestionDiff | undefined {
  return diff.sections.flatMap((s) => s.questions).find((q) => q.code === code);
}

function sectionOf(diff: ReturnType<typeof diffDefinitions>, code: string): string | undefined {
  return diff.sections.find((s) => s.questions.some((q) => q.code === code))?.code;
}

describe('questionnaire version comparison', () => {
  it('finds nothing between a definition and its copy', () => {
    for (const def of [extended(), barriers()]) {
      const diff = diffDefinitions(def, structuredClone(def));
      expect(diff).toMatchObject({ same: true, changes: [], sections: [], counts: { added: 0, removed: 0, changed: 0, sections: 0 } });
    }
  });

  it('names a rewording in one language only, with both texts', () => {
    const after = extended();
    const b05 = after.items.find((i) => i.code === 'B05')!;
    const ru = b05.text.ru;
    b05.text.ru = 'Новая формулировка';
    const diff = diffDefinitions(extended(), valid(after));
    expect(diff.same).toBe(false);
    expect(diff.counts).toEqual({ added: 0, removed: 0, changed: 1, sections: 0 });
    const q = question(diff, 'B05')!;
    expect(q.status).toBe('changed');
    expect(q.changes).toEqual([{ type: 'text', field: 'wording', lang: 'ru', before: ru, after: 'Новая формулировка' }]);
    expect(sectionOf(diff, 'B05')).toBe(b05.category);
  });

  it('lists added and removed questions in their sections, and a question moved to another section', () => {
    const before = extended();
    const after = extended();
    after.items = after.items.filter((i) => i.code !== 'B07');
    after.questions!.push({ kind: 'text', code: 'A04', category: 'ACTIVITY', text: { kk: 'Тағы не?', ru: 'Что ещё?', en: 'What else?' }, maxLength: 500, required: false });
    const b01 = after.items.find((i) => i.code === 'B01')!;
    b01.category = 'FINANCE';
    const diff = diffDefinitions(before, valid(after));
    expect(diff.counts).toMatchObject({ added: 1, removed: 1, changed: 1 });
    expect(question(diff, 'A04')).toMatchObject({ status: 'added', kind: 'text', text: { en: 'What else?' } });
    expect(sectionOf(diff, 'A04')).toBe('ACTIVITY');
    expect(question(diff, 'B07')).toMatchObject({ status: 'removed', kind: 'rating' });
    expect(sectionOf(diff, 'B07')).toBe(before.items.find((i) => i.code === 'B07')!.category);
    expect(question(diff, 'B01')!.changes).toEqual([{ type: 'section', before: 'MARKET', after: 'FINANCE' }]);
    expect(sectionOf(diff, 'B01')).toBe('FINANCE');
  });

  it('reports a reordering as the fewest questions moved', () => {
    const after = extended();
    // Move S04 (last of SUPPORT) before S01: only S04 moved, not S01..S03.
    const s04 = after.questions!.findIndex((q) => q.code === 'S04');
    const [moved] = after.questions!.splice(s04, 1);
    after.questions!.splice(after.questions!.findIndex((q) => q.code === 'S01'), 0, moved!);
    const diff = diffDefinitions(extended(), valid(after));
    expect(diff.counts.changed).toBe(1);
    expect(question(diff, 'S04')!.changes).toEqual([{ type: 'moved', before: 4, after: 1 }]);
  });

  it('compares options by code: added, removed, relabelled per language, exclusive, reordered', () => {
    const after = extended();
    const s01 = after.questions!.find((q) => q.code === 'S01')!;
    if (s01.kind !== 'multi-choice') throw new Error('S01 is a multi-choice');
    const [roadmap, damu, ...rest] = s01.options;
    const oldDamuKk = damu!.text.kk;
    damu!.text.kk = 'Даму қоры';
    s01.options = [damu!, roadmap!, ...rest.filter((o) => o.code !== 'COMMERC'), { code: 'EXPORT', text: { kk: 'Экспорт', ru: 'Экспорт', en: 'Export' } }];
    const none = s01.options.find((o) => o.code === 'NONE')!;
    const wasExclusive = Boolean(none.exclusive);
    none.exclusive = !wasExclusive;
    const changes = question(diffDefinitions(extended(), valid(after)), 'S01')!.changes;
    expect(changes).toContainEqual(expect.objectContaining({ type: 'optionRemoved', option: 'COMMERC' }));
    expect(changes).toContainEqual({ type: 'optionAdded', option: 'EXPORT', text: { kk: 'Экспорт', ru: 'Экспорт', en: 'Export' } });
    expect(changes).toContainEqual({ type: 'optionText', option: 'DAMU', lang: 'kk', before: oldDamuKk, after: 'Даму қоры' });
    expect(changes.filter((c) => c.type === 'optionText')).toHaveLength(1);
    expect(changes).toContainEqual({ type: 'optionExclusive', option: 'NONE', before: wasExclusive, after: !wasExclusive });
    expect(changes).toContainEqual({ type: 'optionsReordered', before: ['ROADMAP', 'DAMU', 'QAZINN', 'AKIMAT', 'NONE'], after: ['DAMU', 'ROADMAP', 'QAZINN', 'AKIMAT', 'NONE'] });
  });

  it('reports the shared scale once, not on every rating that uses it', () => {
    const after = extended();
    after.scale.labels['3']!.en = 'Medium barrier';
    delete after.scale.notApplicable;
    for (const item of after.items) delete item.allowCannotJudge;
    for (const q of after.questions!) if (q.kind === 'rating') delete q.allowCannotJudge;
    const diff = diffDefinitions(extended(), valid(after));
    expect(diff.changes).toContainEqual({ type: 'scaleLabel', point: 3, lang: 'en', before: 'Moderate barrier', after: 'Medium barrier' });
    expect(diff.changes).toContainEqual({ type: 'text', field: 'cannotJudge', lang: 'kk', before: 'Бағалай алмаймын', after: null });
    // The ratings themselves: only "cannot judge" is no longer offered, nothing about the scale.
    const b01 = question(diff, 'B01')!;
    expect(b01.changes).toEqual([{ type: 'cannotJudgeOffered', before: true, after: false }]);
  });

  it('reports a question’s own scale, limits, kind, condition and requiredness', () => {
    const after = extended();
    const qs = after.questions!;
    const s04 = qs.find((q) => q.code === 'S04')!;
    if (s04.kind !== 'rating' || !s04.scale) throw new Error('S04 is a rating with its own scale');
    const oldRange = { min: s04.scale.min, max: s04.scale.max };
    s04.scale = { min: 1, max: 3, labels: { '1': { kk: 'a', ru: 'a', en: 'a' }, '2': { kk: 'b', ru: 'b', en: 'b' }, '3': { kk: 'c', ru: 'c', en: 'c' } } };
    const a01 = qs.find((q) => q.code === 'A01')!;
    if (a01.kind !== 'number') throw new Error('A01 is a number');
    a01.max = 90;
    a01.required = true;
    a01.showIf = { question: 'innovated', anyOf: ['product', 'process'] };
    const a03 = qs.findIndex((q) => q.code === 'A03');
    const old = qs[a03]!;
    qs[a03] = { kind: 'number', code: 'A03', category: old.category, text: old.text, integer: true, min: 0, required: old.required };
    const diff = diffDefinitions(extended(), valid(after));
    const s04Changes = question(diff, 'S04')!.changes;
    expect(s04Changes).toContainEqual({ type: 'scaleRange', before: oldRange, after: { min: 1, max: 3 } });
    expect(s04Changes.some((c) => c.type === 'scaleLabel')).toBe(true);
    const a01Changes = question(diff, 'A01')!.changes;
    expect(a01Changes).toContainEqual({ type: 'limit', limit: 'max', before: 100, after: 90 });
    expect(a01Changes).toContainEqual({ type: 'required', before: false, after: true });
    expect(a01Changes).toContainEqual({ type: 'condition', before: { question: 'innovated', anyOf: ['product'] }, after: { question: 'innovated', anyOf: ['product', 'process'] } });
    expect(question(diff, 'A03')!.changes).toEqual([{ type: 'kind', before: 'text', after: 'number' }]);
  });

  it('compares sections: added, removed, retitled per language, moved, PEST and condition', () => {
    const before = extended();
    const after = extended();
    const support = after.categories.find((c) => c.code === 'SUPPORT')!;
    support.title.en = 'Support from the state';
    const market = after.categories.find((c) => c.code === 'MARKET')!;
    market.pest = 'S';
    // REASONS goes away with its question; a new section NEW takes a new question.
    after.categories = after.categories.filter((c) => c.code !== 'REASONS');
    after.questions = after.questions!.filter((q) => q.code !== 'R01');
    after.categories.push({ code: 'NEW', title: { kk: 'Жаңа', ru: 'Новый', en: 'New' } });
    after.questions.push({ kind: 'text', code: 'N01', category: 'NEW', text: { kk: 'x', ru: 'x', en: 'x' }, maxLength: 100 });
    // Put KNOWLEDGE first.
    const k = after.categories.findIndex((c) => c.code === 'KNOWLEDGE');
    after.categories.unshift(...after.categories.splice(k, 1));
    const diff = diffDefinitions(before, valid(after));
    const section = (code: string) => diff.sections.find((s) => s.code === code);
    expect(section('SUPPORT')).toMatchObject({ status: 'changed', changes: [{ type: 'text', field: 'title', lang: 'en', before: before.categories.find((c) => c.code === 'SUPPORT')!.title.en, after: 'Support from the state' }] });
    expect(section('MARKET')!.changes).toEqual([{ type: 'pest', before: 'E', after: 'S' }]);
    expect(section('REASONS')).toMatchObject({ status: 'removed', questions: [{ code: 'R01', status: 'removed' }] });
    expect(section('NEW')).toMatchObject({ status: 'added', questions: [{ code: 'N01', status: 'added' }] });
    expect(section('KNOWLEDGE')!.changes).toEqual([{ type: 'moved', before: 4, after: 2 }]); // after the profile, which counts as the first section
    // Sections follow the later version's order, the removed ones last.
    expect(diff.sections.map((s) => s.code).at(-1)).toBe('REASONS');
    expect(diff.counts.sections).toBe(5);
  });

  it('a rating moved from `items` to `questions` with the same settings is the same question', () => {
    const after = barriers();
    const [item] = after.items.splice(0, 1);
    after.questions = [{ kind: 'rating', code: item!.code, category: item!.category, text: item!.text, ...(item!.referenceMean !== undefined ? { referenceMean: item!.referenceMean } : {}) }];
    // A rating in `questions` comes after the category's items; that is the only change.
    const diff = diffDefinitions(barriers(), valid(after));
    const changes = question(diff, item!.code)?.changes ?? [];
    expect(changes.every((c: DiffChange) => c.type === 'moved')).toBe(true);
    expect(diff.counts.added + diff.counts.removed).toBe(0);
  });

  it('profile questions form their own section', () => {
    const after = barriers();
    after.profile = after.profile.filter((p) => p.code !== 'employees');
    const diff = diffDefinitions(barriers(), valid(after));
    expect(diff.sections).toEqual([expect.objectContaining({ code: PROFILE_CATEGORY, title: null, status: 'unchanged', questions: [expect.objectContaining({ code: 'employees', status: 'removed', kind: 'number' })] })]);
  });

  it('questionnaire title, code and source', () => {
    const after = barriers();
    after.title.kk = 'Жаңа атау';
    after.source = 'changed';
    const diff = diffDefinitions(barriers(), { ...after, code: 'OTHER' });
    expect(diff.changes).toEqual([
      { type: 'code', before: 'SME-BARRIERS', after: 'OTHER' },
      { type: 'text', field: 'title', lang: 'kk', before: barriers().title.kk, after: 'Жаңа атау' },
      { type: 'source', before: barriers().source ?? null, after: 'changed' },
    ]);
    expect(diff.sections).toEqual([]);
  });
});
