import { Router } from 'express';
import type { AppContext } from '../../context';
import { asyncHandler, parseOrThrow } from '../../errors';
import { handleForm, renderForm } from '../../lib/forms';
import { requireRole } from '../../middleware/auth';
import { ROLES, ZChangeRole, ZCreateUser, ZUserId } from './users.schemas';
import type { UsersService } from './users.service';

export function usersRoutes(_ctx: AppContext, { users }: { users: UsersService }): Router {
  const router = Router();
  router.use('/admin/users', requireRole('admin'));

  const listLocals = async (title: string, extra: Record<string, unknown> = {}) => ({
    title,
    users: await users.list(),
    roles: ROLES,
    ...extra,
  });

  router.get(
    '/admin/users',
    asyncHandler(async (req, res) => {
      renderForm(res, 'users/list', await listLocals(req.t('users:title')));
    }),
  );

  router.post(
    '/admin/users',
    asyncHandler(async (req, res) => {
      const locals = await listLocals(req.t('users:title'), { values: req.body });
      await handleForm(res, 'users/list', locals, async () => {
        const input = parseOrThrow(ZCreateUser, req.body);
        const created = await users.create(req.user!.id, input);
        renderForm(res, 'users/list', {
          ...(await listLocals(req.t('users:title'))),
          // Shown once: the password is not stored anywhere in clear.
          shownPassword: input.password ? undefined : { email: input.email, password: created.password },
          notice: req.t('users:created', { email: input.email }),
        }, 201);
      });
    }),
  );

  router.post(
    '/admin/users/:id/role',
    asyncHandler(async (req, res) => {
      const id = parseOrThrow(ZUserId, req.params.id);
      await handleForm(res, 'users/list', await listLocals(req.t('users:title')), async () => {
        const { role } = parseOrThrow(ZChangeRole, req.body);
        await users.changeRole(req.user!.id, id, role);
        res.redirect(303, '/admin/users');
      });
    }),
  );

  router.post(
    '/admin/users/:id/disable',
    asyncHandler(async (req, res) => {
      const id = parseOrThrow(ZUserId, req.params.id);
      await handleForm(res, 'users/list', await listLocals(req.t('users:title')), async () => {
        await users.setDisabled(req.user!.id, id, true);
        res.redirect(303, '/admin/users');
      });
    }),
  );

  router.post(
    '/admin/users/:id/enable',
    asyncHandler(async (req, res) => {
      const id = parseOrThrow(ZUserId, req.params.id);
      await users.setDisabled(req.user!.id, id, false);
      res.redirect(303, '/admin/users');
    }),
  );

  router.post(
    '/admin/users/:id/reset-password',
    asyncHandler(async (req, res) => {
      const id = parseOrThrow(ZUserId, req.params.id);
      const target = await users.get(id);
      const password = await users.resetPassword(req.user!.id, id);
      renderForm(res, 'users/list', {
        ...(await listLocals(req.t('users:title'))),
        shownPassword: { email: target.email, password },
        notice: req.t('users:passwordReset', { email: target.email }),
      });
    }),
  );

  return router;
}
