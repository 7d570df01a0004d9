import { Router } from 'express';
import type { AppContext } from '../../context';
import { asyncHandler } from '../../errors';
import { requireRole } from '../../middleware/auth';
import { runComposite, runFit } from './models.spec';

export function indicatorsRoutes(_ctx: AppContext): Router {
  const router = Router();

  // The public model API: the same runners as the CLI, so one spec gives one result everywhere.
  router.post(
    '/api/v1/models/fit',
    requireRole('admin', 'researcher'),
    asyncHandler(async (req, res) => {
      res.json(runFit(req.body));
    }),
  );
  router.post(
    '/api/v1/models/composite',
    requireRole('admin', 'researcher'),
    asyncHandler(async (req, res) => {
      res.json(runComposite(req.body));
    }),
  );

  return router;
}
