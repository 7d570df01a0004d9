import { createApp } from './app';
import { buildServices } from './composition';
import { ConfigError, loadConfig } from './config';
import { createRuntime, prepareData } from './runtime';

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
  const ctx = await createRuntime(config);
  const services = buildServices(ctx);
  await prepareData(ctx, services);
  const app = createApp(ctx, services);
  const server = app.listen(config.port, () => {
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : config.port;
    ctx.logger.info({ port, db: config.database.client }, 'Kedergi is listening');
    process.stdout.write(`Kedergi is listening on http://localhost:${port}\n`);
  });
  const shutdown = () => {
    server.close(() => void ctx.db.destroy().then(() => process.exit(0)));
    setTimeout(() => process.exit(0), 5000).unref();
  };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
}

main().catch((err) => {
  process.stderr.write(`Kedergi failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
