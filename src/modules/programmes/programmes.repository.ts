import type { Knex } from 'knex';
import { batchInsert, bool, insertReturningId, num, numOrNull, nowIso } from '../../db/dialect';
import { StagedUploads, stagedColumns, type StagedUpload } from '../../db/staging';
import type {
  ActualRecord,
  BodyRecord,
  CriterionRecord,
  DirectionRecord,
  DutyRecord,
  EvidenceRecord,
  HistoryRecord,
  IndicatorRecord,
  MeasureRecord,
  MeasureReportRecord,
  ProgrammeRecord,
  ProgrammeSpec,
  ResultRecord,
  SettlementRecord,
  SubmissionRecord,
  TEvidenceKind,
  TMeasureReportStatus,
} from './programmes.schemas';

type Executor = Knex | Knex.Transaction;

/** Evidence as stored: the record without its generated fields, the file with its bytes. */
export type NewEvidence = Omit<EvidenceRecord, 'id' | 'createdAt' | 'fileName' | 'fileType' | 'fileSize'> & { file: { name: string; type: string; data: Buffer } | null };

/** The only place knex touches the programme tables. */
export interface ProgrammesRepository {
  transaction<T>(fn: (trx: Knex.Transaction) => Promise<T>): Promise<T>;
  list(): Promise<ProgrammeRecord[]>;
  find(id: number, trx?: Executor): Promise<ProgrammeRecord | undefined>;
  findByCode(code: string, trx?: Executor): Promise<ProgrammeRecord | undefined>;
  /** Writes a whole programme from its spec; returns its id. */
  insertSpec(spec: ProgrammeSpec, trx: Knex.Transaction): Promise<number>;
  setRegionalDataset(programmeId: number, datasetId: number): Promise<void>;
  bodies(programmeId: number, trx?: Executor): Promise<BodyRecord[]>;
  indicators(programmeId: number, trx?: Executor): Promise<IndicatorRecord[]>;
  setIndicatorBodies(indicatorId: number, bodyIds: number[], trx: Knex.Transaction): Promise<void>;
  updateIndicatorTargets(indicatorId: number, input: { baselineValue: number; direction: 'higher' | 'lower'; targets: Map<number, number> }, trx: Knex.Transaction): Promise<void>;
  updateStatusRule(programmeId: number, rule: { onTrackMin: number; atRiskMin: number }, trx: Knex.Transaction): Promise<void>;
  actuals(programmeId: number, trx?: Executor): Promise<ActualRecord[]>;
  upsertActual(a: Omit<ActualRecord, 'enteredAt'>, trx: Knex.Transaction): Promise<{ previous: number | null }>;
  /** A staged actuals file (parsed rows) awaiting confirmation; expired ones are deleted first. */
  stageActualsImport(s: { programmeId: number; fileName: string; payload: string; createdBy: number }): Promise<number>;
  findActualsImport(id: number, trx?: Executor): Promise<(StagedUpload & { programmeId: number; fileName: string; payload: string }) | undefined>;
  /** False when it was no longer there. */
  deleteActualsImport(id: number, trx?: Executor): Promise<boolean>;
  results(programmeId: number): Promise<ResultRecord[]>;
  directions(programmeId: number): Promise<DirectionRecord[]>;
  measures(programmeId: number, trx?: Executor): Promise<MeasureRecord[]>;
  reports(programmeId: number, trx?: Executor): Promise<MeasureReportRecord[]>;
  upsertReport(r: { measureId: number; year: number; status: TMeasureReportStatus; summary: string | null; completedOn: string | null; updatedBy: number | null }, trx: Knex.Transaction): Promise<void>;
  deleteReport(measureId: number, year: number, trx: Knex.Transaction): Promise<void>;
  evidence(filter: { programmeId: number; measureId?: number; territoryId?: number }): Promise<EvidenceRecord[]>;
  findEvidence(id: number): Promise<(EvidenceRecord & { fileData: Buffer | null }) | undefined>;
  insertEvidence(e: NewEvidence, trx: Knex.Transaction): Promise<number>;
  history(filter: { programmeId: number; measureId?: number; indicatorId?: number }): Promise<HistoryRecord[]>;
  addHistory(h: { programmeId: number; measureId?: number | null; indicatorId?: number | null; year?: number | null; action: string; detail?: string | null; userId: number | null }, trx: Knex.Transaction): Promise<void>;
  executorBodies(userId: number, trx?: Executor): Promise<number[]>;
  executorsOf(programmeId: number): Promise<Array<{ userId: number; bodyId: number }>>;
  setExecutorBodies(userId: number, programmeId: number, bodyIds: number[], trx: Knex.Transaction): Promise<void>;
  duties(programmeId: number): Promise<DutyRecord[]>;
  submissions(programmeId: number, year?: number): Promise<SubmissionRecord[]>;
  upsertSubmission(s: Omit<SubmissionRecord, never>, trx: Knex.Transaction): Promise<void>;
  criteria(programmeId: number): Promise<CriterionRecord[]>;
  settlements(programmeId: number): Promise<SettlementRecord[]>;
  upsertSettlement(s: Omit<SettlementRecord, 'id'> & { programmeId: number; enteredBy: number | null }, trx: Knex.Transaction): Promise<void>;
}

const str = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));
const names = (row: Record<string, unknown>, field: string) => ({
  [`${field}_kk`]: String(row[`${field}_kk`] ?? ''),
  [`${field}_ru`]: String(row[`${field}_ru`] ?? ''),
  [`${field}_en`]: String(row[`${field}_en`] ?? ''),
});
const namesOut = (field: string, n: { kk: string; ru: string; en: string } | undefined) => ({
  [`${field}_kk`]: n?.kk ?? '',
  [`${field}_ru`]: n?.ru ?? '',
  [`${field}_en`]: n?.en ?? '',
});

function toProgramme(row: Record<string, unknown>): ProgrammeRecord {
  return {
    id: num(row.id),
    code: String(row.code),
    ...(names(row, 'name') as Pick<ProgrammeRecord, 'name_kk' | 'name_ru' | 'name_en'>),
    basis_kk: str(row.basis_kk),
    basis_ru: str(row.basis_ru),
    basis_en: str(row.basis_en),
    periodFrom: num(row.period_from),
    periodTo: num(row.period_to),
    baselineYear: num(row.baseline_year),
    onTrackMin: num(row.on_track_min),
    atRiskMin: num(row.at_risk_min),
    source: str(row.source),
    regionalBaseline: row.regional_baseline ? (JSON.parse(String(row.regional_baseline)) as ProgrammeRecord['regionalBaseline']) : null,
    regionalDatasetId: numOrNull(row.regional_dataset_id),
  };
}

function toEvidence(row: Record<string, unknown>): EvidenceRecord {
  return {
    id: num(row.id),
    programmeId: num(row.programme_id),
    measureId: numOrNull(row.measure_id),
    territoryId: numOrNull(row.territory_id),
    year: numOrNull(row.year),
    kind: row.kind as TEvidenceKind,
    text: str(row.text),
    url: str(row.url),
    fileName: str(row.file_name),
    fileType: str(row.file_type),
    fileSize: numOrNull(row.file_size),
    roundId: numOrNull(row.round_id),
    panelId: numOrNull(row.panel_id),
    createdBy: numOrNull(row.created_by),
    createdAt: String(row.created_at),
  };
}

const EVIDENCE_COLUMNS = [
  'id', 'programme_id', 'measure_id', 'territory_id', 'year', 'kind', 'text', 'url', 'file_name', 'file_type', 'file_size', 'round_id', 'panel_id', 'created_by', 'created_at',
];

export class KnexProgrammesRepository implements ProgrammesRepository {
  private readonly stagedActuals: StagedUploads;
  constructor(private readonly db: Knex) {
    this.stagedActuals = new StagedUploads(db, 'programme_actual_imports');
  }

  transaction<T>(fn: (trx: Knex.Transaction) => Promise<T>): Promise<T> {
    return this.db.transaction(fn);
  }

  async list() {
    return (await this.db('programmes').orderBy('id')).map(toProgramme);
  }

  async find(id: number, trx?: Executor) {
    const row = await (trx ?? this.db)('programmes').where({ id }).first();
    return row ? toProgramme(row) : undefined;
  }

  async findByCode(code: string, trx?: Executor) {
    const row = await (trx ?? this.db)('programmes').where({ code }).first();
    return row ? toProgramme(row) : undefined;
  }

  async insertSpec(spec: ProgrammeSpec, trx: Knex.Transaction): Promise<number> {
    const now = nowIso();
    const programmeId = await insertReturningId(trx, 'programmes', {
      code: spec.code,
      ...namesOut('name', spec.name),
      basis_kk: spec.basis?.kk ?? null,
      basis_ru: spec.basis?.ru ?? null,
      basis_en: spec.basis?.en ?? null,
      period_from: spec.periodFrom,
      period_to: spec.periodTo,
      baseline_year: spec.baselineYear,
      on_track_min: spec.statusRule?.onTrackMin ?? 1,
      at_risk_min: spec.statusRule?.atRiskMin ?? 0.9,
      source: spec.source ?? null,
      regional_baseline: spec.regionalBaseline ? JSON.stringify(spec.regionalBaseline) : null,
      created_at: now,
      updated_at: now,
    });
    const bodyId = new Map<string, number>();
    let position = 0;
    for (const b of spec.bodies) {
      bodyId.set(b.code, await insertReturningId(trx, 'programme_bodies', { programme_id: programmeId, code: b.code, ...namesOut('name', b.name), note: b.note ?? null, position: ++position }));
    }
    position = 0;
    for (const ind of spec.indicators) {
      const id = await insertReturningId(trx, 'programme_indicators', {
        programme_id: programmeId,
        code: ind.code,
        ...namesOut('name', ind.name),
        ...namesOut('unit', ind.unit),
        direction: ind.direction,
        baseline_year: ind.baseline.year,
        baseline_value: ind.baseline.value,
        direction_number: ind.directionNumber ?? null,
        note: ind.note ?? null,
        position: ++position,
      });
      await batchInsert(trx, 'programme_targets', Object.entries(ind.targets).map(([year, value]) => ({ indicator_id: id, year: Number(year), value })));
      await batchInsert(trx, 'programme_indicator_bodies', (ind.bodies ?? []).map((code) => ({ indicator_id: id, body_id: bodyId.get(code)! })));
    }
    position = 0;
    for (const r of spec.results) {
      await trx('programme_results').insert({
        programme_id: programmeId,
        code: r.code,
        kind: r.kind,
        ...namesOut('name', r.name),
        ...namesOut('unit', r.unit),
        target_year: r.target?.year ?? null,
        target_value: r.target?.value ?? null,
        baseline_year: r.baseline?.year ?? null,
        baseline_value: r.baseline?.value ?? null,
        note: r.note ?? null,
        position: ++position,
      });
    }
    const directionId = new Map<number, number>();
    for (const d of spec.directions) {
      directionId.set(d.number, await insertReturningId(trx, 'programme_directions', { programme_id: programmeId, number: d.number, ...namesOut('name', d.name) }));
    }
    for (const m of spec.measures) {
      const id = await insertReturningId(trx, 'programme_measures', {
        programme_id: programmeId,
        direction_id: directionId.get(m.direction)!,
        number: m.number,
        ...namesOut('name', m.name),
        ...namesOut('form', m.completionForm),
        deadline_kind: m.deadline.kind,
        deadline_from: m.deadline.from,
        deadline_to: m.deadline.to,
        due_month: m.deadline.dueMonth,
        ...namesOut('deadline', m.deadline.label),
        note: m.note ?? null,
      });
      await batchInsert(
        trx,
        'programme_measure_bodies',
        m.executors.map((e, i) => ({ measure_id: id, body_id: bodyId.get(e.body)!, by_agreement: e.byAgreement, position: i + 1 })),
      );
    }
    for (const d of spec.duties) {
      await trx('programme_duties').insert({
        programme_id: programmeId,
        code: d.code,
        reporter: d.reporter,
        lead_body_id: d.leadBody ? bodyId.get(d.leadBody)! : null,
        ...namesOut('recipient', d.recipient),
        ...namesOut('what', d.what),
        due_day: d.dueDay,
        due_month: d.dueMonth,
        year_offset: d.yearOffset,
        publish: d.publish,
      });
    }
    position = 0;
    for (const c of spec.criteria) {
      await trx('programme_criteria').insert({
        programme_id: programmeId,
        code: c.code,
        ...namesOut('name', c.name),
        threshold_operator: c.threshold?.operator ?? null,
        threshold_value: c.threshold?.value ?? null,
        position: ++position,
      });
    }
    return programmeId;
  }

  async setRegionalDataset(programmeId: number, datasetId: number) {
    await this.db('programmes').where({ id: programmeId }).update({ regional_dataset_id: datasetId, updated_at: nowIso() });
  }

  async bodies(programmeId: number, trx?: Executor): Promise<BodyRecord[]> {
    const rows = await (trx ?? this.db)('programme_bodies').where({ programme_id: programmeId }).orderBy('position');
    return rows.map((row) => ({ id: num(row.id), programmeId, code: String(row.code), ...(names(row, 'name') as Pick<BodyRecord, 'name_kk' | 'name_ru' | 'name_en'>), note: str(row.note) }));
  }

  async indicators(programmeId: number, trx?: Executor): Promise<IndicatorRecord[]> {
    const db = trx ?? this.db;
    const rows = await db('programme_indicators').where({ programme_id: programmeId }).orderBy('position');
    const ids = rows.map((r) => num(r.id));
    const targets = ids.length ? await db('programme_targets').whereIn('indicator_id', ids).orderBy('year') : [];
    const bodies = ids.length ? await db('programme_indicator_bodies').whereIn('indicator_id', ids) : [];
    return rows.map((row) => {
      const id = num(row.id);
      return {
        id,
        programmeId,
        code: String(row.code),
        ...(names(row, 'name') as Pick<IndicatorRecord, 'name_kk' | 'name_ru' | 'name_en'>),
        ...(names(row, 'unit') as Pick<IndicatorRecord, 'unit_kk' | 'unit_ru' | 'unit_en'>),
        direction: row.direction as IndicatorRecord['direction'],
        baselineYear: num(row.baseline_year),
        baselineValue: num(row.baseline_value),
        directionNumber: numOrNull(row.direction_number),
        note: str(row.note),
        targets: new Map(targets.filter((t) => num(t.indicator_id) === id).map((t) => [num(t.year), num(t.value)])),
        bodyIds: bodies.filter((b) => num(b.indicator_id) === id).map((b) => num(b.body_id)),
      };
    });
  }

  async setIndicatorBodies(indicatorId: number, bodyIds: number[], trx: Knex.Transaction) {
    await trx('programme_indicator_bodies').where({ indicator_id: indicatorId }).delete();
    await batchInsert(trx, 'programme_indicator_bodies', bodyIds.map((body_id) => ({ indicator_id: indicatorId, body_id })));
  }

  async updateIndicatorTargets(indicatorId: number, input: { baselineValue: number; direction: 'higher' | 'lower'; targets: Map<number, number> }, trx: Knex.Transaction) {
    await trx('programme_indicators').where({ id: indicatorId }).update({ baseline_value: input.baselineValue, direction: input.direction });
    await trx('programme_targets').where({ indicator_id: indicatorId }).delete();
    await batchInsert(trx, 'programme_targets', [...input.targets].map(([year, value]) => ({ indicator_id: indicatorId, year, value })));
  }

  async updateStatusRule(programmeId: number, rule: { onTrackMin: number; atRiskMin: number }, trx: Knex.Transaction) {
    await trx('programmes').where({ id: programmeId }).update({ on_track_min: rule.onTrackMin, at_risk_min: rule.atRiskMin, updated_at: nowIso() });
  }

  async actuals(programmeId: number, trx?: Executor): Promise<ActualRecord[]> {
    const rows = await (trx ?? this.db)('programme_actuals as a')
      .join('programme_indicators as i', 'i.id', 'a.indicator_id')
      .where('i.programme_id', programmeId)
      .select('a.*')
      .orderBy(['a.indicator_id', 'a.year']);
    return rows.map((r) => ({
      indicatorId: num(r.indicator_id),
      year: num(r.year),
      value: num(r.value),
      source: str(r.source),
      note: str(r.note),
      enteredBy: numOrNull(r.entered_by),
      enteredAt: String(r.entered_at),
    }));
  }

  async upsertActual(a: Omit<ActualRecord, 'enteredAt'>, trx: Knex.Transaction) {
    const existing = await trx('programme_actuals').where({ indicator_id: a.indicatorId, year: a.year }).first();
    const row = { value: a.value, source: a.source, note: a.note, entered_by: a.enteredBy, entered_at: nowIso() };
    // An upsert, so that two people saving the same year at once do not collide on the unique key.
    await trx('programme_actuals').insert({ indicator_id: a.indicatorId, year: a.year, ...row }).onConflict(['indicator_id', 'year']).merge();
    return { previous: existing ? num(existing.value) : null };
  }

  async stageActualsImport(s: { programmeId: number; fileName: string; payload: string; createdBy: number }) {
    return this.stagedActuals.stage({ programme_id: s.programmeId, file_name: s.fileName, payload: s.payload }, s.createdBy);
  }

  async findActualsImport(id: number, trx?: Executor) {
    const row = await this.stagedActuals.row(id, trx);
    if (!row) return undefined;
    return { ...stagedColumns(row), programmeId: num(row.programme_id), fileName: String(row.file_name), payload: String(row.payload) };
  }

  async deleteActualsImport(id: number, trx?: Executor) {
    return this.stagedActuals.drop(id, trx);
  }

  async results(programmeId: number): Promise<ResultRecord[]> {
    const rows = await this.db('programme_results').where({ programme_id: programmeId }).orderBy('position');
    return rows.map((r) => ({
      id: num(r.id),
      code: String(r.code),
      kind: r.kind as ResultRecord['kind'],
      ...(names(r, 'name') as Pick<ResultRecord, 'name_kk' | 'name_ru' | 'name_en'>),
      ...(names(r, 'unit') as Pick<ResultRecord, 'unit_kk' | 'unit_ru' | 'unit_en'>),
      targetYear: numOrNull(r.target_year),
      targetValue: numOrNull(r.target_value),
      baselineYear: numOrNull(r.baseline_year),
      baselineValue: numOrNull(r.baseline_value),
      note: str(r.note),
    }));
  }

  async directions(programmeId: number): Promise<DirectionRecord[]> {
    const rows = await this.db('programme_directions').where({ programme_id: programmeId }).orderBy('number');
    return rows.map((r) => ({ id: num(r.id), number: num(r.number), ...(names(r, 'name') as Pick<DirectionRecord, 'name_kk' | 'name_ru' | 'name_en'>) }));
  }

  async measures(programmeId: number, trx?: Executor): Promise<MeasureRecord[]> {
    const db = trx ?? this.db;
    const rows = await db('programme_measures as m')
      .join('programme_directions as d', 'd.id', 'm.direction_id')
      .where('m.programme_id', programmeId)
      .select('m.*', 'd.number as direction_number')
      .orderBy('m.number');
    const links = await db('programme_measure_bodies as mb')
      .join('programme_measures as m', 'm.id', 'mb.measure_id')
      .where('m.programme_id', programmeId)
      .select('mb.measure_id', 'mb.body_id', 'mb.by_agreement')
      .orderBy(['mb.measure_id', 'mb.position']);
    return rows.map((r) => {
      const id = num(r.id);
      return {
        id,
        programmeId,
        directionId: num(r.direction_id),
        directionNumber: num(r.direction_number),
        number: num(r.number),
        ...(names(r, 'name') as Pick<MeasureRecord, 'name_kk' | 'name_ru' | 'name_en'>),
        ...(names(r, 'form') as Pick<MeasureRecord, 'form_kk' | 'form_ru' | 'form_en'>),
        deadlineKind: r.deadline_kind as MeasureRecord['deadlineKind'],
        deadlineFrom: num(r.deadline_from),
        deadlineTo: num(r.deadline_to),
        dueMonth: num(r.due_month),
        ...(names(r, 'deadline') as Pick<MeasureRecord, 'deadline_kk' | 'deadline_ru' | 'deadline_en'>),
        note: str(r.note),
        executors: links.filter((l) => num(l.measure_id) === id).map((l) => ({ bodyId: num(l.body_id), byAgreement: bool(l.by_agreement) })),
      };
    });
  }

  async reports(programmeId: number, trx?: Executor): Promise<MeasureReportRecord[]> {
    const rows = await (trx ?? this.db)('programme_measure_reports as r')
      .join('programme_measures as m', 'm.id', 'r.measure_id')
      .where('m.programme_id', programmeId)
      .select('r.*');
    return rows.map((r) => ({
      measureId: num(r.measure_id),
      year: num(r.year),
      status: r.status as TMeasureReportStatus,
      summary: str(r.summary),
      completedOn: str(r.completed_on),
      updatedBy: numOrNull(r.updated_by),
      updatedAt: String(r.updated_at),
    }));
  }

  async upsertReport(r: { measureId: number; year: number; status: TMeasureReportStatus; summary: string | null; completedOn: string | null; updatedBy: number | null }, trx: Knex.Transaction) {
    const row = { status: r.status, summary: r.summary, completed_on: r.completedOn, updated_by: r.updatedBy, updated_at: nowIso() };
    await trx('programme_measure_reports').insert({ measure_id: r.measureId, year: r.year, ...row }).onConflict(['measure_id', 'year']).merge();
  }

  async deleteReport(measureId: number, year: number, trx: Knex.Transaction) {
    await trx('programme_measure_reports').where({ measure_id: measureId, year }).delete();
  }

  async evidence(filter: { programmeId: number; measureId?: number; territoryId?: number }) {
    const q = this.db('programme_evidence').where({ programme_id: filter.programmeId }).select(EVIDENCE_COLUMNS).orderBy('id');
    if (filter.measureId !== undefined) q.where({ measure_id: filter.measureId });
    if (filter.territoryId !== undefined) q.where({ territory_id: filter.territoryId });
    return (await q).map(toEvidence);
  }

  async findEvidence(id: number) {
    const row = await this.db('programme_evidence').where({ id }).first();
    if (!row) return undefined;
    return { ...toEvidence(row), fileData: row.file_data ? Buffer.from(row.file_data as Buffer) : null };
  }

  async insertEvidence(e: NewEvidence, trx: Knex.Transaction) {
    return insertReturningId(trx, 'programme_evidence', {
      programme_id: e.programmeId,
      measure_id: e.measureId,
      territory_id: e.territoryId,
      year: e.year,
      kind: e.kind,
      text: e.text,
      url: e.url,
      file_name: e.file?.name ?? null,
      file_type: e.file?.type ?? null,
      file_size: e.file ? e.file.data.length : null,
      file_data: e.file?.data ?? null,
      round_id: e.roundId,
      panel_id: e.panelId,
      created_by: e.createdBy,
      created_at: nowIso(),
    });
  }

  async history(filter: { programmeId: number; measureId?: number; indicatorId?: number }): Promise<HistoryRecord[]> {
    const q = this.db('programme_history as h')
      .leftJoin('users as u', 'u.id', 'h.user_id')
      .where('h.programme_id', filter.programmeId)
      .select('h.*', 'u.name as user_name')
      .orderBy('h.id', 'desc')
      .limit(500);
    if (filter.measureId !== undefined) q.where('h.measure_id', filter.measureId);
    if (filter.indicatorId !== undefined) q.where('h.indicator_id', filter.indicatorId);
    return (await q).map((r) => ({
      id: num(r.id),
      measureId: numOrNull(r.measure_id),
      indicatorId: numOrNull(r.indicator_id),
      year: numOrNull(r.year),
      action: String(r.action),
      detail: str(r.detail),
      userId: numOrNull(r.user_id),
      userName: str(r.user_name),
      createdAt: String(r.created_at),
    }));
  }

  async addHistory(h: { programmeId: number; measureId?: number | null; indicatorId?: number | null; year?: number | null; action: string; detail?: string | null; userId: number | null }, trx: Knex.Transaction) {
    await trx('programme_history').insert({
      programme_id: h.programmeId,
      measure_id: h.measureId ?? null,
      indicator_id: h.indicatorId ?? null,
      year: h.year ?? null,
      action: h.action,
      detail: h.detail ?? null,
      user_id: h.userId,
      created_at: nowIso(),
    });
  }

  async executorBodies(userId: number, trx?: Executor) {
    return (await (trx ?? this.db)('programme_executors').where({ user_id: userId }).select('body_id')).map((r) => num(r.body_id));
  }

  async executorsOf(programmeId: number) {
    const rows = await this.db('programme_executors as e').join('programme_bodies as b', 'b.id', 'e.body_id').where('b.programme_id', programmeId).select('e.user_id', 'e.body_id');
    return rows.map((r) => ({ userId: num(r.user_id), bodyId: num(r.body_id) }));
  }

  async setExecutorBodies(userId: number, programmeId: number, bodyIds: number[], trx: Knex.Transaction) {
    const ofProgramme = trx('programme_bodies').where({ programme_id: programmeId }).select('id');
    await trx('programme_executors').where({ user_id: userId }).whereIn('body_id', ofProgramme).delete();
    await batchInsert(trx, 'programme_executors', bodyIds.map((body_id) => ({ user_id: userId, body_id })));
  }

  async duties(programmeId: number): Promise<DutyRecord[]> {
    const rows = await this.db('programme_duties').where({ programme_id: programmeId }).orderBy('id');
    return rows.map((r) => ({
      id: num(r.id),
      code: String(r.code),
      reporter: r.reporter as DutyRecord['reporter'],
      leadBodyId: numOrNull(r.lead_body_id),
      ...(names(r, 'recipient') as Pick<DutyRecord, 'recipient_kk' | 'recipient_ru' | 'recipient_en'>),
      ...(names(r, 'what') as Pick<DutyRecord, 'what_kk' | 'what_ru' | 'what_en'>),
      dueDay: num(r.due_day),
      dueMonth: num(r.due_month),
      yearOffset: num(r.year_offset),
      publish: bool(r.publish),
    }));
  }

  async submissions(programmeId: number, year?: number): Promise<SubmissionRecord[]> {
    const q = this.db('programme_submissions as s').join('programme_duties as d', 'd.id', 's.duty_id').where('d.programme_id', programmeId).select('s.*');
    if (year !== undefined) q.where('s.year', year);
    return (await q).map((r) => ({
      dutyId: num(r.duty_id),
      year: num(r.year),
      reporterKey: String(r.reporter_key),
      submittedOn: String(r.submitted_on),
      note: str(r.note),
      submittedBy: numOrNull(r.submitted_by),
    }));
  }

  async upsertSubmission(s: SubmissionRecord, trx: Knex.Transaction) {
    const row = { submitted_on: s.submittedOn, note: s.note, submitted_by: s.submittedBy, created_at: nowIso() };
    await trx('programme_submissions').insert({ duty_id: s.dutyId, year: s.year, reporter_key: s.reporterKey, ...row }).onConflict(['duty_id', 'year', 'reporter_key']).merge();
  }

  async criteria(programmeId: number): Promise<CriterionRecord[]> {
    const rows = await this.db('programme_criteria').where({ programme_id: programmeId }).orderBy('position');
    return rows.map((r) => ({
      id: num(r.id),
      code: String(r.code),
      ...(names(r, 'name') as Pick<CriterionRecord, 'name_kk' | 'name_ru' | 'name_en'>),
      thresholdOperator: (r.threshold_operator as '>=' | null) ?? null,
      thresholdValue: numOrNull(r.threshold_value),
    }));
  }

  async settlements(programmeId: number): Promise<SettlementRecord[]> {
    const rows = await this.db('programme_settlement_data').where({ programme_id: programmeId }).orderBy(['territory_id', 'year']);
    return rows.map((r) => ({ id: num(r.id), territoryId: num(r.territory_id), year: num(r.year), scienceWorkers: num(r.science_workers), employed: num(r.employed), source: str(r.source) }));
  }

  async upsertSettlement(s: Omit<SettlementRecord, 'id'> & { programmeId: number; enteredBy: number | null }, trx: Knex.Transaction) {
    const row = { science_workers: s.scienceWorkers, employed: s.employed, source: s.source, entered_by: s.enteredBy, entered_at: nowIso() };
    await trx('programme_settlement_data')
      .insert({ programme_id: s.programmeId, territory_id: s.territoryId, year: s.year, ...row })
      .onConflict(['programme_id', 'territory_id', 'year'])
      .merge();
  }
}
