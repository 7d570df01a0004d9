import { ConflictError, ForbiddenError, NotFoundError, ValidationError, zodFieldErrors, type FieldError } from '../../errors';
import { ownWaiting } from '../../db/staging';
import { readUploadedTable, TableReadError } from '../../lib/spreadsheet';
import type { TRole } from '../users/users.schemas';
import { projectTrend, type TrendProjection } from './programmes.projection';
import type { ProgrammesRepository } from './programmes.repository';
import {
  almatyToday,
  attainmentOf,
  dutyDueDate,
  indicatorStatus,
  isDueIn,
  measureDueDate,
  measureStatus,
  measureYears,
  type IndicatorStatus,
  type MeasureStatus,
} from './programmes.rules';
import {
  ZProgrammeSpec,
  type ActualInput,
  type ActualRecord,
  type BodyRecord,
  type DirectionRecord,
  type DutyRecord,
  type EvidenceInput,
  type EvidenceRecord,
  type IndicatorRecord,
  type MeasureRecord,
  type MeasureReportRecord,
  type ProgrammeRecord,
  type ProgrammeSpec,
  type ResultRecord,
  type TActualForm,
  type TMeasureReportForm,
  type TSettlementForm,
  type TStatusRuleForm,
  type TTargetsForm,
  type TSubmissionForm,
  type TTrackerFilter,
} from './programmes.schemas';

/** Who is acting: the signed-in user's id and role. */
export interface Actor {
  id: number;
  role: TRole;
}

export interface TerritoryLike {
  id: number;
  code: string;
  name_kk: string;
  name_ru: string;
  name_en: string;
  kind: string;
}

/**
 * What the programmes module asks of other modules, through their services (wired in the
 * routes' composition): survey rounds and expert panels to attach as evidence, territories,
 * user accounts, and the indicators module's datasets and composite index.
 */
export interface ProgrammesPorts {
  surveyRounds(): Promise<Array<{ id: number; title: string }>>;
  expertPanels(): Promise<Array<{ id: number; name: string }>>;
  territories(): Promise<TerritoryLike[]>;
  createTerritory(input: { code: string; name_kk: string; name_ru: string; name_en: string; kind: 'region' | 'city' }): Promise<number>;
  users(): Promise<Array<{ id: number; name: string; email: string; role: TRole; disabled: boolean }>>;
  regional: RegionalTools;
  now(): Date;
}

/** The indicators module's tools as the regional analysis needs them. */
export interface RegionalTools {
  datasetExists(id: number): Promise<boolean>;
  /** Creates a dataset with named indicators and values (through the indicators module's import); returns its id. */
  loadDataset(
    userId: number,
    meta: { name: string; description: string; source: string | null },
    indicators: Array<{ code: string; name: { kk: string; ru: string; en: string }; unit: string; direction: 'stimulant' | 'destimulant' }>,
    values: Array<{ territoryCode: string; code: string; period: string; value: number }>,
  ): Promise<number>;
  /** Integral index of the territories over the dataset's indicators (equal weights); returns the model id. */
  composite(userId: number | null, datasetId: number, territoryIds: number[], title: string): Promise<number>;
  composites(datasetId: number): Promise<Array<{ id: number; title: string; createdAt: string; result: CompositeLike }>>;
}

export interface CompositeLike {
  territories: Array<{ territory: string; integral: number; level: number; rank: number; partial: Record<string, number>; medianRank?: number; rankInterval?: [number, number] }>;
  indicators: Array<{ name: string; direction: string; weight: number }>;
  aggregate: string;
}

/* ---------------------------------------------------------------- views */

export interface IndicatorYear {
  year: number;
  target: number | null;
  actual: ActualRecord | null;
  attainment: number | null;
  status: IndicatorStatus;
  /** Actual against the final year's target. */
  attainmentFinal: number | null;
}

export interface IndicatorView {
  indicator: IndicatorRecord;
  years: IndicatorYear[];
  finalYear: number;
  finalTarget: number | null;
  latest: IndicatorYear | null;
  projection: TrendProjection | null;
  /** Whether the projection reaches the final target: likely (whole interval), unlikely (none of it), uncertain. */
  outlook: 'likely' | 'uncertain' | 'unlikely' | 'insufficient';
  canEdit: boolean;
}

export interface MeasureView {
  measure: MeasureRecord;
  bodies: Array<BodyRecord & { byAgreement: boolean }>;
  year: number;
  dueDate: string;
  report: MeasureReportRecord | undefined;
  status: MeasureStatus;
  evidence: EvidenceRecord[];
  canEdit: boolean;
}

export interface CalendarRow {
  kind: 'duty' | 'measure';
  dueDate: string;
  duty?: DutyRecord;
  measure?: MeasureRecord;
  /** The body that owes it (null for the lead body's duty shown as a whole). */
  body: BodyRecord | null;
  done: boolean;
  submittedOn: string | null;
  overdue: boolean;
  /** Measure numbers not done (a body's information) or bodies not submitted (the ministry's report). */
  missingMeasures: number[];
  missingBodies: BodyRecord[];
  canSubmit: boolean;
}

const MAX_IMPORT_ROWS = 5000;

export interface ActualsPlan {
  replaced: Array<{ indicator: IndicatorRecord; year: number; from: number; to: number; detailsChanged: boolean }>;
  added: number;
  unchanged: number;
}
export interface TargetChanges {
  removed: Array<{ year: number; from: number }>;
  replaced: Array<{ year: number; from: number; to: number }>;
  baseline: { from: number; to: number } | null;
  direction: { from: string; to: string } | null;
}
export interface StagedActualsImport extends ActualsPlan {
  id: number;
  fileName: string;
  total: number;
}
const MAX_EVIDENCE_BYTES = 10 * 1024 * 1024;

const IMPORT_HEADERS: Record<'indicator' | 'year' | 'value' | 'source' | 'note', string[]> = {
  indicator: ['indicator', 'code', 'индикатор', 'показатель', 'код', 'индикатор коды', 'көрсеткіш', 'индикатор'],
  year: ['year', 'год', 'жыл'],
  value: ['value', 'actual', 'значение', 'факт', 'мән', 'нақты'],
  source: ['source', 'источник', 'дереккөз'],
  note: ['note', 'comment', 'примечание', 'комментарий', 'ескертпе'],
};

export interface ImportIssue {
  line: number;
  column?: string;
  key: string;
  params?: Record<string, unknown>;
}

/** A bad actuals file: every bad row with its reason; nothing was written. */
export class ActualsImportError extends ValidationError {
  constructor(readonly issues: ImportIssue[]) {
    super(
      issues.slice(0, 50).map((i) => ({ path: i.line ? `line ${i.line}${i.column ? `, ${i.column}` : ''}` : 'file', key: i.key, params: i.params })),
      'programmes:import.failed',
    );
  }
}

const isStaff = (a: Actor) => a.role === 'admin' || a.role === 'researcher';

export class ProgrammesService {
  constructor(
    private readonly repo: ProgrammesRepository,
    private readonly ports: ProgrammesPorts,
  ) {}

  /* ------------------------------------------------------------ programmes */

  list(): Promise<ProgrammeRecord[]> {
    return this.repo.list();
  }

  async get(id: number): Promise<ProgrammeRecord> {
    const p = await this.repo.find(id);
    if (!p) throw new NotFoundError();
    return p;
  }

  findByCode(code: string): Promise<ProgrammeRecord | undefined> {
    return this.repo.findByCode(code);
  }

  /** Load a programme from its spec (the seeded concept goes through here too). */
  async importSpec(input: unknown): Promise<number> {
    const parsed = ZProgrammeSpec.safeParse(input);
    if (!parsed.success) throw new ValidationError(zodFieldErrors(parsed.error), 'programmes:spec.invalid');
    const spec = parsed.data;
    return this.repo.transaction(async (trx) => {
      if (await this.repo.findByCode(spec.code, trx)) throw new ConflictError('programme_exists', 'programmes:spec.exists', { code: spec.code });
      return this.repo.insertSpec(spec, trx);
    });
  }

  /** The programme back in the import format: export, edit, import as another programme. */
  async exportSpec(id: number): Promise<ProgrammeSpec> {
    const p = await this.get(id);
    const [bodies, indicators, results, directions, measures, duties, criteria] = await Promise.all([
      this.repo.bodies(id),
      this.repo.indicators(id),
      this.repo.results(id),
      this.repo.directions(id),
      this.repo.measures(id),
      this.repo.duties(id),
      this.repo.criteria(id),
    ]);
    const code = new Map(bodies.map((b) => [b.id, b.code]));
    const n = (row: Record<string, unknown>, f: string) => ({ kk: String(row[`${f}_kk`]), ru: String(row[`${f}_ru`]), en: String(row[`${f}_en`]) });
    const spec = {
      code: p.code,
      name: n(p as never, 'name'),
      ...(p.basis_kk ? { basis: n(p as never, 'basis') } : {}),
      periodFrom: p.periodFrom,
      periodTo: p.periodTo,
      baselineYear: p.baselineYear,
      statusRule: { onTrackMin: p.onTrackMin, atRiskMin: p.atRiskMin },
      ...(p.source ? { source: p.source } : {}),
      bodies: bodies.map((b) => ({ code: b.code, name: n(b as never, 'name'), ...(b.note ? { note: b.note } : {}) })),
      indicators: indicators.map((i) => ({
        code: i.code,
        name: n(i as never, 'name'),
        unit: n(i as never, 'unit'),
        direction: i.direction,
        baseline: { year: i.baselineYear, value: i.baselineValue },
        targets: Object.fromEntries([...i.targets].map(([y, v]) => [String(y), v])),
        ...(i.directionNumber ? { directionNumber: i.directionNumber } : {}),
        ...(i.bodyIds.length ? { bodies: i.bodyIds.map((b) => code.get(b)!) } : {}),
        ...(i.note ? { note: i.note } : {}),
      })),
      results: results.map((r) => ({
        code: r.code,
        kind: r.kind,
        name: n(r as never, 'name'),
        ...(r.unit_kk || r.unit_en ? { unit: n(r as never, 'unit') } : {}),
        ...(r.targetValue !== null ? { target: { year: r.targetYear, value: r.targetValue } } : {}),
        ...(r.baselineValue !== null ? { baseline: { year: r.baselineYear, value: r.baselineValue } } : {}),
        ...(r.note ? { note: r.note } : {}),
      })),
      directions: directions.map((d) => ({ number: d.number, name: n(d as never, 'name') })),
      measures: measures.map((m) => ({
        number: m.number,
        direction: m.directionNumber,
        name: n(m as never, 'name'),
        completionForm: n(m as never, 'form'),
        deadline: { kind: m.deadlineKind, from: m.deadlineFrom, to: m.deadlineTo, dueMonth: m.dueMonth, label: n(m as never, 'deadline') },
        executors: m.executors.map((e) => ({ body: code.get(e.bodyId)!, byAgreement: e.byAgreement })),
        ...(m.note ? { note: m.note } : {}),
      })),
      duties: duties.map((d) => ({
        code: d.code,
        reporter: d.reporter,
        ...(d.leadBodyId ? { leadBody: code.get(d.leadBodyId)! } : {}),
        recipient: n(d as never, 'recipient'),
        what: n(d as never, 'what'),
        dueDay: d.dueDay,
        dueMonth: d.dueMonth,
        yearOffset: d.yearOffset,
        publish: d.publish,
      })),
      ...(p.regionalBaseline ? { regionalBaseline: p.regionalBaseline } : {}),
      criteria: criteria.map((c) => ({ code: c.code, name: n(c as never, 'name'), ...(c.thresholdValue !== null ? { threshold: { operator: '>=' as const, value: c.thresholdValue } } : {}) })),
    };
    return ZProgrammeSpec.parse(spec);
  }

  /* ------------------------------------------------------------ access */

  async executorBodyIds(actor: Actor): Promise<number[]> {
    return actor.role === 'executor' ? this.repo.executorBodies(actor.id) : [];
  }

  private canEditMeasure(actor: Actor, measure: MeasureRecord, bodyIds: number[]): boolean {
    if (isStaff(actor)) return true;
    return actor.role === 'executor' && measure.executors.some((e) => bodyIds.includes(e.bodyId));
  }

  private canEditIndicator(actor: Actor, indicator: IndicatorRecord, bodyIds: number[]): boolean {
    if (isStaff(actor)) return true;
    return actor.role === 'executor' && indicator.bodyIds.some((b) => bodyIds.includes(b));
  }

  /** The reporting year a page opens on: this year in Almaty, kept inside the programme's period. */
  defaultYear(p: ProgrammeRecord): number {
    const year = Number(almatyToday(this.ports.now()).slice(0, 4));
    return Math.min(Math.max(year, p.periodFrom), p.periodTo);
  }

  today(): string {
    return almatyToday(this.ports.now());
  }

  /* ------------------------------------------------------------ indicators */

  async bodies(programmeId: number): Promise<BodyRecord[]> {
    return this.repo.bodies(programmeId);
  }

  /** The glossary of bodies with the measures each executes (by number). */
  async glossary(programmeId: number): Promise<Array<BodyRecord & { measures: number[] }>> {
    const [bodies, measures] = await Promise.all([this.repo.bodies(programmeId), this.repo.measures(programmeId)]);
    return bodies.map((b) => ({ ...b, measures: measures.filter((m) => m.executors.some((e) => e.bodyId === b.id)).map((m) => m.number) }));
  }

  async directions(programmeId: number): Promise<DirectionRecord[]> {
    return this.repo.directions(programmeId);
  }

  results(programmeId: number): Promise<ResultRecord[]> {
    return this.repo.results(programmeId);
  }

  async indicatorViews(actor: Actor | null, programmeId: number): Promise<IndicatorView[]> {
    const p = await this.get(programmeId);
    const [indicators, actuals] = await Promise.all([this.repo.indicators(programmeId), this.repo.actuals(programmeId)]);
    const bodyIds = actor ? await this.executorBodyIds(actor) : [];
    const rule = { onTrackMin: p.onTrackMin, atRiskMin: p.atRiskMin };
    return indicators.map((ind) => {
      const mine = actuals.filter((a) => a.indicatorId === ind.id);
      const finalYear = Math.max(p.periodTo, ...ind.targets.keys());
      const finalTarget = ind.targets.get(finalYear) ?? null;
      const years: IndicatorYear[] = [];
      for (let year = p.periodFrom; year <= finalYear; year++) {
        const target = ind.targets.get(year) ?? null;
        const actual = mine.find((a) => a.year === year) ?? null;
        const attainment = attainmentOf(actual?.value, target ?? undefined, ind.direction);
        years.push({
          year,
          target,
          actual,
          attainment,
          status: indicatorStatus(attainment, rule),
          attainmentFinal: attainmentOf(actual?.value, finalTarget ?? undefined, ind.direction),
        });
      }
      const withActual = years.filter((y) => y.actual);
      const points = [{ year: ind.baselineYear, value: ind.baselineValue }, ...mine.filter((a) => a.year !== ind.baselineYear).map((a) => ({ year: a.year, value: a.value }))];
      const projection = projectTrend(points, finalYear);
      let outlook: IndicatorView['outlook'] = 'insufficient';
      if (projection && finalTarget !== null && projection.interval) {
        const good = (v: number) => (ind.direction === 'higher' ? v >= finalTarget : v <= finalTarget);
        const [lo, hi] = [projection.interval.lower, projection.interval.upper];
        outlook = good(lo) && good(hi) ? 'likely' : !good(lo) && !good(hi) ? 'unlikely' : 'uncertain';
      }
      return {
        indicator: ind,
        years,
        finalYear,
        finalTarget,
        latest: withActual.length ? withActual[withActual.length - 1]! : null,
        projection,
        outlook,
        canEdit: actor ? this.canEditIndicator(actor, ind, bodyIds) : false,
      };
    });
  }

  async indicatorView(actor: Actor, programmeId: number, indicatorId: number): Promise<IndicatorView> {
    const view = (await this.indicatorViews(actor, programmeId)).find((v) => v.indicator.id === indicatorId);
    if (!view) throw new NotFoundError();
    return view;
  }

  indicatorHistory(programmeId: number, indicatorId: number) {
    return this.repo.history({ programmeId, indicatorId });
  }

  /** One actual from the form. */
  async enterActual(actor: Actor, programmeId: number, indicatorId: number, form: TActualForm): Promise<void> {
    const indicators = await this.repo.indicators(programmeId);
    const indicator = indicators.find((i) => i.id === indicatorId);
    if (!indicator) throw new NotFoundError();
    await this.writeActuals(actor, programmeId, [{ indicatorCode: indicator.code, year: form.year, value: form.value, source: form.source, note: form.note }], 'form');
  }

  /**
   * A CSV or XLSX file of actuals: indicator, year, value[, source, note]. Every row is checked; one bad
   * row and nothing is written. A file that would replace stored values is not written: its rows are
   * staged (a day at most) and the person is shown what would be replaced, then confirms.
   */
  async importActuals(actor: Actor, programmeId: number, file: { name: string; buffer: Buffer }): Promise<{ applied: number } | { stagedId: number }> {
    const inputs = await this.parseActualsFile(actor, programmeId, file);
    const plan = await this.planActuals(programmeId, inputs);
    if (plan.replaced.length === 0) {
      await this.writeActuals(actor, programmeId, inputs, 'import', file.name);
      return { applied: inputs.length };
    }
    const stagedId = await this.repo.stageActualsImport({
      programmeId,
      fileName: file.name.slice(0, 300),
      payload: JSON.stringify(inputs),
      createdBy: actor.id,
    });
    return { stagedId };
  }

  /** A staged actuals file as its uploader sees it before confirming: what it replaces (against the values stored now) and what it adds. */
  async stagedActualsImport(actor: Actor, programmeId: number, importId: number): Promise<StagedActualsImport> {
    const { staged, inputs } = await this.ownStagedImport(actor, programmeId, importId);
    return { id: staged.id, fileName: staged.fileName, total: inputs.length, ...(await this.planActuals(programmeId, inputs)) };
  }

  /** Throws a staged file away unwritten (its uploader's choice; otherwise it expires after a day). */
  async discardActualsImport(actor: Actor, programmeId: number, importId: number): Promise<void> {
    await this.ownStagedImport(actor, programmeId, importId);
    if (!(await this.repo.deleteActualsImport(importId))) throw new NotFoundError();
  }

  /** Writes a staged file (all or nothing) and forgets it; a second confirmation finds nothing. */
  async confirmActualsImport(actor: Actor, programmeId: number, importId: number): Promise<number> {
    const { staged, inputs } = await this.ownStagedImport(actor, programmeId, importId);
    await this.writeActuals(actor, programmeId, inputs, 'import', staged.fileName, staged.id);
    return inputs.length;
  }

  private async ownStagedImport(actor: Actor, programmeId: number, importId: number) {
    const staged = await this.repo.findActualsImport(importId);
    // Someone else's, another programme's or an expired upload: as if it did not exist.
    if (!ownWaiting(staged, actor.id) || staged.programmeId !== programmeId) throw new NotFoundError();
    return { staged, inputs: JSON.parse(staged.payload) as ActualInput[] };
  }

  /** Which rows replace a stored value (or its source or note) and how many are new; identical rows are neither. */
  private async planActuals(programmeId: number, inputs: ActualInput[]): Promise<ActualsPlan> {
    const [indicators, stored] = await Promise.all([this.repo.indicators(programmeId), this.repo.actuals(programmeId)]);
    const byCode = new Map(indicators.map((i) => [i.code, i]));
    const storedBy = new Map(stored.map((a) => [`${a.indicatorId}|${a.year}`, a]));
    const replaced: ActualsPlan['replaced'] = [];
    let added = 0;
    let unchanged = 0;
    for (const input of inputs) {
      const indicator = byCode.get(input.indicatorCode);
      const old = indicator ? storedBy.get(`${indicator.id}|${input.year}`) : undefined;
      if (!indicator || !old) {
        added++;
        continue;
      }
      const detailsChanged = (input.source ?? null) !== old.source || (input.note ?? null) !== old.note;
      if (old.value === input.value && !detailsChanged) unchanged++;
      else replaced.push({ indicator, year: input.year, from: old.value, to: input.value, detailsChanged });
    }
    return { replaced, added, unchanged };
  }

  private async parseActualsFile(actor: Actor, programmeId: number, file: { name: string; buffer: Buffer }): Promise<ActualInput[]> {
    let table;
    try {
      table = (await readUploadedTable(file.buffer, MAX_IMPORT_ROWS)).rows;
    } catch (e) {
      if (e instanceof TableReadError) throw new ActualsImportError([{ line: 0, key: `programmes:import.read.${e.reason}`, params: e.params }]);
      throw e;
    }
    const [header, ...rows] = table;
    const column = (role: keyof typeof IMPORT_HEADERS) => header?.cells.findIndex((c) => IMPORT_HEADERS[role].includes(c.trim().toLocaleLowerCase('ru'))) ?? -1;
    const at = { indicator: column('indicator'), year: column('year'), value: column('value'), source: column('source'), note: column('note') };
    const missing = (['indicator', 'year', 'value'] as const).filter((k) => at[k] < 0);
    if (!header || missing.length) throw new ActualsImportError([{ line: header?.line ?? 1, key: 'programmes:import.header', params: { columns: missing.join(', ') || 'indicator, year, value' } }]);
    if (rows.length === 0) throw new ActualsImportError([{ line: header.line, key: 'programmes:import.noRows' }]);

    const p = await this.get(programmeId);
    const indicators = await this.repo.indicators(programmeId);
    const byCode = new Map(indicators.map((i) => [i.code.toLowerCase(), i]));
    const bodyIds = await this.executorBodyIds(actor);
    const issues: ImportIssue[] = [];
    const inputs: ActualInput[] = [];
    const seen = new Map<string, number>();
    for (const row of rows) {
      const cell = (i: number) => (i >= 0 ? (row.cells[i] ?? '').trim() : '');
      const code = cell(at.indicator);
      const indicator = byCode.get(code.toLowerCase());
      const rowIssues: ImportIssue[] = [];
      if (!code) rowIssues.push({ line: row.line, column: 'indicator', key: 'programmes:import.missing' });
      else if (!indicator) rowIssues.push({ line: row.line, column: 'indicator', key: 'programmes:import.unknownIndicator', params: { code } });
      else if (!this.canEditIndicator(actor, indicator, bodyIds)) rowIssues.push({ line: row.line, column: 'indicator', key: 'programmes:import.notYours', params: { code } });
      const yearText = cell(at.year);
      const year = /^\d{4}$/.test(yearText) ? Number(yearText) : NaN;
      if (!yearText) rowIssues.push({ line: row.line, column: 'year', key: 'programmes:import.missing' });
      else if (!Number.isInteger(year)) rowIssues.push({ line: row.line, column: 'year', key: 'programmes:import.notYear', params: { value: yearText } });
      else if (year < p.baselineYear || year > p.periodTo) rowIssues.push({ line: row.line, column: 'year', key: 'programmes:import.yearOutside', params: { value: year, from: p.baselineYear, to: p.periodTo } });
      const valueText = cell(at.value).replace(/[\s\u00a0]/g, '').replace(',', '.');
      if (!valueText) rowIssues.push({ line: row.line, column: 'value', key: 'programmes:import.missing' });
      else if (!/^-?\d+(\.\d+)?$/.test(valueText)) rowIssues.push({ line: row.line, column: 'value', key: 'programmes:import.notNumber', params: { value: cell(at.value) } });
      if (indicator && Number.isInteger(year)) {
        const key = `${indicator.id}|${year}`;
        const first = seen.get(key);
        if (first !== undefined) rowIssues.push({ line: row.line, column: 'indicator', key: 'programmes:import.duplicate', params: { line: first } });
        else seen.set(key, row.line);
      }
      const source = cell(at.source);
      const note = cell(at.note);
      if (source.length > 1000 || note.length > 2000) rowIssues.push({ line: row.line, key: 'programmes:import.tooLong' });
      if (rowIssues.length) issues.push(...rowIssues);
      else inputs.push({ indicatorCode: indicator!.code, year, value: Number(valueText), source: source || undefined, note: note || undefined });
    }
    if (issues.length) throw new ActualsImportError(issues);
    return inputs;
  }

  /** All or nothing, with a history line per value; checks access again inside the transaction. */
  private async writeActuals(actor: Actor, programmeId: number, inputs: ActualInput[], via: 'form' | 'import', fileName?: string, stagedId?: number): Promise<void> {
    const p = await this.get(programmeId);
    await this.repo.transaction(async (trx) => {
      // A staged file is taken once: a second confirmation (double click, another tab) writes nothing.
      if (stagedId !== undefined && !(await this.repo.deleteActualsImport(stagedId, trx))) throw new NotFoundError();
      const indicators = await this.repo.indicators(programmeId, trx);
      const bodyIds = actor.role === 'executor' ? await this.repo.executorBodies(actor.id, trx) : [];
      for (const input of inputs) {
        const indicator = indicators.find((i) => i.code === input.indicatorCode);
        if (!indicator) throw new NotFoundError();
        if (!this.canEditIndicator(actor, indicator, bodyIds)) throw new ForbiddenError();
        if (input.year < p.baselineYear || input.year > p.periodTo) {
          throw new ValidationError([{ path: 'year', key: 'programmes:import.yearOutside', params: { value: input.year, from: p.baselineYear, to: p.periodTo } }]);
        }
        const { previous } = await this.repo.upsertActual(
          { indicatorId: indicator.id, year: input.year, value: input.value, source: input.source ?? null, note: input.note ?? null, enteredBy: actor.id },
          trx,
        );
        await this.repo.addHistory(
          {
            programmeId,
            indicatorId: indicator.id,
            year: input.year,
            action: previous === null ? 'actual.entered' : 'actual.changed',
            detail: JSON.stringify({ value: input.value, previous, via, ...(fileName ? { file: fileName.slice(0, 200) } : {}), ...(input.source ? { source: input.source } : {}) }),
            userId: actor.id,
          },
          trx,
        );
      }
    });
  }

  /**
   * What assigning these bodies to an indicator changes: the bodies taken off it (their executors can
   * no longer enter its actuals, so the page asks first) and the bodies newly assigned.
   */
  async indicatorBodiesChange(actor: Actor, programmeId: number, indicatorId: number, bodyIds: number[]): Promise<{ removed: BodyRecord[]; added: BodyRecord[] }> {
    const { indicator, bodies } = await this.checkIndicatorBodies(actor, programmeId, indicatorId, bodyIds);
    const chosen = new Set(bodyIds);
    const current = new Set(indicator.bodyIds);
    return { removed: bodies.filter((b) => current.has(b.id) && !chosen.has(b.id)), added: bodies.filter((b) => chosen.has(b.id) && !current.has(b.id)) };
  }

  private async checkIndicatorBodies(actor: Actor, programmeId: number, indicatorId: number, bodyIds: number[]) {
    if (actor.role !== 'admin') throw new ForbiddenError();
    const [indicators, bodies] = await Promise.all([this.repo.indicators(programmeId), this.repo.bodies(programmeId)]);
    const indicator = indicators.find((i) => i.id === indicatorId);
    if (!indicator) throw new NotFoundError();
    const known = new Set(bodies.map((b) => b.id));
    if (bodyIds.some((b) => !known.has(b))) throw new ValidationError([{ path: 'bodyIds', key: 'programmes:errors.unknownBody' }]);
    return { indicator, bodies };
  }

  /** Administrators assign bodies to an indicator, which lets those bodies' executors enter its actuals. */
  async setIndicatorBodies(actor: Actor, programmeId: number, indicatorId: number, bodyIds: number[]): Promise<void> {
    await this.checkIndicatorBodies(actor, programmeId, indicatorId, bodyIds);
    await this.repo.transaction(async (trx) => {
      await this.repo.setIndicatorBodies(indicatorId, [...new Set(bodyIds)], trx);
      await this.repo.addHistory({ programmeId, indicatorId, action: 'indicator.bodies', detail: JSON.stringify(bodyIds), userId: actor.id }, trx);
    });
  }

  /** Administrators correct an indicator's baseline, direction and yearly targets (years of the programme's period only). */
  async updateTargets(actor: Actor, programmeId: number, indicatorId: number, form: TTargetsForm): Promise<void> {
    if (actor.role !== 'admin') throw new ForbiddenError();
    const { indicator, targets } = await this.targetsEdit(programmeId, indicatorId, form);
    await this.repo.transaction(async (trx) => {
      await this.repo.updateIndicatorTargets(indicatorId, { baselineValue: form.baselineValue, direction: form.direction, targets }, trx);
      await this.repo.addHistory(
        {
          programmeId,
          indicatorId,
          action: 'indicator.targets',
          detail: JSON.stringify({ baseline: form.baselineValue, direction: form.direction, targets: Object.fromEntries(targets), previous: Object.fromEntries(indicator.targets) }),
          userId: actor.id,
        },
        trx,
      );
    });
  }

  /** The indicator and the targets an edit would store (years of the programme's period only; an empty box removes the year). */
  private async targetsEdit(programmeId: number, indicatorId: number, form: TTargetsForm) {
    const p = await this.get(programmeId);
    const indicator = (await this.repo.indicators(programmeId)).find((i) => i.id === indicatorId);
    if (!indicator) throw new NotFoundError();
    const targets = new Map<number, number>();
    const fields: FieldError[] = [];
    for (const [key, value] of Object.entries(form.targets)) {
      const year = Number(key.slice(1));
      if (year < p.periodFrom || year > p.periodTo) fields.push({ path: `targets.${key}`, key: 'programmes:spec.yearOutside' });
      else if (value !== '') targets.set(year, value);
    }
    if (fields.length) throw new ValidationError(fields);
    return { indicator, targets };
  }

  /**
   * What an edit of an indicator's targets would take away, to ask first: each stored target removed
   * or replaced, and a changed baseline or direction (new years' targets are not asked about).
   * Checks the form as updateTargets does, so a bad year is refused before any question.
   */
  async targetChanges(actor: Actor, programmeId: number, indicatorId: number, form: TTargetsForm): Promise<TargetChanges> {
    if (actor.role !== 'admin') throw new ForbiddenError();
    const { indicator, targets } = await this.targetsEdit(programmeId, indicatorId, form);
    const removed: TargetChanges['removed'] = [];
    const replaced: TargetChanges['replaced'] = [];
    for (const [year, from] of [...indicator.targets].sort((a, b) => a[0] - b[0])) {
      const to = targets.get(year);
      if (to === undefined) removed.push({ year, from });
      else if (to !== from) replaced.push({ year, from, to });
    }
    return {
      removed,
      replaced,
      baseline: form.baselineValue !== indicator.baselineValue ? { from: indicator.baselineValue, to: form.baselineValue } : null,
      direction: form.direction !== indicator.direction ? { from: indicator.direction, to: form.direction } : null,
    };
  }

  /** Administrators set the status rule's thresholds (ratios: 1 = 100 %). */
  async updateStatusRule(actor: Actor, programmeId: number, form: TStatusRuleForm): Promise<void> {
    if (actor.role !== 'admin') throw new ForbiddenError();
    const p = await this.get(programmeId);
    await this.repo.transaction(async (trx) => {
      await this.repo.updateStatusRule(programmeId, form, trx);
      await this.repo.addHistory({ programmeId, action: 'programme.rule', detail: JSON.stringify({ ...form, previous: { onTrackMin: p.onTrackMin, atRiskMin: p.atRiskMin } }), userId: actor.id }, trx);
    });
  }

  /* ------------------------------------------------------------ measures */

  async measureViews(actor: Actor, programmeId: number, filter: TTrackerFilter & { year: number }): Promise<MeasureView[]> {
    const [measures, bodies, reports, evidence, bodyIds] = await Promise.all([
      this.repo.measures(programmeId),
      this.repo.bodies(programmeId),
      this.repo.reports(programmeId),
      this.repo.evidence({ programmeId }),
      this.executorBodyIds(actor),
    ]);
    const today = this.today();
    const bodyOf = new Map(bodies.map((b) => [b.id, b]));
    const views = measures
      .filter((m) => isDueIn(m, filter.year))
      .filter((m) => filter.direction === undefined || m.directionNumber === filter.direction)
      .filter((m) => filter.body === undefined || m.executors.some((e) => e.bodyId === filter.body))
      .map((m) => {
        const report = reports.find((r) => r.measureId === m.id && r.year === filter.year);
        const dueDate = measureDueDate(m, filter.year);
        return {
          measure: m,
          bodies: m.executors.map((e) => ({ ...bodyOf.get(e.bodyId)!, byAgreement: e.byAgreement })),
          year: filter.year,
          dueDate,
          report,
          status: measureStatus(report, dueDate, today),
          evidence: evidence.filter((e) => e.measureId === m.id && (e.year === null || e.year === filter.year)),
          canEdit: this.canEditMeasure(actor, m, bodyIds),
        };
      });
    return filter.status ? views.filter((v) => v.status === filter.status) : views;
  }

  async measureDetail(actor: Actor, programmeId: number, measureId: number) {
    const [measures, bodies, reports, bodyIds] = await Promise.all([
      this.repo.measures(programmeId),
      this.repo.bodies(programmeId),
      this.repo.reports(programmeId),
      this.executorBodyIds(actor),
    ]);
    const measure = measures.find((m) => m.id === measureId);
    if (!measure) throw new NotFoundError();
    const today = this.today();
    const [evidence, history] = await Promise.all([this.repo.evidence({ programmeId, measureId }), this.repo.history({ programmeId, measureId })]);
    const bodyOf = new Map(bodies.map((b) => [b.id, b]));
    const years = measureYears(measure).map((year) => {
      const report = reports.find((r) => r.measureId === measureId && r.year === year);
      const dueDate = measureDueDate(measure, year);
      return { year, dueDate, report, status: measureStatus(report, dueDate, today), evidence: evidence.filter((e) => e.year === year) };
    });
    return {
      measure,
      bodies: measure.executors.map((e) => ({ ...bodyOf.get(e.bodyId)!, byAgreement: e.byAgreement })),
      years,
      evidence,
      generalEvidence: evidence.filter((e) => e.year === null),
      history,
      canEdit: this.canEditMeasure(actor, measure, bodyIds),
    };
  }

  private async editableMeasure(actor: Actor, programmeId: number, measureId: number, trx?: Parameters<ProgrammesRepository['measures']>[1]): Promise<MeasureRecord> {
    const measure = (await this.repo.measures(programmeId, trx)).find((m) => m.id === measureId);
    if (!measure) throw new NotFoundError();
    const bodyIds = actor.role === 'executor' ? await this.repo.executorBodies(actor.id, trx) : [];
    if (!this.canEditMeasure(actor, measure, bodyIds)) throw new ForbiddenError('programmes:errors.notYourMeasure');
    return measure;
  }

  async reportMeasure(actor: Actor, programmeId: number, measureId: number, form: TMeasureReportForm): Promise<void> {
    await this.repo.transaction(async (trx) => {
      const measure = await this.editableMeasure(actor, programmeId, measureId, trx);
      if (!isDueIn(measure, form.year)) throw new ValidationError([{ path: 'year', key: 'programmes:errors.yearNotDue', params: { from: measure.deadlineFrom, to: measure.deadlineTo } }]);
      if (form.status === 'not_started') await this.repo.deleteReport(measureId, form.year, trx);
      else {
        const completedOn = form.status === 'done' ? (form.completedOn ?? this.today()) : null;
        await this.repo.upsertReport({ measureId, year: form.year, status: form.status, summary: form.summary ?? null, completedOn, updatedBy: actor.id }, trx);
      }
      await this.repo.addHistory({ programmeId, measureId, year: form.year, action: `measure.${form.status}`, detail: form.summary ?? null, userId: actor.id }, trx);
    });
  }

  private async checkEvidence(input: EvidenceInput): Promise<FieldError[]> {
    const fields: FieldError[] = [];
    switch (input.kind) {
      case 'text':
        if (!input.text) fields.push({ path: 'text', key: 'errors:field.required' });
        break;
      case 'link':
        if (!input.url) fields.push({ path: 'url', key: 'errors:field.required' });
        else if (!/^https?:\/\/[^\s]+$/i.test(input.url)) fields.push({ path: 'url', key: 'programmes:errors.url' });
        break;
      case 'file':
        if (!input.file || input.file.data.length === 0) fields.push({ path: 'file', key: 'errors:field.required' });
        else if (input.file.data.length > MAX_EVIDENCE_BYTES) fields.push({ path: 'file', key: 'programmes:errors.fileTooLarge', params: { max: '10 MB' } });
        break;
      case 'round':
        if (!input.roundId || !(await this.ports.surveyRounds()).some((r) => r.id === input.roundId)) fields.push({ path: 'roundId', key: 'programmes:errors.chooseRound' });
        break;
      case 'panel':
        if (!input.panelId || !(await this.ports.expertPanels()).some((r) => r.id === input.panelId)) fields.push({ path: 'panelId', key: 'programmes:errors.choosePanel' });
        break;
    }
    return fields;
  }

  private evidenceRow(input: EvidenceInput) {
    return {
      kind: input.kind,
      text: input.text ?? null,
      url: input.kind === 'link' ? (input.url ?? null) : null,
      file: input.kind === 'file' && input.file ? { name: input.file.name.slice(0, 300), type: input.file.type.slice(0, 120) || 'application/octet-stream', data: input.file.data } : null,
      roundId: input.kind === 'round' ? (input.roundId ?? null) : null,
      panelId: input.kind === 'panel' ? (input.panelId ?? null) : null,
    };
  }

  async addEvidence(actor: Actor, programmeId: number, measureId: number, input: EvidenceInput): Promise<void> {
    const fields = await this.checkEvidence(input);
    const measure = await this.editableMeasure(actor, programmeId, measureId);
    if (input.year !== undefined && !isDueIn(measure, input.year)) fields.push({ path: 'year', key: 'programmes:errors.yearNotDue', params: { from: measure.deadlineFrom, to: measure.deadlineTo } });
    if (fields.length) throw new ValidationError(fields);
    await this.repo.transaction(async (trx) => {
      await this.editableMeasure(actor, programmeId, measureId, trx);
      const id = await this.repo.insertEvidence({ programmeId, measureId, territoryId: null, year: input.year ?? null, ...this.evidenceRow(input), createdBy: actor.id }, trx);
      await this.repo.addHistory({ programmeId, measureId, year: input.year ?? null, action: `evidence.${input.kind}`, detail: String(id), userId: actor.id }, trx);
    });
  }

  /** Evidence about a territory (a candidate settlement): analysts only. */
  async addTerritoryEvidence(actor: Actor, programmeId: number, territoryId: number, input: EvidenceInput): Promise<void> {
    if (!isStaff(actor)) throw new ForbiddenError();
    await this.get(programmeId);
    const fields = await this.checkEvidence(input);
    if (!(await this.ports.territories()).some((t) => t.id === territoryId)) fields.push({ path: 'territoryId', key: 'programmes:errors.chooseTerritory' });
    if (fields.length) throw new ValidationError(fields);
    await this.repo.transaction(async (trx) => {
      const id = await this.repo.insertEvidence({ programmeId, measureId: null, territoryId, year: input.year ?? null, ...this.evidenceRow(input), createdBy: actor.id }, trx);
      await this.repo.addHistory({ programmeId, action: 'territory.evidence', detail: JSON.stringify({ territoryId, kind: input.kind, evidence: id }), userId: actor.id }, trx);
    });
  }

  async evidenceFile(programmeId: number, evidenceId: number) {
    const e = await this.repo.findEvidence(evidenceId);
    if (!e || e.programmeId !== programmeId || e.kind !== 'file' || !e.fileData) throw new NotFoundError();
    return e;
  }

  evidenceOptions() {
    return Promise.all([this.ports.surveyRounds(), this.ports.expertPanels()]).then(([rounds, panels]) => ({ rounds, panels }));
  }

  /* ------------------------------------------------------------ executors */

  async executors(programmeId: number) {
    const [users, links, bodies] = await Promise.all([this.ports.users(), this.repo.executorsOf(programmeId), this.repo.bodies(programmeId)]);
    return {
      bodies,
      executors: users
        .filter((u) => u.role === 'executor')
        .map((u) => ({ ...u, bodyIds: links.filter((l) => l.userId === u.id).map((l) => l.bodyId) })),
    };
  }

  /** The bodies an executor would lose with this choice (to ask first); none when bodies are only added. */
  async executorBodiesRemoved(actor: Actor, programmeId: number, userId: number, bodyIds: number[]): Promise<{ user: { id: number; name: string; email: string } | null; removed: BodyRecord[] }> {
    if (actor.role !== 'admin') throw new ForbiddenError();
    const [users, links, bodies] = await Promise.all([this.ports.users(), this.repo.executorsOf(programmeId), this.repo.bodies(programmeId)]);
    const user = users.find((u) => u.id === userId && u.role === 'executor');
    if (!user) return { user: null, removed: [] };
    const kept = new Set(bodyIds);
    const removedIds = new Set(links.filter((l) => l.userId === userId && !kept.has(l.bodyId)).map((l) => l.bodyId));
    return { user: { id: user.id, name: user.name, email: user.email }, removed: bodies.filter((b) => removedIds.has(b.id)) };
  }

  async setExecutorBodies(actor: Actor, programmeId: number, userId: number, bodyIds: number[]): Promise<void> {
    if (actor.role !== 'admin') throw new ForbiddenError();
    const [users, bodies] = await Promise.all([this.ports.users(), this.repo.bodies(programmeId)]);
    const user = users.find((u) => u.id === userId);
    if (!user || user.role !== 'executor') throw new ValidationError([{ path: 'userId', key: 'programmes:errors.notExecutor' }]);
    const known = new Set(bodies.map((b) => b.id));
    if (bodyIds.some((b) => !known.has(b))) throw new ValidationError([{ path: 'bodyIds', key: 'programmes:errors.unknownBody' }]);
    await this.repo.transaction(async (trx) => {
      await this.repo.setExecutorBodies(userId, programmeId, [...new Set(bodyIds)], trx);
      await this.repo.addHistory({ programmeId, action: 'executor.bodies', detail: JSON.stringify({ userId, bodyIds }), userId: actor.id }, trx);
    });
  }

  /* ------------------------------------------------------------ reporting calendar */

  async calendar(actor: Actor, programmeId: number, year: number): Promise<CalendarRow[]> {
    const [duties, measures, bodies, reports, submissions, myBodies] = await Promise.all([
      this.repo.duties(programmeId),
      this.repo.measures(programmeId),
      this.repo.bodies(programmeId),
      this.repo.reports(programmeId),
      this.repo.submissions(programmeId, year),
      this.executorBodyIds(actor),
    ]);
    const today = this.today();
    const due = measures.filter((m) => isDueIn(m, year));
    const done = (m: MeasureRecord) => reports.some((r) => r.measureId === m.id && r.year === year && r.status === 'done');
    // Bodies owing information for the year: every executor of a measure due in it.
    const owing = bodies.filter((b) => due.some((m) => m.executors.some((e) => e.bodyId === b.id)));
    const rows: CalendarRow[] = [];
    for (const duty of duties) {
      const dueDate = dutyDueDate(duty, year);
      if (duty.reporter === 'executors') {
        for (const body of owing) {
          const sub = submissions.find((s) => s.dutyId === duty.id && s.reporterKey === `body:${body.id}`);
          rows.push({
            kind: 'duty',
            dueDate,
            duty,
            body,
            done: Boolean(sub),
            submittedOn: sub?.submittedOn ?? null,
            overdue: !sub && today > dueDate,
            missingMeasures: due.filter((m) => m.executors.some((e) => e.bodyId === body.id) && !done(m)).map((m) => m.number),
            missingBodies: [],
            canSubmit: isStaff(actor) || myBodies.includes(body.id),
          });
        }
      } else {
        const sub = submissions.find((s) => s.dutyId === duty.id && s.reporterKey === 'lead');
        const executorsDuty = duties.find((d) => d.reporter === 'executors');
        const missingBodies = executorsDuty ? owing.filter((b) => !submissions.some((s) => s.dutyId === executorsDuty.id && s.reporterKey === `body:${b.id}`)) : [];
        rows.push({
          kind: 'duty',
          dueDate,
          duty,
          body: bodies.find((b) => b.id === duty.leadBodyId) ?? null,
          done: Boolean(sub),
          submittedOn: sub?.submittedOn ?? null,
          overdue: !sub && today > dueDate,
          missingMeasures: [],
          missingBodies,
          canSubmit: isStaff(actor),
        });
      }
    }
    for (const m of due) {
      const dueDate = measureDueDate(m, year);
      const report = reports.find((r) => r.measureId === m.id && r.year === year);
      const status = measureStatus(report, dueDate, today);
      rows.push({
        kind: 'measure',
        dueDate,
        measure: m,
        body: null,
        done: status === 'done',
        submittedOn: report?.status === 'done' ? report.completedOn : null,
        overdue: status === 'overdue',
        missingMeasures: [],
        missingBodies: [],
        canSubmit: false,
      });
    }
    return rows.sort((a, b) => a.dueDate.localeCompare(b.dueDate) || (a.kind === b.kind ? 0 : a.kind === 'measure' ? -1 : 1));
  }

  async submit(actor: Actor, programmeId: number, form: TSubmissionForm): Promise<void> {
    const duties = await this.repo.duties(programmeId);
    const duty = duties.find((d) => d.id === form.dutyId);
    if (!duty) throw new NotFoundError();
    let reporterKey = 'lead';
    if (duty.reporter === 'executors') {
      const bodies = await this.repo.bodies(programmeId);
      if (!form.bodyId || !bodies.some((b) => b.id === form.bodyId)) throw new ValidationError([{ path: 'bodyId', key: 'programmes:errors.unknownBody' }]);
      if (!isStaff(actor) && !(await this.executorBodyIds(actor)).includes(form.bodyId)) throw new ForbiddenError('programmes:errors.notYourBody');
      reporterKey = `body:${form.bodyId}`;
    } else if (!isStaff(actor)) {
      throw new ForbiddenError();
    }
    await this.repo.transaction(async (trx) => {
      await this.repo.upsertSubmission({ dutyId: duty.id, year: form.year, reporterKey, submittedOn: form.submittedOn, note: form.note ?? null, submittedBy: actor.id }, trx);
      await this.repo.addHistory({ programmeId, year: form.year, action: 'duty.submitted', detail: JSON.stringify({ duty: duty.code, reporterKey, submittedOn: form.submittedOn }), userId: actor.id }, trx);
    });
  }

  /* ------------------------------------------------------------ annual report */

  /**
   * The annual report: indicators with target, actual and attainment, then measures with status
   * and evidence. Built from the same views as the pages, so the figures are the pages' figures.
   */
  async annualReport(actor: Actor, programmeId: number, year: number) {
    const programme = await this.get(programmeId);
    if (year < programme.periodFrom || year > programme.periodTo) throw new ValidationError([{ path: 'year', key: 'programmes:errors.yearOutsidePeriod', params: { from: programme.periodFrom, to: programme.periodTo } }]);
    const [indicators, measures, directions, submissions, duties] = await Promise.all([
      this.indicatorViews(actor, programmeId),
      this.measureViews(actor, programmeId, { year }),
      this.repo.directions(programmeId),
      this.repo.submissions(programmeId, year),
      this.repo.duties(programmeId),
    ]);
    const { rounds, panels } = await this.evidenceOptions();
    return {
      programme,
      year,
      today: this.today(),
      rule: { onTrackMin: programme.onTrackMin, atRiskMin: programme.atRiskMin },
      indicators: indicators.map((v) => ({ view: v, row: v.years.find((y) => y.year === year)! })),
      measures,
      directions,
      rounds,
      panels,
      submissions,
      duties,
    };
  }

  /* ------------------------------------------------------------ analysis of regions */

  async regions(programmeId: number) {
    const programme = await this.get(programmeId);
    const [criteria, settlements, territories, evidence] = await Promise.all([
      this.repo.criteria(programmeId),
      this.repo.settlements(programmeId),
      this.ports.territories(),
      this.repo.evidence({ programmeId }),
    ]);
    const threshold = criteria.find((c) => c.thresholdValue !== null) ?? null;
    const datasetId = programme.regionalDatasetId !== null && (await this.ports.regional.datasetExists(programme.regionalDatasetId)) ? programme.regionalDatasetId : null;
    const composites = datasetId !== null ? await this.ports.regional.composites(datasetId) : [];
    const territoryOf = new Map(territories.map((t) => [t.id, t]));
    return {
      programme,
      baseline: programme.regionalBaseline,
      datasetId,
      composites,
      threshold,
      criteria,
      settlements: settlements.map((s) => {
        const share = (s.scienceWorkers / s.employed) * 100;
        return { ...s, territory: territoryOf.get(s.territoryId), share, meets: threshold?.thresholdValue != null ? share >= threshold.thresholdValue : null };
      }),
      territories,
      territoryEvidence: evidence.filter((e) => e.territoryId !== null).map((e) => ({ ...e, territory: territoryOf.get(e.territoryId!) })),
    };
  }

  /**
   * Loads the programme's regional baseline table into the indicators module as a dataset (the
   * territories it names are created when missing) and computes the integral index of its
   * regions and cities with the composite tool. Idempotent: a loaded dataset is reused.
   */
  async loadRegionalBaseline(actor: Actor, programmeId: number): Promise<number> {
    if (!isStaff(actor)) throw new ForbiddenError();
    const programme = await this.get(programmeId);
    const table = programme.regionalBaseline;
    if (!table) throw new ConflictError('no_regional_baseline', 'programmes:regions.noBaseline');
    if (programme.regionalDatasetId !== null && (await this.ports.regional.datasetExists(programme.regionalDatasetId))) return programme.regionalDatasetId;

    const existing = new Map((await this.ports.territories()).map((t) => [t.code, t]));
    const ids = new Map<string, number>();
    for (const row of table.rows) {
      const found = existing.get(row.code);
      ids.set(row.code, found ? found.id : await this.ports.createTerritory({ code: row.code, name_kk: row.name.kk, name_ru: row.name.ru, name_en: row.name.en, kind: row.kind === 'city' ? 'city' : 'region' }));
    }
    const values = table.rows.flatMap((row) =>
      table.columns.flatMap((c) => {
        const v = row.values[c.code];
        return v === null || v === undefined ? [] : [{ territoryCode: row.code, code: c.code, period: table.period, value: v }];
      }),
    );
    const datasetId = await this.ports.regional.loadDataset(
      actor.id,
      // Dataset names are single-language in the indicators module; the seeded ones are English.
      { name: table.title.en, description: `${programme.name_en}: ${table.title.en}`, source: table.source ?? null },
      table.columns.map((c) => ({ code: c.code, name: c.name, unit: c.unit, direction: c.direction })),
      values,
    );
    await this.repo.setRegionalDataset(programmeId, datasetId);
    // The integral index of regions and cities (the country row is the benchmark, not a unit).
    const units = table.rows.filter((r) => r.kind !== 'country').map((r) => ids.get(r.code)!);
    await this.ports.regional.composite(actor.id, datasetId, units, `${table.title.en}: integral index`);
    return datasetId;
  }

  async buildRegionalIndex(actor: Actor, programmeId: number): Promise<number> {
    if (!isStaff(actor)) throw new ForbiddenError();
    const programme = await this.get(programmeId);
    if (programme.regionalDatasetId === null || !programme.regionalBaseline) throw new ConflictError('no_regional_dataset', 'programmes:regions.notLoaded');
    const territories = await this.ports.territories();
    const codes = new Set(programme.regionalBaseline.rows.filter((r) => r.kind !== 'country').map((r) => r.code));
    return this.ports.regional.composite(actor.id, programme.regionalDatasetId, territories.filter((t) => codes.has(t.code)).map((t) => t.id), `${programme.regionalBaseline.title.en}: integral index`);
  }

  async enterSettlement(actor: Actor, programmeId: number, form: TSettlementForm): Promise<void> {
    if (!isStaff(actor)) throw new ForbiddenError();
    await this.get(programmeId);
    if (!(await this.ports.territories()).some((t) => t.id === form.territoryId)) throw new ValidationError([{ path: 'territoryId', key: 'programmes:errors.chooseTerritory' }]);
    if (form.scienceWorkers > form.employed) throw new ValidationError([{ path: 'scienceWorkers', key: 'programmes:errors.moreThanEmployed' }]);
    await this.repo.transaction(async (trx) => {
      await this.repo.upsertSettlement({ programmeId, territoryId: form.territoryId, year: form.year, scienceWorkers: form.scienceWorkers, employed: form.employed, source: form.source ?? null, enteredBy: actor.id }, trx);
      await this.repo.addHistory({ programmeId, year: form.year, action: 'settlement.entered', detail: JSON.stringify(form), userId: actor.id }, trx);
    });
  }

  /* ------------------------------------------------------------ API */

  async apiDetail(actor: Actor, programmeId: number) {
    const programme = await this.get(programmeId);
    const year = this.defaultYear(programme);
    const [indicators, measures, bodies, directions] = await Promise.all([
      this.indicatorViews(actor, programmeId),
      this.repo.measures(programmeId),
      this.repo.bodies(programmeId),
      this.repo.directions(programmeId),
    ]);
    const reports = await this.repo.reports(programmeId);
    const today = this.today();
    const bodyOf = new Map(bodies.map((b) => [b.id, b]));
    const dirOf = new Map(directions.map((d) => [d.number, d]));
    const names = (r: { name_kk: string; name_ru: string; name_en: string }) => ({ kk: r.name_kk, ru: r.name_ru, en: r.name_en });
    return {
      id: programme.id,
      code: programme.code,
      name: names(programme),
      period: { from: programme.periodFrom, to: programme.periodTo },
      baselineYear: programme.baselineYear,
      statusRule: { onTrackMin: programme.onTrackMin, atRiskMin: programme.atRiskMin },
      asOf: today,
      indicators: indicators.map((v) => ({
        code: v.indicator.code,
        name: names(v.indicator),
        unit: { kk: v.indicator.unit_kk, ru: v.indicator.unit_ru, en: v.indicator.unit_en },
        direction: v.indicator.direction,
        baseline: { year: v.indicator.baselineYear, value: v.indicator.baselineValue },
        targets: Object.fromEntries([...v.indicator.targets].map(([y, t]) => [String(y), t])),
        actuals: Object.fromEntries(v.years.filter((y) => y.actual).map((y) => [String(y.year), y.actual!.value])),
        attainment: Object.fromEntries(v.years.filter((y) => y.attainment !== null).map((y) => [String(y.year), y.attainment])),
        status: Object.fromEntries(v.years.filter((y) => y.actual).map((y) => [String(y.year), y.status])),
        latest: v.latest ? { year: v.latest.year, value: v.latest.actual!.value, attainment: v.latest.attainment, status: v.latest.status, attainmentFinal: v.latest.attainmentFinal } : null,
        projection: v.projection ? { year: v.finalYear, value: v.projection.value, interval95: v.projection.interval, outlook: v.outlook } : null,
      })),
      measures: measures.map((m) => ({
        number: m.number,
        direction: { number: m.directionNumber, name: names(dirOf.get(m.directionNumber)!) },
        name: names(m),
        completionForm: { kk: m.form_kk, ru: m.form_ru, en: m.form_en },
        deadline: { kind: m.deadlineKind, from: m.deadlineFrom, to: m.deadlineTo, dueMonth: m.dueMonth, text: { kk: m.deadline_kk, ru: m.deadline_ru, en: m.deadline_en } },
        bodies: m.executors.map((e) => ({ code: bodyOf.get(e.bodyId)!.code, name: names(bodyOf.get(e.bodyId)!), byAgreement: e.byAgreement })),
        status: Object.fromEntries(
          measureYears(m).map((y) => {
            const dueDate = measureDueDate(m, y);
            return [String(y), measureStatus(reports.find((r) => r.measureId === m.id && r.year === y), dueDate, today)];
          }),
        ),
        currentYear: isDueIn(m, year) ? year : null,
      })),
    };
  }
}
