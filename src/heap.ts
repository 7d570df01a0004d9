import v8 from 'node:v8';
import vm from 'node:vm';

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

const MB = 2 ** 20;
let fullCollection: (() => void) | undefined;

/**
 * A full garbage collection, now. V8 exposes it only under --expose-gc; the flag is set here at
 * the first call (a new context then has `gc`), so no start command needs to change.
 */
function collectNow(): void {
  if (!fullCollection) {
    v8.setFlagsFromString('--expose-gc');
    fullCollection = vm.runInNewContext('gc') as () => void;
  }
  fullCollection();
}

/** collectNow, timed: its milliseconds, which KEDERGI_HEAP_TRACE=1 also logs to stderr with what is live after it. */
function collectTimed(what: string): number {
  const started = performance.now();
  collectNow();
  const ms = performance.now() - started;
  if (process.env.KEDERGI_HEAP_TRACE) process.stderr.write(`HEAP ${what} in ${ms.toFixed(0)} ms, live ${(v8.getHeapStatistics().used_heap_size / MB).toFixed(0)} MB\n`);
  return ms;
}

/**
 * Bounds the heap of one long, allocation-heavy operation (a national CSV/XLSX export, a
 * 100,000-row invitation upload) in V8's default mode. There V8 lets the old generation grow to
 * up to four times what is live before a full collection, because the garbage these paths
 * promote looks to it like a heap that is still growing: a 100k upload took heap used from 83 to
 * 261 MB (107 MB live after the collection) and the server to about 400 MB. `check()`, called
 * every page or every few thousand rows, collects in full once the heap has grown `headroomMb`
 * past what was live after the previous collection, so the old generation never grows far past
 * what the operation holds. A collection of the server's ~100-110 MB live heap took 86-455 ms on
 * the shared 2-core machine (load 5-10), once per `headroomMb` of promoted garbage: 24 of them in
 * four 200k exports, about 3% of their time (bench/RESULTS.md, "session 5: memory"). The rest of
 * the process keeps V8's cheaper defaults. KEDERGI_HEAP_TRACE=1 logs each collection to stderr.
 */
export class HeapBudget {
  private ceiling: number;
  /** Full collections this budget has run, and the milliseconds they took. */
  collections = 0;
  collectMs = 0;

  /** Made at the start of the operation, so the headroom counts from what the server held before it. */
  constructor(private readonly headroomMb = 32) {
    this.ceiling = v8.getHeapStatistics().used_heap_size + headroomMb * MB;
  }

  /**
   * Once the operation is over (its rows and pages no longer referenced, hence the next turn of
   * the event loop), one more full collection gives the pages its garbage filled back to the
   * system; V8 would otherwise keep them until its idle-time memory reducer runs, and the next
   * long operation would start from there (the national section exports right after uploading).
   * Only after an operation that grew the heap by half its headroom or more.
   */
  release(): void {
    // A small operation (a pasted list, a page of an export) leaves nothing worth a pause.
    if (this.collections === 0 && v8.getHeapStatistics().used_heap_size < this.ceiling - (this.headroomMb / 2) * MB) return;
    setImmediate(() => this.collect());
  }

  check(): void {
    if (v8.getHeapStatistics().used_heap_size <= this.ceiling) return;
    this.collect();
    this.ceiling = v8.getHeapStatistics().used_heap_size + this.headroomMb * MB;
  }

  private collect(): void {
    this.collections++;
    this.collectMs += collectTimed(`collection ${this.collections}`);
  }
}

let collectionScheduled = false;

/**
 * One full collection on the next turn of the event loop, however many times it is asked for in
 * this one. For garbage that is mostly native memory V8 does not count: resvg's pixmap and pixels
 * (lib/charts.ts, 8 bytes a pixel, about 9 million pixels for the round report's charts) stay
 * allocated until their small JS wrappers are collected, and V8, seeing a few bytes, may not
 * collect them for minutes, so each report or chart download drawn meanwhile would add its own.
 * Collected, they are freed into resvg's allocator, which reuses them for the next drawing. One
 * pause of tens to hundreds of ms per newly drawn set of charts (drawn charts are cached: a report
 * asked again draws nothing).
 */
export function collectSoon(): void {
  if (collectionScheduled) return;
  collectionScheduled = true;
  setImmediate(() => {
    collectionScheduled = false;
    collectTimed('collection after native garbage');
  });
}
