import { once } from 'node:events';
import { Readable, Transform, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { StringDecoder } from 'node:string_decoder';
import { parse as parseCsv } from 'csv-parse';
import { stringify } from 'csv-stringify';
import type ExcelJS from 'exceljs';
import { lazy } from './lazy';

/** ExcelJS takes about half a second to load: loaded when a workbook is first written (lib/lazy.ts). */
export const excelJs = lazy(() => require('exceljs') as typeof ExcelJS);
import { SaxesParser, type SaxesTagPlain } from 'saxes';
import yauzl, { type Entry, type ZipFile } from 'yauzl';

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

// A separator a spreadsheet may split a CSV line on (comma, the semicolon of Russian-locale Excel,
// tab, pipe) followed directly by a formula trigger.
const SEGMENT_FORMULA = /([,;\t|])(?=[=+\-@\r])/g;

/**
 * A text cell of a CSV: neutralised at its start and at the start of every separator-delimited
 * segment inside it, because a spreadsheet that splits on a separator the file does not use (a
 * semicolon in a comma-separated file, say) would start a new cell there: `x;=2*3` would evaluate.
 * Example: neutraliseCsvText('x;=2*3') === "x;'=2*3".
 */
export function neutraliseCsvText(value: string): string {
  return neutraliseCell(value).replace(SEGMENT_FORMULA, "$1'");
}

function csvCell(value: CellValue): string | number {
  if (value === null || value === undefined) return '';
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'number') return Number.isFinite(value) ? value : '';
  return neutraliseCsvText(value);
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
  // Every text field is quoted: unquoted, a line break or a separator the reader splits on would
  // start a new cell or row whose first characters escape the neutralisation above.
  await pipeline(
    Readable.from(neutralisedRows(header, rows)),
    stringify({ bom: true, record_delimiter: 'windows', quoted_string: true }),
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
  const workbook = new (excelJs().stream.xlsx.WorkbookWriter)({ stream: out, useStyles: false, useSharedStrings: false });
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

export type TableReadFailure = 'encoding' | 'mojibake' | 'format' | 'legacyXls' | 'tooManyRows' | 'empty' | 'tooLarge' | 'tooManyCells' | 'tooSlow';

/** An upload that cannot be read as a table at all; `reason` maps to a message in the caller's catalogue. */
export class TableReadError extends Error {
  constructor(
    readonly reason: TableReadFailure,
    readonly params: Record<string, unknown> = {},
  ) {
    super(`table read failed: ${reason}`);
    this.name = 'TableReadError';
    // A limit is a number of rows or cells, and the noun after it agrees with it ("больше 1 строки",
    // "больше 5 строк"): i18next picks the plural form by `count`.
    if (reason !== 'tooLarge' && typeof params.max === 'number' && params.count === undefined) this.params = { ...params, count: params.max };
  }
}

/**
 * What reading one uploaded table may cost. A small file can unpack to gigabytes (an XLSX is a zip)
 * or hold millions of cells; every reader stops at the first budget it exceeds, so memory and time
 * stay bounded whatever the upload holds.
 */
export interface TableBudget {
  /** Data rows (the header not counted). */
  maxRows: number;
  /** Non-empty cells kept, header included. */
  maxCells: number;
  /** Bytes an XLSX may unpack to, all parts read counted together (checked before and while inflating). */
  maxUnpackedBytes: number;
  /** Characters of an XLSX's shared-strings table, kept in memory while the sheet is read. */
  maxSharedStringChars: number;
  /** Columns a row may reach (XLSX cell references can point at column 16384). */
  maxColumns: number;
  /** Wall-clock time of the whole read. */
  timeMs: number;
}

export const DEFAULT_TABLE_BUDGET: Omit<TableBudget, 'maxRows'> = {
  maxCells: 1_000_000,
  maxUnpackedBytes: 256 * 1024 * 1024,
  maxSharedStringChars: 16 * 1024 * 1024,
  maxColumns: 1000,
  timeMs: 30_000,
};

function budgetOf(budget: number | Partial<TableBudget> & { maxRows: number }): TableBudget {
  return typeof budget === 'number' ? { ...DEFAULT_TABLE_BUDGET, maxRows: budget } : { ...DEFAULT_TABLE_BUDGET, ...budget };
}

/** Counts rows, cells and time against a budget; throws the matching TableReadError when one runs out. */
class BudgetMeter {
  private readonly started = Date.now();
  private cells = 0;
  private counted = 0;
  rows: TableRow[] = [];
  /** With `sink`, each row is handed over as it is read and not kept (RowSink). */
  constructor(
    readonly budget: TableBudget,
    private readonly sink?: RowSink,
  ) {}

  /** The rows read so far; the next sheet starts afresh (cells and time stay counted for the whole file). */
  takeRows(): TableRow[] {
    const rows = this.rows;
    this.rows = [];
    this.counted = 0;
    return rows;
  }

  checkTime(): void {
    if (Date.now() - this.started > this.budget.timeMs) throw new TableReadError('tooSlow');
  }

  addRow(row: TableRow): void {
    if (isBlank(row.cells)) return;
    this.cells += row.cells.reduce((n, c) => (c === '' ? n : n + 1), 0);
    if (this.cells > this.budget.maxCells) throw new TableReadError('tooManyCells', { max: this.budget.maxCells });
    if (++this.counted - 1 > this.budget.maxRows) throw new TableReadError('tooManyRows', { max: this.budget.maxRows });
    if (this.sink) this.sink(row);
    else this.rows.push(row);
  }
}

/** Lets other requests run between two slices of a long parse. */
const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

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

/**
 * Takes each non-blank row of an uploaded table as it is read (the header first), so a caller
 * that checks rows one by one never holds the whole table: 100,000 rows of cells are a large
 * share of a server's memory. Must not throw; budget errors still end the read.
 */
export type RowSink = (row: TableRow) => void;

export interface TableRow {
  /** 1-based line (CSV) or row number (XLSX) in the file, as the user sees it. */
  line: number;
  cells: string[];
}

/** Comma, semicolon (Russian-locale Excel) or tab: whichever splits the header line most, outside quotes. */
export function detectDelimiter(text: string): ',' | ';' | '\t' {
  // Only the head of the text: splitting a multi-megabyte upload into lines just to read the first is waste.
  const firstLine = text.slice(0, 64 * 1024).split(/\r?\n/).find((l) => l.trim() !== '') ?? '';
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

const CSV_SLICE = 16 * 1024;

/**
 * Parse CSV text (header included) into trimmed cells with their line numbers; blank lines are
 * skipped. The text is fed to the streaming parser in slices with a turn of the event loop between
 * them, so a multi-megabyte upload does not hold up other requests; the budget stops it early.
 */
export async function parseCsvTable(text: string, budget: number | (Partial<TableBudget> & { maxRows: number }), sink?: RowSink): Promise<TableRow[]> {
  const meter = new BudgetMeter(budgetOf(budget), sink);
  const body = text.replace(/^\ufeff/, '');
  async function* slices() {
    for (let i = 0; i < body.length; i += CSV_SLICE) {
      yield body.slice(i, i + CSV_SLICE);
      await yieldToEventLoop();
    }
  }
  const parser = Readable.from(slices()).pipe(
    // One record may not exceed 128 KB: a line of a million empty fields would otherwise be built whole.
    parseCsv({ delimiter: detectDelimiter(body), relax_column_count: true, relax_quotes: true, skip_empty_lines: true, trim: true, info: true, max_record_size: 128 * 1024 }),
  );
  try {
    for await (const record of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
      meter.addRow({ line: record.info.lines, cells: record.record });
      meter.checkTime();
    }
  } catch (e) {
    parser.destroy();
    if (e instanceof TableReadError) throw e;
    throw new TableReadError('format', { line: (e as { lines?: number }).lines ?? '?' });
  }
  return meter.rows;
}

/* ------------------------------------------------------------------------------------------
 * XLSX within a budget. Read from the zip's central directory (so the order of the parts does not
 * matter and nothing is spilled to temporary files, which ExcelJS's streaming reader does for a
 * sheet stored before the workbook's relations), the declared sizes checked before anything is
 * inflated and the actual bytes counted while inflating (a zip may lie about sizes), the XML
 * parsed as it streams in.
 * ---------------------------------------------------------------------------------------- */

const MAX_ZIP_ENTRIES = 10_000;

function openZip(buffer: Buffer): Promise<ZipFile> {
  return new Promise((resolve, reject) =>
    yauzl.fromBuffer(buffer, { lazyEntries: true, validateEntrySizes: true, strictFileNames: false }, (err, zip) => (err ? reject(err) : resolve(zip))),
  );
}

async function zipEntries(zip: ZipFile): Promise<Map<string, Entry>> {
  const entries = new Map<string, Entry>();
  await new Promise<void>((resolve, reject) => {
    zip.on('entry', (entry: Entry) => {
      entries.set(entry.fileName.replace(/^\/+/, ''), entry);
      if (entries.size > MAX_ZIP_ENTRIES) return reject(new TableReadError('format', { line: '?' }));
      zip.readEntry();
    });
    zip.once('end', () => resolve());
    zip.once('error', reject);
    zip.readEntry();
  });
  return entries;
}

/** Streams one zip part as text into `onText`, counting inflated bytes against the shared allowance. */
async function streamPart(zip: ZipFile, entry: Entry, meter: BudgetMeter, unpacked: { bytes: number }, onText: (text: string) => void): Promise<void> {
  const stream = await new Promise<Readable>((resolve, reject) => zip.openReadStream(entry, (err, s) => (err ? reject(err) : resolve(s))));
  const decoder = new StringDecoder('utf8');
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      unpacked.bytes += chunk.length;
      if (unpacked.bytes > meter.budget.maxUnpackedBytes) throw new TableReadError('tooLarge', { max: Math.round(meter.budget.maxUnpackedBytes / 1024 / 1024) });
      meter.checkTime();
      onText(decoder.write(chunk));
    }
    onText(decoder.end());
  } finally {
    stream.destroy();
  }
}

/** An XML part parsed as it streams: `handlers` see open tags, text and close tags. */
async function parseXmlPart(
  zip: ZipFile,
  entry: Entry,
  meter: BudgetMeter,
  unpacked: { bytes: number },
  handlers: { open?: (tag: SaxesTagPlain) => void; text?: (text: string) => void; close?: (name: string) => void },
): Promise<void> {
  const parser = new SaxesParser({ xmlns: false });
  let failure: unknown;
  parser.on('error', (e) => {
    failure ??= e;
  });
  if (handlers.open) parser.on('opentag', handlers.open);
  if (handlers.text) {
    parser.on('text', handlers.text);
    parser.on('cdata', handlers.text);
  }
  if (handlers.close) parser.on('closetag', (tag) => handlers.close!(tag.name));
  await streamPart(zip, entry, meter, unpacked, (text) => {
    if (failure) throw failure;
    parser.write(text);
  });
  parser.close();
  if (failure) throw failure;
}

/** "xl/worksheets/sheet1.xml" from a relationship target, relative to xl/ or absolute. */
function partPath(target: string): string {
  return target.startsWith('/') ? target.slice(1) : `xl/${target}`.replace(/\/\.\//g, '/');
}

/** Column index (0-based) of a cell reference such as "AB12"; undefined when there is none. */
function columnOf(ref: string | undefined): number | undefined {
  const letters = ref ? /^([A-Z]{1,3})\d*$/i.exec(ref)?.[1] : undefined;
  if (!letters) return undefined;
  let n = 0;
  for (const ch of letters.toUpperCase()) n = n * 26 + (ch.charCodeAt(0) - 64);
  return n - 1;
}

/** Where the first sheet and the shared strings are, per the workbook and its relations (defaults when absent). */
async function locateParts(zip: ZipFile, entries: Map<string, Entry>, meter: BudgetMeter, unpacked: { bytes: number }): Promise<{ sheet?: Entry; strings?: Entry }> {
  let firstSheetRel: string | undefined;
  const workbook = entries.get('xl/workbook.xml');
  if (workbook) {
    await parseXmlPart(zip, workbook, meter, unpacked, {
      open: (tag) => {
        if (firstSheetRel === undefined && tag.name === 'sheet') firstSheetRel = String(tag.attributes['r:id'] ?? '');
      },
    });
  }
  const targets = new Map<string, { target: string; type: string }>();
  const rels = entries.get('xl/_rels/workbook.xml.rels');
  if (rels) {
    await parseXmlPart(zip, rels, meter, unpacked, {
      open: (tag) => {
        if (tag.name === 'Relationship') targets.set(String(tag.attributes.Id ?? ''), { target: String(tag.attributes.Target ?? ''), type: String(tag.attributes.Type ?? '') });
      },
    });
  }
  const sheetTarget = firstSheetRel ? targets.get(firstSheetRel)?.target : undefined;
  const stringsTarget = [...targets.values()].find((r) => r.type.endsWith('/sharedStrings'))?.target;
  const fallbackSheet = [...entries.keys()].filter((k) => /^xl\/worksheets\/sheet\d+\.xml$/.test(k)).sort((a, b) => a.localeCompare(b, 'en', { numeric: true }))[0];
  return {
    sheet: entries.get(sheetTarget ? partPath(sheetTarget) : (fallbackSheet ?? '')),
    strings: entries.get(stringsTarget ? partPath(stringsTarget) : 'xl/sharedStrings.xml'),
  };
}

async function readSharedStrings(zip: ZipFile, entry: Entry, meter: BudgetMeter, unpacked: { bytes: number }): Promise<string[]> {
  const strings: string[] = [];
  let chars = 0;
  let current: string | undefined;
  let inText = false;
  let phonetic = 0;
  await parseXmlPart(zip, entry, meter, unpacked, {
    open: (tag) => {
      if (tag.name === 'si') current = '';
      else if (tag.name === 'rPh') phonetic++;
      else if (tag.name === 't') inText = true;
    },
    text: (text) => {
      if (current === undefined || !inText || phonetic > 0) return;
      chars += text.length;
      if (chars > meter.budget.maxSharedStringChars) throw new TableReadError('tooLarge', { max: Math.round(meter.budget.maxUnpackedBytes / 1024 / 1024) });
      current += text;
    },
    close: (name) => {
      if (name === 't') inText = false;
      else if (name === 'rPh') phonetic--;
      else if (name === 'si' && current !== undefined) {
        strings.push(current);
        current = undefined;
        if (strings.length > meter.budget.maxCells) throw new TableReadError('tooManyCells', { max: meter.budget.maxCells });
      }
    },
  });
  return strings;
}

/** The text a person sees for a cell of the given type and raw value. */
function sheetCellText(type: string, raw: string, strings: readonly string[]): string {
  switch (type) {
    case 's':
      return (strings[Number(raw)] ?? '').trim();
    case 'b':
      return raw === '1' ? 'true' : raw === '0' ? 'false' : raw.trim();
    case 'inlineStr':
    case 'str':
    case 'e':
      return raw.trim();
    case 'd':
      return raw.trim().slice(0, 10);
    default: {
      const n = Number(raw);
      return raw.trim() !== '' && Number.isFinite(n) ? String(n) : raw.trim();
    }
  }
}

async function readSheet(zip: ZipFile, entry: Entry, strings: readonly string[], meter: BudgetMeter, unpacked: { bytes: number }): Promise<void> {
  let rowNumber = 0;
  let cells: string[] | undefined;
  let cell: { col: number; type: string; raw: string } | undefined;
  let nextCol = 0;
  let collecting = false;
  let phonetic = 0;
  await parseXmlPart(zip, entry, meter, unpacked, {
    open: (tag) => {
      switch (tag.name) {
        case 'row':
          rowNumber = Number(tag.attributes.r) || rowNumber + 1;
          cells = [];
          nextCol = 0;
          break;
        case 'c': {
          const col = columnOf(tag.attributes.r as string | undefined) ?? nextCol;
          if (col >= meter.budget.maxColumns) throw new TableReadError('tooManyCells', { max: meter.budget.maxCells });
          cell = { col, type: String(tag.attributes.t ?? 'n'), raw: '' };
          nextCol = col + 1;
          break;
        }
        case 'v':
        case 't':
          collecting = cell !== undefined;
          break;
        case 'rPh':
          phonetic++;
          break;
      }
    },
    text: (text) => {
      if (collecting && phonetic === 0 && cell) cell.raw += text;
    },
    close: (name) => {
      switch (name) {
        case 'v':
        case 't':
          collecting = false;
          break;
        case 'rPh':
          phonetic--;
          break;
        case 'c':
          if (cell && cells) {
            const text = sheetCellText(cell.type, cell.raw, strings);
            while (cells.length < cell.col) cells.push('');
            cells[cell.col] = text;
          }
          cell = undefined;
          break;
        case 'row':
          if (cells) meter.addRow({ line: rowNumber, cells });
          cells = undefined;
          break;
      }
    },
  });
}

/** First worksheet of an XLSX file, within the budget (see TableBudget). */
export async function readXlsxTable(buffer: Buffer, budget: number | (Partial<TableBudget> & { maxRows: number }), sink?: RowSink): Promise<TableRow[]> {
  const meter = new BudgetMeter(budgetOf(budget), sink);
  let zip: ZipFile | undefined;
  try {
    zip = await openZip(buffer);
    const entries = await zipEntries(zip);
    const unpacked = { bytes: 0 };
    const { sheet, strings } = await locateParts(zip, entries, meter, unpacked);
    if (!sheet) throw new TableReadError('format', { line: '?' });
    // What the zip says the two big parts unpack to, refused before inflating a byte of them.
    const declared = sheet.uncompressedSize + (strings?.uncompressedSize ?? 0);
    if (declared + unpacked.bytes > meter.budget.maxUnpackedBytes) throw new TableReadError('tooLarge', { max: Math.round(meter.budget.maxUnpackedBytes / 1024 / 1024) });
    const shared = strings ? await readSharedStrings(zip, strings, meter, unpacked) : [];
    await readSheet(zip, sheet, shared, meter, unpacked);
  } catch (e) {
    if (e instanceof TableReadError) throw e;
    throw new TableReadError('format', { line: '?' });
  } finally {
    zip?.close();
  }
  return meter.rows;
}

/**
 * Every worksheet of an XLSX file by its name (as the workbook lists them, in order), within one
 * budget for the whole file: rows per sheet, cells, unpacked bytes and time for all sheets together.
 * For workbooks whose sheets mean different things (an XLSForm's survey, choices and settings).
 */
export async function readXlsxSheets(buffer: Buffer, budget: number | (Partial<TableBudget> & { maxRows: number }), maxSheets = 20): Promise<Map<string, TableRow[]>> {
  const meter = new BudgetMeter(budgetOf(budget));
  const out = new Map<string, TableRow[]>();
  let zip: ZipFile | undefined;
  try {
    zip = await openZip(buffer);
    const entries = await zipEntries(zip);
    const unpacked = { bytes: 0 };
    const sheets: Array<{ name: string; rel: string }> = [];
    const workbook = entries.get('xl/workbook.xml');
    if (!workbook) throw new TableReadError('format', { line: '?' });
    await parseXmlPart(zip, workbook, meter, unpacked, {
      open: (tag) => {
        if (tag.name !== 'sheet') return;
        sheets.push({ name: String(tag.attributes.name ?? ''), rel: String(tag.attributes['r:id'] ?? '') });
        if (sheets.length > maxSheets) throw new TableReadError('tooManyCells', { max: meter.budget.maxCells });
      },
    });
    const targets = new Map<string, { target: string; type: string }>();
    const rels = entries.get('xl/_rels/workbook.xml.rels');
    if (rels) {
      await parseXmlPart(zip, rels, meter, unpacked, {
        open: (tag) => {
          if (tag.name === 'Relationship') targets.set(String(tag.attributes.Id ?? ''), { target: String(tag.attributes.Target ?? ''), type: String(tag.attributes.Type ?? '') });
        },
      });
    }
    const stringsTarget = [...targets.values()].find((r) => r.type.endsWith('/sharedStrings'))?.target;
    const strings = entries.get(stringsTarget ? partPath(stringsTarget) : 'xl/sharedStrings.xml');
    const parts = sheets.map((s, i) => {
      const target = targets.get(s.rel)?.target;
      return { name: s.name, entry: entries.get(target ? partPath(target) : `xl/worksheets/sheet${i + 1}.xml`) };
    });
    // What the zip says every part to be read unpacks to, refused before inflating a byte of them.
    const declared = parts.reduce((n, p) => n + (p.entry?.uncompressedSize ?? 0), strings?.uncompressedSize ?? 0);
    if (declared + unpacked.bytes > meter.budget.maxUnpackedBytes) throw new TableReadError('tooLarge', { max: Math.round(meter.budget.maxUnpackedBytes / 1024 / 1024) });
    const shared = strings ? await readSharedStrings(zip, strings, meter, unpacked) : [];
    for (const part of parts) {
      if (!part.entry) continue;
      await readSheet(zip, part.entry, shared, meter, unpacked);
      out.set(part.name, meter.takeRows());
    }
  } catch (e) {
    if (e instanceof TableReadError) throw e;
    throw new TableReadError('format', { line: '?' });
  } finally {
    zip?.close();
  }
  return out;
}

/**
 * Read an uploaded table: XLSX by its zip signature, legacy binary XLS refused with a hint,
 * anything else decoded as text and parsed as CSV. The first row is the header. With `sink`,
 * rows go to it one by one as they are read and `rows` comes back empty.
 */
export async function readUploadedTable(
  buffer: Buffer,
  budget: number | (Partial<TableBudget> & { maxRows: number }),
  sink?: RowSink,
): Promise<{ rows: TableRow[]; format: 'xlsx' | TextEncodingName }> {
  if (buffer.length === 0) throw new TableReadError('empty');
  if (buffer.subarray(0, 4).equals(Buffer.from([0x50, 0x4b, 0x03, 0x04]))) {
    return { rows: await readXlsxTable(buffer, budget, sink), format: 'xlsx' };
  }
  if (buffer.subarray(0, 4).equals(Buffer.from([0xd0, 0xcf, 0x11, 0xe0]))) throw new TableReadError('legacyXls');
  const { text, encoding } = decodeTextFile(buffer);
  return { rows: await parseCsvTable(text, budget, sink), format: encoding };
}
