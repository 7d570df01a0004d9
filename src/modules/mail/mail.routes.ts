import { Router, type Request, type Response } from 'express';
import { baseUrl, type AppContext } from '../../context';
import { asyncHandler, parseOrThrow } from '../../errors';
import { LANGUAGES, type Language } from '../../i18n';
import { formatAlmaty } from '../../lib/almaty-time';
import { renderConfirmation, takeConfirmation } from '../../lib/confirm';
import { formPage, handleForm, renderForm } from '../../lib/forms';
import { writeCsv } from '../../lib/spreadsheet';
import { requireRole } from '../../middleware/auth';
import type { InvitationsService } from '../invitations/invitations.service';
import { ZInvitationFilters, ZRoundId } from '../invitations/invitations.schemas';
import type { MailService } from './mail.service';
import { MERGE_FIELDS, TEMPLATE_KINDS, ZBounceForm, ZMailConfirm, ZMailRequest, ZReminderSchedule, ZTemplateForm, ZTemplatePath, type MailHistoryEntry } from './mail.schemas';

const ZInvitationId = ZRoundId;
const mailPath = (roundId: number) => `/admin/rounds/${roundId}/mail`;
const invitationPath = (roundId: number, id: number) => `/admin/rounds/${roundId}/invitations/${id}`;

/**
 * The pages and API of round mail: templates, invitations and reminders with the count shown
 * before sending, the reminder schedule, one invitation's history and link actions, bounce
 * import and the public opt-out page.
 */
export function mailRoutes(
  ctx: AppContext,
  { mail, invitations }: { mail: MailService; invitations: InvitationsService },
): Router {
  const router = Router();

  router.use('/admin/rounds/:id/mail', requireRole('admin'));
  router.use('/admin/mail', requireRole('admin'));
  router.use('/api/v1/rounds/:id/mail', requireRole('admin'));
  router.use('/api/v1/rounds/:id/invitations', requireRole('admin'));

  const roundOf = (req: Request) => invitations.getRound(parseOrThrow(ZRoundId, req.params.id));

  const overviewLocals = async (req: Request, roundId: number) => {
    const round = await invitations.getRound(roundId);
    const base = baseUrl(ctx, req);
    const templates = [];
    for (const kind of TEMPLATE_KINDS) for (const lang of LANGUAGES) templates.push({ kind, lang, custom: (await mail.template(roundId, kind, lang)).custom });
    return {
      title: req.t('mail:round.title'),
      round,
      enabled: mail.enabled,
      counts: await mail.counts(roundId),
      invitationPlan: await mail.plan(roundId, 'invitation', base),
      reminderPlan: await mail.plan(roundId, 'reminder', base),
      templates,
      values: await mail.schedule(roundId),
    };
  };

  const overviewPage = formPage('mail/round', async (req) => overviewLocals(req, (await roundOf(req)).id));

  router.get(
    '/admin/rounds/:id/mail',
    overviewPage.show((req) => ({
      notice:
        req.query.queued !== undefined
          ? req.t('mail:round.queued', { n: Number(req.query.queued) || 0 })
          : req.query.prepared !== undefined
            ? req.t('mail:prepare.done', { n: Number(req.query.prepared) || 0 })
            : req.query.saved
              ? req.t('mail:round.scheduleSaved')
              : undefined,
    })),
  );

  // The count is shown (and confirmed) before anything is queued.
  router.get(
    '/admin/rounds/:id/mail/send',
    asyncHandler(async (req, res) => {
      const round = await roundOf(req);
      const { kind } = parseOrThrow(ZMailRequest, { kind: req.query.kind });
      const plan = await mail.plan(round.id, kind, baseUrl(ctx, req));
      res.render('mail/confirm', { title: req.t(`mail:confirm.${kind}`), round, kind, enabled: mail.enabled, count: plan.recipients.length, skipped: plan.skipped });
    }),
  );

  router.post(
    '/admin/rounds/:id/mail/send',
    asyncHandler(async (req, res) => {
      const round = await roundOf(req);
      const { kind } = parseOrThrow(ZMailConfirm, req.body);
      const queued = await mail.queueRound(round.id, kind, baseUrl(ctx, req));
      res.redirect(303, `${mailPath(round.id)}?queued=${queued}`);
    }),
  );

  // Personal links are secrets: administrators only (this router's guard), never cached.
  router.get(
    '/admin/rounds/:id/mail/reminder-list.csv',
    asyncHandler(async (req, res) => {
      const round = await roundOf(req);
      const rows = await mail.reminderList(round.id, baseUrl(ctx, req));
      res.set('Cache-Control', 'no-store');
      res.set('Content-Type', 'text/csv; charset=utf-8');
      res.set('Content-Disposition', `attachment; filename="round-${round.id}-reminder-list.csv"`);
      await writeCsv(res, ['name', 'email', 'language', 'state', 'link'], rows.map((r) => [r.name, r.email, r.language, r.state, r.link]));
    }),
  );

  // Invitations made before mail (their link was never kept) become mailable with a new link
  // each. Asked first, with what it means for the old links; nothing to prepare goes straight back.
  router.post(
    '/admin/rounds/:id/mail/prepare',
    asyncHandler(async (req, res) => {
      const round = await roundOf(req);
      if (!takeConfirmation(req)) {
        const { ids, started } = await invitations.linklessForMail(round.id);
        if (ids.length === 0) return res.redirect(303, `${mailPath(round.id)}?prepared=0`);
        return renderConfirmation(req, res, {
          title: req.t('mail:prepare.title'),
          consequences: [
            req.t('mail:prepare.effectCount', { n: ids.length }),
            req.t('mail:prepare.effectOldLinks'),
            ...(started ? [req.t('mail:prepare.effectStarted', { n: started })] : []),
            req.t('mail:prepare.effectNext'),
          ],
          confirmLabel: req.t('mail:prepare.confirm'),
          cancelHref: mailPath(round.id),
        });
      }
      const prepared = await invitations.prepareForMail(round.id, req.user!.id);
      res.redirect(303, `${mailPath(round.id)}?prepared=${prepared}`);
    }),
  );

  router.post(
    '/admin/rounds/:id/mail/schedule',
    overviewPage.submit(async (req, res, { round }) => {
      await mail.saveSchedule(round.id, parseOrThrow(ZReminderSchedule, { enabled: 'off', ...req.body }));
      res.redirect(303, `${mailPath(round.id)}?saved=1`);
    }),
  );

  const templateLocals = async (req: Request, roundId: number, kind: 'invitation' | 'reminder', lang: Language, draft?: { subject: string; body: string }) => {
    const round = await invitations.getRound(roundId);
    const stored = await mail.template(roundId, kind, lang);
    const values = draft ?? { subject: stored.subject, body: stored.body };
    return {
      title: req.t('mail:template.title', { kind: req.t(`mail:kinds.${kind}`), language: req.t(`mail:languages.${lang}`) }),
      round,
      kind,
      lang,
      enabled: mail.enabled,
      fields: MERGE_FIELDS,
      custom: stored.custom,
      values,
      preview: await mail.preview(roundId, kind, lang, baseUrl(ctx, req), values),
    };
  };

  router.get(
    '/admin/rounds/:id/mail/templates/:kind/:lang',
    asyncHandler(async (req, res) => {
      const round = await roundOf(req);
      const { kind, lang } = parseOrThrow(ZTemplatePath, req.params);
      const notice = req.query.saved ? req.t('mail:template.saved') : req.query.tested ? req.t('mail:template.tested', { email: req.user!.email }) : undefined;
      renderForm(res, 'mail/template', { ...(await templateLocals(req, round.id, kind, lang)), notice });
    }),
  );

  router.post(
    '/admin/rounds/:id/mail/templates/:kind/:lang',
    asyncHandler(async (req, res) => {
      const round = await roundOf(req);
      const { kind, lang } = parseOrThrow(ZTemplatePath, req.params);
      const draft = { subject: String(req.body?.subject ?? ''), body: String(req.body?.body ?? '') };
      await handleForm(res, 'mail/template', { ...(await templateLocals(req, round.id, kind, lang, draft)) }, async () => {
        const input = parseOrThrow(ZTemplateForm, { subject: req.body?.subject, body: req.body?.body });
        await mail.saveTemplate(round.id, kind, lang, input, req.user!.id);
        res.redirect(303, `${mailPath(round.id)}/templates/${kind}/${lang}?saved=1`);
      });
    }),
  );

  router.post(
    '/admin/rounds/:id/mail/templates/:kind/:lang/test',
    asyncHandler(async (req, res) => {
      const round = await roundOf(req);
      const { kind, lang } = parseOrThrow(ZTemplatePath, req.params);
      await mail.testSend(round.id, kind, lang, baseUrl(ctx, req), { email: req.user!.email, userId: req.user!.id });
      res.redirect(303, `${mailPath(round.id)}/templates/${kind}/${lang}?tested=1`);
    }),
  );

  // One invitation: its history and what can be done with its link.

  const timeline = (req: Request, inv: Awaited<ReturnType<typeof invitations.detail>>, history: MailHistoryEntry[]) => {
    const events: Array<{ at: string; what: string; detail?: string }> = [];
    for (const h of history) {
      events.push({ at: h.queuedAt, what: req.t('mail:history.queued', { kind: req.t(`mail:kinds.${h.kind}`) }) });
      if (h.sentAt) events.push({ at: h.sentAt, what: req.t('mail:history.sent', { kind: req.t(`mail:kinds.${h.kind}`) }) });
      if (h.status === 'failed') events.push({ at: h.sentAt ?? h.queuedAt, what: req.t('mail:history.failed'), detail: h.error ?? undefined });
      if (h.status === 'bounced') events.push({ at: h.sentAt ?? h.queuedAt, what: req.t('mail:history.bounced') });
      if (h.status === 'queued' && h.attempts > 0) events.push({ at: h.queuedAt, what: req.t('mail:history.deferred', { attempts: h.attempts }), detail: h.error ?? undefined });
    }
    if (inv.openedAt) events.push({ at: inv.openedAt, what: req.t('mail:history.opened') });
    if (inv.startedAt) events.push({ at: inv.startedAt, what: req.t('mail:history.started') });
    if (inv.submittedAt) events.push({ at: inv.submittedAt, what: req.t('mail:history.submitted') });
    if (inv.withdrawnAt) events.push({ at: inv.withdrawnAt, what: req.t('mail:history.withdrawn') });
    return events.sort((a, b) => a.at.localeCompare(b.at));
  };

  const renderInvitation = async (req: Request, res: Response, roundId: number, invitationId: number, extra: Record<string, unknown> = {}) => {
    const round = await invitations.getRound(roundId);
    const inv = await invitations.detail(roundId, invitationId);
    const history = (await mail.history([inv.id])).get(inv.id) ?? [];
    res.set('Cache-Control', 'no-store');
    res.render('mail/invitation', { title: inv.name, round, inv, events: timeline(req, inv, history), enabled: mail.enabled, fmt: (iso: string) => formatAlmaty(iso, req.lang), ...extra });
  };

  router.get(
    '/admin/rounds/:id/invitations/:invitationId',
    asyncHandler(async (req, res) => {
      const round = await roundOf(req);
      const id = parseOrThrow(ZInvitationId, req.params.invitationId);
      const notice = req.query.done ? req.t(`mail:invitation.done.${String(req.query.done) === 'withdrawn' ? 'withdrawn' : 'resent'}`) : undefined;
      await renderInvitation(req, res, round.id, id, { notice });
    }),
  );

  router.post(
    '/admin/rounds/:id/invitations/:invitationId/resend',
    asyncHandler(async (req, res) => {
      const round = await roundOf(req);
      const id = parseOrThrow(ZInvitationId, req.params.invitationId);
      await invitations.detail(round.id, id);
      const queued = await mail.queueRound(round.id, 'invitation', baseUrl(ctx, req), [id]);
      if (queued === 0) return renderInvitation(req, res.status(409), round.id, id, { formMessage: req.t('mail:invitation.notSendable') });
      res.redirect(303, `${invitationPath(round.id, id)}?done=resent`);
    }),
  );

  // Destructive: without confirm=yes the page asks first.
  router.post(
    '/admin/rounds/:id/invitations/:invitationId/reissue',
    asyncHandler(async (req, res) => {
      const round = await roundOf(req);
      const id = parseOrThrow(ZInvitationId, req.params.invitationId);
      if (req.body?.confirm !== 'yes') return renderInvitation(req, res, round.id, id, { confirming: 'reissue' });
      const link = await invitations.reissue(round.id, id, req.user!.id, baseUrl(ctx, req));
      // The new link is shown on this response only (like every new link); a reload does not make another.
      await renderInvitation(req, res, round.id, id, { newLink: link });
    }),
  );

  router.post(
    '/admin/rounds/:id/invitations/:invitationId/withdraw',
    asyncHandler(async (req, res) => {
      const round = await roundOf(req);
      const id = parseOrThrow(ZInvitationId, req.params.invitationId);
      if (req.body?.confirm !== 'yes') return renderInvitation(req, res, round.id, id, { confirming: 'withdraw' });
      await invitations.withdraw(round.id, id, req.user!.id);
      res.redirect(303, `${invitationPath(round.id, id)}?done=withdrawn`);
    }),
  );

  // Global: the outbox and the bounce list.

  const adminLocals = async (req: Request) => ({ title: req.t('mail:admin.title'), enabled: mail.enabled, counts: await mail.counts(), from: ctx.config.mail?.from });
  const adminPage = formPage('mail/admin', adminLocals);

  router.get('/admin/mail', adminPage.show());

  router.post(
    '/admin/mail/bounces',
    adminPage.submit(async (req, res) => {
      const { text } = parseOrThrow(ZBounceForm, req.body);
      const result = await mail.importBounces(text);
      renderForm(res, 'mail/admin', { ...(await adminLocals(req)), bounceResult: result });
    }),
  );

  // Opt-out: no account needed. GET only shows the button (mail scanners follow links).

  router.get(
    '/mail/opt-out/:token',
    asyncHandler(async (req, res) => {
      const valid = Boolean(await mail.optOutTarget(String(req.params.token)));
      res.status(valid ? 200 : 404).render('mail/opt-out', { title: req.t('mail:optOut.title'), token: String(req.params.token), valid, done: false });
    }),
  );

  router.post(
    '/mail/opt-out/:token',
    asyncHandler(async (req, res) => {
      const done = await mail.optOut(String(req.params.token), (id) => invitations.emailOf(id));
      res.status(done ? 200 : 404).render('mail/opt-out', { title: req.t('mail:optOut.title'), token: String(req.params.token), valid: done, done });
    }),
  );

  // API

  router.post(
    '/api/v1/rounds/:id/mail',
    asyncHandler(async (req, res) => {
      const round = await roundOf(req);
      const { kind } = parseOrThrow(ZMailRequest, req.body);
      const queued = await mail.queueRound(round.id, kind, baseUrl(ctx, req));
      res.status(202).json({ queued });
    }),
  );

  router.get(
    '/api/v1/rounds/:id/invitations',
    asyncHandler(async (req, res) => {
      const round = await roundOf(req);
      const filters = ZInvitationFilters.parse(req.query);
      const list = await invitations.list(round.id, filters);
      const history = await mail.history(list.rows.map((r) => r.id));
      const emails = new Map((await invitations.mailTargets(round.id, '', list.rows.map((r) => r.id))).map((t) => [t.id, t]));
      res.set('Cache-Control', 'no-store');
      res.json({
        page: filters.page,
        pages: list.pages,
        total: list.total,
        invitations: list.rows.map((r) => ({
          id: r.id,
          name: r.name,
          email: emails.get(r.id)?.email ?? null,
          language: emails.get(r.id)?.language ?? null,
          state: r.state,
          source: r.source,
          createdAt: r.createdAt,
          openedAt: r.openedAt,
          submittedAt: r.submittedAt,
          mail: (history.get(r.id) ?? []).map((h) => ({ kind: h.kind, status: h.status, queuedAt: h.queuedAt, sentAt: h.sentAt, attempts: h.attempts, error: h.error })),
        })),
      });
    }),
  );

  return router;
}

