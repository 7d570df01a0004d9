import zlib from 'node:zlib';

/**
 * Hostile uploads built in the test, byte by byte, so the attacks of issue 13 can be replayed
 * without shipping multi-megabyte fixtures: zip bombs dressed as XLSX, a workbook whose sheet comes
 * before its relations, and CSV of any size.
 */

export interface ZipPart {
  name: string;
  /** Deflated bytes of the part. */
  deflated: Buffer;
  /** Size the zip declares for the inflated part (a bomb may lie about it). */
  declaredSize: number;
  crc: number;
}

/** A part compressed for real: its declared size and CRC are the truth. */
export function part(name: string, content: string | Buffer): ZipPart {
  const data = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
  return { name, deflated: zlib.deflateRawSync(data), declaredSize: data.length, crc: zlib.crc32(data) };
}

/**
 * A part that inflates to `prefix`, then `repeatMegabytes` MB of `fill`, then `suffix`, built without
 * ever holding the inflated bytes: a full flush resets the compressor, so every further megabyte of
 * `fill` compresses to the same bytes, which are simply repeated (about 1 KB per MB).
 */
export function bombPart(name: string, prefix: string, fill: string, repeatMegabytes: number, suffix: string, options: { declaredSize?: number } = {}): ZipPart {
  const block = Buffer.alloc(1024 * 1024, fill);
  const fullFlush = { finishFlush: zlib.constants.Z_FULL_FLUSH, level: 9 };
  const head = zlib.deflateRawSync(Buffer.concat([Buffer.from(prefix), block]), fullFlush);
  const middle = zlib.deflateRawSync(block, fullFlush);
  const tail = zlib.deflateRawSync(Buffer.from(suffix));
  const parts = [head];
  for (let i = 1; i < repeatMegabytes; i++) parts.push(middle);
  parts.push(tail);
  const inflatedSize = Buffer.byteLength(prefix) + repeatMegabytes * block.length + Buffer.byteLength(suffix);
  return { name, deflated: Buffer.concat(parts), declaredSize: options.declaredSize ?? inflatedSize, crc: 0 };
}

/** A zip archive of the parts, in the order given (local headers, central directory, end record). */
export function zip(parts: ZipPart[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const p of parts) {
    const name = Buffer.from(p.name, 'utf8');
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(0x0800, 6); // UTF-8 names
    local.writeUInt16LE(8, 8); // deflate
    local.writeUInt32LE(p.crc >>> 0, 14);
    local.writeUInt32LE(p.deflated.length, 18);
    local.writeUInt32LE(p.declaredSize >>> 0, 22);
    local.writeUInt16LE(name.length, 26);
    locals.push(local, name, p.deflated);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0x0800, 8);
    central.writeUInt16LE(8, 10);
    central.writeUInt32LE(p.crc >>> 0, 16);
    central.writeUInt32LE(p.deflated.length, 20);
    central.writeUInt32LE(p.declaredSize >>> 0, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    centrals.push(central, name);
    offset += 30 + name.length + p.deflated.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(parts.length, 8);
  end.writeUInt16LE(parts.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}

const CONTENT_TYPES = `<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>`;
const ROOT_RELS = `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>`;
const WORKBOOK = `<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="list" sheetId="1" r:id="rId1"/></sheets></workbook>`;
const WORKBOOK_RELS = `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>`;

/** "A", "B", ..., "Z", "AA": the column letters of a 0-based index. */
function columnName(index: number): string {
  let name = '';
  for (let n = index + 1; n > 0; n = Math.floor((n - 1) / 26)) name = String.fromCharCode(65 + ((n - 1) % 26)) + name;
  return name;
}

const xmlEscape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** Sheet XML of a table, every cell an inline string. */
export function sheetXml(rows: string[][]): string {
  const body = rows
    .map((cells, r) => `<row r="${r + 1}">${cells.map((c, i) => `<c r="${columnName(i)}${r + 1}" t="inlineStr"><is><t>${xmlEscape(c)}</t></is></c>`).join('')}</row>`)
    .join('');
  return `<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>${body}</sheetData></worksheet>`;
}

/**
 * The shared-strings bomb of issue 13: a few MB of XLSX whose sharedStrings.xml unpacks to
 * `megabytes` MB (2,100 in the reported attack). `lie`: the zip declares a tiny size instead.
 */
export function sharedStringsBombXlsx(megabytes: number, options: { lie?: boolean } = {}): Buffer {
  const sheet = `<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" t="s"><v>0</v></c></row></sheetData></worksheet>`;
  return zip([
    part('[Content_Types].xml', CONTENT_TYPES),
    part('_rels/.rels', ROOT_RELS),
    part('xl/workbook.xml', WORKBOOK),
    part('xl/_rels/workbook.xml.rels', WORKBOOK_RELS),
    part('xl/worksheets/sheet1.xml', sheet),
    bombPart('xl/sharedStrings.xml', '<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>', 'A', megabytes, '</t></si></sst>', options.lie ? { declaredSize: 4096 } : {}),
  ]);
}

/**
 * The temp-file attack of issue 13: the worksheet is stored before the workbook and its relations
 * (a streaming reader that meets the sheet first cannot resolve it yet and spills it to disk).
 * `padMegabytes` of whitespace inside the sheet make it as large as wanted.
 */
export function sheetBeforeRelationsXlsx(rows: string[][], padMegabytes = 0): Buffer {
  const xml = sheetXml(rows);
  const sheet = padMegabytes > 0 ? bombPart('xl/worksheets/sheet1.xml', xml.replace('</sheetData></worksheet>', ''), ' ', padMegabytes, '</sheetData></worksheet>') : part('xl/worksheets/sheet1.xml', xml);
  return zip([
    sheet,
    part('[Content_Types].xml', CONTENT_TYPES.replace('<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>', '')),
    part('_rels/.rels', ROOT_RELS),
    part('xl/workbook.xml', WORKBOOK),
    part('xl/_rels/workbook.xml.rels', WORKBOOK_RELS.replace(/<Relationship Id="rId2"[^>]+\/>/, '')),
  ]);
}

/** A CSV of as many rows from `row(i)` as fit in `bytes` bytes (header included). */
export function csvOfSize(bytes: number, header: string, row: (i: number) => string): Buffer {
  const lines = [header];
  let size = Buffer.byteLength(header) + 1;
  for (let i = 0; ; i++) {
    const line = row(i);
    if (size + Buffer.byteLength(line) + 1 > bytes) break;
    lines.push(line);
    size += Buffer.byteLength(line) + 1;
  }
  return Buffer.from(lines.join('\n') + '\n', 'utf8');
}
