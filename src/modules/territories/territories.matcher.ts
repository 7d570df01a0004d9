import type { TerritoryRecord } from './territories.schemas';

/**
 * Matching a territory typed by a person (an uploaded enterprise list, an API client) against
 * the territories table: by code, or by name in any of the three languages, ignoring case,
 * extra spaces, "ё"/"е", and - when that alone is unambiguous - the kind word
 * ("Semey" finds "Semey city", "Усть-Каменогорск" finds "город Усть-Каменогорск").
 */
export function normaliseName(value: string): string {
  return value
    .normalize('NFC')
    .toLocaleLowerCase('ru')
    .replace(/ё/g, 'е')
    .replace(/[\s\u00a0]+/g, ' ')
    .trim();
}

const KIND_WORDS = [
  'district', 'city', 'region', 'town',
  'ауданы', 'қаласы', 'облысы', 'облыс',
  'район', 'город', 'г.', 'область', 'обл.',
];

/** A name without its kind word and punctuation; parenthesised parts count as separate aliases. */
function coreAliases(name: string): string[] {
  const normalised = normaliseName(name);
  const inner = [...normalised.matchAll(/\(([^)]*)\)/g)].map((m) => m[1]!);
  const outer = normalised.replace(/\([^)]*\)/g, ' ');
  return [outer, ...inner]
    .map((part) =>
      part
        .split(' ')
        .filter((word) => word && !KIND_WORDS.includes(word))
        .join(' ')
        .replace(/[.,]/g, '')
        .trim(),
    )
    .filter(Boolean);
}

export type TerritoryMatcher = (nameOrCode: string) => TerritoryRecord | undefined;

export function createTerritoryMatcher(territories: TerritoryRecord[]): TerritoryMatcher {
  const exact = new Map<string, TerritoryRecord[]>();
  const loose = new Map<string, TerritoryRecord[]>();
  const add = (map: Map<string, TerritoryRecord[]>, key: string, t: TerritoryRecord) => {
    const list = map.get(key) ?? [];
    if (!list.includes(t)) list.push(t);
    map.set(key, list);
  };
  for (const t of territories) {
    for (const name of [t.code, t.name_kk, t.name_ru, t.name_en]) add(exact, normaliseName(name), t);
    for (const name of [t.name_kk, t.name_ru, t.name_en]) for (const alias of coreAliases(name)) add(loose, alias, t);
  }
  return (nameOrCode: string) => {
    const key = normaliseName(nameOrCode);
    if (!key) return undefined;
    const hits = exact.get(key);
    if (hits && hits.length === 1) return hits[0];
    if (hits && hits.length > 1) return undefined;
    for (const alias of coreAliases(nameOrCode)) {
      const candidates = loose.get(alias);
      if (candidates && candidates.length === 1) return candidates[0];
    }
    return undefined;
  };
}
