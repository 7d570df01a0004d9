import { describe, expect, it } from 'vitest';
import { LANGUAGES, loadCatalogues, translator } from '../../src/i18n';

function flatten(obj: unknown, prefix = ''): string[] {
  if (obj === null || typeof obj !== 'object') return [prefix];
  return Object.entries(obj as Record<string, unknown>).flatMap(([k, v]) => flatten(v, prefix ? `${prefix}.${k}` : k));
}

describe('i18n catalogues', () => {
  const catalogues = loadCatalogues();

  it('has the same namespaces in every language', () => {
    const namespaces = Object.keys(catalogues.kk).sort();
    expect(namespaces.length).toBeGreaterThan(0);
    for (const lng of LANGUAGES) expect(Object.keys(catalogues[lng]).sort()).toEqual(namespaces);
  });

  for (const ns of Object.keys(catalogues.kk)) {
    it(`namespace "${ns}" has every key in kk, ru and en, none empty`, () => {
      const keys = flatten(catalogues.kk[ns]).sort();
      for (const lng of LANGUAGES) {
        const other = flatten(catalogues[lng][ns]).sort();
        expect({ lng, ns, missing: keys.filter((k) => !other.includes(k)) }).toEqual({ lng, ns, missing: [] });
        expect({ lng, ns, extra: other.filter((k) => !keys.includes(k)) }).toEqual({ lng, ns, extra: [] });
        for (const key of other) {
          const value = key.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown>)[k], catalogues[lng][ns]);
          expect(typeof value === 'string' && value.trim().length > 0, `${lng}/${ns}:${key} is empty`).toBe(true);
        }
      }
    });
  }

  it('marks a missing key visibly instead of falling back to another language', () => {
    expect(translator('ru')('auth:doesNotExist')).toContain('⟦');
    expect(translator('kk')('auth:login')).toBe('Кіру');
  });
});
