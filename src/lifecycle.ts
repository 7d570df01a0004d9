/**
 * The process's life after start: whether it is draining, and the background work that must stop
 * before it exits. A module that runs work outside requests (the mail sender, background counting)
 * registers a stop function here when it starts that work:
 *
 *   const unregister = ctx.lifecycle.register('mail sender', async (signal) => { ...stop taking
 *     new work, finish or abandon the batch in hand, resolve... });
 *
 * On SIGTERM/SIGINT the server calls every stop function at once, with an AbortSignal that fires
 * when the shutdown deadline is near (give up politely then); whatever has not resolved by the
 * deadline is named in the one line the process prints before it exits non-zero.
 */
export type StopFunction = (signal: AbortSignal) => Promise<void> | void;

interface Registered {
  name: string;
  stop: StopFunction;
}

export class Lifecycle {
  private readonly tasks = new Set<Registered>();
  private readonly pending = new Set<Registered>();
  private drainingSince: number | undefined;

  /** True from the moment a stop was asked for: /healthz and /readyz answer 503. */
  get draining(): boolean {
    return this.drainingSince !== undefined;
  }

  beginDrain(): void {
    this.drainingSince ??= Date.now();
  }

  /** Registers background work; the returned function unregisters it (work that ended by itself). */
  register(name: string, stop: StopFunction): () => void {
    const entry = { name, stop };
    this.tasks.add(entry);
    return () => this.tasks.delete(entry);
  }

  /** Names of the registered work whose stop has not finished yet. */
  unfinished(): string[] {
    return [...this.pending].map((t) => t.name);
  }

  /**
   * Stops every registered task at once; resolves when all have stopped (a stop that throws counts
   * as stopped, and its error is handed to `onError`).
   */
  async stopAll(signal: AbortSignal, onError: (name: string, error: unknown) => void): Promise<void> {
    this.beginDrain();
    const tasks = [...this.tasks];
    this.tasks.clear();
    for (const t of tasks) this.pending.add(t);
    await Promise.all(
      tasks.map(async (t) => {
        try {
          await t.stop(signal);
        } catch (error) {
          onError(t.name, error);
        } finally {
          this.pending.delete(t);
        }
      }),
    );
  }
}
