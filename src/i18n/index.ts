import fs from 'node:fs';
import path from 'node:path';
import i18next, { i18n as I18n, TFunction } from 'i18next';
import { localesDir } from '../paths';
import { KAZAKH_CASES, kazakhCase } from './kazakhNumerals';

export const LANGUAGES = ['kk', 'ru', 'en'] as const;
export type Language = (typeof LANGUAGES)[number];
export const DEFAULT_LANGUAGE: Language = 'kk';

export function isLanguage(value: unknown): value is Language {
  return typeof value === 'string' && (LANGUAGES as readonly string[]).includes(value);
}

type Catalogue = Record<string, unknown>;

/**
 * Catalogues are one JSON file per namespace and language (locales/kk/rounds.json ...),
 * so each feature owns its strings and `t('rounds:title')` names where a key lives.
 */
export function loadCatalogues(dir = localesDir): Record<Language, Record<string, Catalogue>> {
  const out = {} as Record<Language, Record<string, Catalogue>>;
  for (const lng of LANGUAGES) {
    out[lng] = {};
    const folder = path.join(dir, lng);
    for (const file of fs.readdirSync(folder).filter((f) => f.endsWith('.json'))) {
      out[lng][file.replace(/\.json$/, '')] = JSON.parse(fs.readFileSync(path.join(folder, file), 'utf8'));
    }
  }
  return out;
}

let instance: I18n | undefined;

export function getI18n(): I18n {
  if (instance) return instance;
  const resources = loadCatalogues();
  const i = i18next.createInstance();
  void i.init({
    resources,
    lng: DEFAULT_LANGUAGE,
    supportedLngs: [...LANGUAGES],
    // No fallback: a key missing in one language must show up (and fail the tests), not hide behind another.
    fallbackLng: false,
    defaultNS: 'common',
    ns: Object.keys(resources.kk),
    initAsync: false,
    interpolation: { escapeValue: false }, // EJS escapes on output
    returnNull: false,
    // A missing key shows as ⟦ns:key⟧ so tests (and people) can spot it on a page.
    parseMissingKeyHandler: (key: string) => `⟦${key}⟧`,
  });
  // Kazakh puts case endings on numbers and they follow the numeral ("5-ке", "10-ға"): the kk
  // catalogue writes `{{max, dative}}`, never a fixed "{{max}}-ға" (tests/i18n/catalogues.test.ts).
  for (const kase of KAZAKH_CASES) i.services.formatter?.add(kase, (value: unknown) => kazakhCase(value as number | string, kase));
  instance = i;
  return i;
}

export function translator(lang: Language): TFunction {
  return getI18n().getFixedT(lang);
}

/** Pick the best supported language from an Accept-Language header. */
export function fromAcceptLanguage(header: string | undefined): Language | undefined {
  if (!header) return undefined;
  const ranked = header
    .split(',')
    .map((part) => {
      const [tag, ...params] = part.trim().split(';');
      const q = params.find((p) => p.trim().startsWith('q='));
      return { tag: (tag ?? '').toLowerCase().split('-')[0]!, q: q ? Number(q.trim().slice(2)) || 0 : 1 };
    })
    .filter((x) => x.q > 0)
    .sort((a, b) => b.q - a.q);
  return ranked.map((r) => r.tag).find(isLanguage);
}

/**
 * The field of a row in the reader's language: localized(row, 'name', 'ru') -> row.name_ru. Where
 * that translation is missing, the text in another language is shown with its code as a visible
 * marker, "Опрос 2026 (ru)", so nobody takes it for a translation: first the language it was
 * written in (`<field>_lang`), then kk, ru, en, then the untranslated column itself (`<field>`).
 * This is the one helper views use for data titles (`loc(row, 'title')`).
 */
export function localized(record: object, field: string, lang: Language): string {
  const row = record as Record<string, unknown>;
  const text = (v: unknown) => (v == null ? '' : String(v).trim());
  const own = text(row[`${field}_${lang}`]);
  if (own) return own;
  const written = isLanguage(row[`${field}_lang`]) ? (row[`${field}_lang`] as Language) : undefined;
  for (const other of [...(written ? [written] : []), ...LANGUAGES]) {
    if (other === lang) continue;
    const value = text(row[`${field}_${other}`]);
    if (value) return `${value} (${other})`;
  }
  const original = text(row[field]);
  return original && written && written !== lang ? `${original} (${written})` : original;
}
