import { plainNumber, statName, truncateBytes, type StatColumn, type StatDataset, type StatValue } from './dataset';

/**
 * A Stata do-file that enters the data with `input` and labels it: `label variable`,
 * `label define` / `label values` for integer codes, user-missing codes turned into extended
 * missing values (-99 -> .a, labelled, so "cannot judge" stays apart from "no answer" = .),
 * and for nominal string codes a numeric companion `<name>_l` carrying the labels (Stata
 * labels numbers only). Written for Stata 14 or later (UTF-8 do-files).
 *
 * Limits respected: names of at most 32 characters; variable labels 80 characters; strings at
 * most 2045 bytes (str2045, the longest `input` reads: longer texts are cut and the file says
 * so); texts in compound double quotes `"..."' so a quote inside cannot end them.
 */
const STR_MAX = 2045;
const EXTENDED = 'abcdefghijklmnopqrstuvwxyz';

const cq = (s: string) => `\`"${s.replace(/[\r\n]+/g, ' ').replace(/`"|"'/g, "'")}"'`;

function width(rows: StatValue[][], index: number): number {
  let max = 1;
  for (const row of rows) {
    const v = row[index];
    if (typeof v === 'string') max = Math.max(max, Buffer.byteLength(v, 'utf8'));
  }
  return Math.min(max, STR_MAX);
}

function storage(column: StatColumn, rows: StatValue[][], index: number): string {
  if (column.type === 'string') return `str${width(rows, index)}`;
  return rows.every((r) => r[index] === null || r[index] === undefined || Number.isInteger(r[index])) ? 'long' : 'double';
}

function cell(v: StatValue, column: StatColumn): string {
  if (v === null || v === undefined) return column.type === 'numeric' ? '.' : '""';
  if (column.type === 'numeric') return typeof v === 'number' && Number.isFinite(v) ? plainNumber(v) : '.';
  return cq(truncateBytes(String(v), STR_MAX));
}

export function writeStataDo(data: StatDataset): string {
  const { columns, rows } = data;
  const taken = new Set(columns.map((c) => c.name.toLowerCase()));
  const out: string[] = [];
  out.push(`* ${data.title.replace(/[\r\n]+/g, ' ')}`);
  out.push('* Written by Kedergi for Stata 14 or later: do this-file.do');
  out.push('version 14');
  out.push('clear');
  const cut = rows.some((r) => r.some((v) => typeof v === 'string' && Buffer.byteLength(v, 'utf8') > STR_MAX));
  if (cut) out.push(`* Texts longer than ${STR_MAX} bytes are cut to ${STR_MAX} bytes (Stata's input limit).`);
  out.push(`input ${columns.map((c, i) => `${storage(c, rows, i)} ${c.name}`).join(' ')}`);
  for (const row of rows) out.push(columns.map((c, i) => cell(row[i] ?? null, c)).join(' '));
  out.push('end');
  for (const c of columns) out.push(`label variable ${c.name} ${cq(truncateBytes(c.label, 80))}`);
  for (const c of columns) {
    const extended = new Map(c.type === 'numeric' ? c.missing.slice(0, EXTENDED.length).map((m, i) => [m, `.${EXTENDED[i]}`] as const) : []);
    if (extended.size) out.push(`mvdecode ${c.name}, mv(${[...extended].map(([m, x]) => `${plainNumber(m)}=${x}`).join(' ')})`);
    if (!c.valueLabels.length) continue;
    if (c.type === 'numeric') {
      const integral = c.valueLabels.filter((l) => Number.isInteger(Number(l.value)));
      if (!integral.length) continue;
      const parts = integral.map((l) => `${extended.get(Number(l.value)) ?? plainNumber(Number(l.value))} ${cq(truncateBytes(l.label, 32000))}`);
      out.push(`label define ${c.name} ${parts.join(' ')}, replace`);
      out.push(`label values ${c.name} ${c.name}`);
    } else if (c.measure === 'nominal') {
      const companion = statName(`${c.name}_l`, taken);
      out.push(`generate long ${companion} = .`);
      c.valueLabels.forEach((l, i) => out.push(`replace ${companion} = ${i + 1} if ${c.name} == ${cq(String(l.value))}`));
      out.push(`label define ${companion} ${c.valueLabels.map((l, i) => `${i + 1} ${cq(l.label)}`).join(' ')}, replace`);
      out.push(`label values ${companion} ${companion}`);
      out.push(`label variable ${companion} ${cq(truncateBytes(c.label, 80))}`);
    }
  }
  out.push('compress');
  return out.join('\n') + '\n';
}
