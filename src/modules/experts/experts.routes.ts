import { Router, type Request, type Response } from 'express';
import { localized } from '../../i18n';
import { baseUrl, type AppContext } from '../../context';
import { formatAlmaty, parseAlmatyLocal } from '../../lib/almaty-time';
import { asyncHandler, parseOrThrow, ValidationError } from '../../errors';
import { takeConfirmation, renderConfirmation, type Confirmation } from '../../lib/confirm';
import { handleForm, renderForm } from '../../lib/forms';
import { writeCsv, writeXlsx } from '../../lib/spreadsheet';
import { STOP_RULE } from '../../math/delphi-stop-rule';
import { requireRole } from '../../middleware/auth';
import { kendallChart, pestBarsChart, spreadChart, swotSquareChart } from './experts.charts';
import { agreementRoundsTable, agreementTable, pestTable, swotTable, toSheet, type ExportTable } from './experts.export';
import {
  ZAddEnterprise,
  ZAddMember,
  ZAttachBarrier,
  ZBarrierCode,
  ZEnterpriseId,
  ZPanelForm,
  ZPanelId,
  ZRoundQuery,
  ZScoreForm,
  ZScoreFormDraft,
  ZScoreSectionQuery,
  ZUserId,
  type TScoreFormDraft,
  type TScoreSection,
} from './experts.schemas';
import type { ExpertsService, PanelAgreement, PanelPest, PanelSwot } from './experts.service';
import { ZReminderSchedule } from '../../lib/reminder-schedule';

const DONE_NOTICES = new Set(['updated', 'memberAdded', 'memberRemoved', 'enterpriseAdded', 'enterpriseRemoved', 'barrierAttached', 'barrierDetached', 'roundOpened', 'roundClosed', 'reminded', 'remindersSaved']);
const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

async function sendCsv(res: Response, filename: string, table: ExportTable): Promise<void> {
  res.setHeader('Content-Type', 'text/csv; charset=utf-8');
  res.setHeader('Content-Disposition', `attachment; filename="${filename}.csv"`);
  await writeCsv(res, table.header, table.rows);
}

async function sendXlsx(res: Response, filename: string, tables: ExportTable[]): Promise<void> {
  res.setHeader('Content-Type', XLSX_TYPE);
  res.setHeader('Content-Disposition', `attachment; filename="${filename}.xlsx"`);
  await writeXlsx(res, tables.map(toSheet));
}

/** Fixed decimals in the reader's locale (a decimal comma in Kazakh and Russian); '—' for no value. */
function numberFormatter(lang: string) {
  const cache = new Map<number, Intl.NumberFormat>();
  return (value: number | null | undefined, digits = 2): string => {
    if (value === null || value === undefined || !Number.isFinite(value)) return '—';
    if (!cache.has(digits)) cache.set(digits, new Intl.NumberFormat(lang, { minimumFractionDigits: digits, maximumFractionDigits: digits }));
    return cache.get(digits)!.format(value);
  };
}

export function expertsRoutes(ctx: AppContext, { experts }: { experts: ExpertsService }): Router {
  const router = Router();

  router.use(['/admin/panels', '/panels', '/expert'], (req, res, next) => {
    res.locals.fmtNum = numberFormatter(req.lang);
    next();
  });
  router.use('/admin/panels', requireRole('admin'));
  router.use('/panels', requireRole('admin', 'researcher'));
  router.use('/api/v1/panels', requireRole('admin', 'researcher'));
  router.use('/expert', requireRole('expert'));

  /* ---------------- administrator: panels ---------------- */

  const listLocals = async (req: Request, extra: Record<string, unknown> = {}) => ({
    title: req.t('experts:admin.title'),
    panels: await experts.listPanels(),
    surveyRounds: await experts.surveyRounds(),
    ...extra,
  });

  router.get(
    '/admin/panels',
    asyncHandler(async (req, res) => renderForm(res, 'experts/admin-list', await listLocals(req))),
  );

  router.post(
    '/admin/panels',
    asyncHandler(async (req, res) => {
      await handleForm(res, 'experts/admin-list', await listLocals(req, { values: req.body }), async () => {
        const id = await experts.createPanel(req.user!.id, parseOrThrow(ZPanelForm, req.body), req.lang);
        res.redirect(303, `/admin/panels/${id}`);
      });
    }),
  );

  const panelLocals = async (req: Request, id: number, extra: Record<string, unknown> = {}) => {
    const detail = await experts.panelDetail(id);
    return {
      title: localized(detail.panel, 'name', req.lang),
      ...detail,
      roundState: await experts.roundProgress(id),
      reminderSchedule: await experts.reminderSchedule(id),
      // Scheduled reminders are queued by the mail sender, which needs mail on and the public address for links.
      remindersCanRun: Boolean(ctx.config.mail && ctx.config.publicUrl),
      formatAlmaty: (iso: string | null) => (iso ? formatAlmaty(iso, req.lang) : ''),
      values: {
        // The form asks for the name in the page's language and for its translations.
        name: detail.panel[`name_${req.lang}`] ?? detail.panel.name,
        name_kk: detail.panel.name_kk ?? '',
        name_ru: detail.panel.name_ru ?? '',
        name_en: detail.panel.name_en ?? '',
        surveyRoundId: detail.panel.surveyRoundId ?? '',
      },
      notice: typeof req.query.done === 'string' && DONE_NOTICES.has(req.query.done) ? req.t(`experts:admin.done.${req.query.done}`) : undefined,
      ...extra,
    };
  };

  router.get(
    '/admin/panels/:id',
    asyncHandler(async (req, res) => renderForm(res, 'experts/admin-panel', await panelLocals(req, parseOrThrow(ZPanelId, req.params.id)))),
  );

  /**
   * Each panel action: validate, act, come back to the panel page (303) or re-render it with the
   * error. A destructive one first answers with a confirmation page (`ask` returns undefined when
   * there is nothing to ask, e.g. opening a round before the stop rule is met).
   */
  const panelAction = (
    path: string,
    done: string,
    action: (req: Request, panelId: number, confirmed: boolean) => Promise<void>,
    ask?: (req: Request, panelId: number) => Promise<Confirmation | undefined>,
  ) =>
    router.post(
      `/admin/panels/:id${path}`,
      asyncHandler(async (req, res) => {
        const panelId = parseOrThrow(ZPanelId, req.params.id);
        const confirmed = takeConfirmation(req);
        const locals = await panelLocals(req, panelId, { notice: undefined });
        await handleForm(res, 'experts/admin-panel', { ...locals, values: { ...locals.values, ...req.body } }, async () => {
          const question = ask && !confirmed ? await ask(req, panelId) : undefined;
          if (question) return renderConfirmation(req, res, question);
          await action(req, panelId, confirmed);
          res.redirect(303, `/admin/panels/${panelId}?done=${done}`);
        });
      }),
    );

  panelAction('', 'updated', (req, id) => experts.updatePanel(req.user!.id, id, parseOrThrow(ZPanelForm, req.body), req.lang));
  panelAction('/members', 'memberAdded', (req, id) => experts.addMember(req.user!.id, id, parseOrThrow(ZAddMember, req.body).userId));
  const confirmation = (req: Request, id: number, key: string, params: Record<string, unknown>, consequences: string[]): Confirmation => ({
    title: req.t(`experts:confirm.${key}Title`, params),
    consequences,
    confirmLabel: req.t(`experts:confirm.${key}Button`),
    cancelHref: `/admin/panels/${id}`,
  });
  panelAction(
    '/members/:userId/remove',
    'memberRemoved',
    (req, id) => experts.removeMember(req.user!.id, id, parseOrThrow(ZUserId, req.params.userId)),
    async (req, id) => {
      const userId = parseOrThrow(ZUserId, req.params.userId);
      const member = (await experts.panelDetail(id)).members.find((m) => m.userId === userId);
      return member && confirmation(req, id, 'removeMember', { email: member.email }, [req.t('experts:confirm.removeMemberEffect')]);
    },
  );
  panelAction('/enterprises', 'enterpriseAdded', (req, id) => experts.addEnterprise(req.user!.id, id, parseOrThrow(ZAddEnterprise, req.body)));
  panelAction(
    '/enterprises/:enterpriseId/remove',
    'enterpriseRemoved',
    (req, id) => experts.removeEnterprise(req.user!.id, id, parseOrThrow(ZEnterpriseId, req.params.enterpriseId)),
    async (req, id) => {
      const enterpriseId = parseOrThrow(ZEnterpriseId, req.params.enterpriseId);
      const enterprise = (await experts.panelDetail(id)).enterprises.find((e) => e.id === enterpriseId);
      return enterprise && confirmation(req, id, 'removeEnterprise', { name: enterprise.name }, [req.t('experts:confirm.removeEnterpriseEffect')]);
    },
  );
  panelAction('/barriers', 'barrierAttached', (req, id) => experts.attachBarrier(req.user!.id, id, parseOrThrow(ZAttachBarrier, req.body)));
  panelAction(
    '/barriers/:code/remove',
    'barrierDetached',
    (req, id) => experts.detachBarrier(req.user!.id, id, parseOrThrow(ZBarrierCode, req.params.code)),
    async (req, id) => confirmation(req, id, 'detachBarrier', { code: parseOrThrow(ZBarrierCode, req.params.code) }, [req.t('experts:confirm.detachBarrierEffect')]),
  );
  /** The deadline typed in Almaty time (optional), and where and in which language the experts' mail points. */
  const roundNotice = (req: Request) => {
    const raw = typeof req.body?.deadline === 'string' ? req.body.deadline.trim() : '';
    const deadlineAt = raw ? parseAlmatyLocal(raw) : null;
    if (deadlineAt === undefined) throw new ValidationError([{ path: 'deadline', key: 'errors:field.invalidFormat' }]);
    return { deadlineAt, base: baseUrl(ctx, req), lang: req.lang };
  };
  panelAction('/rounds/open-first', 'roundOpened', (req, id) => experts.openFirstRound(req.user!.id, id, roundNotice(req)));
  // Delphi guards: closing says how many experts have scored everything and, below the quorum,
  // what closing now means for the statistics; only the confirmed POST lets the service close
  // below the quorum. Opening another round after the stop rule is met asks first and says why.
  panelAction(
    '/rounds/close',
    'roundClosed',
    (req, id, confirmed) => experts.closeRound(req.user!.id, id, confirmed),
    async (req, id) => {
      const [detail, agreement, state] = await Promise.all([experts.panelDetail(id), experts.panelAgreement(id), experts.roundProgress(id)]);
      const open = agreement.rounds.find((r) => r.status === 'open');
      if (!open) return undefined;
      const members = detail.members.length;
      const effects = [req.t('experts:confirm.closeRoundEffect', { number: open.number }), req.t('experts:confirm.closeRoundComplete', { count: open.completeExperts, members })];
      if (open.completeExperts < members) effects.push(req.t('experts:confirm.closeRoundQuorum', { count: members - open.completeExperts }));
      const belowQuorum = state !== undefined && state.scorers < state.quorum;
      if (belowQuorum) effects.push(req.t('experts:errors.belowQuorum', { scorers: state.scorers, members: state.members, quorum: state.quorum, count: state.members }));
      return {
        ...confirmation(req, id, 'closeRound', { number: open.number }, effects),
        ...(belowQuorum ? { confirmLabel: req.t('experts:admin.confirmBelowQuorum') } : {}),
      };
    },
  );
  panelAction(
    '/rounds/open-next',
    'roundOpened',
    (req, id) => experts.openNextRound(req.user!.id, id, roundNotice(req)),
    async (req, id) => {
      const last = (await experts.panelAgreement(id)).rounds.at(-1);
      if (!last?.stopRule.met) return undefined;
      // A wrong deadline is reported on the panel page before asking; a right one rides along.
      roundNotice(req);
      return {
        ...confirmation(req, id, 'openAfterStop', { number: last.number }, [
          req.t(`experts:confirm.stopMet.${last.stopRule.reason}`, { number: last.number, w: last.kendallW?.toFixed(2) }),
          req.t('experts:confirm.openAfterStopEffect'),
        ]),
        fields: { deadline: typeof req.body?.deadline === 'string' ? req.body.deadline : '' },
      };
    },
  );
  panelAction('/reminders', 'remindersSaved', (req, id) => experts.saveReminderSchedule(req.user!.id, id, parseOrThrow(ZReminderSchedule, { enabled: 'off', ...req.body })));
  panelAction('/rounds/remind', 'reminded', async (req, id) => {
    await experts.remindNonScorers(id, { base: baseUrl(ctx, req), lang: req.lang });
  });

  /* ---------------- administrator and researcher: results ---------------- */

  router.get(
    '/panels',
    asyncHandler(async (req, res) => res.render('experts/results-list', { title: req.t('experts:results.title'), panels: await experts.listPanels() })),
  );

  const roundOf = (req: Request) => parseOrThrow(ZRoundQuery, req.query).round;

  const agreementLocals = (req: Request, a: PanelAgreement) => ({
    title: req.t('experts:agreement.title', { name: localized(a.panel, 'name', req.lang) }),
    page: 'agreement',
    a,
    stopRule: STOP_RULE,
    spreadSvg: spreadChart(a.rounds, req.t, req.lang),
    kendallSvg: kendallChart(a.rounds, STOP_RULE.strongW, req.t, req.lang),
  });

  router.get(
    '/panels/:id/agreement',
    asyncHandler(async (req, res) => {
      const a = await experts.panelAgreement(parseOrThrow(ZPanelId, req.params.id));
      res.render('experts/agreement', agreementLocals(req, a));
    }),
  );

  router.get(
    '/panels/:id/swot',
    asyncHandler(async (req, res) => {
      const swot = await experts.panelSwot(parseOrThrow(ZPanelId, req.params.id), roundOf(req));
      res.render('experts/swot', { title: req.t('experts:swot.title', { name: localized(swot.panel, 'name', req.lang) }), page: 'swot', swot, chartSvg: swotSquareChart(swot.result, req.t, req.lang) });
    }),
  );

  router.get(
    '/panels/:id/pest',
    asyncHandler(async (req, res) => {
      const pest = await experts.panelPest(parseOrThrow(ZPanelId, req.params.id), roundOf(req));
      res.render('experts/pest', { title: req.t('experts:pest.title', { name: localized(pest.panel, 'name', req.lang) }), page: 'pest', pest, chartSvg: pestBarsChart(pest.groups, req.t, req.lang) });
    }),
  );

  const exports: Record<string, (req: Request, id: number) => Promise<ExportTable[]>> = {
    swot: async (req, id) => [swotTable(await experts.panelSwot(id, roundOf(req)), req.t, req.lang)],
    pest: async (req, id) => [pestTable(await experts.panelPest(id, roundOf(req)), req.t, req.lang)],
    agreement: async (req, id) => {
      const a = await experts.panelAgreement(id);
      return [agreementTable(a, req.t, req.lang), agreementRoundsTable(a, req.t)];
    },
  };
  for (const [name, build] of Object.entries(exports)) {
    router.get(
      `/panels/:id/${name}.csv`,
      asyncHandler(async (req, res) => {
        const id = parseOrThrow(ZPanelId, req.params.id);
        const [table] = await build(req, id);
        await sendCsv(res, `panel-${id}-${name}`, table!);
      }),
    );
    router.get(
      `/panels/:id/${name}.xlsx`,
      asyncHandler(async (req, res) => {
        const id = parseOrThrow(ZPanelId, req.params.id);
        await sendXlsx(res, `panel-${id}-${name}`, await build(req, id));
      }),
    );
  }

  /* ---------------- JSON API ---------------- */

  router.get(
    '/api/v1/panels/:id/agreement',
    asyncHandler(async (req, res) => {
      const a = await experts.panelAgreement(parseOrThrow(ZPanelId, req.params.id));
      res.json(agreementJson(a));
    }),
  );
  router.get(
    '/api/v1/panels/:id/swot',
    asyncHandler(async (req, res) => res.json(swotJson(await experts.panelSwot(parseOrThrow(ZPanelId, req.params.id), roundOf(req))))),
  );
  router.get(
    '/api/v1/panels/:id/pest',
    asyncHandler(async (req, res) => res.json(pestJson(await experts.panelPest(parseOrThrow(ZPanelId, req.params.id), roundOf(req))))),
  );

  /* ---------------- expert ---------------- */

  router.get(
    '/expert',
    asyncHandler(async (req, res) => res.render('experts/expert-home', { title: req.t('experts:expert.title'), panels: await experts.expertPanels(req.user!.id) })),
  );

  /**
   * The scoring form shows one section at a time (?section=swot-S ...): the first section with
   * factors still to score unless one is asked for. A re-render after an error shows the section
   * posted, or every section when the whole form was posted at once.
   */
  const formLocals = async (req: Request, panelId: number, submitted?: TScoreFormDraft, asked?: unknown) => {
    const form = await experts.scoringForm(panelId, req.user!.id, submitted);
    const requested = ZScoreSectionQuery.safeParse(asked ?? req.query.section);
    const available = form.sections.map((s) => s.id);
    const section: TScoreSection | 'all' =
      submitted !== undefined && !requested.success
        ? 'all'
        : requested.success && available.includes(requested.data)
          ? requested.data
          : (form.sections.find((s) => s.saved < s.total)?.id ?? available[0] ?? 'swot-S');
    const at = available.indexOf(section as TScoreSection);
    return { title: form.panel.name, form, section, nextSection: at >= 0 ? available[at + 1] : undefined, values: {} };
  };

  router.get(
    '/expert/panels/:id',
    asyncHandler(async (req, res) => {
      const locals = await formLocals(req, parseOrThrow(ZPanelId, req.params.id));
      const saved = ZScoreSectionQuery.safeParse(req.query.saved);
      const departures = typeof req.query.departures === 'string' ? req.query.departures.split(',').filter((c) => /^[A-Z]{1,2}\d{1,3}$/.test(c)).slice(0, 60) : [];
      const incomplete = typeof req.query.incomplete === 'string' ? Number(req.query.incomplete) || 0 : 0;
      renderForm(res, 'experts/score-form', {
        ...locals,
        departures,
        notice: saved.success || req.query.saved === '1'
          ? [
              saved.success ? req.t('experts:expert.sectionSaved', { section: req.t(`experts:sections.${saved.data}`) }) : req.t('experts:expert.saved'),
              incomplete ? req.t('experts:expert.incompleteSaved', { count: incomplete }) : '',
            ].filter(Boolean).join(' ')
          : undefined,
      });
    }),
  );

  router.post(
    '/expert/panels/:id',
    asyncHandler(async (req, res) => {
      const panelId = parseOrThrow(ZPanelId, req.params.id);
      // Membership is checked before anything is read or written (404 for other panels).
      await experts.memberPanel(panelId, req.user!.id);
      const body = (req.body ?? {}) as Record<string, unknown>;
      const locals = await formLocals(req, panelId, ZScoreFormDraft.parse(body), body.section);
      await handleForm(res, 'experts/score-form', locals, async () => {
        const result = await experts.saveScores(panelId, req.user!.id, parseOrThrow(ZScoreForm, req.body));
        const posted = ZScoreSectionQuery.safeParse(body.section);
        const query = new URLSearchParams();
        if (posted.success) {
          // Moved away without a reason, or left unfinished: stay on the section; otherwise on to the next.
          const stay = result.departures.length > 0 || result.incomplete.length > 0 || !locals.nextSection;
          query.set('section', stay ? posted.data : locals.nextSection!);
          query.set('saved', posted.data);
        } else query.set('saved', '1');
        if (result.incomplete.length) query.set('incomplete', String(result.incomplete.length));
        if (result.departures.length) query.set('departures', result.departures.join(','));
        res.redirect(303, `/expert/panels/${panelId}?${query.toString()}`);
      });
    }),
  );

  return router;
}

/* ---------------- API shapes (public contract; extra fields are fine) ---------------- */

export function agreementJson(a: PanelAgreement) {
  return {
    panel: { id: a.panel.id, name: a.panel.name },
    ranking: a.ranking,
    consensusIqr: a.consensusIqr,
    stopRule: a.stopRule,
    rounds: a.rounds.map((r) => ({
      round: r.number,
      status: r.status,
      kendallW: r.kendallW,
      chiSquare: r.chiSquare,
      df: r.df,
      p: r.p,
      deltaW: r.deltaW,
      consensusShare: r.consensusShare,
      experts: r.experts,
      completeExperts: r.completeExperts,
      stopRuleMet: r.stopRule.met,
      factors: r.factors.map((f) => ({
        code: f.factor.code,
        n: f.n,
        weightMedian: f.weight?.median ?? null,
        weightIqr: f.weight?.iqr ?? null,
        strengthMedian: f.strength?.median ?? null,
        strengthIqr: f.strength?.iqr ?? null,
        consensus: f.consensus,
      })),
    })),
  };
}

export function swotJson(s: PanelSwot) {
  const factor = (f: PanelSwot['factors'][number]) => ({
    code: f.factor.code,
    n: f.n,
    weight: f.weight,
    strength: f.strength,
    normalisedWeight: f.normalisedWeight,
    score: f.score,
  });
  return {
    panel: { id: s.panel.id, name: s.panel.name },
    round: s.round?.number ?? null,
    provisional: s.provisional,
    surveyProvisional: s.surveyProvisional,
    quadrants: Object.fromEntries(
      (['S', 'W', 'O', 'T'] as const).map((q) => [q, { total: s.result.totals[q], factors: s.factors.filter((f) => f.factor.grp === q).map(factor) }]),
    ),
    barriers: s.barriers.map((b) => ({
      code: b.code,
      quadrant: b.quadrant,
      weight: b.weight,
      weightSource: b.weightSource,
      strength: b.strength,
      n: b.n,
      normalisedWeight: b.normalisedWeight,
      score: b.score,
    })),
    position: { x: s.result.x, y: s.result.y },
    strategy: s.result.strategy,
    onBoundary: s.result.onBoundary,
  };
}

export function pestJson(p: PanelPest) {
  return {
    panel: { id: p.panel.id, name: p.panel.name },
    round: p.round?.number ?? null,
    provisional: p.provisional,
    groups: p.groups.map((g) => ({
      ...g,
      factors: p.factors
        .filter((f) => f.factor.grp === g.group)
        .map((f) => ({ code: f.factor.code, polarity: f.factor.polarity, n: f.n, weight: f.weight, strength: f.strength, normalisedWeight: f.normalisedWeight, score: f.score })),
    })),
  };
}
