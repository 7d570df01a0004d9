import zlib from 'node:zlib';

/**
 * A PNG of an image drawn on an opaque background, written without its alpha channel (colour
 * type 2, RGB, 8 bits, no interlacing, no row filters). Why not resvg's own `asPng()`: that PNG
 * keeps the alpha channel, and pdfkit cannot embed a PNG with alpha as it is; it decodes every
 * pixel and splits colour from alpha, which for the round report's three charts (about 9 million
 * pixels at 1.5x) meant about 110 MB of Buffers per report, and a server that had written one
 * report kept most of it (bench/RESULTS.md, "Issue 18, session 6: memory after counting"). An
 * RGB PNG pdfkit copies into the PDF as it is (FlateDecode with the PNG predictor). Charts are
 * drawn on white, so the alpha channel only ever said "opaque"; the file is also a third smaller.
 *
 * `rgba` (straight or premultiplied, every pixel opaque) is rewritten in place into the PNG's
 * rows, so the only other large buffer is the compressed one: the caller must not use it afterwards.
 */
export function opaqueRgbPng(rgba: Buffer, width: number, height: number): Buffer {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1 || rgba.length !== width * height * 4) {
    throw new RangeError(`opaqueRgbPng: ${rgba.length} bytes are not ${width} x ${height} RGBA pixels`);
  }
  // Row y becomes a filter byte (0, none) and its pixels' RGB. Writing never overtakes reading:
  // row y's output starts at y * (3w + 1) <= y * 4w, and within a row each pixel is read before
  // its RGB is written at or before where that pixel began.
  let out = 0;
  let at = 0;
  for (let y = 0; y < height; y++) {
    const r0 = rgba[at]!;
    const g0 = rgba[at + 1]!;
    const b0 = rgba[at + 2]!;
    rgba[out++] = 0;
    rgba[out++] = r0;
    rgba[out++] = g0;
    rgba[out++] = b0;
    at += 4;
    for (let x = 1; x < width; x++) {
      rgba[out++] = rgba[at]!;
      rgba[out++] = rgba[at + 1]!;
      rgba[out++] = rgba[at + 2]!;
      at += 4;
    }
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bits per channel
  header[9] = 2; // RGB
  return Buffer.concat([PNG_SIGNATURE, chunk('IHDR', header), chunk('IDAT', zlib.deflateSync(rgba.subarray(0, out))), chunk('IEND', Buffer.alloc(0))]);
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

function chunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const tail = Buffer.alloc(4);
  tail.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, tail]);
}

// zlib.crc32 is in Node from 20.15; package.json allows any Node 20, so older ones get the table.
const nodeCrc32 = (zlib as unknown as { crc32?: (data: Buffer) => number }).crc32;
let table: Uint32Array | undefined;

/** CRC-32 (ISO 3309, as PNG chunks carry it). */
export function crc32(data: Buffer): number {
  if (nodeCrc32) return nodeCrc32(data) >>> 0;
  table ??= Uint32Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  let c = 0xffffffff;
  for (const byte of data) c = table[(c ^ byte) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
