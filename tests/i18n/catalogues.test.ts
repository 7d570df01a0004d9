import { describe, expect, it } from 'vitest';
import { LANGUAGES, loadCatalogues, translator } from '../../src/i18n';

function flatten(obj: unknown, prefix = ''): string[] {
  if (obj === null || typeof obj !== 'object') return [prefix];
  return Object.entries(obj as Record<string, unknown>).flatMap(([k, v]) => flatten(v, prefix ? `${prefix}.${k}` : k));
}

/** i18next plural forms: key_one, key_few ... (the categories of Intl.PluralRules for the language). */
const PLURAL = /_(zero|one|two|few|many|other)$/;
const baseKey = (key: string) => key.replace(PLURAL, '');

describe('i18n catalogues', () => {
  const catalogues = loadCatalogues();

  it('has the same namespaces in every language', () => {
    const namespaces = Object.keys(catalogues.kk).sort();
    expect(namespaces.length).toBeGreaterThan(0);
    for (const lng of LANGUAGES) expect(Object.keys(catalogues[lng]).sort()).toEqual(namespaces);
  });

  for (const ns of Object.keys(catalogues.kk)) {
    it(`namespace "${ns}" has every key in kk, ru and en, none empty`, () => {
      // Plural forms differ by language (ru has few and many), so keys compare by their base.
      const keys = [...new Set(flatten(catalogues.kk[ns]).map(baseKey))].sort();
      for (const lng of LANGUAGES) {
        const other = [...new Set(flatten(catalogues[lng][ns]).map(baseKey))].sort();
        expect({ lng, ns, missing: keys.filter((k) => !other.includes(k)) }).toEqual({ lng, ns, missing: [] });
        expect({ lng, ns, extra: other.filter((k) => !keys.includes(k)) }).toEqual({ lng, ns, extra: [] });
        for (const key of flatten(catalogues[lng][ns])) {
          const value = key.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown>)[k], catalogues[lng][ns]);
          expect(typeof value === 'string' && value.trim().length > 0, `${lng}/${ns}:${key} is empty`).toBe(true);
        }
      }
    });
  }

  it('gives every plural key exactly the plural forms of its language', () => {
    for (const lng of LANGUAGES) {
      const categories = new Intl.PluralRules(lng).resolvedOptions().pluralCategories.slice().sort();
      for (const ns of Object.keys(catalogues[lng])) {
        const forms = new Map<string, string[]>();
        for (const key of flatten(catalogues[lng][ns]).filter((k) => PLURAL.test(k))) forms.set(baseKey(key), [...(forms.get(baseKey(key)) ?? []), PLURAL.exec(key)![1]!]);
        for (const [key, found] of forms) expect({ lng, key: `${ns}:${key}`, forms: found.sort() }).toEqual({ lng, key: `${ns}:${key}`, forms: categories });
      }
    }
    // And i18next picks them: Russian 22 takes the "few" form, 25 the "many" form.
    expect(translator('ru')('rounds:confirm.submittedKept', { count: 22 })).toBe('22 отправленные анкеты сохраняются.');
    expect(translator('ru')('rounds:confirm.submittedKept', { count: 25 })).toBe('25 отправленных анкет сохраняются.');
    expect(translator('en')('rounds:confirm.submittedKept', { count: 1 })).toBe('1 submitted response is kept.');
    // The counts issue 15 found without plural rules: "22 факторов", "21 территорий".
    expect(translator('ru')('experts:expert.savedCount', { saved: 3, count: 22 })).toBe('оценено в этом раунде: 3 из 22 факторов');
    expect(translator('ru')('experts:expert.savedCount', { saved: 3, count: 21 })).toBe('оценено в этом раунде: 3 из 21 фактора');
    expect(translator('ru')('respond:start.intro', { count: 22 })).toContain('22 фактора мешают');
    expect(translator('ru')('respond:start.intro', { count: 25 })).toContain('25 факторов мешают');
    expect(translator('ru')('indicators:composite.chartDescription', { count: 21, top: 'a', topValue: '1', bottom: 'b', bottomValue: '0' })).toContain('индекса 21 территории по');
    expect(translator('ru')('indicators:rounds.valueCount', { count: 3 })).toBe('3 значения');
    expect(translator('en')('analysis:honest.holmNote', { count: 1 })).toMatch(/^1 test on this table/);
    // After "из N", "не более N", "до N" the noun follows N: "из 21 эксперта", "не более 21 символа", but "из 25 экспертов".
    expect(translator('ru')('experts:errors.belowQuorum', { scorers: 2, members: 21, quorum: 11, count: 21 })).toContain('только 2 из 21 эксперта;');
    expect(translator('ru')('experts:errors.belowQuorum', { scorers: 2, members: 25, quorum: 13, count: 25 })).toContain('только 2 из 25 экспертов;');
    expect(translator('ru')('errors:field.tooLong', { max: 201, count: 201 })).toBe('Введите не более 201 символа.');
    expect(translator('ru')('errors:field.tooLong', { max: 200, count: 200 })).toBe('Введите не более 200 символов.');
    expect(translator('ru')('respond:kinds.textLimit', { max: 1001, count: 1001 })).toBe('До 1001 символа.');
    expect(translator('ru')('respond:errors.tooManyChoices', { max: 1, count: 1 })).toBe('Выберите не более 1 варианта.');
    expect(translator('ru')('respond:kinds.rankingHint', { k: 3, count: 3 })).toMatch(/^Выберите 3 самых важных варианта /);
    expect(translator('ru')('analysis:kinds.textShown', { shown: 20, total: 41, count: 41 })).toBe('Показано 20 из 41 ответа (последние).');
    expect(translator('en')('errors:field.tooShort', { min: 1, count: 1 })).toBe('Enter at least 1 character.');
    expect(translator('kk')('respond:errors.textTooLong', { max: 21, count: 21 })).toBe('Жауап 21 таңбадан аспауы керек.');
  });

  it('marks a missing key visibly instead of falling back to another language', () => {
    expect(translator('ru')('auth:doesNotExist')).toContain('⟦');
    expect(translator('kk')('auth:login')).toBe('Кіру');
  });
});
