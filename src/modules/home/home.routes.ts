import { Router } from 'express';
import { z } from 'zod';
import type { AppContext } from '../../context';
import { asyncHandler } from '../../errors';
import { LANGUAGES } from '../../i18n';
import { formatAlmaty } from '../../lib/almaty-time';
import { requireRole, requireUser } from '../../middleware/auth';
import { LANG_COOKIE } from '../../middleware/locale';
import type { ExpertsService } from '../experts/experts.service';
import type { MonitoringService } from '../monitoring/monitoring.service';
import { responsesOverTimeChart } from './home.charts';
import type { RoundsService } from '../rounds/rounds.service';

/** An open round closing within this many days is listed under "needs attention". */
const CLOSING_SOON_DAYS = 7;
/** Days the start page's responses chart covers. */
const CHART_DAYS = 30;

const ZLanguageChoice = z.object({ lang: z.enum(LANGUAGES), next: z.string().max(500).optional() });

export function homeRoutes(_ctx: AppContext, { rounds, experts, monitoring }: { rounds: RoundsService; experts: ExpertsService; monitoring: MonitoringService }): Router {
  const router = Router();
  router.get('/', (req, res) => {
    res.render('home', { title: '' });
  });

  // Where sign-in lands: each role's own work rather than the public home page.
  router.get(
    '/start',
    requireUser,
    asyncHandler(async (req, res) => {
      const role = req.user!.role;
      const now = Date.now();
      const allRounds = role === 'admin' || role === 'researcher' ? await rounds.list() : [];
      const attention =
        role === 'admin'
          ? allRounds.flatMap((r) => {
              if (r.status === 'draft') return [{ round: r, key: 'draft' }];
              if (r.status !== 'open' || !r.closesAt) return [];
              const left = Date.parse(r.closesAt) - now;
              if (left < 0) return [{ round: r, key: 'pastClosing' }];
              return left < CLOSING_SOON_DAYS * 86_400_000 ? [{ round: r, key: 'closingSoon' }] : [];
            })
          : [];
      // Responses over the last 30 days, for the rounds that collect or have collected (at most six, newest first).
      let chart: string | undefined;
      if (role === 'admin') {
        const active = allRounds.filter((r) => r.status === 'open' || r.status === 'closed').slice(0, 6);
        if (active.length) {
          const over = await monitoring.responsesOverTime(active.map((r) => r.id), CHART_DAYS);
          if (over.series.some((s) => s.counts.some((n) => n > 0))) {
            chart = responsesOverTimeChart({ days: over.days, series: over.series.map((s, i) => ({ title: active[i]!.title, counts: s.counts })) }, req.t, req.lang);
          }
        }
      }
      res.render('start', {
        chart,
        title: req.t('common:start.title'),
        role,
        rounds: role === 'researcher' ? allRounds.filter((r) => r.status !== 'draft' && Number(r.submitted ?? 0) > 0) : allRounds.filter((r) => r.status !== 'archived'),
        attention,
        panels: role === 'expert' ? await experts.expertPanels(req.user!.id) : role === 'researcher' ? await experts.listPanels() : [],
        formatTime: (iso: string | null) => formatAlmaty(iso, req.lang),
      });
    }),
  );
  // For programmers only: the API and the command line, kept off the pages researchers work in.
  router.get('/help/api', requireRole('admin', 'researcher'), (req, res) => {
    res.render('help/api', { title: req.t('common:apiHelp.title'), origin: `${req.protocol}://${req.get('host') ?? 'localhost'}` });
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
