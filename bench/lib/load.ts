import autocannon from 'autocannon';

export interface PreparedRequest {
  path: string;
  headers: Record<string, string>;
  body: string;
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
  /** True when the prepared requests ran out before the time was up (the run then stops early). */
  exhausted: boolean;
}

/**
 * autocannon over a pool of prepared requests, each used exactly once: every request
 * carries its own invitation's cookie, CSRF token and answers. Errors are transport errors,
 * timeouts, and any status other than 2xx or 3xx.
 */
export async function runLoad(opts: { url: string; connections: number; seconds: number; method?: 'POST' | 'GET'; pool: PreparedRequest[] }): Promise<LoadResult> {
  let next = 0;
  let exhausted = false;
  let markers = 0;
  let instance: ReturnType<typeof autocannon> | undefined;
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    instance = autocannon(
      {
        url: opts.url,
        connections: opts.connections,
        duration: opts.seconds,
        timeout: 10,
        requests: [
          {
            method: opts.method ?? 'POST',
            setupRequest: (req: any) => {
              const prepared = opts.pool[next++];
              if (!prepared) {
                // Never reuse a submission: stop instead, and say so in the results.
                if (!exhausted) {
                  exhausted = true;
                  setImmediate(() => instance?.stop());
                }
                markers++;
                return { ...req, path: '/__bench_exhausted__', method: 'GET', headers: {}, body: undefined };
              }
              return { ...req, path: prepared.path, headers: { ...prepared.headers }, body: prepared.body };
            },
          },
        ],
      },
      (err, res) => (err ? reject(err) : resolve(res)),
    );
  });
  const statusCounts: Record<string, number> = {};
  for (const [code, v] of Object.entries(result.statusCodeStats ?? {})) statusCounts[code] = (v as { count: number }).count;
  const byClass = result as unknown as Record<string, number>;
  const ok = (byClass['2xx'] ?? 0) + (byClass['3xx'] ?? 0);
  let errors = result.errors + result.timeouts + (byClass['1xx'] ?? 0) + (byClass['4xx'] ?? 0) + (byClass['5xx'] ?? 0);
  // Requests to the stop marker (404 by construction) are the harness's own, not the server's failures.
  errors -= Math.min(markers, statusCounts['404'] ?? 0);
  const completed = result.totalCompletedRequests ?? ok + errors;
  return {
    requestsPerSecond: ok / result.duration,
    completed,
    ok,
    errors,
    statusCounts,
    p50: result.latency.p50,
    p99: result.latency.p99,
    mean: result.latency.mean,
    durationSeconds: result.duration,
    exhausted,
  };
}
