import v8 from 'node:v8';

/**
 * V8's memory mode for the server, set before anything else is loaded (src/server.ts imports
 * this first). V8's own heuristics are the default because they are the cheaper ones in CPU:
 * with `--optimize-for-size` the server spent 2.3x the CPU per stored submission on PostgreSQL
 * (6.43 ms against 2.75 ms) and 1.5x on SQLite (9.02 against 5.90 ms), which took PostgreSQL's
 * share of the bare stack from 52% to 31% (bench/RESULTS.md, "V8 memory mode", both runs back to
 * back on a quiet machine).
 *
 * KEDERGI_V8_MEMORY=small is for a machine short of memory: V8 then collects before letting the
 * old generation grow far past what is live, so a 100,000-row invitation upload peaked at 314 MB
 * instead of 443 MB and a 200k-response CSV export at 230 MB instead of 292 MB
 * (bench/export-memory.ts), at the CPU cost above.
 */
export function configureHeap(env: NodeJS.ProcessEnv = process.env): 'small' | 'default' {
  if (env.KEDERGI_V8_MEMORY !== 'small') return 'default';
  v8.setFlagsFromString('--optimize-for-size');
  return 'small';
}

configureHeap();
