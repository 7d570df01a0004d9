import os from 'node:os';
import type { Writable } from 'node:stream';
import pino, { Logger } from 'pino';

/** Bytes of log lines a stalled consumer may leave waiting in memory before lines are dropped. */
export const DEFAULT_LOG_BUFFER_BYTES = 1024 * 1024;

/**
 * Where the server's log lines go: a stream (standard output by default) written without ever
 * waiting for it, with at most `maxBytes` of lines waiting in memory.
 *
 * Why not pino's default destination (sonic-boom on fd 1): when the reader of the output pipe
 * stops (a stalled log shipper, a paused terminal, `npm start | sleep 600`), its asynchronous mode
 * keeps every line in memory without limit, and its synchronous flush at exit retries EAGAIN in an
 * `Atomics.wait` loop forever, so a stopping server hangs inside its logger. Here lines go to the
 * stream Node already has for the descriptor: for a pipe that is a non-blocking libuv handle
 * (writes never occupy the thread pool, which `process.exit` waits for), and the stream's own count
 * of waiting bytes bounds the buffer. A line that would pass the bound is dropped whole (never a
 * partial JSON line) and counted; when the stream drains, one warning line says how many were lost.
 * There is no synchronous flush: `flush(ms)` waits at most that long.
 */
export class BoundedLogDestination {
  private droppedSinceReport = 0;
  private droppedTotal = 0;
  private broken = false;

  constructor(
    private readonly stream: Writable,
    public maxBytes: number = DEFAULT_LOG_BUFFER_BYTES,
  ) {
    // A consumer that went away for good (EPIPE) must not crash the server: logging stops, counted.
    stream.on('error', () => {
      this.broken = true;
    });
    stream.on('drain', () => this.reportDropped());
  }

  /** Lines dropped since the process started (including those already reported). */
  get dropped(): number {
    return this.droppedTotal;
  }

  /** Bytes written but not yet taken by the consumer. */
  get pendingBytes(): number {
    return this.stream.writableLength;
  }

  write(line: string): boolean {
    if (this.broken || this.stream.writableLength + Buffer.byteLength(line) > this.maxBytes) {
      this.droppedSinceReport++;
      this.droppedTotal++;
      return false;
    }
    return this.stream.write(line);
  }

  /** Resolves true once everything written has been handed to the consumer, false after `ms` at most. */
  flush(ms: number): Promise<boolean> {
    if (this.broken) return Promise.resolve(false);
    if (this.stream.writableLength === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const done = (ok: boolean) => {
        clearTimeout(timer);
        this.stream.off('drain', onDrain);
        resolve(ok);
      };
      const onDrain = () => done(true);
      const timer = setTimeout(() => done(false), ms);
      this.stream.on('drain', onDrain);
    });
  }

  private reportDropped(): void {
    const dropped = this.droppedSinceReport;
    if (dropped === 0 || this.broken) return;
    this.droppedSinceReport = 0;
    // Written in pino's own line format so log processors read it like any other warning.
    this.stream.write(
      JSON.stringify({ level: 40, time: Date.now(), pid: process.pid, hostname: os.hostname(), droppedLogLines: dropped, msg: 'log output was stalled: lines were dropped' }) + '\n',
    );
  }
}

let stdoutDestination: BoundedLogDestination | undefined;

/**
 * The one destination on standard output (one set of listeners however many loggers there are).
 * A terminal is made non-blocking too: Node writes to a TTY synchronously on Linux, so a paused
 * terminal (Ctrl-S) would otherwise stop the event loop. libuv opened the terminal afresh for this
 * process, so the shell's own descriptor keeps its mode.
 */
export function stdoutLogDestination(maxBytes?: number): BoundedLogDestination {
  if (stdoutDestination) {
    if (maxBytes) stdoutDestination.maxBytes = maxBytes;
  } else {
    const handle = (process.stdout as unknown as { _handle?: { setBlocking?: (b: boolean) => number } })._handle;
    if (process.stdout.isTTY) handle?.setBlocking?.(false);
    stdoutDestination = new BoundedLogDestination(process.stdout, maxBytes ?? DEFAULT_LOG_BUFFER_BYTES);
  }
  return stdoutDestination;
}

/**
 * JSON lines: a newline inside a value is escaped, so user input cannot forge a log line.
 * Credentials never reach the log: headers that carry them are redacted.
 */
export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      redact: {
        paths: [
          'req.headers.authorization',
          'req.headers.cookie',
          'res.headers["set-cookie"]',
          'password',
          '*.password',
          'token',
          '*.token',
        ],
        censor: '[redacted]',
      },
    },
    destination ?? stdoutLogDestination(),
  );
}
export type { Logger };
