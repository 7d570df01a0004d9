import { once } from 'node:events';
import { Readable, Transform, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parse as parseCsvSync } from 'csv-parse/sync';
import { stringify } from 'csv-stringify';
import ExcelJS from 'exceljs';

/**
 * Spreadsheets in and out: formula-injection neutralisation, streaming CSV and XLSX writers
 * (memory does not grow with the number of rows), and a tolerant reader for uploaded
 * CSV/XLSX tables (encoding detection for the UTF-8 and Windows-1251 files Excel produces
 * in Kazakhstan). Nothing here knows about HTTP or the database.
 */

/** A value a cell can hold. Dates are written as ISO strings by the CSV writer. */
export type CellValue = string | number | boolean | Date | null | undefined;
export type RowSource = Iterable<readonly CellValue[]> | AsyncIterable<readonly CellValue[]>;

// OWASP "CSV injection": a spreadsheet treats a cell starting with one of these as a formula
// (or, for TAB and CR, strips the character and then looks again).
const FORMULA_TRIGGER = /^[=+\-@\t\r]/;

/**
 * A text cell that a spreadsheet would evaluate gets a leading apostrophe, which Excel and
 * LibreOffice show as plain text. Numbers, booleans, dates and empty cells pass unchanged:
 * a negative number is a number, not a formula.
 *
 * Example: neutraliseCell('=HYPERLINK("http://x")') === "'=HYPERLINK(\"http://x\")";
 * neutraliseCell(-3) === -3; neutraliseCell('Өскемен') === 'Өскемен'.
 */
export function neutraliseCell(value: string): string;
export function neutraliseCell<T extends CellValue>(value: T): T | string;
export function neutraliseCell(value: CellValue): CellValue {
  return typeof value === 'string' && FORMULA_TRIGGER.test(value) ? `'${value}` : value;
}

function csvCell(value: CellValue): string | number {
  if (value === null || value === undefined) return '';
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'number') return Number.isFinite(value) ? value : '';
  return neutraliseCell(value);
}

async function* neutralisedRows(header: readonly string[], rows: RowSource): AsyncGenerator<Array<string | number>> {
  yield header.map((h) => csvCell(h));
  for await (const row of rows) yield row.map(csvCell);
}

/**
 * CSV in UTF-8 with a byte-order mark (so Excel opens Kazakh and Russian text correctly),
 * CRLF line ends, every text cell neutralised, header included. Rows are pulled from
 * `rows` only as fast as `out` accepts them, so an async generator that pages through the
 * database keeps memory constant. Ends `out`.
 */
export async function writeCsv(out: Writable, header: readonly string[], rows: RowSource): Promise<void> {
  // csv-stringify quotes a field holding the whole record delimiter (CRLF) but not a lone CR or LF;
  // unquoted, a spreadsheet starts a new row there, and that row's first cell ("\n=HYPERLINK(...)")
  // escapes the neutralisation above. So any line break forces quotes.
  await pipeline(
    Readable.from(neutralisedRows(header, rows)),
    stringify({ bom: true, record_delimiter: 'windows', quoted_match: /[\r\n]/ }),
    coalesce(64 * 1024),
    out,
  );
}

/**
 * Gathers small chunks (csv-stringify emits one per row) into blocks of about `size` bytes, so
 * an HTTP response makes a few hundred socket writes instead of one per row.
 */
function coalesce(size: number): Transform {
  let pending: Buffer[] = [];
  let length = 0;
  return new Transform({
    transform(chunk: Buffer | string, _encoding, callback) {
      const buf = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
      pending.push(buf);
      length += buf.length;
      if (length >= size) {
        const block = Buffer.concat(pending, length);
        pending = [];
        length = 0;
        return callback(null, block);
      }
      callback();
    },
    flush(callback) {
      callback(null, length ? Buffer.concat(pending, length) : undefined);
    },
  });
}

export interface XlsxSheet {
  name: string;
  header: readonly string[];
  rows: RowSource;
  /** Column widths in characters; the default is 14. */
  widths?: readonly number[];
}

// Empty cells are left out of the row (undefined) rather than written as null: ExcelJS then
// creates no cell object for them, which makes a sparse response row several times faster.
function xlsxCell(value: CellValue): ExcelJS.CellValue | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'number' && !Number.isFinite(value)) return undefined;
  return neutraliseCell(value) as ExcelJS.CellValue;
}

/** Wait for `out` to drain; the zip writer queues data that has not reached it yet. */
async function drained(out: Writable): Promise<void> {
  if (out.writableNeedDrain) await once(out, 'drain');
  else await new Promise<void>((resolve) => setImmediate(resolve));
}

/**
 * An XLSX workbook written sheet by sheet to `out` through ExcelJS's streaming writer: each
 * row is committed (serialised and released) as soon as it is added, without shared strings,
 * so memory stays flat whatever the number of rows. The header row is frozen. Without styles
 * (a bold header would make ExcelJS resolve a style for every cell: three times slower).
 * Ends `out`.
 */
export async function writeXlsx(out: Writable, sheets: readonly XlsxSheet[]): Promise<void> {
  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: out, useStyles: false, useSharedStrings: false });
  workbook.creator = 'Kedergi';
  const finished = new Promise<void>((resolve, reject) => {
    out.once('finish', resolve);
    out.once('close', resolve);
    out.once('error', reject);
  });
  for (const sheet of sheets) {
    const ws = workbook.addWorksheet(sheet.name.slice(0, 31), { views: [{ state: 'frozen', ySplit: 1 }] });
    ws.columns = sheet.header.map((h, i) => ({ key: `c${i}`, width: sheet.widths?.[i] ?? 14 }));
    ws.addRow(sheet.header.map((h) => neutraliseCell(h))).commit();
    let n = 0;
    for await (const row of sheet.rows) {
      // Index 0 is always present, so ExcelJS reads the array as 0-based even when it starts empty.
      ws.addRow(row.map(xlsxCell) as ExcelJS.CellValue[]).commit();
      if (++n % 500 === 0) await drained(out);
    }
    ws.commit();
  }
  await workbook.commit();
  await finished;
}

/* ------------------------------------------------------------------------------------------
 * Reading uploaded tables
 * ---------------------------------------------------------------------------------------- */

export type TableReadFailure = 'encoding' | 'mojibake' | 'format' | 'legacyXls' | 'tooManyRows' | 'empty';

/** An upload that cannot be read as a table at all; `reason` maps to a message in the caller's catalogue. */
export class TableReadError extends Error {
  constructor(
    readonly reason: TableReadFailure,
    readonly params: Record<string, unknown> = {},
  ) {
    super(`table read failed: ${reason}`);
    this.name = 'TableReadError';
  }
}

export type TextEncodingName = 'utf-8' | 'utf-16le' | 'utf-16be' | 'windows-1251';

// Windows-1251 bytes 0x80..0xBF that occur in real Russian/Kazakh text (Ё ё І і Ў ў Є є Ї ї, №,
// quotes, dashes, NBSP, °, ±, §, ©, ®, ™, …, •). The others there (Ђ, Ѓ, Љ, ‰, ...) practically
// never do; a file full of them is not Windows-1251.
const CP1251_PLAUSIBLE_HIGH = new Set([
  0x84, 0x85, 0x91, 0x92, 0x93, 0x94, 0x95, 0x96, 0x97, 0x99, 0xa0, 0xa1, 0xa2, 0xa7, 0xa8, 0xa9, 0xaa, 0xab, 0xad, 0xae,
  0xaf, 0xb0, 0xb1, 0xb2, 0xb3, 0xb7, 0xb8, 0xb9, 0xba, 0xbb, 0xbf,
]);

// UTF-8 text that was once read as Latin-1 or Windows-1251 and saved again ("Ð¢Ð¾" or "РўРѕ").
const MOJIBAKE = /[ÃÐÑ][\u0080-\u00bf]|[РС][ЂЃ‚ѓ„…†‡€‰Љ‹ЊЌЋЏђ‘’“”•–—™љ›њќћџЎўЈ¤Ґ¦§©Є«¬®Ї°±Ііґµ¶·№є»јЅѕї]/g;

function hasBadControl(text: string): boolean {
  // eslint-disable-next-line no-control-regex
  return /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.test(text);
}

function checkDecoded(text: string): string {
  if (text.includes('\ufffd') || hasBadControl(text)) throw new TableReadError('encoding');
  const garbled = text.match(MOJIBAKE);
  if (garbled && garbled.length >= 3) throw new TableReadError('mojibake', { sample: garbled.slice(0, 3).join(' ') });
  return text;
}

/**
 * Decode an uploaded text file: UTF-8 with or without BOM, UTF-16 with BOM ("Unicode text"
 * from Excel), or Windows-1251 (Russian-locale "CSV (comma delimited)" from Excel). A file
 * that is none of these plausibly, or that shows double-encoding damage, is refused rather
 * than imported as garbage.
 */
export function decodeTextFile(buffer: Buffer): { text: string; encoding: TextEncodingName } {
  if (buffer.length >= 3 && buffer[0] === 0xef && buffer[1] === 0xbb && buffer[2] === 0xbf) {
    try {
      return { text: checkDecoded(new TextDecoder('utf-8', { fatal: true }).decode(buffer.subarray(3))), encoding: 'utf-8' };
    } catch (e) {
      if (e instanceof TableReadError) throw e;
      throw new TableReadError('encoding');
    }
  }
  if (buffer.length >= 2 && buffer[0] === 0xff && buffer[1] === 0xfe) {
    return { text: checkDecoded(new TextDecoder('utf-16le').decode(buffer.subarray(2))), encoding: 'utf-16le' };
  }
  if (buffer.length >= 2 && buffer[0] === 0xfe && buffer[1] === 0xff) {
    return { text: checkDecoded(new TextDecoder('utf-16be').decode(buffer.subarray(2))), encoding: 'utf-16be' };
  }
  if (buffer.includes(0)) throw new TableReadError('encoding');
  let utf8: string | undefined;
  try {
    utf8 = new TextDecoder('utf-8', { fatal: true }).decode(buffer);
  } catch {
    utf8 = undefined;
  }
  if (utf8 !== undefined) return { text: checkDecoded(utf8), encoding: 'utf-8' };

  let high = 0;
  let plausible = 0;
  for (const byte of buffer) {
    if (byte < 0x80) continue;
    high++;
    if (byte >= 0xc0 || CP1251_PLAUSIBLE_HIGH.has(byte)) plausible++;
  }
  if (high === 0 || plausible / high < 0.98) throw new TableReadError('encoding');
  return { text: checkDecoded(new TextDecoder('windows-1251').decode(buffer)), encoding: 'windows-1251' };
}

export interface TableRow {
  /** 1-based line (CSV) or row number (XLSX) in the file, as the user sees it. */
  line: number;
  cells: string[];
}

/** Comma, semicolon (Russian-locale Excel) or tab: whichever splits the header line most, outside quotes. */
export function detectDelimiter(text: string): ',' | ';' | '\t' {
  const firstLine = text.split(/\r?\n/).find((l) => l.trim() !== '') ?? '';
  const counts: Record<string, number> = { ',': 0, ';': 0, '\t': 0 };
  let quoted = false;
  for (const ch of firstLine) {
    if (ch === '"') quoted = !quoted;
    else if (!quoted && ch in counts) counts[ch]!++;
  }
  const best = (Object.entries(counts) as Array<[',' | ';' | '\t', number]>).sort((a, b) => b[1] - a[1])[0]!;
  return best[1] > 0 ? best[0] : ',';
}

function isBlank(cells: readonly string[]): boolean {
  return cells.every((c) => c.trim() === '');
}

/** Parse CSV text (header included) into trimmed cells with their line numbers; blank lines are skipped. */
export function parseCsvTable(text: string, maxRows: number): TableRow[] {
  let records: Array<{ record: string[]; info: { lines: number } }>;
  try {
    records = parseCsvSync(text.replace(/^\ufeff/, ''), {
      delimiter: detectDelimiter(text),
      relax_column_count: true,
      relax_quotes: true,
      skip_empty_lines: true,
      trim: true,
      info: true,
    }) as unknown as Array<{ record: string[]; info: { lines: number } }>;
  } catch (e) {
    const line = (e as { lines?: number }).lines;
    throw new TableReadError('format', { line: line ?? '?' });
  }
  const rows = records.filter((r) => !isBlank(r.record)).map((r) => ({ line: r.info.lines, cells: r.record }));
  if (rows.length - 1 > maxRows) throw new TableReadError('tooManyRows', { max: maxRows });
  return rows;
}

/** The text a person sees in an XLSX cell, whatever ExcelJS made of it. */
export function xlsxCellText(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (value instanceof Date) return value.toISOString().slice(0, 10);
  if (typeof value === 'object') {
    const v = value as Record<string, unknown>;
    if (Array.isArray(v.richText)) return (v.richText as Array<{ text: string }>).map((r) => r.text).join('').trim();
    if ('result' in v) return xlsxCellText(v.result);
    if ('text' in v) return xlsxCellText(v.text);
    if ('error' in v) return String(v.error);
    return '';
  }
  return String(value).trim();
}

/** First worksheet of an XLSX file, read with the streaming reader (no whole-workbook model in memory). */
export async function readXlsxTable(buffer: Buffer, maxRows: number): Promise<TableRow[]> {
  const rows: TableRow[] = [];
  try {
    const reader = new ExcelJS.stream.xlsx.WorkbookReader(Readable.from([buffer]), {
      worksheets: 'emit',
      sharedStrings: 'cache',
      hyperlinks: 'ignore',
      styles: 'ignore',
    });
    for await (const worksheet of reader) {
      for await (const row of worksheet as AsyncIterable<ExcelJS.Row>) {
        const values = (row.values as unknown[]).slice(1).map(xlsxCellText);
        if (isBlank(values)) continue;
        rows.push({ line: row.number, cells: values });
        if (rows.length - 1 > maxRows) throw new TableReadError('tooManyRows', { max: maxRows });
      }
      break; // only the first sheet holds the list
    }
  } catch (e) {
    if (e instanceof TableReadError) throw e;
    throw new TableReadError('format', { line: '?' });
  }
  return rows;
}

/**
 * Read an uploaded table: XLSX by its zip signature, legacy binary XLS refused with a hint,
 * anything else decoded as text and parsed as CSV. The first row is the header.
 */
export async function readUploadedTable(buffer: Buffer, maxRows: number): Promise<{ rows: TableRow[]; format: 'xlsx' | TextEncodingName }> {
  if (buffer.length === 0) throw new TableReadError('empty');
  if (buffer.subarray(0, 4).equals(Buffer.from([0x50, 0x4b, 0x03, 0x04]))) {
    return { rows: await readXlsxTable(buffer, maxRows), format: 'xlsx' };
  }
  if (buffer.subarray(0, 4).equals(Buffer.from([0xd0, 0xcf, 0x11, 0xe0]))) throw new TableReadError('legacyXls');
  const { text, encoding } = decodeTextFile(buffer);
  return { rows: parseCsvTable(text, maxRows), format: encoding };
}
