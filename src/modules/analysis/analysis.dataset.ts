import type { Language } from '../../i18n';
import type { CellValue } from '../../lib/spreadsheet';
import { statName, type StatColumn, type StatDataset, type StatValue } from '../../lib/statfiles/dataset';

/**
 * The raw responses of a round as a statistics-package data set: the raw export's columns
 * (stable codes, whatever the interface language) typed from the data, labelled from the
 * codebook in the reader's language. Codebook rows are (kind, variable, value, label_kk,
 * label_ru, label_en): `column` rows label variables (a value = the item's category marks a
 * rating), `scale` rows label the rating points, `option` and `value` rows label a variable's
 * codes, `missing` rows name user-missing codes. Where the codebook names no missing code,
 * "cannot judge" is declared as CANNOT_JUDGE_CODE on the ratings, labelled with the scale's
 * not-applicable text.
 */
export const CANNOT_JUDGE_CODE = -99;

const LABEL_COLUMN: Record<Language, number> = { kk: 3, ru: 4, en: 5 };

function toStat(v: CellValue): StatValue {
  if (v === null || v === undefined || v === '') return null;
  if (typeof v === 'number') return Number.isFinite(v) ? v : null;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (v instanceof Date) return v.toISOString();
  return String(v);
}

export function statDataset(title: string, header: readonly string[], rawRows: ReadonlyArray<readonly CellValue[]>, codebook: ReadonlyArray<readonly CellValue[]>, lang: Language): StatDataset {
  const label = (row: readonly CellValue[]) => String(row[LABEL_COLUMN[lang]] ?? row[3] ?? '');
  const rows = rawRows.map((r) => header.map((_, i) => toStat(r[i])));
  const columnLabel = new Map<string, string>();
  const ratings = new Set<string>();
  const codes = new Map<string, Array<{ value: CellValue; label: string }>>();
  const scale: Array<{ value: CellValue; label: string }> = [];
  const missing: Array<{ value: number; label: string }> = [];
  for (const row of codebook) {
    const [kind, variable, value] = row;
    if (kind === 'column') {
      columnLabel.set(String(variable), label(row));
      if (value !== null && value !== undefined && value !== '') ratings.add(String(variable));
    } else if (kind === 'scale') scale.push({ value, label: label(row) });
    else if (kind === 'option' || kind === 'value') codes.set(String(variable), [...(codes.get(String(variable)) ?? []), { value, label: label(row) }]);
    else if (kind === 'missing' && typeof value === 'number') missing.push({ value, label: label(row) });
  }
  const notApplicable = scale.find((s) => s.value === null || s.value === undefined || s.value === CANNOT_JUDGE_CODE);
  if (!missing.length && notApplicable) missing.push({ value: CANNOT_JUDGE_CODE, label: notApplicable.label });
  const points = scale.filter((s) => typeof s.value === 'number' && s.value !== CANNOT_JUDGE_CODE);

  const taken = new Set<string>();
  const columns: StatColumn[] = header.map((code, i) => {
    const values = rows.map((r) => r[i]).filter((v) => v !== null);
    const numeric = values.every((v) => typeof v === 'number');
    const own = codes.get(code);
    const rating = ratings.has(code) && !own;
    const type = numeric ? 'numeric' : 'string';
    const valueLabels = (rating ? points : own ?? [])
      .filter((l) => l.value !== null && l.value !== undefined)
      .map((l) => ({ value: type === 'numeric' ? Number(l.value) : String(l.value), label: l.label }))
      .filter((l) => type === 'string' || Number.isFinite(l.value));
    const missingHere = rating && type === 'numeric' ? missing : [];
    return {
      name: statName(code, taken),
      label: columnLabel.get(code) ?? code,
      type,
      measure: rating ? 'ordinal' : own ? 'nominal' : numeric ? 'scale' : 'nominal',
      valueLabels: [...valueLabels, ...missingHere.map((m) => ({ value: m.value, label: m.label }))],
      missing: missingHere.map((m) => m.value),
    };
  });
  return { title, columns, rows };
}
