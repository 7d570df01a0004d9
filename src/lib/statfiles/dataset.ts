/**
 * A data set as statistics packages see it: typed columns with a label, value labels and
 * user-missing codes, then rows. The SPSS, R and Stata writers (spss.ts, r.ts, stata.ts) are
 * pure functions of this description, so they know nothing of rounds or questionnaires.
 */
export type StatValue = number | string | null;

export interface StatValueLabel {
  value: number | string;
  label: string;
}

export interface StatColumn {
  /** A name valid in SPSS, R and Stata alike (see statName). */
  name: string;
  label: string;
  type: 'numeric' | 'string';
  /** nominal: codes (a factor in R); ordinal: a rating kept as numbers with labelled points; scale: a quantity. */
  measure: 'nominal' | 'ordinal' | 'scale';
  valueLabels: StatValueLabel[];
  /** User-missing codes (e.g. -99 for "cannot judge"): labelled, kept in SPSS, NA in R, .a in Stata. */
  missing: number[];
}

export interface StatDataset {
  title: string;
  columns: StatColumn[];
  rows: StatValue[][];
}

/**
 * A variable name every package accepts: letters, digits and underscores, starting with a
 * letter, at most 32 characters (Stata's limit; SPSS allows 64), unique ignoring case (SPSS
 * ignores case in names). `taken` collects the names already given (lower case).
 */
export function statName(raw: string, taken: Set<string>): string {
  let base = raw.replace(/[^A-Za-z0-9_]/g, '_');
  if (!/^[A-Za-z]/.test(base)) base = `v${base}`;
  base = base.slice(0, 32);
  let name = base;
  for (let i = 2; taken.has(name.toLowerCase()); i++) name = `${base.slice(0, 32 - String(i).length - 1)}_${i}`;
  taken.add(name.toLowerCase());
  return name;
}

/** Cut a text to at most `bytes` UTF-8 bytes without splitting a character. */
export function truncateBytes(text: string, bytes: number): string {
  if (Buffer.byteLength(text, 'utf8') <= bytes) return text;
  let out = '';
  let used = 0;
  for (const ch of text) {
    const size = Buffer.byteLength(ch, 'utf8');
    if (used + size > bytes) break;
    out += ch;
    used += size;
  }
  return out;
}

/** Numbers as the packages read them: a point, full precision, no exponent for ordinary values. */
export function plainNumber(v: number): string {
  return Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(15)));
}
