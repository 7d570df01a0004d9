// Preload (node --require): samples allocations that survive young-generation collection (and so reach the old
// generation, where V8 lets garbage pile up before a full collection), including those a full collection later
// frees. On SIGUSR2 writes the profile to $PROMOTED_PROFILE (default promoted.heapprofile, open in DevTools) and
// prints the top allocation sites by self size to stderr. PROMOTED_MODE=retained: only what is still reachable
// after a full collection at the signal (what an operation holds, not the garbage it left).
if (require('node:worker_threads').isMainThread) {
  const inspector = require('node:inspector');
  const fs = require('node:fs');
  const session = new inspector.Session();
  session.connect();
  const retained = process.env.PROMOTED_MODE === 'retained';
  const start = () => session.post('HeapProfiler.startSampling', { samplingInterval: 64 * 1024, includeObjectsCollectedByMajorGC: !retained, includeObjectsCollectedByMinorGC: false });
  start();
  process.on('SIGUSR2', () => {
    if (retained) session.post('HeapProfiler.collectGarbage');
    session.post('HeapProfiler.stopSampling', (err, { profile }) => {
      if (err) return process.stderr.write(`profile failed: ${err}\n`);
      fs.writeFileSync(process.env.PROMOTED_PROFILE || 'bench/tmp/promoted.heapprofile', JSON.stringify(profile));
      const sites = new Map();
      const walk = (node, stack) => {
        const f = node.callFrame;
        const here = `${f.functionName || '(anon)'} ${(f.url || '').replace(/^.*node_modules\//, '~/').replace(/^.*\/(src|dist)\//, '$1/')}:${f.lineNumber + 1}`;
        const self = node.selfSize;
        if (self) {
          const key = [here, ...stack.slice(-3).reverse()].join(' < ');
          sites.set(key, (sites.get(key) || 0) + self);
        }
        for (const c of node.children) walk(c, [...stack, here]);
      };
      walk(profile.head, []);
      const top = [...sites].sort((a, b) => b[1] - a[1]).slice(0, 40);
      const total = [...sites.values()].reduce((a, b) => a + b, 0);
      process.stderr.write(`PROMOTED total ${(total / 2 ** 20).toFixed(1)} MB\n` + top.map(([k, v]) => `PROMOTED ${(v / 2 ** 20).toFixed(1)} MB ${k}`).join('\n') + '\n');
      start();
    });
  });
}
