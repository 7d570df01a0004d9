import type { Knex } from 'knex';
import type { Language } from '../../i18n';
import { titleColumns, titleFields, type TTitles } from '../../i18n/titles';
import { dialectOf, insertReturningId, lockRowForUpdate, num, numOrNull, nowIso, realCast, rowsPerInsert } from '../../db/dialect';
import { StagedUploads, stagedColumns, type StagedUpload } from '../../db/staging';
import type { DatasetRecord, IndicatorRecord, ModelOrigin, ModelRecord, TDirection, ValueRecord } from './indicators.schemas';

type Executor = Knex | Knex.Transaction;

function toDataset(row: Record<string, unknown>): DatasetRecord {
  return {
    id: num(row.id),
    code: String(row.code),
    name: String(row.name),
    ...(titleFields(row, 'name') as Pick<DatasetRecord, 'name_kk' | 'name_ru' | 'name_en' | 'name_lang'>),
    description: row.description == null ? null : String(row.description),
    source: row.source == null ? null : String(row.source),
    roundId: numOrNull(row.round_id),
    createdAt: String(row.created_at),
    ...(row.indicator_count !== undefined ? { indicatorCount: num(row.indicator_count) } : {}),
    ...(row.value_count !== undefined ? { valueCount: num(row.value_count) } : {}),
  };
}

function toIndicator(row: Record<string, unknown>): IndicatorRecord {
  return {
    id: num(row.id),
    datasetId: num(row.dataset_id),
    datasetCode: String(row.dataset_code ?? ''),
    datasetName: String(row.dataset_name ?? ''),
    code: String(row.code),
    name_kk: String(row.name_kk),
    name_ru: String(row.name_ru),
    name_en: String(row.name_en),
    unit: String(row.unit ?? ''),
    direction: row.direction as TDirection,
    source: row.source == null ? null : String(row.source),
    roundId: numOrNull(row.round_id),
    position: num(row.position),
    formula: row.formula == null ? null : String(row.formula),
  };
}

function toModel(row: Record<string, unknown>): ModelRecord {
  return {
    id: num(row.id),
    datasetId: numOrNull(row.dataset_id),
    kind: row.kind as ModelRecord['kind'],
    title: String(row.title),
    ...(titleFields(row, 'title') as Pick<ModelRecord, 'title_kk' | 'title_ru' | 'title_en' | 'title_lang'>),
    spec: JSON.parse(String(row.spec)),
    origin: row.origin == null ? null : (JSON.parse(String(row.origin)) as ModelOrigin),
    result: JSON.parse(String(row.result)),
    createdBy: numOrNull(row.created_by),
    createdAt: String(row.created_at),
  };
}

export interface NewIndicator {
  datasetId: number;
  code: string;
  name_kk: string;
  name_ru: string;
  name_en: string;
  unit: string;
  direction: TDirection;
  source: string | null;
  roundId?: number | null;
  position?: number;
  /** A derived indicator's formula over the dataset's other indicators. */
  formula?: string | null;
}

export interface PendingImport extends StagedUpload {
  datasetId: number;
  fileName: string;
  format: 'wide' | 'long';
  payload: unknown;
  report: unknown;
  status: 'pending' | 'confirmed';
  createdAt: string;
}

/** The only place knex is used for indicators, their values, imports and saved models. */
export class IndicatorsRepository {
  private readonly staged: StagedUploads;
  constructor(readonly db: Knex) {
    // A confirmed preview stays (its page says it was imported); only pending ones wait and expire.
    this.staged = new StagedUploads(db, 'indicator_imports', { status: 'pending' });
  }

  transaction<T>(fn: (trx: Knex.Transaction) => Promise<T>): Promise<T> {
    return this.db.transaction(fn);
  }

  /* ---- datasets ---- */

  async listDatasets(): Promise<DatasetRecord[]> {
    const rows = await this.db('indicator_datasets as d')
      .select('d.*')
      .select(this.db.raw('(SELECT COUNT(*) FROM indicators i WHERE i.dataset_id = d.id) AS indicator_count'))
      .select(
        this.db.raw('(SELECT COUNT(*) FROM indicator_values v JOIN indicators i ON i.id = v.indicator_id WHERE i.dataset_id = d.id) AS value_count'),
      )
      .orderBy([{ column: 'd.round_id', order: 'asc' }, { column: 'd.id', order: 'asc' }]);
    return rows.map(toDataset);
  }

  async findDataset(id: number, trx?: Executor): Promise<DatasetRecord | undefined> {
    const row = await (trx ?? this.db)('indicator_datasets').where({ id }).first();
    return row ? toDataset(row) : undefined;
  }

  async findDatasetByCode(code: string, trx?: Executor): Promise<DatasetRecord | undefined> {
    const row = await (trx ?? this.db)('indicator_datasets').where({ code }).first();
    return row ? toDataset(row) : undefined;
  }

  async findDatasetByRound(roundId: number, trx?: Executor): Promise<DatasetRecord | undefined> {
    const row = await (trx ?? this.db)('indicator_datasets').where({ round_id: roundId }).first();
    return row ? toDataset(row) : undefined;
  }

  async createDataset(
    input: { code: string; name: string; nameLang?: Language; names?: TTitles; description: string | null; source: string | null; roundId?: number | null; createdBy?: number | null },
    trx?: Executor,
  ): Promise<number> {
    const now = nowIso();
    return insertReturningId(trx ?? this.db, 'indicator_datasets', {
      code: input.code,
      ...titleColumns('name', input.name, input.nameLang, input.names),
      description: input.description,
      source: input.source,
      round_id: input.roundId ?? null,
      created_by: input.createdBy ?? null,
      created_at: now,
      updated_at: now,
    });
  }

  async updateDataset(id: number, input: { name: string; nameLang?: Language; names?: TTitles; description: string | null; source: string | null }, trx?: Executor): Promise<void> {
    await (trx ?? this.db)('indicator_datasets')
      .where({ id })
      .update({ ...titleColumns('name', input.name, input.nameLang, input.names), description: input.description, source: input.source, updated_at: nowIso() });
  }

  /* ---- indicators ---- */

  private indicatorQuery(db: Executor) {
    return db('indicators as i')
      .join('indicator_datasets as d', 'd.id', 'i.dataset_id')
      .select('i.*', 'd.code as dataset_code', 'd.name as dataset_name')
      .orderBy([{ column: 'd.id' }, { column: 'i.position' }, { column: 'i.id' }]);
  }

  async listIndicators(datasetId?: number, trx?: Executor): Promise<IndicatorRecord[]> {
    const q = this.indicatorQuery(trx ?? this.db);
    if (datasetId !== undefined) q.where('i.dataset_id', datasetId);
    return (await q).map(toIndicator);
  }

  async findIndicator(id: number, trx?: Executor): Promise<IndicatorRecord | undefined> {
    const row = await this.indicatorQuery(trx ?? this.db).where('i.id', id).first();
    return row ? toIndicator(row) : undefined;
  }

  async indicatorsByIds(ids: number[], trx?: Executor): Promise<IndicatorRecord[]> {
    if (ids.length === 0) return [];
    return (await this.indicatorQuery(trx ?? this.db).whereIn('i.id', ids)).map(toIndicator);
  }

  async createIndicator(input: NewIndicator, trx?: Executor): Promise<number> {
    const now = nowIso();
    return insertReturningId(trx ?? this.db, 'indicators', {
      dataset_id: input.datasetId,
      code: input.code,
      name_kk: input.name_kk,
      name_ru: input.name_ru,
      name_en: input.name_en,
      unit: input.unit,
      direction: input.direction,
      source: input.source,
      round_id: input.roundId ?? null,
      position: input.position ?? 0,
      formula: input.formula ?? null,
      created_at: now,
      updated_at: now,
    });
  }

  async updateIndicator(
    id: number,
    input: { name_kk: string; name_ru: string; name_en: string; unit: string; direction: TDirection; source: string | null; formula?: string | null },
    trx?: Executor,
  ): Promise<void> {
    await (trx ?? this.db)('indicators').where({ id }).update({ ...input, updated_at: nowIso() });
  }

  async maxIndicatorPosition(datasetId: number, trx?: Executor): Promise<number> {
    const row = await (trx ?? this.db)('indicators').where({ dataset_id: datasetId }).max({ m: 'position' }).first();
    return num(row?.m);
  }

  /* ---- values ---- */

  /** Insert or replace values (same indicator, territory and period: the new value wins). */
  async upsertValues(values: ValueRecord[], trx: Executor): Promise<void> {
    const rows = values.map((v) => ({ indicator_id: v.indicatorId, territory_id: v.territoryId, period: v.period, value: v.value }));
    const size = rowsPerInsert(trx as Knex, 4);
    for (let i = 0; i < rows.length; i += size) {
      await trx('indicator_values')
        .insert(rows.slice(i, i + size))
        .onConflict(['indicator_id', 'territory_id', 'period'])
        .merge(['value']);
    }
  }

  async deleteValuesOfIndicators(indicatorIds: number[], trx: Executor): Promise<number> {
    if (indicatorIds.length === 0) return 0;
    return trx('indicator_values').whereIn('indicator_id', indicatorIds).delete();
  }

  async values(filter: { indicatorIds: number[]; territoryIds?: number[]; periods?: string[] }, trx?: Executor): Promise<ValueRecord[]> {
    if (filter.indicatorIds.length === 0) return [];
    const q = (trx ?? this.db)('indicator_values').whereIn('indicator_id', filter.indicatorIds).select('indicator_id', 'territory_id', 'period', 'value');
    if (filter.territoryIds) q.whereIn('territory_id', filter.territoryIds);
    if (filter.periods) q.whereIn('period', filter.periods);
    const rows = await q.orderBy([{ column: 'period' }, { column: 'territory_id' }]);
    return rows.map((r) => ({ indicatorId: num(r.indicator_id), territoryId: num(r.territory_id), period: String(r.period), value: Number(r.value) }));
  }

  /** Distinct periods per indicator, ascending. */
  async periodsByIndicator(indicatorIds?: number[]): Promise<Map<number, string[]>> {
    const q = this.db('indicator_values').distinct('indicator_id', 'period').orderBy([{ column: 'indicator_id' }, { column: 'period' }]);
    if (indicatorIds) q.whereIn('indicator_id', indicatorIds);
    const out = new Map<number, string[]>();
    for (const r of await q) {
      const id = num(r.indicator_id);
      out.set(id, [...(out.get(id) ?? []), String(r.period)]);
    }
    return out;
  }

  /** Territories that have at least one value of the given indicators. */
  async territoryIdsWithValues(indicatorIds?: number[]): Promise<number[]> {
    const q = this.db('indicator_values').distinct('territory_id');
    if (indicatorIds) q.whereIn('indicator_id', indicatorIds);
    return (await q).map((r) => num(r.territory_id));
  }

  async valuesOfTerritory(territoryId: number): Promise<Array<ValueRecord & { indicator: IndicatorRecord }>> {
    const rows = await this.db('indicator_values as v')
      .join('indicators as i', 'i.id', 'v.indicator_id')
      .join('indicator_datasets as d', 'd.id', 'i.dataset_id')
      .where('v.territory_id', territoryId)
      .select('i.*', 'd.code as dataset_code', 'd.name as dataset_name', 'v.period', 'v.value', 'v.territory_id')
      .orderBy([{ column: 'd.id' }, { column: 'i.position' }, { column: 'i.id' }, { column: 'v.period' }]);
    return rows.map((r) => ({ indicator: toIndicator(r), indicatorId: num(r.id), territoryId: num(r.territory_id), period: String(r.period), value: Number(r.value) }));
  }

  async countValues(datasetId: number): Promise<number> {
    const row = await this.db('indicator_values as v').join('indicators as i', 'i.id', 'v.indicator_id').where('i.dataset_id', datasetId).count({ n: '*' }).first();
    return num(row?.n);
  }

  /* ---- imports ---- */

  /** Stores a preview; previews past their expiry are deleted first (whoever uploaded them). */
  async createImport(input: Pick<PendingImport, 'datasetId' | 'fileName' | 'format' | 'payload' | 'report' | 'createdBy'>): Promise<number> {
    return this.staged.stage(
      { dataset_id: input.datasetId, file_name: input.fileName, format: input.format, payload: JSON.stringify(input.payload), report: JSON.stringify(input.report) },
      input.createdBy,
    );
  }

  async findImport(id: number, trx?: Executor): Promise<PendingImport | undefined> {
    const row = await this.staged.row(id, trx);
    if (!row) return undefined;
    return {
      ...stagedColumns(row),
      datasetId: num(row.dataset_id),
      fileName: String(row.file_name),
      format: row.format as PendingImport['format'],
      payload: JSON.parse(String(row.payload)),
      report: JSON.parse(String(row.report)),
      status: row.status as PendingImport['status'],
      createdAt: String(row.created_at),
    };
  }

  /** Queues writers of one dataset's indicators (two confirmations creating the same new code). */
  async lockDataset(id: number, trx: Knex.Transaction): Promise<void> {
    await lockRowForUpdate(trx, 'indicator_datasets', id);
  }

  /** Marks a pending import confirmed; false when it was not pending (a second click, another tab). */
  async markImportConfirmed(id: number, trx: Executor): Promise<boolean> {
    const n = await trx('indicator_imports').where({ id, status: 'pending' }).update({ status: 'confirmed', payload: '{}' });
    return n === 1;
  }

  async deleteImport(id: number): Promise<void> {
    await this.staged.drop(id);
  }

  /* ---- saved models ---- */

  async createModel(
    input: { datasetId: number | null; kind: ModelRecord['kind']; title: string; titleLang?: Language | null; titles?: TTitles; spec: unknown; origin: ModelOrigin | null; result: unknown; createdBy: number | null },
    trx?: Executor,
  ): Promise<number> {
    return insertReturningId(trx ?? this.db, 'indicator_models', {
      dataset_id: input.datasetId,
      kind: input.kind,
      // The title as typed is in the page's language; a title made up from the variables has its language guessed.
      ...titleColumns('title', input.title, input.titleLang ?? null, input.titles),
      spec: JSON.stringify(input.spec),
      origin: input.origin ? JSON.stringify(input.origin) : null,
      result: JSON.stringify(input.result),
      created_by: input.createdBy,
      created_at: nowIso(),
    });
  }

  async updateModel(id: number, input: { spec: unknown; result: unknown }): Promise<void> {
    await this.db('indicator_models').where({ id }).update({ spec: JSON.stringify(input.spec), result: JSON.stringify(input.result) });
  }

  async updateModelTitle(id: number, input: { title: string; titleLang: Language; titles: TTitles }): Promise<void> {
    await this.db('indicator_models').where({ id }).update(titleColumns('title', input.title, input.titleLang, input.titles));
  }

  async deleteModel(id: number): Promise<void> {
    await this.db('indicator_models').where({ id }).delete();
  }

  async findModel(id: number): Promise<ModelRecord | undefined> {
    const row = await this.db('indicator_models').where({ id }).first();
    return row ? toModel(row) : undefined;
  }

  /** `visibleTo`: only that author's models and the shared ones (no author); `sharedOnly`: only those; neither: all. */
  async listModels(filter: { datasetId?: number; kind?: ModelRecord['kind']; visibleTo?: number; sharedOnly?: boolean } = {}): Promise<ModelRecord[]> {
    const q = this.db('indicator_models').orderBy('id', 'desc');
    if (filter.datasetId !== undefined) q.where({ dataset_id: filter.datasetId });
    if (filter.kind) q.where({ kind: filter.kind });
    if (filter.visibleTo !== undefined) {
      const owner = filter.visibleTo;
      q.where((w) => w.where({ created_by: owner }).orWhereNull('created_by'));
    }
    if (filter.sharedOnly) q.whereNull('created_by');
    return (await q).map(toModel);
  }

  async countModels(kind?: ModelRecord['kind']): Promise<number> {
    const q = this.db('indicator_models').count({ n: '*' });
    if (kind) q.where({ kind });
    return num((await q.first())?.n);
  }

  /** The dataset each published survey round was published into, by round id. */
  async datasetIdsByRound(): Promise<Map<number, number>> {
    const rows = await this.db('indicator_datasets').whereNotNull('round_id').select('id', 'round_id');
    return new Map(rows.map((r: Record<string, unknown>) => [num(r.round_id), num(r.id)]));
  }
}
