import v8 from 'node:v8';

/**
 * V8's memory mode for the server, set before anything else is loaded (src/server.ts imports
 * this first). By default V8 lets the old generation grow to several times what is live before
 * collecting it, so a long export or a 100,000-row upload, whose garbage is promoted while it
 * streams, took the server from ~200 MB to 430-510 MB though what was live stayed near 130 MB.
 * `--optimize-for-size` makes V8 collect before growing the heap that far: measured with
 * bench/export-memory.ts (one process, SQLite, load 15-20), a 100k-row invitation upload peaked
 * at 314 MB instead of 443 MB and a 200k-response CSV export at 230 MB instead of 292-433 MB;
 * their times (upload 33 s against 30-36 s, CSV 47 s against 21-49 s) were within that
 * machine's noise, so the CPU cost is not measured yet (see bench/RESULTS.md).
 * KEDERGI_V8_MEMORY=default keeps V8's own heuristics (more memory, possibly less GC work).
 */
export function configureHeap(env: NodeJS.ProcessEnv = process.env): 'small' | 'default' {
  if (env.KEDERGI_V8_MEMORY === 'default') return 'default';
  v8.setFlagsFromString('--optimize-for-size');
  return 'small';
}

configureHeap();
