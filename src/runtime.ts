import { loadConfig, type Config } from './config';
import { buildServices, type Services } from './composition';
import type { AppContext } from './context';
import { createDb } from './db/knex';
import { migrateLatest } from './db/migrate';
import { createLogger } from './logger';
import { runSeeds } from '../seeds';

/** Builds everything a server or the CLI needs, with the database migrated. */
export async function createRuntime(config: Config = loadConfig()): Promise<AppContext> {
  const logger = createLogger(config.logLevel);
  const db = createDb(config.database);
  await migrateLatest(db);
  return { db, config, logger, bcryptRounds: config.env === 'test' ? 4 : 12 };
}

/** First start: the bootstrap administrator, base content, demo data. */
export async function prepareData(ctx: AppContext, services: Services = buildServices(ctx)): Promise<void> {
  const admin = await services.users.ensureBootstrapAdmin(ctx.config.admin);
  if (admin?.password) {
    // Printed once, to the console only, never to the structured log.
    process.stdout.write(
      `\nKedergi: created administrator ${admin.email} with password ${admin.password}\n` +
        'Sign in and change it, or set KEDERGI_ADMIN_EMAIL and KEDERGI_ADMIN_PASSWORD.\n\n',
    );
  }
  await runSeeds(ctx, ctx.config.demo, services);
}
