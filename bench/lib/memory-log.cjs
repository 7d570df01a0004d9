// Preload (node --require) that writes process.memoryUsage() to stderr every MEMLOG_MS (500) ms: heap used against
// external buffers and RSS over an export or upload. Main thread only (a loader's worker thread would interleave).
if (require('node:worker_threads').isMainThread) {
  const t0 = Date.now();
  const t = setInterval(() => {
    const m = process.memoryUsage();
    const mb = (b) => (b / 2 ** 20) | 0;
    process.stderr.write(`MEM t ${((Date.now() - t0) / 1000).toFixed(1)} rss ${mb(m.rss)} heapTotal ${mb(m.heapTotal)} heapUsed ${mb(m.heapUsed)} external ${mb(m.external)} ab ${mb(m.arrayBuffers)}\n`);
  }, Number(process.env.MEMLOG_MS || 500));
  t.unref();
}
