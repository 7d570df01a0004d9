import type { NextFunction, Request, Response } from 'express';
import { DEFAULT_LANGUAGE, fromAcceptLanguage, isLanguage, localized, translator, LANGUAGES, type Language } from '../i18n';

export const LANG_COOKIE = 'kedergi_lang';

/** The page language of this request: what the pages, messages and locals use. */
function applyLanguage(req: Request, res: Response, lang: Language): void {
  req.lang = lang;
  req.t = translator(lang);
  res.locals.lang = lang;
  res.locals.t = req.t;
  res.locals.loc = (row: Record<string, unknown>, field: string) => localized(row, field, lang);
}

/** Cookie first (the user's choice), then Accept-Language on a first visit, then Kazakh. */
export function localeMiddleware(req: Request, res: Response, next: NextFunction): void {
  const fromCookie = req.cookies?.[LANG_COOKIE];
  applyLanguage(req, res, isLanguage(fromCookie) ? fromCookie : (fromAcceptLanguage(req.get('accept-language')) ?? DEFAULT_LANGUAGE));
  res.locals.languages = LANGUAGES;
  res.locals.currentPath = req.originalUrl;
  next();
}

/** Remember a chosen page language in this browser for a year. */
export function setLanguageCookie(res: Response, lang: Language, secure: boolean): void {
  res.cookie(LANG_COOKIE, lang, { httpOnly: true, sameSite: 'lax', secure, path: '/', maxAge: 365 * 24 * 3600 * 1000 });
}

/**
 * After sign-in is known: a user's language preference is their default page language, in
 * place of the browser's Accept-Language. A language chosen in this browser (the switcher's
 * cookie) still wins; signing in and saving the preference set that cookie to the preference.
 */
export function userLanguageMiddleware(req: Request, res: Response, next: NextFunction): void {
  const preferred = req.user?.language;
  if (preferred && !isLanguage(req.cookies?.[LANG_COOKIE]) && preferred !== req.lang) applyLanguage(req, res, preferred);
  next();
}
