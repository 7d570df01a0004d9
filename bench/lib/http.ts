/** Small HTTP helpers over Node's fetch (undici keeps connections alive on its own). */

export interface SimpleResponse {
  status: number;
  headers: Headers;
  text: string;
  ms: number;
}

export async function http(url: string, init: RequestInit = {}): Promise<SimpleResponse> {
  const t0 = performance.now();
  const res = await fetch(url, { redirect: 'manual', ...init });
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, ms: performance.now() - t0 };
}

/** Reads a response to its end without keeping it: time, bytes and status only. */
export async function drain(url: string, init: RequestInit = {}, timeoutMs?: number): Promise<{ status: number; bytes: number; ms: number; firstBytes: string }> {
  const t0 = performance.now();
  const res = await fetch(url, { redirect: 'manual', ...init, ...(timeoutMs ? { signal: AbortSignal.timeout(timeoutMs) } : {}) });
  let bytes = 0;
  let firstBytes = '';
  if (res.body) {
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      if (bytes === 0) firstBytes = Buffer.from(chunk.subarray(0, 64)).toString('latin1');
      bytes += chunk.byteLength;
    }
  }
  return { status: res.status, bytes, ms: performance.now() - t0, firstBytes };
}

/** "a=1; Path=/; HttpOnly" lines to one Cookie header, later values winning. */
export function cookieJar(setCookies: string[], jar: Map<string, string> = new Map()): Map<string, string> {
  for (const line of setCookies) {
    const [pair] = line.split(';');
    const eq = pair!.indexOf('=');
    if (eq > 0) {
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1).trim();
      if (value === '' || /expires=Thu, 01 Jan 1970/i.test(line)) jar.delete(name);
      else jar.set(name, value);
    }
  }
  return jar;
}

export function cookieHeader(jar: Map<string, string>): string {
  return [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
}

/** Runs `fn` over `inputs` with at most `limit` in flight. */
export async function mapLimit<T, R>(inputs: T[], limit: number, fn: (input: T, index: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(inputs.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, inputs.length) }, async () => {
    while (next < inputs.length) {
      const i = next++;
      out[i] = await fn(inputs[i]!, i);
    }
  });
  await Promise.all(workers);
  return out;
}

export function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}
