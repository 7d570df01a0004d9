// Preload (node --require) that writes process.memoryUsage() to stderr every 500 ms: heap used against RSS over an export.
const t = setInterval(() => { const m = process.memoryUsage(); process.stderr.write(`MEM rss ${(m.rss/2**20)|0} heapTotal ${(m.heapTotal/2**20)|0} heapUsed ${(m.heapUsed/2**20)|0} external ${(m.external/2**20)|0} ab ${(m.arrayBuffers/2**20)|0}\n`); }, 500); t.unref();
