import { z } from 'zod';
import { LANGUAGES, isLanguage, type Language } from './index';

/**
 * Data titles in three languages (rounds, expert panels, indicator datasets, saved models): the
 * title as written stays in its own column (`title`, or `name`), `<column>_lang` says in which
 * language, and each translation has its column (`<column>_kk`, ...). Pages show them with
 * `localized` (loc in the views), which marks a title shown in another language.
 */

export type TTitles = Partial<Record<Language, string>>;

/** The language a title is most likely written in: Kazakh by its own letters, Russian by Cyrillic, English by Latin. */
export function guessLanguage(text: string): Language | null {
  if (/[әғқңөұүһіӘҒҚҢӨҰҮҺІ]/.test(text)) return 'kk';
  if (/[а-яёА-ЯЁ]/.test(text)) return 'ru';
  if (/[A-Za-z]/.test(text)) return 'en';
  return null;
}

const ZOneTitle = z.preprocess((v) => (typeof v === 'string' && v.trim() === '' ? undefined : v), z.string().trim().min(1).max(300).optional());

/** The translation fields of a form (title_kk, title_ru, title_en), blank = not translated yet. */
export function titleFormFields(column: string) {
  return Object.fromEntries(LANGUAGES.map((l) => [`${column}_${l}`, ZOneTitle])) as Record<`${string}_${Language}`, typeof ZOneTitle>;
}

/** The translations of an API body: { kk?, ru?, en? }. */
export const ZTitles = z.strictObject({ kk: ZOneTitle, ru: ZOneTitle, en: ZOneTitle });

/** The translations a form posted, by language. */
export function titlesFromForm(form: Record<string, unknown>, column: string): TTitles {
  const out: TTitles = {};
  for (const l of LANGUAGES) {
    const v = form[`${column}_${l}`];
    if (typeof v === 'string' && v.trim()) out[l] = v.trim();
  }
  return out;
}

/**
 * The columns to write: the title as written (in `lang`, or the language it looks like), and each
 * translation; a language not given is null, so pages show another one, marked.
 */
export function titleColumns(column: string, title: string, lang: Language | null | undefined, translations: TTitles = {}): Record<string, string | null> {
  const written = lang ?? guessLanguage(title) ?? 'kk';
  const all: TTitles = { [written]: title, ...translations };
  return {
    [column]: title,
    [`${column}_lang`]: written,
    ...Object.fromEntries(LANGUAGES.map((l) => [`${column}_${l}`, all[l] ?? null])),
  };
}

/** The translation fields of a stored row, for records that views pass to `loc`. */
export function titleFields(row: Record<string, unknown>, column: string): Record<string, string | null> {
  return {
    ...Object.fromEntries(LANGUAGES.map((l) => [`${column}_${l}`, row[`${column}_${l}`] == null ? null : String(row[`${column}_${l}`])])),
    [`${column}_lang`]: isLanguage(row[`${column}_lang`]) ? String(row[`${column}_lang`]) : null,
  };
}
