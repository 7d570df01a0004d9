import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { staticFiles } from '../../src/middleware/static';
import { publicDir } from '../../src/paths';
import { createTestApp, type TestApp } from '../helpers/app';

/** The bytes as sent on the wire (no client-side decoding), with the response headers. */
function raw(base: string, urlPath: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    http
      .get(`${base}${urlPath}`, { headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
      })
      .on('error', reject);
  });
}

describe('light pages: compression and fingerprinted static files', () => {
  let t: TestApp;
  let server: http.Server;
  let base: string;
  beforeAll(async () => {
    t = await createTestApp({ seed: 'base' });
    server = t.app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
    await t.close();
  });

  it('sends pages compressed with brotli or gzip when the client accepts it, plain otherwise', async () => {
    const plain = await raw(base, '/login');
    expect(plain.headers['content-encoding']).toBeUndefined();
    const br = await raw(base, '/login', { 'accept-encoding': 'br, gzip' });
    expect(br.headers['content-encoding']).toBe('br');
    expect(zlib.brotliDecompressSync(br.body).toString()).toContain('</html>');
    const gz = await raw(base, '/login', { 'accept-encoding': 'gzip' });
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(gz.headers.vary).toMatch(/accept-encoding/i);
    // The same page either way (the CSRF token in it differs per request, so compare the length).
    expect(Math.abs(zlib.gunzipSync(gz.body).length - plain.body.length)).toBeLessThan(64);
    expect(br.body.length).toBeLessThan(plain.body.length / 2);
  });

  it('links static files by content fingerprint, cached as immutable for a year', async () => {
    const page = (await raw(base, '/login')).body.toString();
    const css = /href="(\/static\/app\.[0-9a-f]{10}\.css)"/.exec(page)?.[1];
    expect(css).toBeDefined();
    const res = await raw(base, css!);
    expect(res.status).toBe(200);
    expect(res.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(res.body.equals(fs.readFileSync(path.join(publicDir, 'app.css')))).toBe(true);
    expect((await raw(base, css!, { 'accept-encoding': 'gzip' })).headers['content-encoding']).toBe('gzip');

    // Another content's fingerprint is not served under a year-long cache.
    expect((await raw(base, css!.replace(/\.[0-9a-f]{10}\./, '.0123456789.'))).status).toBe(404);
    // The plain URL still works, with a short cache.
    const plain = await raw(base, '/static/app.css');
    expect(plain.status).toBe(200);
    expect(plain.headers['cache-control']).toBe('public, max-age=3600');
  });

  it('gives a file a new URL when its content changes', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kedergi-static-'));
    try {
      fs.mkdirSync(path.join(dir, 'img'));
      fs.writeFileSync(path.join(dir, 'img', 'logo.svg'), '<svg/>');
      const first = staticFiles(dir).url('img/logo.svg');
      expect(first).toMatch(/^\/static\/img\/logo\.[0-9a-f]{10}\.svg$/);
      fs.writeFileSync(path.join(dir, 'img', 'logo.svg'), '<svg></svg>');
      const second = staticFiles(dir).url('img/logo.svg');
      expect(second).not.toBe(first);
      expect(() => staticFiles(dir).url('missing.css')).toThrow('no static file');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
