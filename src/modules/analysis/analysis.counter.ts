import type { AnalysisService } from './analysis.service';

/**
 * Counting submitted responses into the analysis cells, off every request path. A submission
 * nudges the counter once its transaction has committed; shortly after the first nudge the
 * counter makes one pass over every round nudged meanwhile, one pass at a time in this process,
 * so a burst of submissions costs a pass per round and per interval, not a count per
 * submission. A sweep (start) counts what no nudge announced: submissions of a process that died
 * before its pass, bulk loads, rounds whose counted responses were deleted (recounted).
 *
 * Several processes on one PostgreSQL may count the same round at once: each response gets its
 * marker in exactly one pass (INSERT ... ON CONFLICT DO NOTHING) and cells are written in key
 * order (analysis.repository.ts), so nothing is counted twice and two passes cannot deadlock.
 */
export class AnalysisCounter {
  private readonly nudged = new Set<number>();
  private timer: NodeJS.Timeout | undefined;
  private sweeper: NodeJS.Timeout | undefined;
  private pass: Promise<void> | undefined;
  private stopped = false;

  constructor(
    private readonly analysis: Pick<AnalysisService, 'ensureCounted' | 'roundsToCount'>,
    private readonly options: { delayMs: number; onError: (error: unknown) => void },
  ) {}

  /** A submission of `roundId` was committed: count it soon, with whatever else arrives meanwhile. */
  nudge(roundId: number): void {
    if (this.stopped) return;
    this.nudged.add(roundId);
    if (!this.timer && !this.pass) this.timer = setTimeout(() => this.run(), this.options.delayMs);
  }

  /** Every round that may have uncounted submissions, every `everyMs`. */
  start(everyMs: number): void {
    this.sweeper = setInterval(() => void this.sweep().catch(this.options.onError), everyMs);
    this.sweeper.unref();
  }

  /** Counts every round now and resolves when done (first start after demo data, CLI, tests). */
  async sweep(): Promise<void> {
    for (const id of await this.analysis.roundsToCount()) this.nudged.add(id);
    await this.settled();
  }

  /** Resolves once everything nudged so far is counted. */
  async settled(): Promise<void> {
    while (this.pass || this.nudged.size) {
      if (!this.pass) this.run();
      await this.pass;
    }
  }

  /** Stops nudges and the sweep; waits for the pass under way (shutdown, before the database closes). */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.sweeper) clearInterval(this.sweeper);
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.nudged.clear();
    await this.pass;
  }

  private run(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const rounds = [...this.nudged];
    this.nudged.clear();
    this.pass = (async () => {
      for (const id of rounds) {
        if (this.stopped) return;
        // One round failing (say, a deleted round) must not hold up the others.
        await this.analysis.ensureCounted(id).catch(this.options.onError);
      }
    })().finally(() => {
      this.pass = undefined;
      // Nudges that came during the pass wait for the next one.
      if (this.nudged.size && !this.stopped) this.timer = setTimeout(() => this.run(), this.options.delayMs);
    });
  }
}
