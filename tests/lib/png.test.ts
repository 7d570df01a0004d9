import zlib from 'node:zlib';
import { Resvg } from '@resvg/resvg-js';
import PDFDocument from 'pdfkit';
import { describe, expect, it } from 'vitest';
import { crc32, opaqueRgbPng } from '../../src/lib/png';
import { chartPng } from '../../src/lib/charts';

/** RGBA pixels of a `width` x `height` image whose pixel (x, y) has colour `at(x, y)` = [r, g, b]. */
function rgbaOf(width: number, height: number, at: (x: number, y: number) => number[]): Buffer {
  const out = Buffer.alloc(width * height * 4);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) out.set([...at(x, y), 255], (y * width + x) * 4);
  return out;
}

const colour = (x: number, y: number) => [(x * 37 + y * 11) % 256, (x * 5 + y * 91) % 256, (x * y * 13 + 7) % 256];

/** The RGB pixels of a PNG as resvg (Rust's png crate, checking every chunk's CRC) reads it back. */
function readBack(png: Buffer, width: number, height: number): number[][] {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="${width}" height="${height}"><image width="${width}" height="${height}" image-rendering="optimizeSpeed" xlink:href="data:image/png;base64,${png.toString('base64')}"/></svg>`;
  const image = new Resvg(svg, { background: '#000000' }).render();
  const px = image.pixels;
  const out: number[][] = [];
  for (let i = 0; i < width * height; i++) out.push([px[i * 4]!, px[i * 4 + 1]!, px[i * 4 + 2]!, px[i * 4 + 3]!]);
  return out;
}

describe('opaque RGB PNG (lib/png.ts)', () => {
  it('keeps every pixel of an opaque image, read back by an independent decoder', () => {
    for (const [w, h] of [[1, 1], [7, 3], [64, 40]] as const) {
      const png = opaqueRgbPng(rgbaOf(w, h, colour), w, h);
      expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
      expect(png.readUInt32BE(16)).toBe(w);
      expect(png.readUInt32BE(20)).toBe(h);
      expect(png[25]).toBe(2); // colour type RGB: no alpha channel
      const expected: number[][] = [];
      for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) expected.push([...colour(x, y), 255]);
      expect(readBack(png, w, h)).toEqual(expected);
    }
  });

  it('writes rows of one filter byte and three bytes a pixel', () => {
    const png = opaqueRgbPng(rgbaOf(2, 2, (x, y) => [x, y, 200]), 2, 2);
    const idatAt = png.indexOf('IDAT');
    const rows = zlib.inflateSync(png.subarray(idatAt + 4, idatAt + 4 + png.readUInt32BE(idatAt - 4)));
    expect([...rows]).toEqual([0, 0, 0, 200, 1, 0, 200, 0, 0, 1, 200, 1, 1, 200]);
  });

  it('refuses pixels that are not width x height RGBA', () => {
    expect(() => opaqueRgbPng(Buffer.alloc(15), 2, 2)).toThrow(RangeError);
    expect(() => opaqueRgbPng(Buffer.alloc(0), 0, 0)).toThrow(RangeError);
  });

  it('computes the CRC-32 of PNG chunks (check value of "123456789")', () => {
    expect(crc32(Buffer.from('123456789'))).toBe(0xcbf43926);
    expect(crc32(Buffer.alloc(0))).toBe(0);
  });

  it('gives charts that pdfkit embeds as they are: no soft mask, the PNG predictor on the compressed rows', async () => {
    const svg = '<svg xmlns="http://www.w3.org/2000/svg" width="40" height="20"><rect width="40" height="20" fill="#fff"/><rect x="5" y="5" width="10" height="10" fill="#c33"/></svg>';
    const png = chartPng(svg, 2);
    expect(png[25]).toBe(2);
    const doc = new PDFDocument({ compress: false });
    const chunks: Buffer[] = [];
    doc.on('data', (c: Buffer) => chunks.push(c));
    const done = new Promise((resolve) => doc.on('end', resolve));
    doc.image(png, 10, 10, { width: 80 });
    doc.end();
    await done;
    const pdf = Buffer.concat(chunks).toString('latin1');
    expect(pdf).toMatch(/\/Subtype \/Image/);
    expect(pdf).toMatch(/\/Predictor 15/);
    expect(pdf).not.toMatch(/\/SMask/);
  });
});
