// Preload (node --require) for the bench's step marks (BENCH_MEMORY_STEPS=1): on SIGWINCH (ignored by a
// server without this preload) writes one line "MEMMARK {json}" to stderr with process.memoryUsage() and where
// the resident anonymous memory lies: glibc's main heap (brk), thread arenas (64 MB mappings: libuv's pool, where
// node-sqlite3 runs every statement and zlib compresses), V8's heap pages and other mappings. That tells SQLite's or
// zlib's native memory from V8's heap from external Buffers. Main thread only.
if (require('node:worker_threads').isMainThread) {
  const fs = require('node:fs');
  const v8 = require('node:v8');
  const kb = (re, text) => Number((re.exec(text) || [0, 0])[1]);
  const mappings = () => {
    const out = { brk: 0, arenas: 0, arenaCount: 0, small: 0, mid: 0, large: 0, largeMaps: [] };
    let cur;
    const flush = () => {
      if (!cur || !cur.anon) return;
      const mb = cur.rss / 1024;
      if (cur.name === '[heap]') out.brk += mb;
      else if (cur.size >= 60 * 1024 && cur.size <= 66 * 1024) (out.arenas += mb), out.arenaCount++;
      else if (cur.size <= 1024) out.small += mb;
      else if (cur.size <= 16 * 1024) out.mid += mb;
      else (out.large += mb), out.largeMaps.push(`${cur.range} ${cur.perms} size ${Math.round(cur.size / 1024)} MB rss ${Math.round(mb)} MB`);
    };
    for (const line of fs.readFileSync('/proc/self/smaps', 'utf8').split('\n')) {
      const head = /^([0-9a-f]+-[0-9a-f]+) (\S+) \S+ \S+ \S+\s*(.*)$/.exec(line);
      if (head) {
        flush();
        cur = { range: head[1], perms: head[2], name: head[3] || '', anon: !head[3] || head[3] === '[heap]', size: 0, rss: 0 };
      } else if (cur && line.startsWith('Size:')) cur.size = Number(/\d+/.exec(line)[0]);
      else if (cur && line.startsWith('Rss:')) cur.rss = Number(/\d+/.exec(line)[0]);
    }
    flush();
    for (const k of Object.keys(out)) if (typeof out[k] === 'number') out[k] = Math.round(out[k]);
    return out;
  };
  process.on('SIGWINCH', () => {
    const m = process.memoryUsage();
    const mb = (b) => Math.round(b / 2 ** 20);
    const rollup = fs.readFileSync('/proc/self/smaps_rollup', 'utf8');
    const line = {
      rss: mb(m.rss),
      heapTotal: mb(m.heapTotal),
      heapUsed: mb(m.heapUsed),
      external: mb(m.external),
      arrayBuffers: mb(m.arrayBuffers),
      v8Malloced: mb(v8.getHeapStatistics().malloced_memory),
      anon: Math.round(kb(/^Anonymous:\s+(\d+)/m, rollup) / 1024),
      file: Math.round((kb(/^Rss:\s+(\d+)/m, rollup) - kb(/^Anonymous:\s+(\d+)/m, rollup)) / 1024),
      ...mappings(),
    };
    process.stderr.write(`MEMMARK ${JSON.stringify(line)}\n`);
  });
}
