import http from 'node:http';
import autocannon from 'autocannon';

/**
 * What a respondent's phone receives: each page's bytes as sent on the wire (compressed when
 * the client says it accepts brotli or gzip, as every browser does), and the time to the first
 * byte of the answer, alone and while other respondents load the server.
 */

export interface RawResponse {
  status: number;
  encoding: string | undefined;
  /** Bytes of the body as sent, before any decoding. */
  bytes: number;
  ttfbMs: number;
  totalMs: number;
  body: Buffer;
}

export const BROWSER_ENCODINGS = 'br, gzip, deflate';

export function rawGet(url: string, headers: Record<string, string> = {}): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    // A fresh connection each time (no agent): the first byte is timed from the request, as a phone opening the page.
    const req = http.get(url, { headers, agent: false }, (res) => {
      const ttfbMs = performance.now() - t0;
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const body = Buffer.concat(chunks);
        resolve({ status: res.statusCode ?? 0, encoding: res.headers['content-encoding'], bytes: body.length, ttfbMs, totalMs: performance.now() - t0, body });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
  });
}

export function percentile(values: number[], p: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.max(0, Math.ceil(p * s.length) - 1))]! : NaN;
}

/**
 * `connections` connections GET `path` in a closed loop for `seconds` while a probe opens the
 * same page on its own connection every 50 ms and times the first byte.
 */
export async function ttfbUnderLoad(
  baseUrl: string,
  path: string,
  headers: Record<string, string>,
  connections: number,
  seconds: number,
): Promise<{ probes: number[]; loadRps: number; loadErrors: number }> {
  const probes: number[] = [];
  let running = true;
  const probe = (async () => {
    while (running) {
      const r = await rawGet(baseUrl + path, headers);
      if (r.status === 200) probes.push(r.ttfbMs);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  })();
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    autocannon({ url: baseUrl + path, connections, duration: seconds, timeout: 10, headers }, (err, res) => (err ? reject(err) : resolve(res)));
  });
  running = false;
  await probe;
  return { probes, loadRps: result.requests.average, loadErrors: result.errors + result.timeouts + result.non2xx };
}
