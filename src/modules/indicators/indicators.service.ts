import type { Knex } from 'knex';
import type { Language } from '../../i18n';
import { titlesFromForm } from '../../i18n/titles';
import { ownWaiting } from '../../db/staging';
import type { TerritoryAggregates } from '../analysis/analysis.service';
import { ConflictError, NotFoundError, ValidationError, type FieldError } from '../../errors';
import { readUploadedTable, TableReadError } from '../../lib/spreadsheet';
import type { QuestionnairesService } from '../questionnaires/questionnaires.service';
import type { RoundListRow } from '../rounds/rounds.schemas';
import type { RoundsService } from '../rounds/rounds.service';
import type { TerritoryRecord } from '../territories/territories.schemas';
import type { TerritoriesService } from '../territories/territories.service';
import { recomputeDerived } from './indicators.derived';
import { numericPeriod } from './indicators.periods';
import { publishRoundIndicators, type PublishSummary } from './indicators.publish';
import { ImportFileError, parseIndicatorTable, type ImportIssue, type ParsedValue } from './indicators.import';
import type { IndicatorsRepository } from './indicators.repository';
import type {
  DatasetRecord,
  IndicatorRecord,
  ModelOrigin,
  ModelRecord,
  TCompositeForm,
  TDerivedIndicatorInput,
  TModelTitleInput,
  TScenarioForm,
  TDatasetInput,
  TFitForm,
  TIndicatorInput,
} from './indicators.schemas';
import { runComposite, runFit, runScenario, TREND, type CompositeResult, type FitResult, type TCompositeSpec, type TFitSpec, type TScenarioSpec } from './models.spec';

export const MAX_IMPORT_ROWS = 20_000;
/** Values one import may hold: bounds the parse, the stored preview (a few MB at most) and the confirming write. */
export const MAX_IMPORT_CELLS = 250_000;
/** Problems kept for the preview; the count says how many more there were. */
export const MAX_STORED_ISSUES = 500;

/** Who asks: imports are their uploader's alone; saved models their author's (administrators see all). */
export interface Viewer {
  id: number;
  role: string;
}

export interface ImportPreview {
  id: number;
  datasetId: number;
  fileName: string;
  format: 'wide' | 'long';
  lines: number;
  goodLines: number;
  valueCount: number;
  emptyCells: number;
  newCodes: string[];
  issues: ImportIssue[];
  /** All problems found; `issues` keeps the first MAX_STORED_ISSUES. */
  issueCount?: number;
  sample: Array<ParsedValue>;
  status: 'pending' | 'confirmed';
}

/**
 * Values stored column by column (flat arrays of numbers serialise several times faster than an
 * object per value, and take a third of the space): value i is territories[i], codes[code[i]],
 * periods[period[i]], values[i].
 */
interface ImportPayload {
  codes: string[];
  periods: string[];
  territory: number[];
  code: number[];
  period: number[];
  values: number[];
  newCodes: string[];
}

function packValues(values: ParsedValue[]): Omit<ImportPayload, 'newCodes'> {
  const codes = new Map<string, number>();
  const periods = new Map<string, number>();
  const indexOf = (map: Map<string, number>, key: string) => {
    let i = map.get(key);
    if (i === undefined) map.set(key, (i = map.size));
    return i;
  };
  const code = values.map((v) => indexOf(codes, v.code));
  const period = values.map((v) => indexOf(periods, v.period));
  return { codes: [...codes.keys()], periods: [...periods.keys()], territory: values.map((v) => v.territoryId), code, period, values: values.map((v) => v.value) };
}

/** Column names of a spec: the indicator code, or dataset.code when two chosen indicators share a code. */
export function specColumnNames(indicators: IndicatorRecord[]): Map<number, string> {
  const out = new Map<number, string>();
  for (const ind of indicators) {
    const clash = indicators.some((o) => o.id !== ind.id && o.code === ind.code);
    out.set(ind.id, clash ? `${ind.datasetCode}.${ind.code}` : ind.code);
  }
  return out;
}

/** The composite options a form leaves at their defaults (the seeded table 40 index uses these). */
export const COMPOSITE_FORM_DEFAULTS = {
  normalise: 'min-max',
  weights: 'entered',
  zero: 'keep',
  epsilon: 0.001,
  levelCount: 5,
  robustness: false,
  draws: 500,
  robustnessSeed: 1,
} as const satisfies Partial<TCompositeForm>;

/**
 * Per-indicator form fields are named direction[i12], weight[i12], period[i12]: with a bare
 * number the body parser would turn small ids into array positions.
 */
export function formKey(indicatorId: number): string {
  return `i${indicatorId}`;
}


type ValueLookup = (indicatorId: number, territoryId: number, period: string | undefined) => number | undefined;

function lookup(values: Array<{ indicatorId: number; territoryId: number; period: string; value: number }>): ValueLookup {
  const map = new Map(values.map((v) => [`${v.indicatorId}|${v.territoryId}|${v.period}`, v.value]));
  return (indicatorId, territoryId, period) => map.get(`${indicatorId}|${territoryId}|${period}`);
}

function latest(periods: string[] | undefined): string | undefined {
  return periods && periods.length ? periods[periods.length - 1] : undefined;
}

/**
 * A model save form's title: typed in the page's language (a title made up from the variables has its
 * language guessed), with the translations typed beside it.
 */
function modelTitleFields(form: { title: string } & Record<string, unknown>, lang: Language | undefined) {
  const titles = titlesFromForm(form, 'title');
  if (lang && form.title) delete titles[lang];
  return { titleLang: form.title && lang ? lang : null, titles };
}

/** A dataset form: the name written in the form's language, its translations, description and source. */
function datasetFields(input: TDatasetInput, lang: Language | undefined) {
  const names = titlesFromForm(input, 'name');
  if (lang) delete names[lang];
  return { name: input.name, ...(lang ? { nameLang: lang } : {}), names, description: input.description, source: input.source };
}

export class IndicatorsService {
  constructor(
    readonly repo: IndicatorsRepository,
    private readonly territories: TerritoriesService,
    /** Publishing reads the round and its questionnaire from their owners. */
    private readonly rounds: Pick<RoundsService, 'lock' | 'list'>,
    private readonly questionnaires: Pick<QuestionnairesService, 'getQuestionnaire'>,
    /** A round's per-territory rating aggregates (the analysis module's, inside the publishing transaction). */
    private readonly aggregates: (roundId: number, trx: Knex.Transaction) => Promise<TerritoryAggregates>,
  ) {}

  /**
   * Publish a round's survey indicators. Pass the transaction when called inside one (closing a
   * round): on SQLite the single connection would otherwise wait for itself.
   */
  publishRound(roundId: number, trx?: Knex.Transaction): Promise<PublishSummary> {
    return publishRoundIndicators(trx ?? this.repo.db, roundId, {
      lockRound: (inner, id) => this.rounds.lock(id, inner),
      structure: (inner, questionnaireId) => this.questionnaires.getQuestionnaire(questionnaireId, inner),
      aggregates: (inner, id) => this.aggregates(id, inner),
    });
  }

  /** Survey rounds (newest first) with their submitted count and the dataset they were published into, if any. */
  async surveyRounds(): Promise<Array<RoundListRow & { publishedDatasetId: number | null }>> {
    const [rounds, published] = await Promise.all([this.rounds.list(), this.repo.datasetIdsByRound()]);
    return rounds.map((r) => ({ ...r, publishedDatasetId: published.get(r.id) ?? null }));
  }

  /** Ids of the territories that have a value of any of `indicatorIds` (of any indicator when omitted). */
  territoryIdsWithValues(indicatorIds?: number[]): Promise<number[]> {
    return this.repo.territoryIdsWithValues(indicatorIds);
  }

  listTerritories(): Promise<TerritoryRecord[]> {
    return this.territories.list();
  }

  getTerritory(id: number): Promise<TerritoryRecord> {
    return this.territories.get(id);
  }

  /* ---- datasets and indicators ---- */

  listDatasets(): Promise<DatasetRecord[]> {
    return this.repo.listDatasets();
  }

  async getDataset(id: number): Promise<DatasetRecord> {
    const d = await this.repo.findDataset(id);
    if (!d) throw new NotFoundError();
    return d;
  }

  /** `lang`: the language of the form, in which `name` is written (the other two are its translations). */
  async createDataset(userId: number | null, input: TDatasetInput, lang?: Language): Promise<number> {
    for (let attempt = 0; ; attempt++) {
      const base = input.name
        .toLowerCase()
        .normalize('NFKD')
        .replace(/[^a-z0-9]+/g, '-')
        .replace(/^-+|-+$/g, '')
        .slice(0, 60);
      const code = `${base || 'dataset'}${attempt ? `-${attempt + 1}` : ''}`;
      if (await this.repo.findDatasetByCode(code)) continue;
      return this.repo.createDataset({ code, ...datasetFields(input, lang), createdBy: userId });
    }
  }

  async updateDataset(id: number, input: TDatasetInput, lang?: Language): Promise<void> {
    await this.getDataset(id);
    await this.repo.updateDataset(id, datasetFields(input, lang));
  }

  listIndicators(datasetId?: number): Promise<IndicatorRecord[]> {
    return this.repo.listIndicators(datasetId);
  }

  async getIndicator(id: number): Promise<IndicatorRecord> {
    const i = await this.repo.findIndicator(id);
    if (!i) throw new NotFoundError();
    return i;
  }

  /** Adds a derived indicator and computes its values; a bad code or formula changes nothing. */
  async createDerived(datasetId: number, input: TDerivedIndicatorInput): Promise<number> {
    await this.getDataset(datasetId);
    return this.repo.transaction(async (trx) => {
      const existing = await this.repo.listIndicators(datasetId, trx);
      if (existing.some((i) => i.code === input.code)) throw new ValidationError([{ path: 'code', key: 'methods:derived.codeTaken', params: { code: input.code } }], 'methods:derived.failed');
      const position = (await this.repo.maxIndicatorPosition(datasetId, trx)) + 1;
      const id = await this.repo.createIndicator({ datasetId, ...input, source: null, position }, trx);
      await recomputeDerived(this.repo, datasetId, trx);
      return id;
    });
  }

  /** Changes a derived indicator's names and formula and recomputes its values, all or nothing. */
  async updateDerived(id: number, input: TIndicatorInput & { formula: string }): Promise<void> {
    const indicator = await this.getIndicator(id);
    if (indicator.formula === null) throw new NotFoundError();
    await this.repo.transaction(async (trx) => {
      await this.repo.updateIndicator(id, input, trx);
      await recomputeDerived(this.repo, indicator.datasetId, trx);
    });
  }

  async updateIndicator(id: number, input: TIndicatorInput): Promise<void> {
    await this.getIndicator(id);
    await this.repo.updateIndicator(id, input);
  }

  periodsByIndicator(ids?: number[]): Promise<Map<number, string[]>> {
    return this.repo.periodsByIndicator(ids);
  }

  /** Values of a dataset as territory x period cells for one indicator (the dataset page table). */
  async indicatorTable(indicatorId: number) {
    const values = await this.repo.values({ indicatorIds: [indicatorId] });
    const periods = [...new Set(values.map((v) => v.period))].sort();
    const byTerritory = new Map<number, Map<string, number>>();
    for (const v of values) {
      const row = byTerritory.get(v.territoryId) ?? new Map<string, number>();
      row.set(v.period, v.value);
      byTerritory.set(v.territoryId, row);
    }
    return { periods, byTerritory };
  }

  /* ---- import ---- */

  async previewImport(userId: number | null, datasetId: number, file: { originalname: string; buffer: Buffer }, period: string | undefined): Promise<number> {
    await this.getDataset(datasetId);
    let table;
    try {
      table = (await readUploadedTable(file.buffer, { maxRows: MAX_IMPORT_ROWS, maxCells: MAX_IMPORT_CELLS, maxUnpackedBytes: 64 * 1024 * 1024 })).rows;
    } catch (e) {
      if (e instanceof TableReadError) throw new ValidationError([{ path: 'file', key: `indicators:import.read.${e.reason}`, params: e.params }], 'indicators:import.failed');
      throw e;
    }
    const matcher = await this.territories.matcher();
    const existingCodes = new Set((await this.repo.listIndicators(datasetId)).map((i) => i.code));
    let parsed;
    try {
      parsed = await parseIndicatorTable(table, { findTerritory: matcher, existingCodes, period });
    } catch (e) {
      if (e instanceof ImportFileError) throw new ValidationError([{ path: 'file', key: e.reason, params: e.params }], 'indicators:import.failed');
      throw e;
    }
    return this.repo.createImport({
      datasetId,
      fileName: file.originalname.slice(0, 300),
      format: parsed.format,
      payload: { ...packValues(parsed.values), newCodes: parsed.newCodes } satisfies ImportPayload,
      report: {
        lines: parsed.lines,
        goodLines: parsed.goodLines,
        emptyCells: parsed.emptyCells,
        issues: parsed.issues.slice(0, MAX_STORED_ISSUES),
        issueCount: parsed.issues.length,
        valueCount: parsed.values.length,
        newCodes: parsed.newCodes,
        sample: parsed.values.slice(0, 20),
      },
      createdBy: userId,
    });
  }

  /** A pending or confirmed import of `viewer`'s own; anyone else's, or an expired one, does not exist for them. */
  private async ownImport(id: number, viewer: Viewer, trx?: Parameters<IndicatorsRepository['findImport']>[1]) {
    const found = await this.repo.findImport(id, trx);
    if (!found || found.createdBy !== viewer.id) throw new NotFoundError();
    // A confirmed preview stays readable (its page says so); a pending one past its day is gone.
    if (found.status === 'pending' && !ownWaiting(found, viewer.id)) throw new NotFoundError('indicators:import.expired');
    return found;
  }

  async getImport(id: number, viewer: Viewer): Promise<ImportPreview> {
    const found = await this.ownImport(id, viewer);
    const report = found.report as Omit<ImportPreview, 'id' | 'datasetId' | 'fileName' | 'format' | 'status'>;
    return { id, datasetId: found.datasetId, fileName: found.fileName, format: found.format, status: found.status, ...report };
  }

  /** Writes the previewed values: new indicators first, then every value, all or nothing. */
  async confirmImport(id: number, viewer: Viewer): Promise<{ datasetId: number; values: number; created: number }> {
    return this.repo.transaction(async (trx) => {
      const found = await this.ownImport(id, viewer, trx);
      // Two imports confirmed at once may both bring the same new indicator code: the second waits.
      await this.repo.lockDataset(found.datasetId, trx);
      if (!(await this.repo.markImportConfirmed(id, trx))) throw new ConflictError('import_done', 'indicators:import.alreadyConfirmed');
      const payload = found.payload as ImportPayload;
      const existing = new Map((await this.repo.listIndicators(found.datasetId, trx)).map((i) => [i.code, i.id]));
      let position = await this.repo.maxIndicatorPosition(found.datasetId, trx);
      let created = 0;
      for (const code of payload.newCodes) {
        if (existing.has(code)) continue;
        // Researchers name and classify new indicators afterwards; until then the code stands in.
        const newId = await this.repo.createIndicator(
          { datasetId: found.datasetId, code, name_kk: code, name_ru: code, name_en: code, unit: '', direction: 'stimulant', source: found.fileName, position: ++position },
          trx,
        );
        existing.set(code, newId);
        created++;
      }
      await this.repo.upsertValues(
        payload.values.map((value, i) => ({ indicatorId: existing.get(payload.codes[payload.code[i]!]!)!, territoryId: payload.territory[i]!, period: payload.periods[payload.period[i]!]!, value })),
        trx,
      );
      // Derived indicators follow their inputs in the same transaction (a derived code in the file is recomputed, not kept).
      await recomputeDerived(this.repo, found.datasetId, trx);
      return { datasetId: found.datasetId, values: payload.values.length, created };
    });
  }

  async discardImport(id: number, viewer: Viewer): Promise<number> {
    const found = await this.ownImport(id, viewer);
    await this.repo.deleteImport(id);
    return found.datasetId;
  }

  /* ---- composite indices from the table ---- */

  /** Builds the public composite spec from chosen territories and indicators, runs it and saves it. */
  async createComposite(userId: number | null, form: TCompositeForm, lang?: Language): Promise<number> {
    const ids = [...new Set(form.indicators.map(Number).filter((n) => Number.isInteger(n) && n > 0))];
    const fields: FieldError[] = [];
    if (ids.length === 0) fields.push({ path: 'indicators', key: 'indicators:composite.chooseIndicators' });
    const territoryIds = [...new Set(form.territories.map(Number).filter((n) => Number.isInteger(n) && n > 0))];
    if (territoryIds.length < 2) fields.push({ path: 'territories', key: 'indicators:composite.chooseTerritories' });
    if (fields.length) throw new ValidationError(fields);
    const indicators = await this.repo.indicatorsByIds(ids);
    if (indicators.length !== ids.length) throw new ValidationError([{ path: 'indicators', key: 'indicators:composite.chooseIndicators' }]);
    const periods = await this.repo.periodsByIndicator(ids);
    const names = specColumnNames(indicators);
    const periodOf = new Map<number, string>();
    for (const ind of indicators) {
      const chosen = form.period[formKey(ind.id)];
      const period = chosen && periods.get(ind.id)?.includes(chosen) ? chosen : latest(periods.get(ind.id));
      if (!period) throw new ValidationError([{ path: `period.${ind.id}`, key: 'indicators:composite.noValues', params: { indicator: ind.code } }]);
      periodOf.set(ind.id, period);
    }
    const valueOf = lookup(await this.repo.values({ indicatorIds: ids, territoryIds }));
    const territories = (await this.territories.list()).filter((t) => territoryIds.includes(t.id));

    const rows: Array<Record<string, string | number>> = [];
    const included: Array<{ name: string; id: number }> = [];
    const excluded: NonNullable<ModelOrigin['excluded']> = [];
    for (const territory of territories) {
      const row: Record<string, string | number> = { territory: territory.name_en };
      const missing: string[] = [];
      for (const ind of indicators) {
        const v = valueOf(ind.id, territory.id, periodOf.get(ind.id));
        if (v === undefined) missing.push(names.get(ind.id)!);
        else row[names.get(ind.id)!] = v;
      }
      if (missing.length) excluded.push({ id: territory.id, missing });
      else {
        rows.push(row);
        included.push({ name: territory.name_en, id: territory.id });
      }
    }
    if (rows.length < 2) throw new ValidationError([{ path: 'territories', key: 'indicators:composite.tooFewWithData' }]);

    const spec: TCompositeSpec = {
      rows,
      indicators: indicators.map((ind) => ({
        name: names.get(ind.id)!,
        direction: form.direction[formKey(ind.id)] ?? ind.direction,
        weight: form.weight[formKey(ind.id)] ?? 1,
      })),
      normalise: form.normalise,
      weights: form.weights,
      aggregate: form.aggregate,
      zero: form.zero,
      ...(form.zero === 'epsilon' ? { epsilon: form.epsilon } : {}),
      levels: form.levels,
      levelCount: form.levelCount,
      ...(form.levels === 'kmeans' ? { seed: form.seed } : {}),
      ...(form.robustness ? { robustness: { draws: form.draws, seed: form.robustnessSeed } } : {}),
      ...(form.title ? { title: form.title } : {}),
    };
    const result = runComposite(spec);
    const datasetIds = [...new Set(indicators.map((i) => i.datasetId))];
    const origin: ModelOrigin = {
      rowsBy: 'territory',
      columns: Object.fromEntries(indicators.map((ind) => [names.get(ind.id)!, { indicatorId: ind.id, period: periodOf.get(ind.id) }])),
      territories: included,
      ...(excluded.length ? { excluded } : {}),
    };
    const title = form.title || indicators.map((i) => names.get(i.id)).join(', ');
    return this.repo.createModel({ datasetId: datasetIds.length === 1 ? datasetIds[0]! : null, kind: 'composite', title, ...modelTitleFields(form, lang), spec, origin, result, createdBy: userId });
  }

  /* ---- econometric models from the table ---- */

  async createFit(userId: number | null, datasetId: number, form: TFitForm, lang?: Language): Promise<number> {
    await this.getDataset(datasetId);
    const xIds = [...new Set(form.x.map(Number).filter((n) => Number.isInteger(n) && n > 0))].filter((id) => id !== form.y);
    if (xIds.length === 0 && !form.trend) throw new ValidationError([{ path: 'x', key: 'indicators:fit.chooseX' }]);
    const indicators = await this.repo.indicatorsByIds([form.y, ...xIds]);
    const y = indicators.find((i) => i.id === form.y);
    if (!y) throw new ValidationError([{ path: 'y', key: 'indicators:fit.chooseY' }]);
    const xs = xIds.map((id) => indicators.find((i) => i.id === id)).filter((i): i is IndicatorRecord => Boolean(i));
    const all = [y, ...xs];
    const names = specColumnNames(all);
    if ([...names.values()].includes(TREND) && form.trend) throw new ValidationError([{ path: 'trend', key: 'indicators:fit.trendNameTaken' }]);
    const ids = all.map((i) => i.id);
    let spec: TFitSpec;
    let origin: ModelOrigin;

    if (form.rowsBy === 'period') {
      if (!form.territoryId) throw new ValidationError([{ path: 'territoryId', key: 'indicators:fit.chooseTerritory' }]);
      const territory = await this.getTerritory(form.territoryId);
      const values = await this.repo.values({ indicatorIds: ids, territoryIds: [territory.id] });
      const valueOf = lookup(values);
      const periods = [...new Set(values.map((v) => v.period))].sort();
      const allNumeric = periods.every((p) => numericPeriod(p) !== undefined);
      if (form.trend && !allNumeric) throw new ValidationError([{ path: 'trend', key: 'indicators:fit.trendNeedsYears' }]);
      const timeColumn = allNumeric ? 'year' : 'period';
      const rows = periods.flatMap((p) => {
        const row: Record<string, string | number> = { [timeColumn]: allNumeric ? numericPeriod(p)! : p };
        for (const ind of all) {
          const v = valueOf(ind.id, territory.id, p);
          if (v === undefined) return [];
          row[names.get(ind.id)!] = v;
        }
        return [row];
      });
      spec = {
        form: form.form,
        ...(form.form === 'polynomial' ? { degree: form.degree ?? 2 } : {}),
        y: names.get(y.id)!,
        x: [...xs.map((i) => names.get(i.id)!), ...(form.trend ? [TREND] : [])],
        ...(allNumeric ? { timeColumn } : {}),
        rows,
        ...(form.title ? { title: form.title } : {}),
      };
      origin = { rowsBy: 'period', territoryId: territory.id, columns: Object.fromEntries(all.map((i) => [names.get(i.id)!, { indicatorId: i.id }])) };
    } else {
      if (form.trend) throw new ValidationError([{ path: 'trend', key: 'indicators:fit.trendNeedsPeriods' }]);
      const periods = await this.repo.periodsByIndicator(ids);
      const periodOf = new Map(all.map((i) => [i.id, form.period[formKey(i.id)] && periods.get(i.id)?.includes(form.period[formKey(i.id)]!) ? form.period[formKey(i.id)]! : latest(periods.get(i.id))]));
      const valueOf = lookup(await this.repo.values({ indicatorIds: ids }));
      const territories = await this.territories.list();
      const included: Array<{ name: string; id: number }> = [];
      const rows = territories.flatMap((t) => {
        const row: Record<string, string | number> = { territory: t.name_en };
        for (const ind of all) {
          const v = valueOf(ind.id, t.id, periodOf.get(ind.id));
          if (v === undefined) return [];
          row[names.get(ind.id)!] = v;
        }
        included.push({ name: t.name_en, id: t.id });
        return [row];
      });
      spec = {
        form: form.form,
        ...(form.form === 'polynomial' ? { degree: form.degree ?? 2 } : {}),
        y: names.get(y.id)!,
        x: xs.map((i) => names.get(i.id)!),
        rows,
        ...(form.title ? { title: form.title } : {}),
      };
      origin = {
        rowsBy: 'territory',
        columns: Object.fromEntries(all.map((i) => [names.get(i.id)!, { indicatorId: i.id, period: periodOf.get(i.id) }])),
        territories: included,
      };
    }
    const result = runFit(spec);
    const title = form.title || `${spec.y} = f(${spec.x.join(', ')})`;
    return this.repo.createModel({ datasetId, kind: 'fit', title, ...modelTitleFields(form, lang), spec, origin, result, createdBy: userId });
  }

  /** Re-run a saved fit with forecast rows typed on its page; the spec and result are saved again. */
  async forecast(modelId: number, viewer: Viewer, rows: Array<Record<string, string>>): Promise<void> {
    const model = await this.getModel(modelId, viewer);
    if (model.kind !== 'fit') throw new NotFoundError();
    const spec = model.spec as TFitSpec;
    const inputs = [...(spec.timeColumn ? [spec.timeColumn] : []), ...spec.x.filter((x) => !(spec.timeColumn && x === TREND))];
    const forecast = rows
      .filter((row) => inputs.some((name) => (row[name] ?? '').trim() !== ''))
      .map((row) => Object.fromEntries(inputs.map((name) => {
        const raw = (row[name] ?? '').trim().replace(',', '.');
        return [name, raw === '' ? null : Number.isFinite(Number(raw)) ? Number(raw) : raw];
      })));
    const next: TFitSpec = { ...spec };
    if (forecast.length) next.forecast = forecast;
    else delete next.forecast;
    const result = runFit(next);
    await this.repo.updateModel(modelId, { spec: next, result });
  }

  /* ---- scenarios: saved fits chained ---- */

  /** The saved fits of a scenario, in order; each must be a fit. */
  async scenarioSteps(ids: number[]): Promise<ModelRecord[]> {
    const models = await Promise.all(ids.map((id) => this.repo.findModel(id)));
    const fields: FieldError[] = [];
    models.forEach((m, k) => {
      if (!m || m.kind !== 'fit') fields.push({ path: `steps.${k}`, key: 'methods:scenario.notAFit' });
    });
    if (fields.length) throw new ValidationError(fields, 'methods:scenario.failed');
    return models as ModelRecord[];
  }

  /** Builds the public scenario spec from saved fits, years and typed inputs, runs it and saves it. */
  async createScenario(userId: number | null, form: TScenarioForm, lang?: Language): Promise<number> {
    const steps = await this.scenarioSteps(form.steps);
    const specs = steps.map((m) => {
      const { forecast: _forecast, title: _title, ...rest } = m.spec as TFitSpec;
      return rest;
    });
    const needed = scenarioInputs(specs);
    const timeColumns = [...new Set(specs.flatMap((s) => (s.timeColumn ? [s.timeColumn] : [])))];
    const forecast = form.years.map((year) => {
      const row: Record<string, string | number | null> = Object.fromEntries(timeColumns.map((c) => [c, year]));
      row.year = year;
      for (const name of needed) {
        const raw = (form.inputs[String(year)]?.[name] ?? '').replace(',', '.');
        row[name] = raw === '' ? null : Number.isFinite(Number(raw)) ? Number(raw) : raw;
      }
      return row;
    });
    const spec: TScenarioSpec = { steps: specs, forecast, ...(form.title ? { title: form.title } : {}) };
    const result = runScenario(spec);
    const datasetIds = [...new Set(steps.map((m) => m.datasetId))];
    const title = form.title || result.steps.map((s) => s.y).join(' → ');
    return this.repo.createModel({ datasetId: datasetIds.length === 1 ? datasetIds[0]! : null, kind: 'scenario', title, ...modelTitleFields(form, lang), spec, origin: null, result, createdBy: userId });
  }

  /* ---- saved models ---- */

  /** Whose models `viewer` sees besides the shared ones (no author: seeded or left by a deleted account); undefined: all. */
  private modelOwner(viewer: Viewer): number | undefined {
    return viewer.role === 'admin' ? undefined : viewer.id;
  }

  async getModel(id: number, viewer: Viewer): Promise<ModelRecord> {
    const m = await this.repo.findModel(id);
    const owner = this.modelOwner(viewer);
    if (!m || (owner !== undefined && m.createdBy !== null && m.createdBy !== owner)) throw new NotFoundError();
    return m;
  }

  listModels(viewer: Viewer, filter: { datasetId?: number; kind?: ModelRecord['kind'] } = {}): Promise<ModelRecord[]> {
    return this.repo.listModels({ ...filter, visibleTo: this.modelOwner(viewer) });
  }

  /** Models without an author (seeded ones, a programme's regional index): everyone's to read. */
  listSharedModels(filter: { datasetId?: number; kind?: ModelRecord['kind'] } = {}): Promise<ModelRecord[]> {
    return this.repo.listModels({ ...filter, sharedOnly: true });
  }

  /** Renames a saved model: the title in the page's language, the other languages as typed (blank = not translated). */
  async renameModel(id: number, viewer: Viewer, input: TModelTitleInput, lang: Language): Promise<void> {
    await this.getModel(id, viewer);
    const titles = titlesFromForm(input, 'title');
    delete titles[lang];
    await this.repo.updateModelTitle(id, { title: input.title, titleLang: lang, titles });
  }

  async deleteModel(id: number, viewer: Viewer): Promise<number | null> {
    const m = await this.getModel(id, viewer);
    await this.repo.deleteModel(id);
    return m.datasetId;
  }

  /** A territory's values and its place in every saved composite index that includes it. */
  async territoryProfile(territoryId: number, viewer: Viewer) {
    const territory = await this.getTerritory(territoryId);
    const values = await this.repo.valuesOfTerritory(territoryId);
    const composites = (await this.listModels(viewer, { kind: 'composite' })).flatMap((m) => {
      const origin = m.origin;
      const result = m.result as CompositeResult;
      const entry = origin?.territories?.find((t) => t.id === territoryId);
      if (!entry) return [];
      const row = result.territories.find((t) => t.territory === entry.name);
      return row ? [{ model: m, row, of: result.territories.length }] : [];
    });
    return { territory, values, composites };
  }
}

/** Inputs a scenario's forecast rows must give: regressors neither derived (the trend) nor forecast by an earlier step. */
export function scenarioInputs(specs: Array<Pick<TFitSpec, 'x' | 'y' | 'timeColumn'>>): string[] {
  const produced = new Set<string>();
  const needed: string[] = [];
  for (const spec of specs) {
    for (const name of spec.x) {
      if ((spec.timeColumn && name === TREND) || produced.has(name) || needed.includes(name)) continue;
      needed.push(name);
    }
    produced.add(spec.y);
  }
  return needed;
}

export function isFitResult(result: unknown): result is FitResult {
  return typeof result === 'object' && result !== null && 'coefficients' in result;
}
