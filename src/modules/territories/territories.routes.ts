import { Router } from 'express';
import type { AppContext } from '../../context';
import { asyncHandler, parseOrThrow } from '../../errors';
import { handleForm, renderForm } from '../../lib/forms';
import { requireRole } from '../../middleware/auth';
import { TERRITORY_KINDS, ZTerritoryId, ZTerritoryInput } from './territories.schemas';
import type { TerritoriesService } from './territories.service';

export function territoriesRoutes(_ctx: AppContext, { territories }: { territories: TerritoriesService }): Router {
  const router = Router();
  router.use('/admin/territories', requireRole('admin'));

  const listLocals = async (title: string, extra: Record<string, unknown> = {}) => {
    const all = await territories.list();
    return { title, territories: all, byId: new Map(all.map((t) => [t.id, t])), kinds: TERRITORY_KINDS, ...extra };
  };

  router.get(
    '/admin/territories',
    asyncHandler(async (req, res) => {
      const notice = req.query.saved === '1' ? req.t('territories:saved') : undefined;
      renderForm(res, 'territories/list', await listLocals(req.t('territories:title'), { notice }));
    }),
  );

  router.post(
    '/admin/territories',
    asyncHandler(async (req, res) => {
      const locals = await listLocals(req.t('territories:title'), { values: req.body });
      await handleForm(res, 'territories/list', locals, async () => {
        await territories.create(parseOrThrow(ZTerritoryInput, req.body));
        res.redirect(303, '/admin/territories?saved=1');
      });
    }),
  );

  router.get(
    '/admin/territories/:id/edit',
    asyncHandler(async (req, res) => {
      const territory = await territories.get(parseOrThrow(ZTerritoryId, req.params.id));
      const { id: _id, ...values } = territory;
      renderForm(res, 'territories/edit', await listLocals(req.t('territories:editTitle'), { territory, values }));
    }),
  );

  router.post(
    '/admin/territories/:id',
    asyncHandler(async (req, res) => {
      const territory = await territories.get(parseOrThrow(ZTerritoryId, req.params.id));
      const locals = await listLocals(req.t('territories:editTitle'), { territory, values: req.body });
      await handleForm(res, 'territories/edit', locals, async () => {
        await territories.update(territory.id, parseOrThrow(ZTerritoryInput, req.body));
        res.redirect(303, '/admin/territories?saved=1');
      });
    }),
  );

  router.get(
    '/api/v1/territories',
    requireRole('admin', 'researcher'),
    asyncHandler(async (_req, res) => {
      const all = await territories.list();
      res.json({
        territories: all.map((t) => ({
          id: t.id,
          code: t.code,
          kind: t.kind,
          parentId: t.parentId,
          name: { kk: t.name_kk, ru: t.name_ru, en: t.name_en },
        })),
      });
    }),
  );

  return router;
}
