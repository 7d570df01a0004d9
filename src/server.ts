import './heap';
import cluster from 'node:cluster';
import http from 'node:http';
import { createApp } from './app';
import { runPrimary } from './cluster';
import { buildServices } from './composition';
import { ConfigError, loadConfig } from './config';
import { stdoutLogDestination } from './logger';
import { startMailWorker } from './modules/mail/mail.module';
import { createRuntime, prepareData } from './runtime';
import { installShutdown } from './shutdown';
import { warmLibraries } from './lib/warm';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(e.message + '\n');
      process.exit(1);
    }
    throw e;
  }
  const worker = config.workers > 1 && cluster.isWorker;
  // A signal during start-up (migrations, seeding, loading the code): nothing is served yet, so
  // there is nothing to drain. A worker stops cleanly; a lone server says what it interrupted.
  const duringStartup = () => {
    if (!worker) process.stderr.write('Kedergi: stopped during start-up (before serving any request)\n');
    process.exit(worker ? 0 : 1);
  };
  process.once('SIGTERM', duringStartup);
  process.once('SIGINT', duringStartup);
  const started = () => {
    process.off('SIGTERM', duringStartup);
    process.off('SIGINT', duringStartup);
  };
  if (config.workers > 1 && cluster.isPrimary) {
    // Migrations and first-start data once, before any worker serves a request.
    const ctx = await createRuntime(config);
    await prepareData(ctx, buildServices(ctx));
    await ctx.db.destroy();
    started();
    runPrimary(config, ctx.logger);
    return;
  }
  const ctx = await createRuntime(config, { migrate: !worker });
  const services = buildServices(ctx);
  if (!worker) await prepareData(ctx, services);
  const app = createApp(ctx, services);
  // The outbox sender runs in every process (they claim disjoint batches); reminder schedules in
  // one only, so that two workers never queue the same reminders.
  startMailWorker(ctx, services, { schedules: !worker || cluster.worker?.id === 1 });
  // Every process counts what it received; the sweep catches what another process left.
  services.analysisCounter.start(60_000);
  ctx.lifecycle.register('analysis counter', () => services.analysisCounter.stop());
  const server = http.createServer(app);
  server.once('error', (err) => {
    process.stderr.write(`Kedergi failed to start: ${err.message}\n`);
    process.exit(1);
  });
  server.listen({ port: config.port, host: config.host }, () => {
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : config.port;
    ctx.logger.info({ port, host: config.host ?? 'all interfaces', db: config.database.client }, worker ? 'worker listening' : 'Kedergi is listening');
    // In a cluster the primary announces the address once every worker listens.
    if (!worker) process.stdout.write(`Kedergi is listening on http://${config.host?.includes(':') ? `[${config.host}]` : (config.host ?? 'localhost')}:${port}\n`);
    // Charts, spreadsheets, PDF and formulas load when first used; load them now, whenever nobody is waiting.
    warmLibraries(server, (err) => ctx.logger.warn({ err }, 'loading a library in the background failed'));
  });
  // A worker's repeated signal is the primary forwarding one the worker already got from the terminal.
  started();
  installShutdown(server, ctx, { logDestination: stdoutLogDestination(), repeatedSignalExits: !worker });
}

main().catch((err) => {
  process.stderr.write(`Kedergi failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
