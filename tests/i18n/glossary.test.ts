import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { LANGUAGES, loadCatalogues, type Language } from '../../src/i18n';
import { projectRoot } from '../../src/paths';

interface Concept {
  id: string;
  meaning: string;
  terms: Record<Language, string>;
  avoid?: Partial<Record<Language, string[]>>;
  exceptNamespaces?: string[];
}

const glossary = JSON.parse(fs.readFileSync(path.join(projectRoot, 'src', 'i18n', 'glossary.json'), 'utf8')) as { concepts: Concept[] };

function* strings(value: unknown, key = ''): Generator<[string, string]> {
  if (typeof value === 'string') yield [key, value];
  else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) yield* strings(v, key ? `${key}.${k}` : k);
}

/** One term per concept per language (issue 15): the catalogues follow src/i18n/glossary.json. */
describe('glossary', () => {
  const catalogues = loadCatalogues();

  it('names every concept in kk, ru and en, once', () => {
    expect(glossary.concepts.length).toBeGreaterThanOrEqual(8);
    expect(new Set(glossary.concepts.map((c) => c.id)).size).toBe(glossary.concepts.length);
    for (const c of glossary.concepts) for (const lng of LANGUAGES) expect(c.terms[lng], `${c.id} ${lng}`).toBeTruthy();
  });

  for (const concept of glossary.concepts) {
    it(`"${concept.id}": the catalogues use its term and none of the variants it avoids`, () => {
      for (const lng of LANGUAGES) {
        const texts = Object.entries(catalogues[lng]).flatMap(([ns, tree]) => [...strings(tree)].map(([key, text]) => ({ ns, key, text })));
        const term = concept.terms[lng].toLocaleLowerCase(lng);
        expect(texts.some((x) => x.text.toLocaleLowerCase(lng).includes(term)), `${concept.id}: "${term}" never used in ${lng}`).toBe(true);
        for (const variant of concept.avoid?.[lng] ?? []) {
          const pattern = new RegExp(`(?<!\\p{L})${variant}`, 'iu');
          const found = texts.filter((x) => !concept.exceptNamespaces?.includes(x.ns) && pattern.test(x.text)).map((x) => `${lng}/${x.ns}:${x.key}: ${x.text}`);
          expect(found, `${concept.id}: avoid /${variant}/ in ${lng}`).toEqual([]);
        }
      }
    });
  }

  it('catches a variant it avoids (the check itself can fail)', () => {
    const round = glossary.concepts.find((c) => c.id === 'surveyRound')!;
    const pattern = new RegExp(`(?<!\\p{L})${round.avoid!.ru![0]}`, 'iu');
    expect(pattern.test('Волны опроса')).toBe(true);
    expect(pattern.test('Раунды опроса')).toBe(false);
    expect(pattern.test('волновой')).toBe(false);
  });
});
