import type { Language } from '../../i18n';

/**
 * Numbers as the reader writes them: decimal comma in Kazakh and Russian, point in English.
 * Anything undefined (no ratings, one rating, no test possible) is an en dash, never NaN.
 */
export const DASH = '–';

const LOCALES: Record<Language, string> = { kk: 'kk-KZ', ru: 'ru-RU', en: 'en-GB' };
const cache = new Map<string, Intl.NumberFormat>();

function formatter(lang: Language, options: Intl.NumberFormatOptions): Intl.NumberFormat {
  const key = `${lang}:${JSON.stringify(options)}`;
  let f = cache.get(key);
  if (!f) cache.set(key, (f = new Intl.NumberFormat(LOCALES[lang], options)));
  return f;
}

function defined(value: number | null | undefined): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

export function formatNumber(value: number | null | undefined, digits: number, lang: Language): string {
  if (!defined(value)) return DASH;
  return formatter(lang, { minimumFractionDigits: digits, maximumFractionDigits: digits, useGrouping: true }).format(value);
}

export function formatInteger(value: number | null | undefined, lang: Language): string {
  return formatNumber(value, 0, lang);
}

/** A share 0..1 as a percentage. */
export function formatPercent(share: number | null | undefined, lang: Language, digits = 0): string {
  if (!defined(share)) return DASH;
  return formatter(lang, { style: 'percent', minimumFractionDigits: digits, maximumFractionDigits: digits }).format(share);
}

/** p-values: three decimals, and "< 0.001" rather than a row of zeros. */
export function formatP(p: number | null | undefined, lang: Language): string {
  if (!defined(p)) return DASH;
  if (p < 0.001) return `< ${formatNumber(0.001, 3, lang)}`;
  return formatNumber(p, 3, lang);
}

/** An interval "low – high" or a dash. */
export function formatInterval(low: number | null | undefined, high: number | null | undefined, digits: number, lang: Language): string {
  if (!defined(low) || !defined(high)) return DASH;
  return `${formatNumber(low, digits, lang)} – ${formatNumber(high, digits, lang)}`;
}

/** The helpers the analysis views call, bound to the reader's language. */
export function viewFormatters(lang: Language) {
  return {
    num: (v: number | null | undefined, digits = 2) => formatNumber(v, digits, lang),
    int: (v: number | null | undefined) => formatInteger(v, lang),
    pct: (v: number | null | undefined, digits = 0) => formatPercent(v, lang, digits),
    pval: (v: number | null | undefined) => formatP(v, lang),
    interval: (low: number | null | undefined, high: number | null | undefined, digits = 2) => formatInterval(low, high, digits, lang),
    pctInterval: (low: number | null | undefined, high: number | null | undefined) =>
      defined(low) && defined(high) ? `${formatPercent(low, lang)} – ${formatPercent(high, lang)}` : DASH,
    dash: DASH,
  };
}
