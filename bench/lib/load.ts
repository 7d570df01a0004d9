import autocannon from 'autocannon';

export interface PreparedRequest {
  path: string;
  headers: Record<string, string>;
  body: string;
}

/** Prepared requests, each sent once; shared by the slices of one side of a comparison. */
export class RequestPool {
  next = 0;
  constructor(readonly items: PreparedRequest[]) {}
  get left(): number {
    return this.items.length - this.next;
  }
}

export interface LoadResult {
  requestsPerSecond: number;
  completed: number;
  ok: number;
  errors: number;
  statusCounts: Record<string, number>;
  p50: number;
  p99: number;
  mean: number;
  durationSeconds: number;
  slices: number;
  /** True when the prepared requests ran out before the time was up (the slice then stopped early). */
  exhausted: boolean;
}

/** Figures of one side (Kedergi or baseline) summed over its slices; latencies kept per request. */
export class LoadAccumulator {
  latencies: number[] = [];
  statusCounts: Record<string, number> = {};
  transportErrors = 0;
  seconds = 0;
  slices = 0;
  exhausted = false;

  summary(): LoadResult {
    const sorted = Float64Array.from(this.latencies).sort();
    const pct = (p: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]! : NaN);
    let ok = 0;
    let bad = 0;
    for (const [code, n] of Object.entries(this.statusCounts)) {
      if (/^[23]\d\d$/.test(code)) ok += n;
      else bad += n;
    }
    return {
      requestsPerSecond: ok / this.seconds,
      completed: ok + bad,
      ok,
      errors: bad + this.transportErrors,
      statusCounts: this.statusCounts,
      p50: pct(0.5),
      p99: pct(0.99),
      mean: sorted.reduce((a, b) => a + b, 0) / (sorted.length || 1),
      durationSeconds: this.seconds,
      slices: this.slices,
      exhausted: this.exhausted,
    };
  }
}

/**
 * One slice of closed-loop load with autocannon: `connections` connections keep one request
 * in flight each for `seconds`. Every request is the next unused one of the pool (its own
 * invitation's cookie, CSRF token and answers). Errors are transport errors, timeouts, and any
 * status other than 2xx or 3xx.
 */
export async function runSlice(acc: LoadAccumulator, opts: { url: string; connections: number; seconds: number; pool: RequestPool }): Promise<void> {
  const pool = opts.pool;
  let instance: autocannon.Instance | undefined;
  let exhausted = false;
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    instance = autocannon(
      {
        url: opts.url,
        connections: opts.connections,
        duration: opts.seconds,
        timeout: 10,
        requests: [
          {
            method: 'POST',
            setupRequest: (req: Record<string, unknown>) => {
              const prepared = pool.items[pool.next];
              if (!prepared) {
                // Never reuse a submission: stop instead, and say so in the results.
                if (!exhausted) {
                  exhausted = true;
                  setImmediate(() => instance?.stop());
                }
                return { ...req, path: '/__bench_pool_exhausted__', method: 'GET', headers: { 'x-bench-marker': '1' }, body: undefined };
              }
              pool.next++;
              return { ...req, path: prepared.path, headers: { ...prepared.headers }, body: prepared.body };
            },
          },
        ],
      },
      (err, res) => (err ? reject(err) : resolve(res)),
    );
    instance.on('response', (client: unknown, status: number, _bytes: number, ms: number) => {
      void client;
      if (exhausted && status === 404) return; // the marker request's own answer
      acc.statusCounts[status] = (acc.statusCounts[status] ?? 0) + 1;
      acc.latencies.push(ms);
    });
  });
  acc.transportErrors += result.errors + result.timeouts;
  acc.seconds += result.duration;
  acc.slices += 1;
  acc.exhausted ||= exhausted;
}
