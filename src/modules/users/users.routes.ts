import { Router } from 'express';
import type { AppContext } from '../../context';
import { asyncHandler, parseOrThrow } from '../../errors';
import { withConfirmation } from '../../lib/confirm';
import { handleForm, renderForm } from '../../lib/forms';
import { oneTimeSecretsFor } from '../../lib/one-time';
import { requireRole } from '../../middleware/auth';
import { ROLES, ZChangeRole, ZCreateUser, ZUserId, ZUserLanguage } from './users.schemas';
import type { UsersService } from './users.service';

export function usersRoutes(ctx: AppContext, { users }: { users: UsersService }): Router {
  const router = Router();
  router.use('/admin/users', requireRole('admin'));
  const once = oneTimeSecretsFor(ctx.config);
  const DONE = new Set(['created', 'passwordReset']);

  const listLocals = async (title: string, extra: Record<string, unknown> = {}) => ({
    title,
    users: await users.list(),
    roles: ROLES,
    ...extra,
  });

  router.get(
    '/admin/users',
    asyncHandler(async (req, res) => {
      // After a create or a reset: the notice, and the new password on this first view only.
      const done = typeof req.query.done === 'string' && DONE.has(req.query.done) ? req.query.done : undefined;
      const secret = done ? once.take(req, res) : undefined;
      const extra = !done
        ? {}
        : secret
          ? {
              notice: req.t(`users:${done}`, { email: secret.data.email }),
              oneTime: secret.data.password ? { label: secret.data.email, value: secret.data.password, note: req.t('users:showOnce') } : undefined,
            }
          : { oneTimeGone: req.t('users:passwordGone') };
      renderForm(res, 'users/list', await listLocals(req.t('users:title'), extra));
    }),
  );

  router.post(
    '/admin/users',
    asyncHandler(async (req, res) => {
      const locals = await listLocals(req.t('users:title'), { values: req.body });
      await handleForm(res, 'users/list', locals, async () => {
        const input = parseOrThrow(ZCreateUser, req.body);
        const created = await users.create(req.user!.id, input);
        // Shown once, on the page this redirects to: the password is not stored anywhere in clear.
        once.put(res, '/admin/users', { kind: 'password', data: { email: input.email, ...(input.password ? {} : { password: created.password }) } });
        res.redirect(303, '/admin/users?done=created');
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
    '/admin/users/:id/language',
    asyncHandler(async (req, res) => {
      const id = parseOrThrow(ZUserId, req.params.id);
      await handleForm(res, 'users/list', await listLocals(req.t('users:title')), async () => {
        const { language } = parseOrThrow(ZUserLanguage, req.body);
        await users.setLanguage(req.user!.id, id, language || null);
        res.redirect(303, '/admin/users');
      });
    }),
  );

  router.post(
    '/admin/users/:id/disable',
    asyncHandler(async (req, res) => {
      const id = parseOrThrow(ZUserId, req.params.id);
      await handleForm(res, 'users/list', await listLocals(req.t('users:title')), async () => {
        await withConfirmation(
          req,
          res,
          async () => {
            const target = await users.get(id);
            return {
              title: req.t('users:confirm.disableTitle', { email: target.email }),
              consequences: [req.t('users:confirm.disableEffect')],
              confirmLabel: req.t('users:disable'),
              cancelHref: '/admin/users',
            };
          },
          async () => {
            await users.setDisabled(req.user!.id, id, true);
            res.redirect(303, '/admin/users');
          },
        );
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
      await withConfirmation(
        req,
        res,
        async () => ({
          title: req.t('users:confirm.resetTitle', { email: target.email }),
          consequences: [req.t('users:confirm.resetEffect')],
          confirmLabel: req.t('users:resetPassword'),
          cancelHref: '/admin/users',
        }),
        async () => {
          const password = await users.resetPassword(req.user!.id, id);
          once.put(res, '/admin/users', { kind: 'password', data: { email: target.email, password } });
          res.redirect(303, '/admin/users?done=passwordReset');
        },
      );
    }),
  );

  return router;
}
