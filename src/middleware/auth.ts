import type { NextFunction, Request, Response } from 'express';
import { ForbiddenError, UnauthorizedError, asyncHandler, isApiRequest } from '../errors';
import type { TRole } from '../modules/auth/auth.schemas';
import { toSessionUser, type AuthService } from '../modules/auth/auth.service';

export const SESSION_COOKIE = 'kedergi_session';

export function sessionCookieOptions(secure: boolean, expires?: Date) {
  return { httpOnly: true, sameSite: 'lax' as const, secure, path: '/', expires };
}

/** Identifies the user from the Bearer header (API only) or the session cookie. */
export function authenticateMiddleware(auth: AuthService, secure: (req: Request) => boolean) {
  return asyncHandler(async (req: Request, res: Response, next: NextFunction) => {
    const header = req.get('authorization');
    if (header && isApiRequest(req)) {
      const match = /^Bearer\s+(\S+)$/i.exec(header);
      const result = match ? await auth.authenticate(match[1]!, 'kedergi-api') : null;
      if (!result) throw new UnauthorizedError('auth:invalidToken');
      req.user = toSessionUser(result.user);
      req.viaBearer = true;
      return next();
    }
    const cookie = req.cookies?.[SESSION_COOKIE];
    if (typeof cookie === 'string' && cookie) {
      const result = await auth.authenticate(cookie, 'kedergi-web');
      if (result) {
        req.user = toSessionUser(result.user);
        if (result.renew) res.cookie(SESSION_COOKIE, result.renew.token, sessionCookieOptions(secure(req), result.renew.expiresAt));
      } else {
        res.clearCookie(SESSION_COOKIE, { path: '/' });
      }
    }
    res.locals.user = req.user;
    next();
  });
}

/** Anonymous visitors of a page are sent to the login page; API callers get 401; wrong roles 403. */
export function requireRole(...roles: TRole[]) {
  return (req: Request, res: Response, next: NextFunction): void => {
    if (!req.user) {
      if (isApiRequest(req) || req.method !== 'GET') return next(new UnauthorizedError());
      return res.redirect(303, '/login?next=' + encodeURIComponent(req.originalUrl));
    }
    if (roles.length > 0 && !roles.includes(req.user.role)) return next(new ForbiddenError());
    next();
  };
}

export const requireUser = requireRole();
