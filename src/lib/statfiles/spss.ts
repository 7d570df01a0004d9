import { plainNumber, truncateBytes, type StatColumn, type StatDataset, type StatValue } from './dataset';

/**
 * An SPSS syntax file that carries its data (DATA LIST ... BEGIN DATA ... END DATA), then the
 * variable labels, value labels, user-missing values and measurement levels. SPSS and GNU PSPP
 * run it as it is ("* Encoding: UTF-8." makes both read it as UTF-8); the reader saves a .sav
 * with SAVE OUTFILE if wanted.
 *
 * Limits respected: string width = the longest value in bytes (at least 1, at most 32767);
 * variable labels 255 bytes, value labels 120 bytes (SPSS's); a line break inside a text is
 * written as a space, because a data line holds exactly one case.
 */
const quote = (s: string) => `'${s.replace(/[\r\n]+/g, ' ').replace(/'/g, "''")}'`;
const dataQuote = (s: string) => `"${s.replace(/[\r\n]+/g, ' ').replace(/"/g, '""')}"`;

function width(column: StatColumn, rows: StatValue[][], index: number): number {
  let max = 1;
  for (const row of rows) {
    const v = row[index];
    if (typeof v === 'string') max = Math.max(max, Buffer.byteLength(v.replace(/[\r\n]+/g, ' '), 'utf8'));
  }
  for (const l of column.valueLabels) if (typeof l.value === 'string') max = Math.max(max, Buffer.byteLength(l.value, 'utf8'));
  return Math.min(max, 32767);
}

function cell(v: StatValue, column: StatColumn): string {
  if (v === null || v === undefined) return column.type === 'string' ? '""' : '';
  if (column.type === 'numeric') return typeof v === 'number' && Number.isFinite(v) ? plainNumber(v) : '';
  return dataQuote(String(v));
}

function labelValue(v: number | string, column: StatColumn): string {
  return column.type === 'numeric' ? plainNumber(Number(v)) : quote(String(v));
}

export function writeSpssSyntax(data: StatDataset): string {
  const { columns, rows } = data;
  const out: string[] = [];
  out.push('* Encoding: UTF-8.');
  out.push(`* ${truncateBytes(data.title.replace(/[\r\n]+/g, ' '), 200)}.`);
  out.push('* Written by Kedergi. Run the whole file; SAVE OUTFILE = "file.sav" keeps it as a data file.');
  out.push('SET DECIMAL = DOT.');
  const formats = columns.map((c, i) => `${c.name} (${c.type === 'numeric' ? 'F16.6' : `A${width(c, rows, i)}`})`);
  out.push(`DATA LIST LIST (",") /\n  ${formats.join('\n  ')}.`);
  out.push('BEGIN DATA.');
  for (const row of rows) out.push(columns.map((c, i) => cell(row[i] ?? null, c)).join(','));
  out.push('END DATA.');
  out.push('VARIABLE LABELS');
  out.push(columns.map((c) => `  ${c.name} ${quote(truncateBytes(c.label, 255))}`).join('\n') + '.');
  const labelled = columns.filter((c) => c.valueLabels.length > 0);
  if (labelled.length) {
    out.push('VALUE LABELS');
    out.push(
      labelled
        .map((c) => `  /${c.name}\n` + c.valueLabels.map((l) => `    ${labelValue(l.value, c)} ${quote(truncateBytes(l.label, 120))}`).join('\n'))
        .join('\n') + '.',
    );
  }
  for (const c of columns) {
    // SPSS takes at most three discrete missing values per variable.
    if (c.missing.length && c.type === 'numeric') out.push(`MISSING VALUES ${c.name} (${c.missing.slice(0, 3).map(plainNumber).join(', ')}).`);
  }
  for (const level of ['nominal', 'ordinal', 'scale'] as const) {
    const names = columns.filter((c) => c.measure === level && !(level === 'scale' && c.type === 'string')).map((c) => c.name);
    if (names.length) out.push(`VARIABLE LEVEL ${names.join(' ')} (${level.toUpperCase()}).`);
  }
  out.push('EXECUTE.');
  return out.join('\n') + '\n';
}
