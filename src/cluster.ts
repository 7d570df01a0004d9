import cluster, { type Worker } from 'node:cluster';
import type { Config } from './config';
import type { Logger } from './logger';

/** A worker that dies sooner than this after its start is restarted after a pause, not at once. */
const CRASH_LOOP_MS = 10_000;
const RESTART_PAUSE_MS = 1000;

/**
 * The primary of KEDERGI_WORKERS=N (node:cluster): the database has been migrated and seeded
 * before this is called, once; it forks N HTTP workers sharing the listening socket, restarts a
 * worker that dies, and on SIGTERM/SIGINT forwards SIGTERM to every worker and waits for them.
 * Workers stop within KEDERGI_SHUTDOWN_SECONDS minus a second (they print their own line about
 * what did not finish; half a second was seen to be too short for that on a loaded machine, where
 * the primary killed them first); whatever still runs at the deadline is killed, and the primary
 * exits 1 with one line naming it. It exits 0 only when every worker stopped cleanly.
 */
export function runPrimary(config: Config, logger: Logger): void {
  const workerSeconds = Math.max(0.5, config.shutdownSeconds - 1);
  const startedAt = new Map<Worker, number>();
  const listening = new Set<Worker>();
  let stopping = false;
  let announced = false;
  let cleanExit = true;
  const unclean: string[] = [];

  // Workers accept connections themselves from the shared socket (SCHED_NONE) instead of the
  // primary accepting and handing each one over (round-robin, Node's default on Linux): a worker
  // killed while a connection is being handed to it leaves that connection open in the primary,
  // unanswered, until the client gives up (seen in the crash suite: clients waiting 300 s). With
  // the shared socket, a dead worker's connections are reset and the others keep accepting. The
  // cost is a less even spread of connections between workers.
  cluster.schedulingPolicy = cluster.SCHED_NONE;
  const fork = () => {
    const worker = cluster.fork({ KEDERGI_SHUTDOWN_SECONDS: String(workerSeconds) });
    startedAt.set(worker, Date.now());
  };

  cluster.on('listening', (worker, address) => {
    listening.add(worker);
    if (!announced && listening.size >= config.workers) {
      announced = true;
      const host = address.address && address.address !== '::' && address.address !== '0.0.0.0' ? address.address : 'localhost';
      logger.info({ port: address.port, workers: config.workers }, 'Kedergi is listening');
      process.stdout.write(`Kedergi is listening on http://${host.includes(':') ? `[${host}]` : host}:${address.port} (${config.workers} worker processes)\n`);
    }
  });

  cluster.on('exit', (worker, code, signal) => {
    const lived = Date.now() - (startedAt.get(worker) ?? 0);
    const served = listening.has(worker);
    startedAt.delete(worker);
    listening.delete(worker);
    if (stopping) {
      // A worker still loading when the signal came ends by the signal itself: it had nothing to drain.
      const stillLoading = !served && signal === 'SIGTERM';
      if (code !== 0 && !stillLoading) {
        cleanExit = false;
        unclean.push(`worker ${worker.process.pid} ${signal ? `killed by ${signal}` : `exited ${code}`}`);
      }
      if (Object.keys(cluster.workers ?? {}).length === 0) finish();
      return;
    }
    logger.error({ workerPid: worker.process.pid, code, signal }, 'worker process died; starting another');
    if (lived < CRASH_LOOP_MS) setTimeout(() => !stopping && fork(), RESTART_PAUSE_MS);
    else fork();
  });

  let deadline: NodeJS.Timeout | undefined;
  const finish = () => {
    clearTimeout(deadline);
    if (!cleanExit) {
      process.stderr.write(`Kedergi: not every worker stopped cleanly: ${unclean.join(', ')}\n`);
      process.exit(1);
    }
    process.exit(0);
  };

  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal, deadlineSeconds: config.shutdownSeconds }, 'stopping: worker processes asked to drain');
    const workers = Object.values(cluster.workers ?? {}).filter((w): w is Worker => Boolean(w));
    if (workers.length === 0) finish();
    for (const w of workers) w.process.kill('SIGTERM');
    deadline = setTimeout(() => {
      const left = Object.values(cluster.workers ?? {}).filter((w): w is Worker => Boolean(w));
      process.stderr.write(`Kedergi: shutdown deadline of ${config.shutdownSeconds} s passed after ${signal}; not finished: worker processes ${left.map((w) => w.process.pid).join(', ')}${unclean.length ? `; ${unclean.join(', ')}` : ''}\n`);
      for (const w of left) w.process.kill('SIGKILL');
      process.exit(1);
    }, config.shutdownSeconds * 1000);
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);

  for (let i = 0; i < config.workers; i++) fork();
}
