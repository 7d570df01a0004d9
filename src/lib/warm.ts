import { loadChartLibraries } from './charts';
import { excelJs } from './spreadsheet';

/**
 * Loads the libraries that are loaded lazily (lib/lazy.ts) one after another, each in its own
 * turn of the event loop, once the server listens: a restart answers requests seconds sooner,
 * and by the time someone opens a chart, an export or a formula they are usually loaded. A
 * request that arrives meanwhile waits for one library at most, not for all of them.
 */
export function warmLibraries(onError: (err: unknown) => void): void {
  const steps: Array<() => unknown> = [loadChartLibraries, excelJs, () => require('pdfkit'), () => require('mathjs/number')];
  const next = () => {
    const step = steps.shift();
    if (!step) return;
    try {
      step();
    } catch (err) {
      onError(err);
    }
    setImmediate(next);
  };
  setImmediate(next);
}
