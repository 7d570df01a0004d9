import type { NextFunction, Request, Response } from 'express';
import { DEFAULT_LANGUAGE, fromAcceptLanguage, isLanguage, localized, translator, LANGUAGES } from '../i18n';

export const LANG_COOKIE = 'kedergi_lang';

/** Cookie first (the user's choice), then Accept-Language on a first visit, then Kazakh. */
export function localeMiddleware(req: Request, res: Response, next: NextFunction): void {
  const fromCookie = req.cookies?.[LANG_COOKIE];
  const lang = isLanguage(fromCookie) ? fromCookie : (fromAcceptLanguage(req.get('accept-language')) ?? DEFAULT_LANGUAGE);
  req.lang = lang;
  req.t = translator(lang);
  res.locals.lang = lang;
  res.locals.languages = LANGUAGES;
  res.locals.t = req.t;
  res.locals.loc = (row: Record<string, unknown>, field: string) => localized(row, field, lang);
  res.locals.currentPath = req.originalUrl;
  next();
}
