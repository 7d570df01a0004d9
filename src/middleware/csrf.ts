import crypto from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import { ForbiddenError } from '../errors';

export const CSRF_COOKIE = 'kedergi_csrf';
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

function sameToken(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && crypto.timingSafeEqual(x, y);
}

/**
 * Double-submit token plus a check of the browser's own provenance headers.
 * Written here rather than taken from a package: it is twenty lines, and the packages we
 * looked at either need a session store or change their API between majors.
 * Requests that authenticate only with a Bearer token carry no ambient credential and skip it.
 */
export function csrfMiddleware(secure: (req: Request) => boolean) {
  return (req: Request, res: Response, next: NextFunction): void => {
    let token: string = req.cookies?.[CSRF_COOKIE];
    if (typeof token !== 'string' || !/^[A-Za-z0-9_-]{43}$/.test(token)) {
      token = crypto.randomBytes(32).toString('base64url');
      res.cookie(CSRF_COOKIE, token, { httpOnly: true, sameSite: 'lax', secure: secure(req), path: '/' });
    }
    req.csrfToken = token;
    res.locals.csrfToken = token;
    if (SAFE_METHODS.has(req.method)) return next();
    if (req.viaBearer) return next();
    // An API call without a session rides on no ambient credential (the token call returns
    // its token in the body, never as a cookie), so there is nothing to forge.
    if (req.originalUrl.startsWith('/api/') && !req.user) return next();

    const fetchSite = req.get('sec-fetch-site');
    if (fetchSite && fetchSite !== 'same-origin' && fetchSite !== 'none') {
      return next(new ForbiddenError('errors:csrf'));
    }
    const origin = req.get('origin');
    if (origin && origin !== 'null') {
      let host: string;
      try {
        host = new URL(origin).host;
      } catch {
        return next(new ForbiddenError('errors:csrf'));
      }
      if (host !== req.get('host')) return next(new ForbiddenError('errors:csrf'));
    }
    const submitted = (req.body && typeof req.body === 'object' ? req.body._csrf : undefined) ?? req.get('x-csrf-token') ?? req.query?._csrf;
    if (typeof submitted !== 'string' || !req.cookies?.[CSRF_COOKIE] || !sameToken(submitted, req.cookies[CSRF_COOKIE])) {
      return next(new ForbiddenError('errors:csrf'));
    }
    // The token has done its job; handlers validate bodies strictly and must not see it.
    if (req.body && typeof req.body === 'object') delete req.body._csrf;
    next();
  };
}
