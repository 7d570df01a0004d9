import { Router, type Request, type Response } from 'express';
import rateLimit from 'express-rate-limit';
import { asyncHandler, parseOrThrow, zodFieldErrors, ValidationError, AppError } from '../../errors';
import type { AppContext } from '../../context';
import { renderForm, handleForm } from '../../lib/forms';
import { SESSION_COOKIE, requireUser, sessionCookieOptions } from '../../middleware/auth';
import type { UsersService } from '../users/users.service';
import { ZChangePassword, ZLogin, ZTokenRequest } from './auth.schemas';
import type { AuthService } from './auth.service';

/** Only local paths may follow a login, never another site. */
function safeNext(next: unknown): string {
  return typeof next === 'string' && /^\/(?![/\\])/.test(next) ? next : '/';
}

export function authRoutes(ctx: AppContext, { auth, users }: { auth: AuthService; users: UsersService }): Router {
  const router = Router();
  const secure = ctx.config.env === 'production' && Boolean(ctx.config.publicUrl?.startsWith('https:'));

  const tooMany = (req: Request, res: Response) => {
    if (req.originalUrl.startsWith('/api/')) {
      res.status(429).json({ error: { code: 'too_many_attempts', message: req.t('auth:tooManyAttempts') } });
      return;
    }
    renderForm(res, 'auth/login', {
      title: req.t('auth:loginTitle'),
      values: { email: String(req.body?.email ?? ''), next: safeNext(req.body?.next) },
      error: new AppError('too_many_attempts', 429, 'auth:tooManyAttempts'),
    });
  };
  const limiterOptions = { windowMs: 15 * 60 * 1000, skipSuccessfulRequests: true, standardHeaders: 'draft-7' as const, legacyHeaders: false };
  const perIp = rateLimit({ ...limiterOptions, limit: ctx.config.loginLimitPerIp, handler: (req, res) => tooMany(req, res) });
  const perEmail = rateLimit({
    ...limiterOptions,
    limit: ctx.config.loginLimitPerEmail,
    keyGenerator: (req) => 'email:' + String(req.body?.email ?? '').trim().toLowerCase(),
    validate: { keyGeneratorIpFallback: false },
    handler: (req, res) => tooMany(req, res),
  });

  router.get('/login', (req, res) => {
    if (req.user) return res.redirect(303, safeNext(req.query.next));
    renderForm(res, 'auth/login', { title: req.t('auth:loginTitle'), values: { next: safeNext(req.query.next) } });
  });

  router.post(
    '/login',
    perIp,
    perEmail,
    asyncHandler(async (req, res) => {
      const values = { email: String(req.body?.email ?? ''), next: safeNext(req.body?.next) };
      const locals = { title: req.t('auth:loginTitle'), values };
      await handleForm(res, 'auth/login', locals, async () => {
        const input = parseOrThrow(ZLogin, req.body);
        const user = await auth.verifyCredentials(input.email, input.password);
        const session = auth.issueSession(user);
        res.cookie(SESSION_COOKIE, session.token, sessionCookieOptions(secure, session.expiresAt));
        // No page asked for: the role's start page, not the public home page.
        res.redirect(303, values.next === '/' ? '/start' : values.next);
      });
    }),
  );

  router.post(
    '/logout',
    asyncHandler(async (req, res) => {
      if (req.user) await auth.logout(req.user.id);
      res.clearCookie(SESSION_COOKIE, { path: '/' });
      res.redirect(303, '/');
    }),
  );

  router.get('/account/password', requireUser, (req, res) => {
    renderForm(res, 'auth/password', {
      title: req.t('auth:changePassword'),
      notice: req.query.changed === '1' ? req.t('auth:passwordChanged') : undefined,
    });
  });

  router.post(
    '/account/password',
    requireUser,
    asyncHandler(async (req, res) => {
      await handleForm(res, 'auth/password', { title: req.t('auth:changePassword') }, async () => {
        const input = parseOrThrow(ZChangePassword, req.body);
        await users.changeOwnPassword(req.user!.id, input.current, input.password);
        // The password change revoked every session, this one included: start a fresh one.
        const fresh = await users.get(req.user!.id);
        const session = auth.issueSession(fresh);
        res.cookie(SESSION_COOKIE, session.token, sessionCookieOptions(secure, session.expiresAt));
        res.redirect(303, '/account/password?changed=1');
      });
    }),
  );

  router.post(
    '/api/v1/auth/token',
    perIp,
    perEmail,
    asyncHandler(async (req, res) => {
      const parsed = ZTokenRequest.safeParse(req.body);
      if (!parsed.success) throw new ValidationError(zodFieldErrors(parsed.error));
      const user = await auth.verifyCredentials(parsed.data.email, parsed.data.password);
      const { token, expiresAt } = auth.issueApiToken(user);
      res.json({ token, expiresAt: expiresAt.toISOString() });
    }),
  );

  router.get('/api/v1/me', requireUser, (req, res) => {
    res.json({ user: req.user });
  });

  return router;
}
