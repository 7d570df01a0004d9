import fs from 'node:fs';
import type { ChildServer } from './proc';

/** What the preload bench/lib/memory-mark.cjs writes on its "MEMMARK" line (MB). */
export interface MemoryMark {
  rss: number;
  heapTotal: number;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
  anon: number;
  file: number;
  brk: number;
  arenas: number;
  arenaCount: number;
  small: number;
  mid: number;
  large: number;
  largeMaps: string[];
}

/**
 * The memory of a server started with `--require ./bench/lib/memory-mark.cjs`, now: SIGWINCH asks
 * it, and it answers with one line on its log. Undefined when no answer comes within 5 s (a server
 * without the preload ignores the signal).
 */
export async function memoryMark(server: ChildServer): Promise<MemoryMark | undefined> {
  const from = fs.statSync(server.logFile).size;
  process.kill(server.pid, 'SIGWINCH');
  for (let i = 0; i < 100; i++) {
    await new Promise((r) => setTimeout(r, 50));
    const m = /MEMMARK (\{.*\})/.exec(fs.readFileSync(server.logFile, 'utf8').slice(from));
    if (m) return JSON.parse(m[1]!) as MemoryMark;
  }
  return undefined;
}

export function describeMemoryMark(x: MemoryMark): string {
  return `RSS ${x.rss} = anon ${x.anon} + file ${x.file}; V8 heap used ${x.heapUsed} of ${x.heapTotal}, external ${x.external} (ArrayBuffers ${x.arrayBuffers}); glibc brk heap ${x.brk}, thread arenas ${x.arenas} (${x.arenaCount}); anon maps <=1 MB ${x.small}, 1-16 MB ${x.mid}, >16 MB ${x.large}`;
}
