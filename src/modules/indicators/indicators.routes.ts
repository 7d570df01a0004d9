import { Router, type Request, type Response } from 'express';
import { localized } from '../../i18n';
import type { AppContext } from '../../context';
import { asyncHandler, parseOrThrow, ValidationError } from '../../errors';
import type { Language } from '../../i18n';
import { withConfirmation } from '../../lib/confirm';
import { fileUpload, formPage, handleForm, renderForm } from '../../lib/forms';
import { writeCsv } from '../../lib/spreadsheet';
import { requireRole } from '../../middleware/auth';
import type { TerritoryRecord } from '../territories/territories.schemas';
import { compositeChart, fitChart, robustnessChart } from './indicators.charts';
import {
  DIRECTIONS,
  ZCompositeForm,
  ZDatasetInput,
  ZDerivedIndicatorEdit,
  ZDerivedIndicatorInput,
  ZFitForm,
  ZModelTitleInput,
  ZForecastForm,
  ZId,
  ZImportOptions,
  ZIndicatorInput,
  ZScenarioForm,
  type IndicatorRecord,
  type ModelRecord,
} from './indicators.schemas';
import { scenarioInputs, type IndicatorsService } from './indicators.service';
import { calculatorResults } from './indicators.calculators';
import { MODEL_RUNNERS, TREND, type CompositeResult, type FitResult, type ScenarioResult, type TFitSpec, type TScenarioSpec } from './models.spec';

const MAX_UPLOAD_BYTES = 5 * 1024 * 1024;

export function indicatorsRoutes(_ctx: AppContext, { indicators: service }: { indicators: IndicatorsService }): Router {
  const router = Router();
  const uploadOrFieldError = fileUpload({ maxBytes: MAX_UPLOAD_BYTES, fields: 5 }, { tooLarge: 'indicators:import.tooLarge', formMessage: 'indicators:import.failed' });

  // The public model API: the same runners as the CLI, so one spec gives one result everywhere.
  for (const [name, run] of Object.entries(MODEL_RUNNERS)) {
    router.post(
      `/api/v1/models/${name}`,
      requireRole('admin', 'researcher'),
      asyncHandler(async (req, res) => {
        res.json(run(req.body));
      }),
    );
  }

  router.use('/indicators', requireRole('admin', 'researcher'), (req, res, next) => {
    res.locals.fmt = numberFormatter(req.lang);
    next();
  });

  /** Localised territory names for names used in specs (English) and for ids. */
  const territoryNames = async (lang: Language) => {
    const all = await service.listTerritories();
    const byEnglish = new Map(all.map((t) => [t.name_en, t]));
    const name = (t: TerritoryRecord) => t[`name_${lang}`] || t.name_en;
    return { all, byId: new Map(all.map((t) => [t.id, t])), label: (english: string) => (byEnglish.has(english) ? name(byEnglish.get(english)!) : english), name };
  };

  const modelView = async (req: Request, model: ModelRecord): Promise<Record<string, unknown>> => {
    const names = await territoryNames(req.lang);
    if (model.kind === 'scenario') {
      const result = model.result as ScenarioResult;
      const spec = model.spec as TScenarioSpec;
      return {
        result,
        spec,
        steps: result.steps.map((step, k) => {
          const stepSpec = spec.steps[k]!;
          const inputs = [...(stepSpec.timeColumn ? [stepSpec.timeColumn] : []), ...stepSpec.x.filter((x) => !(stepSpec.timeColumn && x === TREND))];
          return { ...step, view: { result: step.fit, spec: stepSpec, inputs, chart: fitChart(step.fit, stepSpec.timeColumn, undefined, req.t, req.lang) } };
        }),
      };
    }
    if (model.kind === 'composite') {
      const result = model.result as CompositeResult;
      const idOf = new Map((model.origin?.territories ?? []).map((t) => [t.name, t.id]));
      return {
        result,
        chart: compositeChart(result, names.label, req.t, req.lang),
        robustnessChart: result.robustness ? robustnessChart(result, names.label, req.t, req.lang) : undefined,
        ranking: [...result.territories].sort((a, b) => a.rank - b.rank).map((r) => ({ ...r, label: names.label(r.territory), territoryId: idOf.get(r.territory) })),
        excluded: (model.origin?.excluded ?? []).map((e) => ({ ...e, label: names.byId.get(e.id) ? names.name(names.byId.get(e.id)!) : String(e.id) })),
      };
    }
    const result = model.result as FitResult;
    const spec = model.spec as TFitSpec;
    const rowLabels = model.origin?.rowsBy === 'territory' ? (model.origin.territories ?? []).map((t) => names.label(t.name)) : undefined;
    const territory = model.origin?.territoryId ? names.byId.get(model.origin.territoryId) : undefined;
    const inputs = [...(spec.timeColumn ? [spec.timeColumn] : []), ...spec.x.filter((x) => !(spec.timeColumn && x === TREND))];
    return { result, spec, inputs, territory: territory ? names.name(territory) : undefined, rowLabels, chart: fitChart(result, spec.timeColumn, rowLabels, req.t, req.lang) };
  };

  const indicatorLabels = async () => new Map((await service.listIndicators()).map((i) => [i.id, i]));

  router.get(
    '/indicators',
    asyncHandler(async (req, res) => {
      const [datasets, models] = await Promise.all([service.listDatasets(), service.listModels(req.user!)]);
      const latestComposite = models.find((m) => m.kind === 'composite');
      const latestFit = models.find((m) => m.kind === 'fit');
      res.render('indicators/index', {
        title: req.t('indicators:title'),
        datasets,
        models,
        composite: latestComposite ? { model: latestComposite, ...(await modelView(req, latestComposite)) } : undefined,
        fit: latestFit ? { model: latestFit, ...(await modelView(req, latestFit)) } : undefined,
        notice: req.query.deleted === '1' ? req.t('indicators:models.deleted') : undefined,
      });
    }),
  );

  /* ---- datasets ---- */

  router.get('/indicators/datasets/new', (req, res) => {
    renderForm(res, 'indicators/dataset-form', { title: req.t('indicators:datasets.new'), dataset: undefined });
  });

  router.post(
    '/indicators/datasets',
    asyncHandler(async (req, res) => {
      await handleForm(res, 'indicators/dataset-form', { title: req.t('indicators:datasets.new'), dataset: undefined, values: req.body }, async () => {
        const id = await service.createDataset(req.user!.id, parseOrThrow(ZDatasetInput, req.body), req.lang);
        res.redirect(303, `/indicators/datasets/${id}`);
      });
    }),
  );

  const datasetLocals = async (req: Request, datasetId: number, extra: Record<string, unknown> = {}) => {
    const dataset = await service.getDataset(datasetId);
    const indicators = await service.listIndicators(datasetId);
    const periods = await service.periodsByIndicator(indicators.map((i) => i.id));
    const shownId = Number(req.query.indicator) || indicators[0]?.id;
    const shown = indicators.find((i) => i.id === shownId);
    const names = await territoryNames(req.lang);
    const table = shown ? await service.indicatorTable(shown.id) : undefined;
    return {
      title: localized(dataset, 'name', req.lang),
      dataset,
      indicators,
      periods,
      shown,
      table: table
        ? {
            periods: table.periods,
            rows: [...table.byTerritory.entries()]
              .map(([territoryId, cells]) => ({ territoryId, label: names.byId.get(territoryId) ? names.name(names.byId.get(territoryId)!) : String(territoryId), cells }))
              .sort((a, b) => (names.byId.get(a.territoryId)?.position ?? 0) - (names.byId.get(b.territoryId)?.position ?? 0)),
          }
        : undefined,
      models: await service.listModels(req.user!, { datasetId }),
      ...extra,
    };
  };
  const datasetPage = formPage('indicators/dataset', (req) => datasetLocals(req, parseOrThrow(ZId, req.params.id)));

  router.get(
    '/indicators/datasets/:id',
    datasetPage.show((req) => ({
      notice:
        req.query.imported !== undefined
          ? req.t('indicators:import.done', { values: Number(req.query.imported) || 0, created: Number(req.query.created) || 0 })
          : req.query.saved === '1'
            ? req.t('indicators:saved')
            : undefined,
    })),
  );

  router.get(
    '/indicators/datasets/:id/edit',
    asyncHandler(async (req, res) => {
      const dataset = await service.getDataset(parseOrThrow(ZId, req.params.id));
      renderForm(res, 'indicators/dataset-form', {
        title: req.t('indicators:datasets.edit'),
        dataset,
        // The form asks for the name in the page's language and for its translations.
        values: { name: dataset[`name_${req.lang}`] ?? dataset.name, name_kk: dataset.name_kk ?? '', name_ru: dataset.name_ru ?? '', name_en: dataset.name_en ?? '', description: dataset.description ?? '', source: dataset.source ?? '' },
      });
    }),
  );

  router.post(
    '/indicators/datasets/:id',
    asyncHandler(async (req, res) => {
      const dataset = await service.getDataset(parseOrThrow(ZId, req.params.id));
      await handleForm(res, 'indicators/dataset-form', { title: req.t('indicators:datasets.edit'), dataset, values: req.body }, async () => {
        await service.updateDataset(dataset.id, parseOrThrow(ZDatasetInput, req.body), req.lang);
        res.redirect(303, `/indicators/datasets/${dataset.id}?saved=1`);
      });
    }),
  );

  /* ---- import: upload -> preview -> confirm ---- */

  router.post(
    '/indicators/datasets/:id/import',
    uploadOrFieldError,
    datasetPage.submit(async (req, res, { dataset }) => {
      if (!req.file) throw new ValidationError([{ path: 'file', key: 'indicators:import.noFile' }], 'indicators:import.failed');
      const { period } = parseOrThrow(ZImportOptions, req.body ?? {});
      const importId = await service.previewImport(req.user!.id, dataset.id, req.file, period);
      res.redirect(303, `/indicators/imports/${importId}`);
    }),
  );

  router.get(
    '/indicators/imports/:id',
    asyncHandler(async (req, res) => {
      const preview = await service.getImport(parseOrThrow(ZId, req.params.id), req.user!);
      const dataset = await service.getDataset(preview.datasetId);
      const names = await territoryNames(req.lang);
      renderForm(res, 'indicators/import-preview', {
        title: req.t('indicators:import.previewTitle'),
        preview,
        dataset,
        territoryLabel: (id: number) => (names.byId.get(id) ? names.name(names.byId.get(id)!) : String(id)),
      });
    }),
  );

  router.post(
    '/indicators/imports/:id/confirm',
    asyncHandler(async (req, res) => {
      const done = await service.confirmImport(parseOrThrow(ZId, req.params.id), req.user!);
      res.redirect(303, `/indicators/datasets/${done.datasetId}?imported=${done.values}&created=${done.created}`);
    }),
  );

  router.post(
    '/indicators/imports/:id/discard',
    asyncHandler(async (req, res) => {
      const id = parseOrThrow(ZId, req.params.id);
      await withConfirmation(
        req,
        res,
        async () => {
          const preview = await service.getImport(id, req.user!);
          return {
            title: req.t('indicators:import.confirmDiscard.title', { file: preview.fileName }),
            consequences: [
              req.t('indicators:import.confirmDiscard.values', { count: preview.valueCount }),
              req.t('indicators:import.confirmDiscard.nothingWritten'),
            ],
            confirmLabel: req.t('indicators:import.discard'),
            cancelHref: `/indicators/imports/${id}`,
          };
        },
        async () => {
          const datasetId = await service.discardImport(id, req.user!);
          res.redirect(303, `/indicators/datasets/${datasetId}`);
        },
      );
    }),
  );

  /* ---- one indicator ---- */

  router.get(
    '/indicators/indicators/:id/edit',
    asyncHandler(async (req, res) => {
      const indicator = await service.getIndicator(parseOrThrow(ZId, req.params.id));
      renderForm(res, 'indicators/indicator-form', { title: req.t('indicators:indicator.edit'), indicator, directions: DIRECTIONS, values: { ...indicator, source: indicator.source ?? '' } });
    }),
  );

  router.post(
    '/indicators/indicators/:id',
    asyncHandler(async (req, res) => {
      const indicator = await service.getIndicator(parseOrThrow(ZId, req.params.id));
      await handleForm(res, 'indicators/indicator-form', { title: req.t('indicators:indicator.edit'), indicator, directions: DIRECTIONS, values: req.body }, async () => {
        if (indicator.formula !== null) await service.updateDerived(indicator.id, parseOrThrow(ZDerivedIndicatorEdit, req.body));
        else await service.updateIndicator(indicator.id, parseOrThrow(ZIndicatorInput, req.body));
        res.redirect(303, `/indicators/datasets/${indicator.datasetId}?saved=1&indicator=${indicator.id}`);
      });
    }),
  );

  /* ---- derived indicators and the dataset export ---- */

  router.post(
    '/indicators/datasets/:id/derived',
    datasetPage.submit(async (req, res, { dataset }) => {
      const indicatorId = await service.createDerived(dataset.id, parseOrThrow(ZDerivedIndicatorInput, req.body));
      res.redirect(303, `/indicators/datasets/${dataset.id}?saved=1&indicator=${indicatorId}#values`);
    }),
  );

  // Long format, one row per value, with each indicator's formula (empty for measured indicators).
  router.get(
    '/indicators/datasets/:id/values.csv',
    asyncHandler(async (req, res) => {
      const dataset = await service.getDataset(parseOrThrow(ZId, req.params.id));
      const indicators = await service.listIndicators(dataset.id);
      const byId = new Map(indicators.map((i) => [i.id, i]));
      const names = await territoryNames(req.lang);
      const values = await service.repo.values({ indicatorIds: indicators.map((i) => i.id) });
      res.attachment(`kedergi-${dataset.code}-values.csv`);
      res.type('text/csv; charset=utf-8');
      await writeCsv(
        res,
        ['code', 'name', 'unit', 'formula', 'territory', 'period', 'value'],
        values.map((v) => {
          const ind = byId.get(v.indicatorId)!;
          const territory = names.byId.get(v.territoryId);
          return [ind.code, ind[`name_${req.lang}`], ind.unit, ind.formula ?? '', territory ? names.name(territory) : String(v.territoryId), v.period, v.value];
        }),
      );
    }),
  );

  /* ---- econometric models of a dataset ---- */

  const fitLocals = async (req: Request, datasetId: number, extra: Record<string, unknown> = {}) => {
    const dataset = await service.getDataset(datasetId);
    const all = await service.listIndicators();
    const periods = await service.periodsByIndicator();
    const names = await territoryNames(req.lang);
    const own = all.filter((i) => i.datasetId === datasetId);
    const territoriesWithData = new Set((await service.territoryIdsWithValues(own.map((i) => i.id))).values());
    return {
      title: `${req.t('indicators:fit.title')}: ${localized(dataset, 'name', req.lang)}`,
      dataset,
      groups: groupByDataset(all, datasetId),
      periods,
      territories: names.all.filter((t) => territoriesWithData.has(t.id)),
      models: await service.listModels(req.user!, { datasetId }),
      values: { form: 'linear', rowsBy: 'period', territoryId: names.all.find((t) => territoriesWithData.has(t.id))?.id, x: [], trend: '', period: {} },
      ...extra,
    };
  };
  const modelsPage = formPage('indicators/models', (req) => fitLocals(req, parseOrThrow(ZId, req.params.id)));

  router.get(
    '/indicators/datasets/:id/models',
    modelsPage.show(),
  );

  router.post(
    '/indicators/datasets/:id/models',
    modelsPage.submit(
      async (req, res, { dataset }) => {
        const modelId = await service.createFit(req.user!.id, dataset.id, parseOrThrow(ZFitForm, req.body), req.lang);
        res.redirect(303, `/indicators/models/${modelId}`);
      },
      (req) => ({ values: { ...req.body, x: ([] as string[]).concat(req.body.x ?? []) } }),
    ),
  );

  /* ---- composite indices ---- */

  const compositeLocals = async (req: Request, extra: Record<string, unknown> = {}) => {
    const names = await territoryNames(req.lang);
    const all = await service.listIndicators();
    const withData = new Set(await service.territoryIdsWithValues());
    return {
      title: req.t('indicators:composite.title'),
      groups: groupByDataset(all, Number(req.query.dataset) || undefined),
      periods: await service.periodsByIndicator(),
      territories: names.all.filter((t) => withData.has(t.id)),
      directions: DIRECTIONS,
      values: { territories: [], indicators: [], direction: {}, weight: {}, period: {}, aggregate: 'arithmetic', levels: 'equal-interval', seed: '1' },
      ...extra,
    };
  };
  const compositePage = formPage('indicators/composite', (req) => compositeLocals(req));

  router.get(
    '/indicators/composite',
    compositePage.show(),
  );

  router.post(
    '/indicators/composite',
    compositePage.submit(
      async (req, res) => {
        const modelId = await service.createComposite(req.user!.id, parseOrThrow(ZCompositeForm, req.body), req.lang);
        res.redirect(303, `/indicators/models/${modelId}`);
      },
      (req) => ({ values: { ...req.body, territories: ([] as string[]).concat(req.body.territories ?? []), indicators: ([] as string[]).concat(req.body.indicators ?? []) } }),
    ),
  );

  /* ---- scenarios: saved fits chained (GET chooses steps and years, POST runs and saves) ---- */

  const scenarioLocals = async (req: Request, query: Record<string, unknown>, extra: Record<string, unknown> = {}) => {
    const fits = await service.listModels(req.user!, { kind: 'fit' });
    const chosen = ([] as unknown[]).concat(query.steps ?? []).map(Number).filter((n) => fits.some((m) => m.id === n));
    const years = ZScenarioForm.shape.years.safeParse(query.years ?? '');
    const steps = chosen.map((id) => fits.find((m) => m.id === id)!);
    const inputs = scenarioInputs(steps.map((m) => m.spec as TFitSpec));
    return {
      title: req.t('methods:scenario.title'),
      fits,
      steps,
      years: steps.length && years.success ? years.data : [],
      inputs,
      values: { steps: chosen.map(String), years: typeof query.years === 'string' ? query.years : '', title: query.title ?? '', inputs: query.inputs ?? {} },
      ...extra,
    };
  };

  router.get(
    '/indicators/scenario',
    asyncHandler(async (req, res) => {
      renderForm(res, 'indicators/scenario', await scenarioLocals(req, req.query as Record<string, unknown>));
    }),
  );

  router.post(
    '/indicators/scenario',
    asyncHandler(async (req, res) => {
      await handleForm(res, 'indicators/scenario', await scenarioLocals(req, req.body ?? {}), async () => {
        const modelId = await service.createScenario(req.user!.id, parseOrThrow(ZScenarioForm, req.body), req.lang);
        res.redirect(303, `/indicators/models/${modelId}`);
      });
    }),
  );

  /* ---- saved models ---- */

  const showModel = async (req: Request, res: Response, model: ModelRecord, extra: Record<string, unknown> = {}) => {
    const dataset = model.datasetId ? await service.getDataset(model.datasetId).catch(() => undefined) : undefined;
    renderForm(res, 'indicators/model', {
      title: localized(model, 'title', req.lang),
      model,
      dataset,
      indicatorsById: await indicatorLabels(),
      view: await modelView(req, model),
      values: {},
      // The rename form asks for the title in the page's language (blank while it has none: saving the
      // title as written in another language under this one would mislabel it) and for its translations.
      titleValues: { title: model[`title_${req.lang}`] ?? '', title_kk: model.title_kk ?? '', title_ru: model.title_ru ?? '', title_en: model.title_en ?? '' },
      ...extra,
    });
  };

  router.get(
    '/indicators/models/:id',
    asyncHandler(async (req, res) => {
      const model = await service.getModel(parseOrThrow(ZId, req.params.id), req.user!);
      const notice = req.query.saved === '1' ? req.t('indicators:fit.forecastSaved') : req.query.renamed === '1' ? req.t('indicators:models.renamed') : undefined;
      await showModel(req, res, model, { notice });
    }),
  );

  router.get(
    '/indicators/models/:id/spec.json',
    asyncHandler(async (req, res) => {
      const model = await service.getModel(parseOrThrow(ZId, req.params.id), req.user!);
      res.attachment(`kedergi-${model.kind}-${model.id}.json`);
      res.type('application/json').send(JSON.stringify(model.spec, null, 2) + '\n');
    }),
  );

  router.get(
    '/indicators/models/:id/result.json',
    asyncHandler(async (req, res) => {
      const model = await service.getModel(parseOrThrow(ZId, req.params.id), req.user!);
      res.attachment(`kedergi-${model.kind}-${model.id}-result.json`);
      res.type('application/json').send(JSON.stringify(model.result, null, 2) + '\n');
    }),
  );

  router.post(
    '/indicators/models/:id/forecast',
    asyncHandler(async (req, res) => {
      const model = await service.getModel(parseOrThrow(ZId, req.params.id), req.user!);
      try {
        const { rows } = parseOrThrow(ZForecastForm, req.body);
        await service.forecast(model.id, req.user!, rows);
        res.redirect(303, `/indicators/models/${model.id}?saved=1#forecast`);
      } catch (error) {
        if (error instanceof ValidationError) return showModel(req, res.status(400), model, { error, values: req.body });
        throw error;
      }
    }),
  );

  router.post(
    '/indicators/models/:id/title',
    asyncHandler(async (req, res) => {
      const model = await service.getModel(parseOrThrow(ZId, req.params.id), req.user!);
      try {
        await service.renameModel(model.id, req.user!, parseOrThrow(ZModelTitleInput, req.body), req.lang);
        res.redirect(303, `/indicators/models/${model.id}?renamed=1`);
      } catch (error) {
        if (error instanceof ValidationError) return showModel(req, res.status(400), model, { error, titleValues: req.body });
        throw error;
      }
    }),
  );

  router.post(
    '/indicators/models/:id/delete',
    asyncHandler(async (req, res) => {
      const id = parseOrThrow(ZId, req.params.id);
      await withConfirmation(
        req,
        res,
        async () => {
          const model = await service.getModel(id, req.user!);
          return {
            title: req.t('indicators:models.confirmDelete.title', { title: localized(model, 'title', req.lang) }),
            consequences: [req.t('indicators:models.confirmDelete.gone'), req.t('indicators:models.confirmDelete.keepSpec')],
            confirmLabel: req.t('indicators:models.delete'),
            cancelHref: `/indicators/models/${id}`,
          };
        },
        async () => {
          const datasetId = await service.deleteModel(id, req.user!);
          res.redirect(303, datasetId ? `/indicators/datasets/${datasetId}/models` : '/indicators?deleted=1');
        },
      );
    }),
  );

  /* ---- territory page ---- */

  router.get(
    '/indicators/territories/:id',
    asyncHandler(async (req, res) => {
      const profile = await service.territoryProfile(parseOrThrow(ZId, req.params.id), req.user!);
      const names = await territoryNames(req.lang);
      res.render('indicators/territory', { title: names.name(profile.territory), ...profile, label: names.label });
    }),
  );

  /* ---- survey rounds ---- */

  router.get(
    '/indicators/rounds',
    asyncHandler(async (req, res) => {
      const summary = req.query.published ? { values: Number(req.query.values) || 0, territories: Number(req.query.territories) || 0 } : undefined;
      res.render('indicators/rounds', {
        title: req.t('indicators:rounds.title'),
        rounds: await service.surveyRounds(),
        notice: summary
          ? req.t('indicators:rounds.publishedSummary', {
              values: req.t('indicators:rounds.valueCount', { count: summary.values }),
              territories: req.t('indicators:rounds.territoryCount', { count: summary.territories }),
            })
          : undefined,
      });
    }),
  );

  router.post(
    '/indicators/rounds/:id/publish',
    asyncHandler(async (req, res) => {
      const summary = await service.publishRound(parseOrThrow(ZId, req.params.id));
      res.redirect(303, `/indicators/rounds?published=${summary.roundId}&values=${summary.values}&territories=${summary.territories}`);
    }),
  );

  /* ---- calculators: Ka, RCA, Lact, growth-and-volume (GET: they change nothing) ---- */

  router.get(
    '/indicators/calculators',
    asyncHandler(async (req, res) => {
      const names = await territoryNames(req.lang);
      const all = await service.listIndicators();
      const calc = await calculatorResults(service, req.query as Record<string, unknown>, names);
      renderForm(res, 'indicators/calculators', {
        title: req.t('indicators:calculators.title'),
        groups: groupByDataset(all, undefined),
        territories: names.all,
        values: req.query,
        ka: calc.ka,
        rca: calc.rca,
        lact: calc.lact,
        growth: calc.growth,
        published: calc.published,
      });
    }),
  );

  return router;
}

const NUMBER_LOCALES: Record<Language, string> = { kk: 'kk-KZ', ru: 'ru-RU', en: 'en-GB' };

/** Numbers in the reader's convention; missing or infinite values show as a dash. */
function numberFormatter(lang: Language) {
  const cache = new Map<number, Intl.NumberFormat>();
  return (value: unknown, digits = 3): string => {
    if (typeof value !== 'number' || !Number.isFinite(value)) return '—';
    if (!cache.has(digits)) cache.set(digits, new Intl.NumberFormat(NUMBER_LOCALES[lang], { maximumFractionDigits: digits, minimumFractionDigits: 0 }));
    return cache.get(digits)!.format(value);
  };
}

/** Indicators grouped by dataset for pickers; the given dataset first. */
function groupByDataset(indicators: IndicatorRecord[], firstDatasetId: number | undefined) {
  const groups = new Map<number, { datasetId: number; name: string; indicators: IndicatorRecord[] }>();
  for (const ind of indicators) {
    const g = groups.get(ind.datasetId) ?? { datasetId: ind.datasetId, name: ind.datasetName, indicators: [] };
    g.indicators.push(ind);
    groups.set(ind.datasetId, g);
  }
  return [...groups.values()].sort((a, b) => (a.datasetId === firstDatasetId ? -1 : b.datasetId === firstDatasetId ? 1 : a.datasetId - b.datasetId));
}
