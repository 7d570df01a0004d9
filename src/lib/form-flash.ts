import type { NextFunction, Request, Response } from 'express';
import type { Config } from '../config';
import { isApiRequest, type AppError } from '../errors';
import { secureRequest } from '../middleware/transport';
import type { FormErrorLocals } from './forms';
import { oneTimeSecrets } from './one-time';

/**
 * The form-error path for a form whose route does not re-render it (a small action form on a
 * page of its own, e.g. a button row on a round page): the refused POST changes nothing and
 * redirects (303) back to the page the form was on, carrying its errors in a short-lived sealed
 * cookie; that page is then rendered with the same summary and messages beside the fields as a
 * re-rendered form (src/lib/form-errors.ts). A reload shows the page without them.
 */
const COOKIE = 'kedergi_form_errors';
/** Errors carried at most (a cookie holds about 4 kB). */
const MAX_ITEMS = 20;
/** Typed text carried back at most, in characters; beyond it the fields come back as stored. */
const MAX_VALUES = 1500;
/** Never carried in a cookie, even sealed: secrets and the form's own machinery. */
const NOT_CARRIED = /password|token|secret|_csrf|^confirm$/i;

/** The form's text fields as typed, when they are few enough to carry. */
function typedValues(body: unknown): string {
  if (!body || typeof body !== 'object') return '{}';
  const out: Record<string, string> = {};
  const visit = (value: unknown, key: string) => {
    if (typeof value === 'string') {
      if (!NOT_CARRIED.test(key)) out[key] = value;
    } else if (value && typeof value === 'object' && !Array.isArray(value)) {
      for (const [k, v] of Object.entries(value)) visit(v, key ? `${key}.${k}` : k);
    }
  };
  visit(body, '');
  const json = JSON.stringify(out);
  return json.length <= MAX_VALUES ? json : '{}';
}

export function formErrorFlash(config: Config) {
  const store = oneTimeSecrets(config.jwtSecret, (req) => secureRequest(req, config), COOKIE);
  return {
    /**
     * For a refused form POST from a page of this site: seal its errors for that page and answer
     * the redirect. Returns false (nothing sent) for anything else, which the error page answers.
     */
    redirectBack(req: Request, res: Response, error: AppError): boolean {
      if (req.method !== 'POST' || isApiRequest(req) || req.is('application/json') || req.is('multipart/form-data')) return false;
      if (![400, 409, 422].includes(error.status)) return false;
      const back = sameSitePage(req);
      if (!back) return false;
      const t = req.t;
      const items = error.fields.slice(0, MAX_ITEMS).map((f) => ({ path: f.path.slice(0, 200), message: t(f.key, f.params) }));
      store.put(res, back.split('?')[0]!, {
        kind: 'formErrors',
        data: { items: JSON.stringify(items), title: t('errors:summaryTitle'), message: t(error.messageKey, error.params), values: typedValues(req.body) },
      });
      res.redirect(303, back);
      return true;
    },
    /** On the page the errors were sealed for: hand them to the view engine, once. */
    middleware(req: Request, res: Response, next: NextFunction): void {
      if (req.method === 'GET' && req.cookies?.[COOKIE]) {
        const sealed = store.take(req, res);
        if (sealed?.kind === 'formErrors') {
          const formErrors: FormErrorLocals = {
            items: JSON.parse(sealed.data.items ?? '[]'),
            texts: { title: sealed.data.title ?? '', message: sealed.data.message },
            shown: new Set(),
            values: JSON.parse(sealed.data.values ?? '{}'),
          };
          res.locals.formErrors = formErrors;
        }
      }
      next();
    },
  };
}

/** The Referer's path when it is a page of this site (same host name), else undefined. */
function sameSitePage(req: Request): string | undefined {
  const referer = req.get('referer');
  if (!referer) return undefined;
  try {
    const url = new URL(referer);
    if (url.hostname !== req.hostname) return undefined;
    const page = url.pathname + url.search;
    // The form's own address answers POST; its GET may be another page or none (a confirmation step).
    if (url.pathname === req.originalUrl.split('?')[0]) return undefined;
    return page.startsWith('/') && !page.startsWith('//') ? page : undefined;
  } catch {
    return undefined;
  }
}
