import { describe, expect, it } from 'vitest';
import { insertReturningId } from '../../src/db/dialect';
import { createDb } from '../../src/db/knex';
import { migrateLatest, migrateOne } from '../../src/db/migrate';
import { freshDatabase, testDbEngine } from '../helpers/db';

const MIGRATION = '20261128_1800_profile_answers';
const now = '2026-11-28T00:00:00.000Z';
const text = (s: string) => ({ kk: s, ru: s, en: s });

const definition = {
  code: 'Q',
  scale: { min: 1, max: 5, labels: {} },
  categories: [{ code: 'C', title: text('C') }],
  items: [{ code: 'B01', category: 'C', text: text('B01') }],
  profile: [
    { code: 'territory', type: 'choice-from-territories', required: true, text: text('territory') },
    { code: 'sector', type: 'choice', required: true, text: text('sector'), options: [{ code: 'A', text: text('A') }, { code: 'C', text: text('C') }] },
    { code: 'size', type: 'choice', required: false, text: text('size'), options: [{ code: 'micro', text: text('micro') }, { code: 'small', text: text('small') }] },
    { code: 'employees', type: 'integer', required: false, min: 0, max: 1000, text: text('employees') },
    {
      code: 'innovated',
      type: 'multi-choice',
      required: false,
      text: text('innovated'),
      options: [{ code: 'product', text: text('product') }, { code: 'process', text: text('process') }, { code: 'none', exclusive: true, text: text('none') }],
    },
    { code: 'funding', type: 'choice', required: false, text: text('funding'), options: [{ code: 'own', text: text('own') }, { code: 'loans', text: text('loans') }] },
  ],
};

/**
 * The profile migration with data in place: the JSON profile and the filter columns of responses
 * become answers of profile items with roles, and come back from them on the way down.
 */
describe(`profile answers migration with data on ${testDbEngine}`, () => {
  it('moves the profile from JSON and columns to answer rows and back', async () => {
    const fresh = await freshDatabase();
    const db = createDb(fresh.database);
    try {
      await migrateLatest(db);
      await migrateOne(db, 'down', MIGRATION);
      expect(await db.schema.hasColumn('responses', 'profile')).toBe(true);

      // Data as the old schema held it.
      const t1 = await insertReturningId(db, 'territories', { code: 't1', name_kk: 'T1', name_ru: 'T1', name_en: 'T1', kind: 'district' });
      const t2 = await insertReturningId(db, 'territories', { code: 't2', name_kk: 'T2', name_ru: 'T2', name_en: 'T2', kind: 'district' });
      const q = await insertReturningId(db, 'questionnaires', { code: 'Q', version: 1, title_kk: 'Q', title_ru: 'Q', title_en: 'Q', definition: JSON.stringify(definition), created_at: now });
      const c = await insertReturningId(db, 'questionnaire_categories', { questionnaire_id: q, code: 'C', position: 1, title_kk: 'C', title_ru: 'C', title_en: 'C' });
      const b01 = await insertReturningId(db, 'questionnaire_items', { questionnaire_id: q, category_id: c, code: 'B01', position: 1, text_kk: 'B', text_ru: 'B', text_en: 'B' });
      const round = await insertReturningId(db, 'rounds', { title: 'R', questionnaire_id: q, status: 'open', audience: 'invitation', created_at: now, updated_at: now });
      const profiles = [
        // What the respondent form stored: the JSON and the columns agree.
        { profile: { territory: 't1', sector: 'C', size: 'small', employees: 12, innovated: ['product', 'process'], funding: 'own' }, territory_id: t1, sector: 'C', size: 'small', employees: 12, innovated: true },
        // The benchmark loader's shape: the territory's id in the JSON.
        { profile: { territory: t2, sector: 'A', innovated: ['none'] }, territory_id: t2, sector: 'A', size: null, employees: null, innovated: false },
        // No JSON: the columns are all there is.
        { profile: null, territory_id: null, sector: 'A', size: 'micro', employees: 3, innovated: null },
        // A sector that is not an option is dropped, as the form would have refused it.
        { profile: { sector: 'ZZZ' }, territory_id: null, sector: 'ZZZ', size: null, employees: null, innovated: null },
      ];
      const responses: number[] = [];
      for (const [i, p] of profiles.entries()) {
        const inv = await insertReturningId(db, 'invitations', { round_id: round, token_hash: `h${i}`, enterprise_name: 'E', status: 'submitted', created_at: now });
        responses.push(
          await insertReturningId(db, 'responses', {
            round_id: round,
            invitation_id: inv,
            status: 'submitted',
            language: 'kk',
            ...p,
            profile: p.profile === null ? null : JSON.stringify(p.profile),
            started_at: now,
            updated_at: now,
            submitted_at: now,
          }),
        );
      }
      await db('answers').insert({ response_id: responses[0], item_id: b01, round_id: round, value: 4, cannot_judge: false, comment: 'x' });

      await migrateOne(db, 'up', MIGRATION);
      for (const column of ['profile', 'territory_id', 'sector', 'size', 'employees', 'innovated']) expect(await db.schema.hasColumn('responses', column)).toBe(false);
      const items = await db('questionnaire_items as i').join('questionnaire_categories as c', 'c.id', 'i.category_id').orderBy('i.position').select('i.id', 'i.code', 'i.kind', 'i.role', 'i.position', 'c.code as category');
      expect(items.map((i) => [i.code, i.kind, i.role, Number(i.position), i.category])).toEqual([
        ['territory', 'single-choice', 'territory', 1, '_profile'],
        ['sector', 'single-choice', 'sector', 2, '_profile'],
        ['size', 'single-choice', 'size', 3, '_profile'],
        ['employees', 'number', 'employees', 4, '_profile'],
        ['innovated', 'multi-choice', 'innovated', 5, '_profile'],
        ['funding', 'single-choice', 'funding', 6, '_profile'],
        ['B01', 'rating', null, 7, 'C'],
      ]);
      const code = new Map(items.map((i) => [Number(i.id), String(i.code)]));
      const answers = await db('answers').orderBy(['response_id', 'item_id']).select('response_id', 'item_id', 'value', 'number_value', 'choice', 'comment');
      const of = (r: number) =>
        Object.fromEntries(answers.filter((a) => Number(a.response_id) === r).map((a) => [code.get(Number(a.item_id)), a.choice ?? (a.number_value === null ? Number(a.value) : Number(a.number_value))]));
      expect(of(responses[0]!)).toEqual({ territory: 't1', sector: 'C', size: 'small', employees: 12, innovated: 'product process', funding: 'own', B01: 4 });
      expect(of(responses[1]!)).toEqual({ territory: 't2', sector: 'A', innovated: 'none' });
      expect(of(responses[2]!)).toEqual({ sector: 'A', size: 'micro', employees: 3 });
      expect(of(responses[3]!)).toEqual({});
      expect(answers.find((a) => Number(a.item_id) === b01)?.comment).toBe('x');
      // The cell key columns exist; the derived tables are emptied, to be counted again.
      expect(await db.schema.hasColumn('analysis_counted_responses', 'innovated')).toBe(true);

      await migrateOne(db, 'down', MIGRATION);
      const back = await db('responses').orderBy('id').select('profile', 'territory_id', 'sector', 'size', 'employees', 'innovated');
      const innovated = (v: unknown) => (v === null ? null : v === true || v === 1);
      expect(back.map((r) => [r.profile === null ? null : JSON.parse(r.profile), r.territory_id === null ? null : Number(r.territory_id), r.sector, r.size, r.employees === null ? null : Number(r.employees), innovated(r.innovated)])).toEqual([
        [profiles[0]!.profile, t1, 'C', 'small', 12, true],
        [{ territory: 't2', sector: 'A', innovated: ['none'] }, t2, 'A', null, null, false],
        [{ sector: 'A', size: 'micro', employees: 3 }, null, 'A', 'micro', 3, null],
        [null, null, null, null, null, null],
      ]);
      expect((await db('questionnaire_items').select('code', 'position')).map((i) => [i.code, Number(i.position)])).toEqual([['B01', 1]]);
      expect(await db('questionnaire_categories').where({ code: '_profile' }).first()).toBeUndefined();
      expect(await db.schema.hasColumn('questionnaire_items', 'role')).toBe(false);
      expect(Number((await db('answers').count({ n: '*' }).first())?.n)).toBe(1);

      await migrateOne(db, 'up', MIGRATION);
      expect(Number((await db('answers').count({ n: '*' }).first())?.n)).toBe(1 + 6 + 3 + 3);
    } finally {
      await db.destroy();
      await fresh.drop();
    }
  });
});
