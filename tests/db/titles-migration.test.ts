import { describe, expect, it } from 'vitest';
import { insertReturningId } from '../../src/db/dialect';
import { createDb } from '../../src/db/knex';
import { migrateLatest, migrateOne } from '../../src/db/migrate';
import { guessLanguage } from '../../migrations/20261128_1810_titles_three_languages';
import { freshDatabase, testDbEngine } from '../helpers/db';

const MIGRATION = '20261128_1810_titles_three_languages';
const now = '2026-11-28T00:00:00.000Z';

/** Titles in three languages, with data in place: up files each title under its language, down keeps every title. */
describe(`titles-in-three-languages migration with data on ${testDbEngine}`, () => {
  it('guesses the language a title is written in', () => {
    expect(guessLanguage('Инновациялық белсенділік 2026')).toBe('kk');
    expect(guessLanguage('Инновационная активность 2026')).toBe('ru');
    expect(guessLanguage('Innovation activity 2026')).toBe('en');
    expect(guessLanguage('2026')).toBeNull();
  });

  it('keeps every existing title through up and down', async () => {
    const fresh = await freshDatabase();
    const db = createDb(fresh.database);
    try {
      await migrateLatest(db);
      await migrateOne(db, 'down', MIGRATION);
      expect(await db.schema.hasColumn('rounds', 'title_kk')).toBe(false);

      const q = await insertReturningId(db, 'questionnaires', { code: 'Q', version: 1, title_kk: 'Q', title_ru: 'Q', title_en: 'Q', definition: '{}', created_at: now });
      const rounds = [];
      for (const title of ['Шығыс Қазақстан, 2026 жыл', 'Опрос 2026', 'Pilot round', '2027']) {
        rounds.push(await insertReturningId(db, 'rounds', { title, questionnaire_id: q, status: 'draft', audience: 'invitation', created_at: now, updated_at: now }));
      }
      const panel = await insertReturningId(db, 'panels', { name: 'Эксперты ВКО', created_at: now, updated_at: now });
      const dataset = await insertReturningId(db, 'indicator_datasets', { code: 'regions', name: 'Regions 2024', created_at: now, updated_at: now });

      await migrateOne(db, 'up', MIGRATION);
      const after = await db('rounds').whereIn('id', rounds).orderBy('id').select('title', 'title_kk', 'title_ru', 'title_en', 'title_lang');
      expect(after).toEqual([
        { title: 'Шығыс Қазақстан, 2026 жыл', title_kk: 'Шығыс Қазақстан, 2026 жыл', title_ru: null, title_en: null, title_lang: 'kk' },
        { title: 'Опрос 2026', title_kk: null, title_ru: 'Опрос 2026', title_en: null, title_lang: 'ru' },
        { title: 'Pilot round', title_kk: null, title_ru: null, title_en: 'Pilot round', title_lang: 'en' },
        { title: '2027', title_kk: '2027', title_ru: null, title_en: null, title_lang: 'kk' },
      ]);
      expect(await db('panels').where({ id: panel }).first()).toMatchObject({ name: 'Эксперты ВКО', name_ru: 'Эксперты ВКО', name_lang: 'ru' });
      expect(await db('indicator_datasets').where({ id: dataset }).first()).toMatchObject({ name: 'Regions 2024', name_en: 'Regions 2024', name_lang: 'en' });
      for (const table of ['indicator_models']) for (const col of ['title_kk', 'title_ru', 'title_en', 'title_lang']) expect(await db.schema.hasColumn(table, col)).toBe(true);

      // A translation added later goes on the way down; the title as written stays.
      await db('rounds').where({ id: rounds[1] }).update({ title_kk: 'Сауалнама 2026' });
      await migrateOne(db, 'down', MIGRATION);
      expect(await db('rounds').whereIn('id', rounds).orderBy('id').pluck('title')).toEqual(['Шығыс Қазақстан, 2026 жыл', 'Опрос 2026', 'Pilot round', '2027']);
      expect(await db.schema.hasColumn('panels', 'name_ru')).toBe(false);
      expect((await db('panels').where({ id: panel }).first()).name).toBe('Эксперты ВКО');

      await migrateOne(db, 'up', MIGRATION);
      expect((await db('rounds').where({ id: rounds[1] }).first()).title_ru).toBe('Опрос 2026');
    } finally {
      await db.destroy();
      await fresh.drop();
    }
  });
});
