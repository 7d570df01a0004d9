import { Router } from 'express';
import { z } from 'zod';
import type { AppContext } from '../../context';
import { LANGUAGES } from '../../i18n';
import { LANG_COOKIE } from '../../middleware/locale';

const ZLanguageChoice = z.object({ lang: z.enum(LANGUAGES), next: z.string().max(500).optional() });

export function homeRoutes(_ctx: AppContext): Router {
  const router = Router();
  router.get('/', (req, res) => {
    res.render('home', { title: '' });
  });
  // A form, not a link: the choice is stored, so it is a POST like every other change.
  router.post('/lang', (req, res) => {
    const parsed = ZLanguageChoice.safeParse(req.body);
    const next = parsed.success && parsed.data.next && /^\/(?![/\\])/.test(parsed.data.next) ? parsed.data.next : '/';
    if (parsed.success) res.cookie(LANG_COOKIE, parsed.data.lang, { httpOnly: true, sameSite: 'lax', path: '/', maxAge: 365 * 24 * 3600 * 1000 });
    res.redirect(303, next);
  });
  return router;
}
