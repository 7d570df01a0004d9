import type { Config } from './config';
import type { Db } from './db/knex';
import type { Lifecycle } from './lifecycle';
import type { Logger } from './logger';

/** What every module's routes are built from; services are constructed from it in each module. */
export interface AppContext {
  db: Db;
  config: Config;
  logger: Logger;
  /** bcrypt cost: 12 in production, lower in tests so the suite stays fast. */
  bcryptRounds: number;
  /** Draining state and the registry of background work to stop on shutdown (src/lifecycle.ts). */
  lifecycle: Lifecycle;
}

/** Absolute base URL for links that leave the app (invitation links, CSV for mail merge). */
export function baseUrl(ctx: AppContext, req: { protocol: string; get(name: string): string | undefined }): string {
  return ctx.config.publicUrl ?? `${req.protocol}://${req.get('host')}`;
}
