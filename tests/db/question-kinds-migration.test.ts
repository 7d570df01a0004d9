import { describe, expect, it } from 'vitest';
import { insertReturningId } from '../../src/db/dialect';
import { createDb } from '../../src/db/knex';
import { migrateLatest, migrateOne } from '../../src/db/migrate';
import { freshDatabase, testDbEngine } from '../helpers/db';

const MIGRATION = '20261128_0300_question_kinds';
const now = '2026-11-28T00:00:00.000Z';

/**
 * The question-kinds migration with data in place: answers written by the old schema (a NULL
 * value meant "cannot judge") come out with the explicit flag; down restores them exactly and
 * drops what the old schema cannot express (answers of other kinds).
 */
describe(`question kinds migration with data on ${testDbEngine}`, () => {
  it('moves "cannot judge" from a NULL value to a flag and back', async () => {
    const fresh = await freshDatabase();
    const db = createDb(fresh.database);
    try {
      await migrateLatest(db);
      // The profile migration comes later and took the profile columns off responses.
      await migrateOne(db, 'down', '20261128_1800_profile_answers');
      await migrateOne(db, 'down', MIGRATION);
      expect(await db.schema.hasColumn('answers', 'cannot_judge')).toBe(false);

      // Data as the old schema held it.
      const territory = await insertReturningId(db, 'territories', { code: 't1', name_kk: 'T', name_ru: 'T', name_en: 'T', kind: 'district' });
      const q = await insertReturningId(db, 'questionnaires', { code: 'Q', version: 1, title_kk: 'Q', title_ru: 'Q', title_en: 'Q', definition: '{}', created_at: now });
      const c = await insertReturningId(db, 'questionnaire_categories', { questionnaire_id: q, code: 'C', position: 1, title_kk: 'C', title_ru: 'C', title_en: 'C' });
      const items = [];
      for (const code of ['B01', 'B02']) items.push(await insertReturningId(db, 'questionnaire_items', { questionnaire_id: q, category_id: c, code, position: items.length + 1, text_kk: code, text_ru: code, text_en: code }));
      const round = await insertReturningId(db, 'rounds', { title: 'R', questionnaire_id: q, status: 'open', audience: 'invitation', created_at: now, updated_at: now });
      const responses = [];
      for (let i = 0; i < 3; i++) {
        const inv = await insertReturningId(db, 'invitations', { round_id: round, token_hash: `h${i}`, enterprise_name: 'E', status: 'submitted', created_at: now });
        responses.push(await insertReturningId(db, 'responses', { round_id: round, invitation_id: inv, status: 'submitted', language: 'kk', territory_id: territory, started_at: now, updated_at: now, submitted_at: now }));
      }
      const old = [
        { response_id: responses[0], item_id: items[0], round_id: round, value: 5, comment: 'x' },
        { response_id: responses[0], item_id: items[1], round_id: round, value: null, comment: null },
        { response_id: responses[1], item_id: items[0], round_id: round, value: 1, comment: null },
        { response_id: responses[1], item_id: items[1], round_id: round, value: 3, comment: null },
        { response_id: responses[2], item_id: items[0], round_id: round, value: null, comment: 'не знаю' },
      ];
      await db('answers').insert(old);
      await db('analysis_counted_responses').insert({ response_id: responses[0], round_id: round, batch: 1 });
      await db('analysis_item_cells').insert({ round_id: round, item_id: items[0], value: 0, answers: 1, complete: 0, total_sum: 0, total_squares: 0 });

      await migrateOne(db, 'up', MIGRATION);
      const after = await db('answers').orderBy(['response_id', 'item_id']).select('response_id', 'item_id', 'value', 'cannot_judge', 'comment');
      expect(after.map((a) => [a.value === null ? null : Number(a.value), Boolean(a.cannot_judge), a.comment])).toEqual([
        [5, false, 'x'],
        [null, true, null],
        [1, false, null],
        [3, false, null],
        [null, true, 'не знаю'],
      ]);
      expect((await db('questionnaire_items').pluck('kind')).every((k) => k === 'rating')).toBe(true);
      // The cells are derived: emptied, to be counted again with the flag.
      expect(Number((await db('analysis_item_cells').count({ n: '*' }).first())?.n)).toBe(0);
      expect(Number((await db('analysis_counted_responses').count({ n: '*' }).first())?.n)).toBe(0);

      // A question of another kind and its answer: the old schema cannot hold them.
      const text = await insertReturningId(db, 'questionnaire_items', { questionnaire_id: q, category_id: c, code: 'T1', kind: 'text', position: 3, text_kk: 'T', text_ru: 'T', text_en: 'T' });
      await db('answers').insert({ response_id: responses[1], item_id: text, round_id: round, text_value: 'ашық жауап' });

      await migrateOne(db, 'down', MIGRATION);
      const back = await db('answers').orderBy(['response_id', 'item_id']).select('response_id', 'item_id', 'value', 'comment');
      expect(back.map((a) => ({ ...a, value: a.value === null ? null : Number(a.value) }))).toEqual(old.map(({ round_id: _r, ...a }) => a));
      expect(await db('questionnaire_items').where({ id: text }).first()).toBeUndefined();

      await migrateOne(db, 'up', MIGRATION);
      expect(Number((await db('answers').where({ cannot_judge: true }).count({ n: '*' }).first())?.n)).toBe(2);
    } finally {
      await db.destroy();
      await fresh.drop();
    }
  });
});
