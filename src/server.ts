import http from 'node:http';
import { createApp } from './app';
import { ConfigError, loadConfig } from './config';
import { stdoutLogDestination } from './logger';
import { createRuntime, prepareData } from './runtime';
import { installShutdown } from './shutdown';

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
  await prepareData(ctx);
  const app = createApp(ctx);
  const server = http.createServer(app);
  server.once('error', (err) => {
    process.stderr.write(`Kedergi failed to start: ${err.message}\n`);
    process.exit(1);
  });
  server.listen({ port: config.port, host: config.host }, () => {
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : config.port;
    ctx.logger.info({ port, host: config.host ?? 'all interfaces', db: config.database.client }, 'Kedergi is listening');
    process.stdout.write(`Kedergi is listening on http://${config.host?.includes(':') ? `[${config.host}]` : (config.host ?? 'localhost')}:${port}\n`);
  });
  installShutdown(server, ctx, { logDestination: stdoutLogDestination() });
}

main().catch((err) => {
  process.stderr.write(`Kedergi failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
