import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NotFoundError } from '../../../src/errors';
import { DEFAULT_QUESTIONNAIRE_CODE, EXTENDED_QUESTIONNAIRE_CODE, readDefaultQuestionnaire } from '../../../src/modules/questionnaires/questionnaires.seed';
import { parseDefinition } from '../../../src/modules/questionnaires/questionnaires.service';
import { createTestApp, type TestApp } from '../../helpers/app';

/** QuestionnairesService.versionItems: the one split of a version's items into questions and the profile's. */
describe('which items of a version are questions and which are the profile', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ seed: 'base' });
  });
  afterAll(async () => t?.close());

  const versionId = async (code: string) => (await t.services.questionnaires.latestByCode(code))!.id;

  it('splits the original format by page: the profile page has the six role questions, the pages the 22 ratings in page order', async () => {
    const id = await versionId(DEFAULT_QUESTIONNAIRE_CODE);
    const { questions, profile } = await t.services.questionnaires.versionItems(id);
    expect(profile.map((p) => [p.code, p.role])).toEqual([
      ['territory', 'territory'],
      ['sector', 'sector'],
      ['size', 'size'],
      ['employees', 'employees'],
      ['innovated', 'innovated'],
      ['funding', 'funding'],
    ]);
    expect(questions).toHaveLength(22);
    expect(questions.every((q) => q.kind === 'rating' && q.role === null && q.categoryCode !== '_profile')).toBe(true);
    // Page order: the categories as the definition lists them, each category's items in file order.
    const def = parseDefinition(readDefaultQuestionnaire());
    const expected = def.categories.flatMap((c) => def.items.filter((i) => i.category === c.code).map((i) => i.code));
    expect(questions.map((q) => q.code)).toEqual(expected);
    // The ids are the rows answers refer to.
    const rows = await t.ctx.db('questionnaire_items').where({ questionnaire_id: id }).select('id', 'code');
    const idOf = new Map(rows.map((r: { id: number; code: string }) => [r.code, Number(r.id)]));
    for (const item of [...questions, ...profile]) expect(item.id).toBe(idOf.get(item.code));
  });

  it('keeps every kind of the extended questionnaire among its questions', async () => {
    const { questions, profile } = await t.services.questionnaires.versionItems(await versionId(EXTENDED_QUESTIONNAIRE_CODE));
    expect(profile).toHaveLength(6);
    expect(new Set(questions.map((q) => q.kind))).toEqual(new Set(['rating', 'number', 'text', 'multi-choice', 'ranking']));
    expect(questions.map((q) => q.code)).toContain('S03');
  });

  it('a question with a role on a category page is a question (answered on its page), and says its role', async () => {
    const def = {
      code: 'ROLE-ON-PAGE',
      title: { kk: 'Рөл', ru: 'Роль', en: 'Role' },
      scale: parseDefinition(readDefaultQuestionnaire()).scale,
      categories: [{ code: 'ONLY', title: { kk: 'Бөлім', ru: 'Раздел', en: 'Section' } }],
      profile: [],
      items: [{ code: 'Q1', category: 'ONLY', text: { kk: 'Сұрақ', ru: 'Вопрос', en: 'Question' } }],
      questions: [
        { kind: 'single-choice', code: 'SECT', category: 'ONLY', role: 'sector', text: { kk: 'Сала', ru: 'Отрасль', en: 'Sector' }, options: [{ code: 'C', text: { kk: 'Өңдеу', ru: 'Обработка', en: 'Manufacturing' } }, { code: 'G', text: { kk: 'Сауда', ru: 'Торговля', en: 'Trade' } }] },
      ],
    };
    const { id } = await t.services.questionnaires.importDefinition(parseDefinition(def), null);
    const { questions, profile } = await t.services.questionnaires.versionItems(id);
    expect(profile).toEqual([]);
    expect(questions.map((q) => [q.code, q.kind, q.role])).toEqual([
      ['Q1', 'rating', null],
      ['SECT', 'single-choice', 'sector'],
    ]);
  });

  it('follows an unused version edited in place, and refuses an unknown version', async () => {
    const base = parseDefinition(readDefaultQuestionnaire());
    const { id } = await t.services.questionnaires.importDefinition({ ...base, code: 'EDITED-IN-PLACE' }, null);
    const before = await t.services.questionnaires.versionItems(id);
    expect(before.questions).toHaveLength(22);
    const fewer = { ...base, code: 'EDITED-IN-PLACE', items: base.items.slice(0, 20) };
    expect((await t.services.questionnaires.updateDefinition(id, fewer, null)).outcome).toBe('updated');
    const after = await t.services.questionnaires.versionItems(id);
    expect(after.questions.map((q) => q.code)).toEqual(before.questions.filter((q) => fewer.items.some((i) => i.code === q.code)).map((q) => q.code));
    expect(after.questions).toHaveLength(20);
    await expect(t.services.questionnaires.versionItems(999_999)).rejects.toBeInstanceOf(NotFoundError);
  });
});
