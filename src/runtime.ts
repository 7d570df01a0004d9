import { loadConfig, type Config } from './config';
import { buildServices, type Services } from './composition';
import type { AppContext } from './context';
import { createDb } from './db/knex';
import { migrateLatest } from './db/migrate';
import { Lifecycle } from './lifecycle';
import { createLogger, stdoutLogDestination } from './logger';
import { runSeeds } from '../seeds';

/** Builds everything a server or the CLI needs, with the database migrated. */
export async function createRuntime(config: Config = loadConfig(), options: { migrate?: boolean } = {}): Promise<AppContext> {
  const logger = createLogger(config.logLevel, stdoutLogDestination(config.logBufferBytes));
  const db = createDb(config.database);
  // Cluster workers skip it: the primary migrated before forking them.
  if (options.migrate !== false) await migrateLatest(db);
  return { db, config, logger, bcryptRounds: config.env === 'test' ? 4 : 12, lifecycle: new Lifecycle() };
}

/** First start: the bootstrap administrator, base content, demo data. */
export async function prepareData(ctx: AppContext, services: Services = buildServices(ctx)): Promise<void> {
  // Side by side: the administrator's password is hashed on libuv's thread pool (a quarter of a
  // second at cost 12) while the seeders work on the main thread.
  const [admin] = await Promise.all([services.users.ensureBootstrapAdmin(ctx.config.admin), runSeeds(ctx, ctx.config.demo, services)]);
  if (admin?.password) {
    // Printed once, to the console only, never to the structured log.
    process.stdout.write(
      `\nKedergi: created administrator ${admin.email} with password ${admin.password}\n` +
        'Sign in and change it, or set KEDERGI_ADMIN_EMAIL and KEDERGI_ADMIN_PASSWORD.\n\n',
    );
  }
}
