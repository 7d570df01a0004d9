/**
 * Preloaded (`--require`) into a server by bench/profile-submit.ts with PROF_HEAP=1: V8's
 * sampling heap profiler over a window the profiler chooses by signal. The first SIGUSR2 starts
 * sampling, the second stops it and writes HEAP_SAMPLING_FILE. Unlike `--heap-prof`, which
 * reports only what is still alive at exit, the samples of objects the garbage collector has
 * since collected are kept: what a request allocates and drops, which is what the collector
 * works on.
 */
'use strict';
const fs = require('node:fs');
const inspector = require('node:inspector');

const file = process.env.HEAP_SAMPLING_FILE;
if (file) {
  const session = new inspector.Session();
  session.connect();
  let sampling = false;
  process.on('SIGUSR2', () => {
    if (!sampling) {
      sampling = true;
      session.post('HeapProfiler.startSampling', { samplingInterval: 16384, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true }, (err) => {
        if (err) process.stderr.write(`heap sampling: ${err.message}\n`);
      });
      return;
    }
    sampling = false;
    session.post('HeapProfiler.stopSampling', (err, result) => {
      if (err) process.stderr.write(`heap sampling: ${err.message}\n`);
      else fs.writeFileSync(file, JSON.stringify(result.profile));
    });
  });
}
