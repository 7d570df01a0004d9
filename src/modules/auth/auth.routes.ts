import { Router, type Request, type Response } from 'express';
import rateLimit, { ipKeyGenerator } from 'express-rate-limit';
import { slowDown } from 'express-slow-down';
import { asyncHandler, parseOrThrow, zodFieldErrors, ValidationError, AppError } from '../../errors';
import { baseUrl, type AppContext } from '../../context';
import { renderForm, handleForm } from '../../lib/forms';
import { SESSION_COOKIE, requireUser, sessionCookieOptions } from '../../middleware/auth';
import { setLanguageCookie } from '../../middleware/locale';
import { secureRequest } from '../../middleware/transport';
import type { RateLimitStores } from '../rate-limits/rate-limits.service';
import type { UsersService } from '../users/users.service';
import { ZUserLanguage } from '../users/users.schemas';
import { ZChangePassword, ZForgotPassword, ZLogin, ZResetPassword, ZTokenRequest } from './auth.schemas';
import type { PasswordResetService } from './password-reset.service';
import type { AuthService } from './auth.service';

const LOGIN_WINDOW_MS = 15 * 60 * 1000;
/** Each failure past the allowance adds this much waiting, up to LOGIN_SLOWDOWN_MAX_MS. */
export const LOGIN_SLOWDOWN_STEP_MS = 1000;
const LOGIN_SLOWDOWN_MAX_MS = 20_000;

/** Only local paths may follow a login, never another site. */
function safeNext(next: unknown): string {
  return typeof next === 'string' && /^\/(?![/\\])/.test(next) ? next : '/';
}

export function authRoutes(
  ctx: AppContext,
  { auth, users, rateLimits, passwordResets }: { auth: AuthService; users: UsersService; rateLimits: RateLimitStores; passwordResets: PasswordResetService },
): Router {
  const router = Router();
  const secure = (req: Request) => secureRequest(req, ctx.config);

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
  const limiterOptions = { windowMs: LOGIN_WINDOW_MS, skipSuccessfulRequests: true, standardHeaders: 'draft-7' as const, legacyHeaders: false };
  // Failures from one address, whatever the e-mail: refused past the limit (guessing many accounts).
  const perIp = rateLimit({
    ...limiterOptions,
    limit: ctx.config.loginLimitPerIp,
    store: rateLimits.store('login-ip'),
    handler: (req, res) => tooMany(req, res),
  });
  // Failures for one e-mail from one address: slowed down, never refused. Counting the e-mail alone
  // let anyone lock anyone out (administrators included) with a few wrong passwords; keyed on both,
  // an attacker only slows their own attempts, and the owner from their own address is not touched.
  const perEmailAndIp = slowDown({
    ...limiterOptions,
    delayAfter: ctx.config.loginLimitPerEmail,
    delayMs: (used, req) => (used - req.slowDown.limit) * LOGIN_SLOWDOWN_STEP_MS,
    maxDelayMs: LOGIN_SLOWDOWN_MAX_MS,
    keyGenerator: (req) => `${String(req.body?.email ?? '').trim().toLowerCase().slice(0, 254)}|${ipKeyGenerator(req.ip ?? '')}`,
    store: rateLimits.store('login-email-ip'),
  });
  // The current-password check of the account page is a password oracle too: refused per user past the limit.
  const perUserPasswordCheck = rateLimit({
    ...limiterOptions,
    limit: ctx.config.loginLimitPerEmail,
    keyGenerator: (req) => `user:${req.user?.id ?? 0}`,
    store: rateLimits.store('password-check'),
    handler: (req, res) =>
      renderForm(res, 'auth/password', { title: req.t('auth:changePassword'), error: new AppError('too_many_attempts', 429, 'auth:tooManyAttempts') }),
  });

  router.get('/login', (req, res) => {
    if (req.user) return res.redirect(303, safeNext(req.query.next));
    const notice = req.query.reset === '1' ? req.t('auth:reset.done') : undefined;
    renderForm(res, 'auth/login', { title: req.t('auth:loginTitle'), values: { next: safeNext(req.query.next) }, notice, canReset: passwordResets.available });
  });

  // Forgotten password. The answer is the same for every address, known or not.
  const forgotLocals = (req: Request) => ({ title: req.t('auth:reset.forgotTitle'), available: passwordResets.available });
  const forgotLimit = rateLimit({
    ...limiterOptions,
    skipSuccessfulRequests: false,
    limit: ctx.config.loginLimitPerIp,
    // The shared store: every process counts the same requests.
    store: rateLimits.store('password-forgot'),
    handler: (req, res) => renderForm(res, 'auth/forgot', { ...forgotLocals(req), error: new AppError('too_many_attempts', 429, 'auth:tooManyAttempts') }),
  });

  router.get('/password/forgot', (req, res) => {
    renderForm(res, 'auth/forgot', forgotLocals(req));
  });

  router.post(
    '/password/forgot',
    forgotLimit,
    asyncHandler(async (req, res) => {
      await handleForm(res, 'auth/forgot', { ...forgotLocals(req), values: { email: String(req.body?.email ?? '') } }, async () => {
        const { email } = parseOrThrow(ZForgotPassword, req.body);
        if (passwordResets.available) void passwordResets.request(email, baseUrl(ctx, req), req.lang);
        renderForm(res, 'auth/forgot', { ...forgotLocals(req), sent: true });
      });
    }),
  );

  router.get(
    '/password/reset',
    asyncHandler(async (req, res) => {
      const token = typeof req.query.token === 'string' ? req.query.token : '';
      res.set('Cache-Control', 'no-store');
      renderForm(res, 'auth/reset', { title: req.t('auth:reset.title'), token, usable: await passwordResets.isUsable(token) });
    }),
  );

  router.post(
    '/password/reset',
    asyncHandler(async (req, res) => {
      const token = String(req.body?.token ?? '');
      await handleForm(res, 'auth/reset', { title: req.t('auth:reset.title'), token, usable: true }, async () => {
        const input = parseOrThrow(ZResetPassword, req.body);
        await passwordResets.reset(input.token, input.password);
        res.redirect(303, '/login?reset=1');
      });
    }),
  );

  router.post(
    '/login',
    perIp,
    perEmailAndIp,
    asyncHandler(async (req, res) => {
      const values = { email: String(req.body?.email ?? ''), next: safeNext(req.body?.next) };
      const locals = { title: req.t('auth:loginTitle'), values };
      await handleForm(res, 'auth/login', locals, async () => {
        const input = parseOrThrow(ZLogin, req.body);
        const user = await auth.verifyCredentials(input.email, input.password);
        const session = auth.issueSession(user);
        res.cookie(SESSION_COOKIE, session.token, sessionCookieOptions(secure(req), session.expiresAt));
        // A user's language preference is their page language from the moment they sign in.
        if (user.language) setLanguageCookie(res, user.language, secure(req));
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

  // The account page: who you are, the language of your mail and pages, the way to your password.
  const accountLocals = async (req: Request) => {
    const me = await users.get(req.user!.id);
    return { title: req.t('users:account.title'), me, values: { language: me.language ?? '' } };
  };

  router.get(
    '/account',
    requireUser,
    asyncHandler(async (req, res) => {
      renderForm(res, 'auth/account', { ...(await accountLocals(req)), notice: req.query.saved === '1' ? req.t('users:account.languageSaved') : undefined });
    }),
  );

  router.post(
    '/account/language',
    requireUser,
    asyncHandler(async (req, res) => {
      await handleForm(res, 'auth/account', { ...(await accountLocals(req)), values: req.body ?? {} }, async () => {
        const { language } = parseOrThrow(ZUserLanguage, req.body);
        await users.setLanguage(req.user!.id, req.user!.id, language || null);
        if (language) setLanguageCookie(res, language, secure(req));
        res.redirect(303, '/account?saved=1');
      });
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
    perUserPasswordCheck,
    asyncHandler(async (req, res) => {
      await handleForm(res, 'auth/password', { title: req.t('auth:changePassword') }, async () => {
        const input = parseOrThrow(ZChangePassword, req.body);
        await users.changeOwnPassword(req.user!.id, input.current, input.password);
        // The password change revoked every session, this one included: start a fresh one.
        const fresh = await users.get(req.user!.id);
        const session = auth.issueSession(fresh);
        res.cookie(SESSION_COOKIE, session.token, sessionCookieOptions(secure(req), session.expiresAt));
        res.redirect(303, '/account/password?changed=1');
      });
    }),
  );

  router.post(
    '/api/v1/auth/token',
    perIp,
    perEmailAndIp,
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
