import { describe, expect, it } from 'vitest';
import { localized } from '../../src/i18n';

describe('a data title in the reader’s language, with a visible fallback', () => {
  const round = { title: 'Опрос 2026', title_kk: null, title_ru: 'Опрос 2026', title_en: 'Survey 2026', title_lang: 'ru' };
  it('shows the reader’s language when it is there', () => {
    expect(localized(round, 'title', 'en')).toBe('Survey 2026');
    expect(localized(round, 'title', 'ru')).toBe('Опрос 2026');
  });
  it('marks another language with its code: the language it was written in first', () => {
    expect(localized(round, 'title', 'kk')).toBe('Опрос 2026 (ru)');
    expect(localized({ ...round, title_lang: 'en' }, 'title', 'kk')).toBe('Survey 2026 (en)');
    expect(localized({ title: 'Pilot', title_en: '  ', title_lang: 'en' }, 'title', 'en')).toBe('Pilot');
    expect(localized({ title: 'Pilot', title_lang: 'en' }, 'title', 'ru')).toBe('Pilot (en)');
  });
  it('a row with every translation, or with no translation columns at all, reads as before', () => {
    expect(localized({ name_kk: 'Өскемен', name_ru: 'Усть-Каменогорск', name_en: 'Oskemen' }, 'name', 'ru')).toBe('Усть-Каменогорск');
    expect(localized({ title: 'Round A' }, 'title', 'kk')).toBe('Round A');
    expect(localized({}, 'title', 'kk')).toBe('');
  });
});
