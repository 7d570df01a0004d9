import { Router } from 'express';
import type { AppContext } from '../../context';
import { dialectOf } from '../../db/dialect';
import { migrationStatus } from '../../db/migrate';
import { asyncHandler } from '../../errors';

/** A database that has not answered by then counts as not answering: readiness must answer fast. */
const READY_DB_TIMEOUT_MS = 2000;

export function healthRoutes(ctx: AppContext): Router {
  const router = Router();
  // Liveness: the process serves requests. 503 while draining, so that a proxy stops sending here.
  router.get(
    '/healthz',
    asyncHandler(async (_req, res) => {
      const db = dialectOf(ctx.db);
      if (ctx.lifecycle.draining) {
        res.status(503).json({ status: 'draining', db });
        return;
      }
      const status = await migrationStatus(ctx.db);
      if (status.pending > 0) {
        res.status(503).json({ status: 'migrating', db });
        return;
      }
      res.json({ status: 'ok', db });
    }),
  );
  // Readiness: migrations applied, the database answering, not draining.
  router.get(
    '/readyz',
    asyncHandler(async (_req, res) => {
      const db = dialectOf(ctx.db);
      if (ctx.lifecycle.draining) {
        res.status(503).json({ status: 'draining', db });
        return;
      }
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), READY_DB_TIMEOUT_MS);
      });
      const status = await Promise.race([migrationStatus(ctx.db), timeout]).catch(() => 'error' as const).finally(() => clearTimeout(timer));
      if (status === 'timeout' || status === 'error') {
        res.status(503).json({ status: 'database unavailable', db });
      } else if (status.pending > 0) {
        res.status(503).json({ status: 'migrating', db, pending: status.pending });
      } else {
        res.json({ status: 'ready', db });
      }
    }),
  );
  return router;
}
