import type http from 'node:http';
import { chartLibrarySteps } from './charts';
import { excelJs } from './spreadsheet';

/**
 * Loads the libraries that are loaded lazily (lib/lazy.ts) one after another, once the server
 * listens, so that by the time someone opens a chart, an export or a formula they are usually
 * loaded. Loading one is synchronous and takes from 0.1 s to seconds on a loaded machine, so a
 * step runs only while the server is idle: no request in flight and none for `quietMs`. A request
 * that arrives while a step runs waits for that one library at most; under steady traffic the
 * libraries load on first use instead, as they would without warming.
 */
export function warmLibraries(server: http.Server, onError: (err: unknown) => void): void {
  warmWhenIdle(server, [...chartLibrarySteps, excelJs, () => require('pdfkit'), () => require('mathjs/number')], onError);
}

/** `steps` run one per idle moment of `server` (see warmLibraries); resolves when all have run. */
export function warmWhenIdle(server: http.Server, steps: Array<() => unknown>, onError: (err: unknown) => void, quietMs = 200): Promise<void> {
  let inFlight = 0;
  let lastActivity = performance.now();
  const onRequest = (_req: http.IncomingMessage, res: http.ServerResponse) => {
    inFlight += 1;
    lastActivity = performance.now();
    res.once('close', () => {
      inFlight -= 1;
      lastActivity = performance.now();
    });
  };
  server.on('request', onRequest);
  const queue = [...steps];
  return new Promise((resolve) => {
    const next = () => {
      const quietFor = performance.now() - lastActivity;
      if (inFlight > 0 || quietFor < quietMs) {
        setTimeout(next, Math.max(10, quietMs - quietFor)).unref();
        return;
      }
      const step = queue.shift();
      if (!step) {
        server.off('request', onRequest);
        resolve();
        return;
      }
      try {
        step();
      } catch (err) {
        onError(err);
      }
      setImmediate(next);
    };
    setImmediate(next);
  });
}
