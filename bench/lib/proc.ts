import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export const projectRoot = path.resolve(__dirname, '..', '..');

/**
 * A server in its own process, as production runs it: the load generator and the bulk
 * loader never share its event loop or its heap, and its RSS is its own.
 */
export interface ChildServer {
  pid: number;
  port: number;
  url: string;
  logFile: string;
  stop(): Promise<void>;
  /** Synchronous SIGKILL, for the harness's exit handler. */
  killNow(): void;
}

/**
 * Starts `node <entry>.js`, or `node --import tsx <entry>.ts` (either way one process, so the
 * pid is the server's own) with its output in a log file, and waits for the line that
 * announces the port.
 */
export async function startChild(entry: string, env: Record<string, string>, logFile: string, nodeArgs: string[] = [], timeoutMs = 120_000): Promise<ChildServer> {
  const fd = fs.openSync(logFile, 'w');
  const args = [...nodeArgs, ...(entry.endsWith('.ts') ? ['--import', 'tsx', entry] : [entry])];
  const child: ChildProcess = spawn(process.execPath, args, {
    cwd: projectRoot,
    env: { ...process.env, ...env },
    stdio: ['ignore', fd, fd],
  });
  fs.closeSync(fd);
  let exited: number | null | undefined;
  child.once('exit', (code) => (exited = code ?? -1));
  const started = Date.now();
  let port = 0;
  while (!port) {
    if (exited !== undefined) throw new Error(`${entry} exited with ${exited}:\n${tail(logFile)}`);
    if (Date.now() - started > timeoutMs) {
      child.kill('SIGKILL');
      throw new Error(`${entry} did not start in ${timeoutMs} ms:\n${tail(logFile)}`);
    }
    const m = /listening on http:\/\/[^:]+:(\d+)/i.exec(fs.readFileSync(logFile, 'utf8'));
    if (m) port = Number(m[1]);
    else await sleep(50);
  }
  return {
    pid: child.pid!,
    port,
    url: `http://127.0.0.1:${port}`,
    logFile,
    killNow() {
      if (exited === undefined) child.kill('SIGKILL');
    },
    async stop() {
      if (exited !== undefined) return;
      const done = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 8000);
      await done;
      clearTimeout(timer);
    },
  };
}

export function tail(file: string, lines = 30): string {
  try {
    return fs.readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

function statusField(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : NaN;
}

export function rssBytes(pid: number): number {
  return statusField(pid, 'VmRSS');
}

/**
 * Peak RSS of a process over one operation. The kernel's high-water mark (VmHWM) is reset to
 * the current RSS first ("5" to clear_refs), so each figure belongs to its own operation;
 * VmRSS is also sampled in case the kernel refuses the reset.
 */
export async function measurePeakRss<T>(pid: number, op: () => Promise<T>): Promise<{ result: T; peakBytes: number; startBytes: number }> {
  let canReset = true;
  try {
    fs.writeFileSync(`/proc/${pid}/clear_refs`, '5');
  } catch {
    canReset = false;
  }
  const startBytes = rssBytes(pid);
  let sampled = startBytes;
  const timer = setInterval(() => {
    try {
      sampled = Math.max(sampled, rssBytes(pid));
    } catch {
      /* process gone */
    }
  }, 10);
  try {
    const result = await op();
    const hwm = canReset ? statusField(pid, 'VmHWM') : NaN;
    return { result, peakBytes: Number.isFinite(hwm) ? Math.max(hwm, sampled) : sampled, startBytes };
  } finally {
    clearInterval(timer);
  }
}

/**
 * CPU time (user + system) a process has used so far, in seconds, from /proc/PID/stat. On a
 * machine shared with other work, CPU time per request moves far less than wall-clock rates.
 */
export function cpuSeconds(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may hold spaces) start after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14 and 15)
  return ticks / 100; // USER_HZ is 100 on Linux
}
