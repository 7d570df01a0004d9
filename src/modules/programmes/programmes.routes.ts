import { Router, type Request } from 'express';
import type { Services } from '../../composition';
import type { AppContext } from '../../context';
import { AppError, asyncHandler, parseOrThrow, ValidationError } from '../../errors';
import { localized, translator, type Language } from '../../i18n';
import { renderConfirmation, takeConfirmation, withConfirmation } from '../../lib/confirm';
import { fileUpload, formPage, renderForm } from '../../lib/forms';
import { requireRole } from '../../middleware/auth';
import { indicatorChart } from './programmes.charts';
import { attainmentPercent, reportTables, writeReportXlsx } from './programmes.report';
import {
  ZActualForm,
  ZEvidenceForm,
  ZExecutorForm,
  ZId,
  ZIndicatorBodiesForm,
  ZMeasureReportForm,
  ZReportQuery,
  ZSettlementForm,
  ZStatusRuleForm,
  ZTargetsForm,
  ZSubmissionForm,
  ZTerritoryEvidenceForm,
  ZTrackerFilter,
  ZYearQuery,
  type EvidenceInput,
} from './programmes.schemas';
import { ActualsImportError, type Actor } from './programmes.service';

const MAX_UPLOAD_BYTES = 10 * 1024 * 1024;
const NUMBER_LOCALES: Record<Language, string> = { kk: 'kk-KZ', ru: 'ru-RU', en: 'en-GB' };

/** Numbers in the reader's convention; missing values show as a dash. */
export function programmeNumber(lang: Language) {
  const cache = new Map<number, Intl.NumberFormat>();
  return (value: unknown, digits = 2): string => {
    if (typeof value !== 'number' || !Number.isFinite(value)) return '—';
    if (!cache.has(digits)) cache.set(digits, new Intl.NumberFormat(NUMBER_LOCALES[lang], { maximumFractionDigits: digits, minimumFractionDigits: 0 }));
    return cache.get(digits)!.format(value);
  };
}

const actorOf = (req: Request): Actor => ({ id: req.user!.id, role: req.user!.role });

export function programmesRoutes(_ctx: AppContext, services: Services): Router {
  const router = Router();
  const service = services.programmes;
  const uploadOrFieldError = fileUpload({ maxBytes: MAX_UPLOAD_BYTES, fields: 10 }, { tooLarge: 'programmes:errors.fileTooLarge', params: { max: '10 MB' } });

  // Analysts (researchers), administrators and executors of the reporting bodies; experts have no business here.
  const readers = requireRole('admin', 'researcher', 'executor');
  const staff = requireRole('admin', 'researcher');
  const admins = requireRole('admin');
  router.use(['/programmes', '/api/v1/programmes'], readers);
  router.use('/programmes', (req, res, next) => {
    res.locals.fmt = programmeNumber(req.lang);
    res.locals.pct = (ratio: number | null) => (ratio === null ? '—' : `${programmeNumber(req.lang)(attainmentPercent(ratio), 1)} %`);
    next();
  });

  const programmeId = (req: Request) => parseOrThrow(ZId, req.params.id);
  const base = async (req: Request, extra: Record<string, unknown> = {}) => {
    const programme = await service.get(programmeId(req));
    return { programme, rule: { onTrack: Math.round(programme.onTrackMin * 100), atRisk: Math.round(programme.atRiskMin * 100) }, ...extra };
  };

  /* ---------------------------------------------------------------- API */

  router.get(
    '/api/v1/programmes',
    asyncHandler(async (_req, res) => {
      const list = await service.list();
      res.json({
        programmes: list.map((p) => ({ id: p.id, code: p.code, name: { kk: p.name_kk, ru: p.name_ru, en: p.name_en }, period: { from: p.periodFrom, to: p.periodTo }, baselineYear: p.baselineYear })),
      });
    }),
  );

  router.get(
    '/api/v1/programmes/:id',
    asyncHandler(async (req, res) => {
      res.json(await service.apiDetail(actorOf(req), programmeId(req)));
    }),
  );

  /* ---------------------------------------------------------------- list, import, export */

  router.get(
    '/programmes',
    asyncHandler(async (req, res) => {
      res.render('programmes/list', { title: req.t('programmes:title'), programmes: await service.list() });
    }),
  );

  const importPage = formPage('programmes/import', async (req) => ({ title: req.t('programmes:importSpec.title') }));
  router.get('/programmes/import', admins, importPage.show());

  router.post(
    '/programmes/import',
    admins,
    uploadOrFieldError,
    importPage.submit(async (req, res) => {
      if (!req.file) throw new ValidationError([{ path: 'file', key: 'errors:field.required' }]);
      let spec: unknown;
      try {
        spec = JSON.parse(req.file.buffer.toString('utf8').replace(/^\ufeff/, ''));
      } catch {
        throw new ValidationError([{ path: 'file', key: 'programmes:importSpec.notJson' }], 'programmes:spec.invalid');
      }
      const id = await service.importSpec(spec);
      res.redirect(303, `/programmes/${id}`);
    }, () => ({})),
  );

  router.get(
    '/programmes/:id/export.json',
    staff,
    asyncHandler(async (req, res) => {
      const spec = await service.exportSpec(programmeId(req));
      res.set('Content-Disposition', `attachment; filename="${spec.code}.json"`);
      res.type('application/json').send(JSON.stringify(spec, null, 2));
    }),
  );

  /* ---------------------------------------------------------------- overview and indicators */

  router.get(
    '/programmes/:id',
    asyncHandler(async (req, res) => {
      const locals = await base(req);
      const year = parseOrThrow(ZYearQuery, req.query).year ?? service.defaultYear(locals.programme);
      const [views, results, glossary] = await Promise.all([service.indicatorViews(actorOf(req), locals.programme.id), service.results(locals.programme.id), service.glossary(locals.programme.id)]);
      renderForm(res, 'programmes/overview', { ...locals, title: localized(locals.programme as never, 'name', req.lang), views, results, glossary, year });
    }),
  );

  const indicatorLocals = async (req: Request, extra: Record<string, unknown> = {}) => {
    const locals = await base(req);
    const indicatorId = parseOrThrow(ZId, req.params.indicatorId);
    const view = await service.indicatorView(actorOf(req), locals.programme.id, indicatorId);
    const [history, bodies] = await Promise.all([service.indicatorHistory(locals.programme.id, indicatorId), service.bodies(locals.programme.id)]);
    const name = localized(view.indicator as never, 'name', req.lang);
    const unit = localized(view.indicator as never, 'unit', req.lang);
    return {
      ...locals,
      title: `${view.indicator.code}. ${name}`,
      view,
      history,
      bodies,
      chart: indicatorChart(view, name, unit, req.t, req.lang),
      values: { year: String(service.defaultYear(locals.programme)) },
      ...extra,
    };
  };
  const indicatorPage = formPage('programmes/indicator', (req) => indicatorLocals(req));

  router.get(
    '/programmes/:id/indicators/:indicatorId',
    indicatorPage.show(),
  );

  router.post(
    '/programmes/:id/indicators/:indicatorId/actuals',
    indicatorPage.submit(async (req, res, locals) => {
      const confirmed = takeConfirmation(req);
      const form = parseOrThrow(ZActualForm, req.body);
      // A year that has its actual already: replacing it asks first, naming both values.
      const previous = locals.view.years.find((y) => y.year === form.year)?.actual;
      if (previous && previous.value !== form.value && locals.view.canEdit && !confirmed) {
        const number = new Intl.NumberFormat(req.lang);
        return renderConfirmation(req, res, {
          title: req.t('programmes:confirm.replaceActual.title', { year: form.year }),
          consequences: [
            req.t('programmes:confirm.replaceActual.values', { year: form.year, from: number.format(previous.value), to: number.format(form.value) }),
            req.t('programmes:confirm.replaceActual.history'),
          ],
          confirmLabel: req.t('programmes:confirm.replaceActual.button'),
          cancelHref: `/programmes/${locals.programme.id}/indicators/${locals.view.indicator.id}`,
          fields: stringFields(req.body),
        });
      }
      await service.enterActual(actorOf(req), locals.programme.id, locals.view.indicator.id, form);
      res.redirect(303, `/programmes/${locals.programme.id}/indicators/${locals.view.indicator.id}?saved=${form.year}`);
    }),
  );

  router.post(
    '/programmes/:id/indicators/:indicatorId/bodies',
    admins,
    indicatorPage.submit(async (req, res, locals) => {
      const confirmed = takeConfirmation(req);
      const { bodyIds } = parseOrThrow(ZIndicatorBodiesForm, req.body);
      // Taking a body off the indicator takes its executors' right to enter the actuals: named first, asked once.
      const { removed, added } = await service.indicatorBodiesChange(actorOf(req), locals.programme.id, locals.view.indicator.id, bodyIds);
      if (removed.length && !confirmed) {
        const named = (b: (typeof removed)[number]) => `${b.code} — ${localized(b as never, 'name', req.lang)}`;
        return renderConfirmation(req, res, {
          title: req.t('programmes:confirm.indicatorBodies.title', { code: locals.view.indicator.code }),
          consequences: [
            req.t('programmes:confirm.indicatorBodies.removed', { count: removed.length }),
            ...removed.map(named),
            ...(added.length ? [req.t('programmes:confirm.indicatorBodies.added', { count: added.length }), ...added.map(named)] : []),
            req.t('programmes:confirm.indicatorBodies.kept'),
          ],
          confirmLabel: req.t('programmes:confirm.indicatorBodies.button'),
          cancelHref: `/programmes/${locals.programme.id}/indicators/${locals.view.indicator.id}`,
          fields: stringFields(req.body),
        });
      }
      await service.setIndicatorBodies(actorOf(req), locals.programme.id, locals.view.indicator.id, bodyIds);
      res.redirect(303, `/programmes/${locals.programme.id}/indicators/${locals.view.indicator.id}`);
    }, () => ({})),
  );

  router.post(
    '/programmes/:id/indicators/:indicatorId/targets',
    admins,
    indicatorPage.submit(async (req, res, locals) => {
      const confirmed = takeConfirmation(req);
      const form = parseOrThrow(ZTargetsForm, req.body);
      // Stored targets removed or replaced (or the baseline, the direction): the list of what goes, asked first.
      const changes = await service.targetChanges(actorOf(req), locals.programme.id, locals.view.indicator.id, form);
      if (!confirmed && (changes.removed.length || changes.replaced.length || changes.baseline || changes.direction)) {
        const fmt = programmeNumber(req.lang);
        return renderConfirmation(req, res, {
          title: req.t('programmes:confirm.targets.title', { code: locals.view.indicator.code }),
          consequences: [
            ...changes.removed.map((c) => req.t('programmes:confirm.targets.removed', { year: c.year, from: fmt(c.from, 6) })),
            ...changes.replaced.map((c) => req.t('programmes:confirm.targets.replaced', { year: c.year, from: fmt(c.from, 6), to: fmt(c.to, 6) })),
            ...(changes.baseline ? [req.t('programmes:confirm.targets.baseline', { from: fmt(changes.baseline.from, 6), to: fmt(changes.baseline.to, 6) })] : []),
            ...(changes.direction ? [req.t('programmes:confirm.targets.direction', { from: req.t(`programmes:direction.${changes.direction.from}`), to: req.t(`programmes:direction.${changes.direction.to}`) })] : []),
            req.t('programmes:confirm.targets.recomputed'),
            req.t('programmes:confirm.replaceActual.history'),
          ],
          confirmLabel: req.t('programmes:confirm.targets.button'),
          cancelHref: `/programmes/${locals.programme.id}/indicators/${locals.view.indicator.id}#targets`,
          fields: stringFields(req.body),
        });
      }
      await service.updateTargets(actorOf(req), locals.programme.id, locals.view.indicator.id, form);
      res.redirect(303, `/programmes/${locals.programme.id}/indicators/${locals.view.indicator.id}#targets`);
    }, (req) => ({ targetValues: req.body })),
  );

  router.post(
    '/programmes/:id/rule',
    admins,
    asyncHandler(async (req, res) => {
      const id = programmeId(req);
      // Thresholds are typed as percentages on the page and stored as ratios.
      const body = req.body as Record<string, unknown>;
      const asRatio = (v: unknown) => (typeof v === 'string' && /^\s*\d+([.,]\d+)?\s*$/.test(v) ? String(Number(v.trim().replace(',', '.')) / 100) : v);
      await service.updateStatusRule(actorOf(req), id, parseOrThrow(ZStatusRuleForm, { ...body, onTrackMin: asRatio(body.onTrackMin), atRiskMin: asRatio(body.atRiskMin) }));
      res.redirect(303, `/programmes/${id}#rule`);
    }),
  );

  router.get(
    '/programmes/:id/actuals/import',
    asyncHandler(async (req, res) => {
      const notice = req.query.discarded === '1' ? req.t('programmes:import.discard.done') : undefined;
      renderForm(res, 'programmes/actuals-import', { ...(await base(req)), title: req.t('programmes:import.title'), notice });
    }),
  );

  router.post(
    '/programmes/:id/actuals/import',
    uploadOrFieldError,
    asyncHandler(async (req, res) => {
      const locals = { ...(await base(req)), title: req.t('programmes:import.title') };
      try {
        if (!req.file) throw new ValidationError([{ path: 'file', key: 'errors:field.required' }], 'programmes:import.failed');
        const result = await service.importActuals(actorOf(req), locals.programme.id, { name: req.file.originalname, buffer: req.file.buffer });
        // A file that replaces stored values waits for its confirmation page; one that only adds is written.
        if ('stagedId' in result) return res.redirect(303, `/programmes/${locals.programme.id}/actuals/imports/${result.stagedId}`);
        res.redirect(303, `/programmes/${locals.programme.id}?imported=${result.applied}`);
      } catch (error) {
        if (error instanceof ActualsImportError) {
          return renderForm(res, 'programmes/actuals-import', { ...locals, issues: error.issues, formMessage: req.t('programmes:import.failed'), fileName: req.file?.originalname }, 400);
        }
        if (error instanceof AppError && error.status === 400) return renderForm(res, 'programmes/actuals-import', { ...locals, error });
        throw error;
      }
    }),
  );

  /** The confirmation page of a staged actuals file: every stored value it replaces (old -> new) and how many it adds. */
  router.get(
    '/programmes/:id/actuals/imports/:importId',
    asyncHandler(async (req, res) => {
      const locals = await base(req);
      const staged = await service.stagedActualsImport(actorOf(req), locals.programme.id, parseOrThrow(ZId, req.params.importId));
      const fmt = programmeNumber(req.lang);
      const replaced = staged.replaced.map((r) =>
        req.t(r.detailsChanged ? 'programmes:import.confirm.replacedWithDetails' : 'programmes:import.confirm.replaced', {
          code: r.indicator.code,
          name: localized(r.indicator as never, 'name', req.lang),
          year: r.year,
          from: fmt(r.from, 6),
          to: fmt(r.to, 6),
        }),
      );
      res.set('Cache-Control', 'no-store');
      res.render('confirm', {
        ...locals,
        title: req.t('programmes:import.confirm.title', { count: staged.replaced.length, file: staged.fileName }),
        consequences: [
          req.t('programmes:import.confirm.replacedCount', { count: staged.replaced.length }),
          ...replaced,
          req.t('programmes:import.confirm.added', { count: staged.added }),
          ...(staged.unchanged ? [req.t('programmes:import.confirm.unchanged', { count: staged.unchanged })] : []),
          req.t('programmes:confirm.replaceActual.history'),
        ],
        confirmLabel: req.t('programmes:import.confirm.button'),
        cancelHref: `/programmes/${locals.programme.id}/actuals/import`,
        action: `/programmes/${locals.programme.id}/actuals/imports/${staged.id}/confirm`,
        fields: {},
        alternative: { action: `/programmes/${locals.programme.id}/actuals/imports/${staged.id}/discard`, label: req.t('programmes:import.discard.button') },
      });
    }),
  );

  router.post(
    '/programmes/:id/actuals/imports/:importId/confirm',
    asyncHandler(async (req, res) => {
      const id = programmeId(req);
      const importId = parseOrThrow(ZId, req.params.importId);
      // Only the confirmation page's button applies the file; anything else goes back to that page.
      if (!takeConfirmation(req)) return res.redirect(303, `/programmes/${id}/actuals/imports/${importId}`);
      const count = await service.confirmActualsImport(actorOf(req), id, importId);
      res.redirect(303, `/programmes/${id}?imported=${count}`);
    }),
  );

  router.post(
    '/programmes/:id/actuals/imports/:importId/discard',
    asyncHandler(async (req, res) => {
      const id = programmeId(req);
      const importId = parseOrThrow(ZId, req.params.importId);
      await withConfirmation(
        req,
        res,
        async () => {
          const staged = await service.stagedActualsImport(actorOf(req), id, importId);
          return {
            title: req.t('programmes:import.discard.title', { file: staged.fileName }),
            consequences: [req.t('programmes:import.discard.rows', { count: staged.total }), req.t('programmes:import.discard.nothingWritten')],
            confirmLabel: req.t('programmes:import.discard.button'),
            cancelHref: `/programmes/${id}/actuals/imports/${importId}`,
          };
        },
        async () => {
          await service.discardActualsImport(actorOf(req), id, importId);
          res.redirect(303, `/programmes/${id}/actuals/import?discarded=1`);
        },
      );
    }),
  );

  /* ---------------------------------------------------------------- action plan tracker */

  router.get(
    '/programmes/:id/measures',
    asyncHandler(async (req, res) => {
      const locals = await base(req);
      const filter = parseOrThrow(ZTrackerFilter, req.query);
      const year = filter.year ?? service.defaultYear(locals.programme);
      const [measures, directions, bodies] = await Promise.all([
        service.measureViews(actorOf(req), locals.programme.id, { ...filter, year }),
        service.directions(locals.programme.id),
        service.bodies(locals.programme.id),
      ]);
      const years = [];
      for (let y = locals.programme.periodFrom; y <= locals.programme.periodTo; y++) years.push(y);
      res.render('programmes/measures', { ...locals, title: req.t('programmes:tracker.title'), measures, directions, bodies, years, filter: { ...filter, year }, today: service.today() });
    }),
  );

  const measureLocals = async (req: Request, extra: Record<string, unknown> = {}) => {
    const locals = await base(req);
    const measureId = parseOrThrow(ZId, req.params.measureId);
    const [detail, options] = await Promise.all([service.measureDetail(actorOf(req), locals.programme.id, measureId), service.evidenceOptions()]);
    const years = detail.years.map((y) => y.year);
    const defaultYear = service.defaultYear(locals.programme);
    return {
      ...locals,
      title: `${req.t('programmes:tracker.measure')} ${detail.measure.number}`,
      detail,
      options,
      values: { year: String(years.includes(defaultYear) ? defaultYear : years[0]) },
      ...extra,
    };
  };
  const measurePage = formPage('programmes/measure', (req) => measureLocals(req));

  router.get(
    '/programmes/:id/measures/:measureId',
    measurePage.show(),
  );

  router.post(
    '/programmes/:id/measures/:measureId/report',
    measurePage.submit(async (req, res, locals) => {
      const confirmed = takeConfirmation(req);
      const form = parseOrThrow(ZMeasureReportForm, req.body);
      // "Not started" deletes the year's report: asked first when there is one.
      const report = locals.detail.years.find((y) => y.year === form.year)?.report;
      if (form.status === 'not_started' && report && locals.detail.canEdit && !confirmed) {
        return renderConfirmation(req, res, {
          title: req.t('programmes:confirm.deleteReport.title', { year: form.year }),
          consequences: [req.t('programmes:confirm.deleteReport.gone', { year: form.year, status: req.t(`programmes:measureStatus.${report.status}`) }), req.t('programmes:confirm.replaceActual.history')],
          confirmLabel: req.t('programmes:confirm.deleteReport.button'),
          cancelHref: `/programmes/${locals.programme.id}/measures/${locals.detail.measure.id}`,
          fields: stringFields(req.body),
        });
      }
      await service.reportMeasure(actorOf(req), locals.programme.id, locals.detail.measure.id, form);
      res.redirect(303, `/programmes/${locals.programme.id}/measures/${locals.detail.measure.id}`);
    }),
  );

  const withFile = <T extends object>(req: Request, form: T): T & Pick<EvidenceInput, 'file'> => ({
    ...form,
    ...(req.file ? { file: { name: req.file.originalname, type: req.file.mimetype, data: req.file.buffer } } : {}),
  });

  router.post(
    '/programmes/:id/measures/:measureId/evidence',
    uploadOrFieldError,
    measurePage.submit(async (req, res, locals) => {
      await service.addEvidence(actorOf(req), locals.programme.id, locals.detail.measure.id, withFile(req, parseOrThrow(ZEvidenceForm, req.body ?? {})));
      res.redirect(303, `/programmes/${locals.programme.id}/measures/${locals.detail.measure.id}#evidence`);
    }, (req) => ({ evidenceValues: req.body ?? {} })),
  );

  router.get(
    '/programmes/:id/evidence/:evidenceId',
    asyncHandler(async (req, res) => {
      const file = await service.evidenceFile(programmeId(req), parseOrThrow(ZId, req.params.evidenceId));
      // Always a download with a neutral type: an uploaded HTML or SVG file must not run as a page of ours.
      res.set('Content-Disposition', `attachment; filename*=UTF-8''${encodeURIComponent(file.fileName ?? 'evidence')}`);
      res.set('X-Content-Type-Options', 'nosniff');
      res.type('application/octet-stream').send(file.fileData);
    }),
  );

  /* ---------------------------------------------------------------- calendar and report */

  router.get(
    '/programmes/:id/calendar',
    asyncHandler(async (req, res) => {
      const locals = await base(req);
      const year = parseOrThrow(ZYearQuery, req.query).year ?? service.defaultYear(locals.programme);
      const [rows, bodies] = await Promise.all([service.calendar(actorOf(req), locals.programme.id, year), service.bodies(locals.programme.id)]);
      renderForm(res, 'programmes/calendar', { ...locals, title: req.t('programmes:calendar.title'), rows, bodies, year, today: service.today() });
    }),
  );

  router.post(
    '/programmes/:id/calendar/submissions',
    asyncHandler(async (req, res) => {
      const locals = await base(req);
      const form = parseOrThrow(ZSubmissionForm, req.body);
      await service.submit(actorOf(req), locals.programme.id, form);
      res.redirect(303, `/programmes/${locals.programme.id}/calendar?year=${form.year}`);
    }),
  );

  router.get(
    '/programmes/:id/report',
    asyncHandler(async (req, res) => {
      const locals = await base(req);
      const query = parseOrThrow(ZReportQuery, { year: service.defaultYear(locals.programme), ...req.query });
      const lang = query.lang ?? req.lang;
      const t = translator(lang);
      const report = await service.annualReport(actorOf(req), locals.programme.id, query.year);
      res.render('programmes/report', {
        ...locals,
        layout: false,
        reportLang: lang,
        rt: t,
        rfmt: programmeNumber(lang),
        tables: reportTables(report, lang, t),
        report,
        title: t('programmes:report.title', { year: query.year }),
      });
    }),
  );

  router.get(
    '/programmes/:id/report.xlsx',
    asyncHandler(async (req, res) => {
      const locals = await base(req);
      const query = parseOrThrow(ZReportQuery, { year: service.defaultYear(locals.programme), ...req.query });
      const lang = query.lang ?? req.lang;
      const report = await service.annualReport(actorOf(req), locals.programme.id, query.year);
      res.set('Content-Disposition', `attachment; filename="${locals.programme.code}-${query.year}-${lang}.xlsx"`);
      res.type('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
      await writeReportXlsx(res, report, lang, translator(lang));
    }),
  );

  /* ---------------------------------------------------------------- executors */

  const executorLocals = async (req: Request, extra: Record<string, unknown> = {}) => {
    const locals = await base(req);
    return { ...locals, title: req.t('programmes:executors.title'), ...(await service.executors(locals.programme.id)), ...extra };
  };
  const executorPage = formPage('programmes/executors', (req) => executorLocals(req));

  router.get(
    '/programmes/:id/executors',
    admins,
    executorPage.show(),
  );

  router.post(
    '/programmes/:id/executors',
    admins,
    executorPage.submit(async (req, res, locals) => {
      const confirmed = takeConfirmation(req);
      const form = parseOrThrow(ZExecutorForm, req.body);
      // Unticking a body takes the executor's reporting for it away: named first, asked once.
      const { user, removed } = await service.executorBodiesRemoved(actorOf(req), locals.programme.id, form.userId, form.bodyIds);
      if (user && removed.length && !confirmed) {
        return renderConfirmation(req, res, {
          title: req.t('programmes:confirm.executorBodies.title', { user: user.name || user.email }),
          consequences: [
            req.t('programmes:confirm.executorBodies.removed', { user: user.name || user.email, count: removed.length }),
            ...removed.map((b) => `${b.code} — ${localized(b as never, 'name', req.lang)}`),
            req.t('programmes:confirm.executorBodies.kept'),
          ],
          confirmLabel: req.t('programmes:confirm.executorBodies.button'),
          cancelHref: `/programmes/${locals.programme.id}/executors`,
          fields: stringFields(req.body),
        });
      }
      await service.setExecutorBodies(actorOf(req), locals.programme.id, form.userId, form.bodyIds);
      res.redirect(303, `/programmes/${locals.programme.id}/executors`);
    }, () => ({})),
  );

  /* ---------------------------------------------------------------- analysis of regions */

  const regionLocals = async (req: Request, extra: Record<string, unknown> = {}) => {
    const locals = await base(req);
    const [regions, options] = await Promise.all([service.regions(locals.programme.id), service.evidenceOptions()]);
    return { ...locals, title: req.t('programmes:regions.title'), regions, options, values: { year: String(service.defaultYear(locals.programme)) }, ...extra };
  };
  const regionPage = formPage('programmes/regions', (req) => regionLocals(req));

  router.get(
    '/programmes/:id/regions',
    staff,
    regionPage.show(),
  );

  router.post(
    '/programmes/:id/regions/load',
    staff,
    asyncHandler(async (req, res) => {
      const id = programmeId(req);
      await service.loadRegionalBaseline(actorOf(req), id);
      res.redirect(303, `/programmes/${id}/regions`);
    }),
  );

  router.post(
    '/programmes/:id/regions/index',
    staff,
    asyncHandler(async (req, res) => {
      const id = programmeId(req);
      const modelId = await service.buildRegionalIndex(actorOf(req), id);
      res.redirect(303, `/indicators/models/${modelId}`);
    }),
  );

  router.post(
    '/programmes/:id/regions/settlements',
    staff,
    regionPage.submit(async (req, res, locals) => {
      await service.enterSettlement(actorOf(req), locals.programme.id, parseOrThrow(ZSettlementForm, req.body));
      res.redirect(303, `/programmes/${locals.programme.id}/regions#settlements`);
    }),
  );

  router.post(
    '/programmes/:id/regions/evidence',
    staff,
    uploadOrFieldError,
    regionPage.submit(async (req, res, locals) => {
      const { territoryId, ...form } = parseOrThrow(ZTerritoryEvidenceForm, req.body ?? {});
      await service.addTerritoryEvidence(actorOf(req), locals.programme.id, territoryId, withFile(req, form));
      res.redirect(303, `/programmes/${locals.programme.id}/regions#territory-evidence`);
    }, (req) => ({ evidenceValues: req.body ?? {} })),
  );

  return router;
}

/**
 * A form's fields as sent, to repeat them on a confirmation step (a form here has no files). Lists and
 * groups (`bodyIds`, `targets[y2027]`) are written back in the bracket form the body parser reads again.
 */
function stringFields(body: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (value: unknown, name: string) => {
    if (typeof value === 'string') out[name] = value;
    else if (Array.isArray(value)) value.forEach((v, i) => walk(v, `${name}[${i}]`));
    else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) walk(v, `${name}[${k}]`);
  };
  if (body && typeof body === 'object') for (const [k, v] of Object.entries(body)) if (k !== '_csrf') walk(v, k);
  return out;
}
