import type { Knex } from 'knex';

/**
 * Titles in Kazakh, Russian and English for rounds, expert panels, indicator datasets and saved
 * models (questionnaires have had them from the start). The existing column (`title`, or `name`
 * for panels and datasets) stays: it is the title as written, and `<column>_lang` says in which
 * language. Each translation is its own nullable column; a page shows the reader's language and,
 * where it is missing, another one with a visible marker (i18n `localized`).
 *
 * Up copies every existing title into the column of the language it is written in (Kazakh when it
 * has a letter only Kazakh uses, Russian when it is otherwise Cyrillic, English when Latin), so
 * nothing is lost and nothing has to be retyped. Down drops the new columns; the original column
 * was never touched, so every title stays as it was.
 */
const TABLES: Array<{ table: string; column: string }> = [
  { table: 'rounds', column: 'title' },
  { table: 'panels', column: 'name' },
  { table: 'indicator_datasets', column: 'name' },
  { table: 'indicator_models', column: 'title' },
];

/** The language a title is most likely written in; null when it has no letters to tell. */
export function guessLanguage(text: string): 'kk' | 'ru' | 'en' | null {
  if (/[әғқңөұүһіӘҒҚҢӨҰҮҺІ]/.test(text)) return 'kk';
  if (/[а-яёА-ЯЁ]/.test(text)) return 'ru';
  if (/[A-Za-z]/.test(text)) return 'en';
  return null;
}

export async function up(db: Knex): Promise<void> {
  for (const { table, column } of TABLES) {
    await db.schema.alterTable(table, (t) => {
      for (const lang of ['kk', 'ru', 'en']) t.string(`${column}_${lang}`, 300).nullable();
      t.string(`${column}_lang`, 2).nullable();
    });
    const rows: Array<{ id: number; text: string }> = await db(table).select('id', `${column} as text`);
    for (const row of rows) {
      const lang = guessLanguage(String(row.text));
      await db(table)
        .where({ id: row.id })
        .update({ [`${column}_${lang ?? 'kk'}`]: row.text, [`${column}_lang`]: lang ?? 'kk' });
    }
  }
}

export async function down(db: Knex): Promise<void> {
  for (const { table, column } of [...TABLES].reverse()) {
    await db.schema.alterTable(table, (t) => {
      t.dropColumn(`${column}_lang`);
      for (const lang of ['en', 'ru', 'kk']) t.dropColumn(`${column}_${lang}`);
    });
  }
}
