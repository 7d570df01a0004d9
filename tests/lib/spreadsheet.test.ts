import { PassThrough, Writable } from 'node:stream';
import { parse as parseCsv } from 'csv-parse/sync';
import ExcelJS from 'exceljs';
import { describe, expect, it } from 'vitest';
import {
  decodeTextFile,
  detectDelimiter,
  neutraliseCell,
  parseCsvTable,
  readUploadedTable,
  readXlsxTable,
  TableReadError,
  writeCsv,
  writeXlsx,
  type CellValue,
} from '../../src/lib/spreadsheet';

async function collect(write: (out: Writable) => Promise<void>): Promise<Buffer> {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (c: Buffer) => chunks.push(c));
  await write(out);
  return Buffer.concat(chunks);
}

function reason(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return e instanceof TableReadError ? e.reason : `other: ${String(e)}`;
  }
  return undefined;
}

describe('neutraliseCell', () => {
  // OWASP "CSV Injection": = + - @ TAB CR start a formula (or are stripped before one).
  it.each(['=1+1', '+1', '-2+3', '@SUM(A1)', '\t=1', '\r=1', '=HYPERLINK("http://x","y")'])('prefixes %j with an apostrophe', (v) => {
    expect(neutraliseCell(v)).toBe(`'${v}`);
  });

  it.each(['', 'Өскемен', 'a=b', ' =1', "'already", '1+1', 'B01'])('leaves %j alone', (v) => {
    expect(neutraliseCell(v)).toBe(v);
  });

  it('leaves numbers (negative too), booleans, dates and empty cells alone', () => {
    const date = new Date('2026-01-01T00:00:00Z');
    expect(neutraliseCell(-5)).toBe(-5);
    expect(neutraliseCell(true)).toBe(true);
    expect(neutraliseCell(null)).toBeNull();
    expect(neutraliseCell(undefined)).toBeUndefined();
    expect(neutraliseCell(date)).toBe(date);
  });
});

describe('writeCsv', () => {
  it('writes UTF-8 with BOM and CRLF, neutralises values and headers, and reads back', async () => {
    const rows: CellValue[][] = [
      [1, 'Қазақстан, Өскемен', null, true, -3.5],
      [2, '=cmd|" /C calc"!A0', undefined, false, new Date('2026-11-20T08:00:00.000Z')],
    ];
    const buf = await collect((out) => writeCsv(out, ['id', 'text', 'empty', '=flag', 'n'], rows));
    expect(buf.subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
    const text = buf.toString('utf8').slice(1);
    expect(text).toContain('\r\n');
    const back = parseCsv(text) as string[][];
    expect(back).toEqual([
      ['id', 'text', 'empty', "'=flag", 'n'],
      ['1', 'Қазақстан, Өскемен', '', '1', '-3.5'],
      ['2', `'=cmd|" /C calc"!A0`, '', '0', '2026-11-20T08:00:00.000Z'],
    ]);
  });

  it('pulls rows only as fast as the destination takes them', async () => {
    let produced = 0;
    async function* rows(): AsyncGenerator<CellValue[]> {
      for (let i = 0; i < 200_000; i++) {
        produced++;
        yield [i, 'x'.repeat(50)];
      }
    }
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let written = 0;
    const sink = new Writable({
      highWaterMark: 1024,
      write(chunk: Buffer, _enc, cb) {
        written += chunk.length;
        // The first write blocks until released: a client that stopped reading.
        if (written === chunk.length) void gate.then(() => cb());
        else cb();
      },
    });
    const done = writeCsv(sink, ['i', 's'], rows());
    await new Promise((r) => setTimeout(r, 200));
    // Bounded by stream buffers (the 64 kB write block and a few objects: about 3 000 rows of
    // this size when measured), not by the 200 000 rows on offer.
    expect(produced).toBeLessThan(6_000);
    release();
    await done;
    expect(produced).toBe(200_000);
  });
});

describe('writeXlsx', () => {
  it('writes sheets that ExcelJS reads back, numbers as numbers, text neutralised', async () => {
    const buf = await collect((out) =>
      writeXlsx(out, [
        { name: 'responses', header: ['id', '=evil', 'B01'], rows: [[1, '@me', 5], [2, 'Әлем', null]] },
        { name: 'codebook', header: ['code', 'label'], rows: (async function* () { yield ['B01', 'Сұраныс']; })() },
      ]),
    );
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(buf as unknown as ExcelJS.Buffer);
    expect(wb.worksheets.map((w) => w.name)).toEqual(['responses', 'codebook']);
    const sheet = wb.getWorksheet('responses')!;
    expect((sheet.getRow(1).values as unknown[]).slice(1)).toEqual(['id', "'=evil", 'B01']);
    expect((sheet.getRow(2).values as unknown[]).slice(1)).toEqual([1, "'@me", 5]);
    expect(sheet.getRow(3).getCell(2).value).toBe('Әлем');
    expect(sheet.getRow(3).getCell(3).value).toBeNull();
    expect(wb.getWorksheet('codebook')!.getRow(2).getCell(2).value).toBe('Сұраныс');
  });

  it('stops pulling rows while the destination is blocked', async () => {
    let produced = 0;
    async function* rows(): AsyncGenerator<CellValue[]> {
      for (let i = 0; i < 60_000; i++) {
        produced++;
        yield [i, `row ${i} ${Math.random()}`, i % 5];
      }
    }
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let blocked = true;
    void gate.then(() => (blocked = false));
    const sink = new Writable({
      highWaterMark: 16 * 1024,
      write(_chunk, _enc, cb) {
        if (blocked) void gate.then(() => cb());
        else cb();
      },
    });
    const done = writeXlsx(sink, [{ name: 'big', header: ['i', 's', 'v'], rows: rows() }]);
    await new Promise((r) => setTimeout(r, 1000));
    // Random text compresses badly, so the sink fills quickly and production pauses after a
    // few thousand rows (4 500 when measured), not after all 60 000 on offer.
    expect(produced).toBeLessThan(20_000);
    release();
    await done;
    expect(produced).toBe(60_000);
  }, 60_000);
});

describe('decodeTextFile', () => {
  const text = 'name;territory\nТОО «Ёлка»;Семей\n';
  it('reads UTF-8 with and without BOM', () => {
    expect(decodeTextFile(Buffer.from(text, 'utf8'))).toEqual({ text, encoding: 'utf-8' });
    expect(decodeTextFile(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)]))).toEqual({ text, encoding: 'utf-8' });
  });

  it('reads UTF-16LE with BOM (Excel "Unicode text")', () => {
    expect(decodeTextFile(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('Әлем\tА', 'utf16le')]))).toEqual({ text: 'Әлем\tА', encoding: 'utf-16le' });
  });

  it('recognises Windows-1251', () => {
    // "Привет, Ёлка №1" in Windows-1251 (hand-encoded from the code page table).
    const bytes = Buffer.from([0xcf, 0xf0, 0xe8, 0xe2, 0xe5, 0xf2, 0x2c, 0x20, 0xa8, 0xeb, 0xea, 0xe0, 0x20, 0xb9, 0x31]);
    expect(decodeTextFile(bytes)).toEqual({ text: 'Привет, Ёлка №1', encoding: 'windows-1251' });
  });

  it('refuses binary data, implausible high bytes, replacement characters and double-encoded text', () => {
    expect(reason(() => decodeTextFile(Buffer.from([0x61, 0x00, 0x62])))).toBe('encoding');
    expect(reason(() => decodeTextFile(Buffer.from([0x61, 0x81, 0x83, 0x8a, 0x8c, 0x8d, 0x98, 0x0a])))).toBe('encoding');
    expect(reason(() => decodeTextFile(Buffer.from('a\ufffdb', 'utf8')))).toBe('encoding');
    expect(reason(() => decodeTextFile(Buffer.from('Ð¢ÐžÐž ÐÐ»ÑÐ°Ð¹', 'utf8')))).toBe('mojibake');
    expect(reason(() => decodeTextFile(Buffer.from('РўРћРћ РђР»С‚Р°Р№', 'utf8')))).toBe('mojibake');
  });
});

describe('reading tables', () => {
  it('detects the delimiter from the header line, ignoring quoted text', () => {
    expect(detectDelimiter('a,b,c\n1;2;3')).toBe(',');
    expect(detectDelimiter('"x,y";b;c\n')).toBe(';');
    expect(detectDelimiter('a\tb\n')).toBe('\t');
    expect(detectDelimiter('single\n')).toBe(',');
  });

  it('gives each record the line it ends on and skips blank lines', async () => {
    const rows = await parseCsvTable('h1,h2\n\n a , b \n"multi\nline",c\n,\n', 10);
    expect(rows).toEqual([
      { line: 1, cells: ['h1', 'h2'] },
      { line: 3, cells: ['a', 'b'] },
      { line: 5, cells: ['multi\nline', 'c'] },
    ]);
  });

  it('refuses more data rows than allowed', async () => {
    await expect(parseCsvTable('h\n1\n2\n3\n', 2)).rejects.toMatchObject({ reason: 'tooManyRows' });
    expect(await parseCsvTable('h\n1\n2\n', 2)).toHaveLength(3);
  });

  it('reads the first XLSX sheet: rich text, numbers, formula results; row numbers as in Excel', async () => {
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet('list');
    ws.addRow(['name', 'n']);
    ws.addRow([{ richText: [{ text: 'Ақ ' }, { text: 'Жол' }] }, 7]);
    ws.addRow([]);
    ws.addRow(['sum', { formula: '1+1', result: 2 }]);
    wb.addWorksheet('other').addRow(['ignored']);
    const rows = await readXlsxTable(Buffer.from(await wb.xlsx.writeBuffer()), 100);
    expect(rows).toEqual([
      { line: 1, cells: ['name', 'n'] },
      { line: 2, cells: ['Ақ Жол', '7'] },
      { line: 4, cells: ['sum', '2'] },
    ]);
  });

  it('tells XLSX, legacy XLS and text apart', async () => {
    await expect(readUploadedTable(Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 1, 2]), 10)).rejects.toMatchObject({ reason: 'legacyXls' });
    await expect(readUploadedTable(Buffer.alloc(0), 10)).rejects.toMatchObject({ reason: 'empty' });
    await expect(readUploadedTable(Buffer.from([0x50, 0x4b, 0x03, 0x04, 0, 0, 0]), 10)).rejects.toMatchObject({ reason: 'format' });
    expect((await readUploadedTable(Buffer.from('a,b\n1,2\n'), 10)).format).toBe('utf-8');
  });
});

describe('reading tables row by row (a row sink)', () => {
  it('hands every non-blank row to the sink as it is read, keeps none, and still enforces the row budget', async () => {
    const seen: Array<[number, string[]]> = [];
    const rows = await parseCsvTable('h1,h2\na,b\n\nc,d\n', 10, (row) => seen.push([row.line, row.cells]));
    expect(rows).toEqual([]);
    expect(seen).toEqual([
      [1, ['h1', 'h2']],
      [2, ['a', 'b']],
      [4, ['c', 'd']],
    ]);
    await expect(parseCsvTable('h\n1\n2\n3\n', 2, () => undefined)).rejects.toMatchObject({ reason: 'tooManyRows' });
  });

  it("does not count the sink's own work against the reader's time budget", async () => {
    const busy = (ms: number) => {
      const until = Date.now() + ms;
      while (Date.now() < until) {
        /* the caller checking a row */
      }
    };
    const text = 'h\n' + Array.from({ length: 6 }, (_, i) => `r${i}`).join('\n');
    // 6 rows x 30 ms of the caller's work against a 100 ms budget for reading.
    const rows: string[] = [];
    await parseCsvTable(text, { maxRows: 10, timeMs: 100 }, (row) => {
      busy(30);
      rows.push(row.cells[0]!);
    });
    expect(rows).toHaveLength(7);
  });
});
