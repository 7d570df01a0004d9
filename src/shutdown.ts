import type http from 'node:http';
import { loggablePath } from './app';
import type { AppContext } from './context';
import { interruptRunningStatements } from './db/knex';
import type { BoundedLogDestination } from './logger';

export interface ShutdownOptions {
  /** Flushed (for a bounded time) before the process exits. */
  logDestination?: BoundedLogDestination;
  /** Where the final line goes when the deadline passes; standard error by default. */
  report?: (line: string) => void;
  exit?: (code: number) => never | void;
  /** A second signal while stopping exits at once (Ctrl-C twice); default true. */
  repeatedSignalExits?: boolean;
}

/**
 * SIGTERM or SIGINT: stop accepting connections, answer /healthz and /readyz with 503, let the
 * requests in flight finish, stop the background work registered in ctx.lifecycle, close the
 * database, exit 0. Whatever hangs, the process exits within `ctx.config.shutdownSeconds` with
 * code 1 and one line naming what did not finish. A second signal exits at once the same way
 * (unless `repeatedSignalExits` is false: cluster workers).
 */
export function installShutdown(server: http.Server, ctx: AppContext, options: ShutdownOptions = {}): void {
  const report = options.report ?? ((line: string) => void process.stderr.write(line + '\n'));
  const exit = options.exit ?? ((code: number) => process.exit(code));
  const inFlight = new Set<http.IncomingMessage>();
  server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
    inFlight.add(req);
    res.once('close', () => inFlight.delete(req));
  });

  const pendingSteps = new Set<string>();
  let started = false;
  let finished = false;

  const unfinished = (): string => {
    const parts: string[] = [];
    if (inFlight.size > 0) {
      const sample = [...inFlight].slice(0, 5).map((r) => `${r.method} ${loggablePath(String(r.url))}`);
      parts.push(`${inFlight.size} request(s) in flight (${sample.join(', ')}${inFlight.size > 5 ? ', ...' : ''})`);
    }
    const background = ctx.lifecycle.unfinished();
    if (background.length > 0) parts.push(`background work: ${background.join(', ')}`);
    for (const step of pendingSteps) parts.push(step);
    return parts.join('; ') || 'nothing pending (log output not flushed)';
  };

  const hardExit = (reason: string) => {
    if (finished) return;
    finished = true;
    report(`Kedergi: ${reason}; not finished: ${unfinished()}`);
    interruptRunningStatements(ctx.db);
    exit(1);
  };

  const shutdown = async (signal: NodeJS.Signals): Promise<void> => {
    const seconds = ctx.config.shutdownSeconds;
    const deadline = setTimeout(() => hardExit(`shutdown deadline of ${seconds} s passed after ${signal}`), seconds * 1000);
    // Background work is told to give up a little before the deadline, so it can still say so.
    const abort = new AbortController();
    const abortTimer = setTimeout(() => abort.abort(), Math.max(0, seconds * 1000 - Math.min(1000, seconds * 100)));
    ctx.lifecycle.beginDrain();
    ctx.logger.info({ signal, deadlineSeconds: seconds }, 'stopping: draining requests and background work');

    pendingSteps.add('HTTP server close');
    const httpClosed = new Promise<void>((resolve) => server.close(() => resolve())).then(() => pendingSteps.delete('HTTP server close'));
    // Keep-alive connections idle between requests would hold close() open; answers given while
    // draining carry Connection: close (app.ts), and those already idle are closed here.
    const idleCloser = setInterval(() => server.closeIdleConnections(), 100);
    const backgroundStopped = ctx.lifecycle.stopAll(abort.signal, (name, error) => ctx.logger.error({ err: error, task: name }, 'background work failed to stop'));
    await Promise.all([httpClosed, backgroundStopped]);
    clearInterval(idleCloser);

    pendingSteps.add('database close');
    await ctx.db.destroy();
    pendingSteps.delete('database close');
    ctx.logger.info('stopped');
    if (options.logDestination) await options.logDestination.flush(500);
    clearTimeout(abortTimer);
    clearTimeout(deadline);
    if (finished) return;
    finished = true;
    exit(0);
  };

  const onSignal = (signal: NodeJS.Signals) => {
    if (started) {
      if (options.repeatedSignalExits !== false) hardExit(`second ${signal} while stopping`);
      return;
    }
    started = true;
    shutdown(signal).catch((error) => hardExit(`stopping failed (${error instanceof Error ? error.message : String(error)})`));
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}
