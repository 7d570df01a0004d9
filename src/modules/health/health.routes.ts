import { Router } from 'express';
import type { AppContext } from '../../context';
import { dialectOf } from '../../db/dialect';
import { migrationStatus } from '../../db/migrate';
import { asyncHandler } from '../../errors';

export function healthRoutes(ctx: AppContext): Router {
  const router = Router();
  router.get(
    '/healthz',
    asyncHandler(async (_req, res) => {
      const status = await migrationStatus(ctx.db);
      const db = dialectOf(ctx.db);
      if (status.pending > 0) {
        res.status(503).json({ status: 'migrating', db });
        return;
      }
      res.json({ status: 'ok', db });
    }),
  );
  return router;
}
