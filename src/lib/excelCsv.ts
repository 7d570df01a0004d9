import { Readable, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { stringify } from 'csv-stringify';
import { z } from 'zod';
import { neutraliseCsvText, type CellValue, type RowSource } from './spreadsheet';

/** `?variant=excel` on a CSV download asks for this variant; empty or absent means the data file. */
export const ZCsvVariant = z.object({ variant: z.preprocess((v) => (v === '' ? undefined : v), z.enum(['excel']).optional()) });
export type TCsvVariant = z.infer<typeof ZCsvVariant>;

/**
 * CSV for Excel set to Russian or Kazakh (and most of continental Europe): there the list
 * separator is ";" and the decimal separator ",", so a comma-separated file opens in one
 * column and "3.85" is read as a date or text. This variant writes ";" between fields and
 * decimal commas, UTF-8 with a byte-order mark and CRLF, and neutralises formulas like every
 * spreadsheet file (spreadsheet.ts neutraliseCsvText: a text starting with = + - @ TAB CR, or
 * with one after a separator inside it, gets a leading apostrophe there), the same guard as the
 * comma-separated data file, so the variant is never the weaker of the two. Numbers keep full precision and no thousands separator, so Excel reads
 * them as numbers. Files for statistics packages (.sps, .R, .do) are never altered this way.
 *
 * Example: [3.8333333333333335, 'A1', '=1+1'] -> 3,8333333333333335;A1;'=1+1
 */
export function excelCell(value: CellValue): string {
  if (value === null || value === undefined) return '';
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'boolean') return value ? '1' : '0';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value).replace('.', ',') : '';
  return neutraliseCsvText(value);
}

async function* excelRows(header: readonly string[], rows: RowSource): AsyncGenerator<string[]> {
  yield header.map(excelCell);
  for await (const row of rows) yield row.map(excelCell);
}

/** Streams the table to `out` as an Excel (ru/kk) CSV and ends it. */
export async function writeExcelCsv(out: Writable, header: readonly string[], rows: RowSource): Promise<void> {
  // Any line break forces quotes, as in writeCsv: an unquoted lone LF would start a new row.
  await pipeline(Readable.from(excelRows(header, rows)), stringify({ bom: true, delimiter: ';', record_delimiter: 'windows', quoted_match: /[\r\n]/ }), out);
}
