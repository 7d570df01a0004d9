import { z } from 'zod';

/* ------------------------------------------------------------------------------------------
 * The programme as data: the import format. The seeded concept is turned into this shape and
 * loaded by the same service call as an uploaded one, so another programme is entered the
 * same way.
 * ---------------------------------------------------------------------------------------- */

const ZText = (max: number) => z.string().trim().min(1).max(max);
/** A name in the three languages; `max` is its column's length (PostgreSQL enforces it, SQLite would not). */
const names = (max: number) => z.strictObject({ kk: ZText(max), ru: ZText(max), en: ZText(max) });
export const ZNames = names(4000);
export type TNames = z.infer<typeof ZNames>;
const ZYear = z.number().int().min(1990).max(2100);
const ZCode = z.string().trim().min(1).max(120);

export const DIRECTIONS = ['higher', 'lower'] as const;
export type TDirection = (typeof DIRECTIONS)[number];

export const ZProgrammeSpec = z
  .strictObject({
    code: z.string().trim().min(1).max(80).regex(/^[a-z0-9][a-z0-9-]*$/),
    name: names(500),
    basis: ZNames.optional(),
    periodFrom: ZYear,
    periodTo: ZYear,
    baselineYear: ZYear,
    statusRule: z.strictObject({ onTrackMin: z.number().min(0).max(10), atRiskMin: z.number().min(0).max(10) }).optional(),
    source: z.string().max(4000).optional(),
    bodies: z.array(z.strictObject({ code: ZCode, name: names(500), note: z.string().max(2000).optional() })).min(1).max(500),
    indicators: z
      .array(
        z.strictObject({
          code: z.string().trim().min(1).max(40),
          name: names(1000),
          unit: names(100),
          direction: z.enum(DIRECTIONS),
          baseline: z.strictObject({ year: ZYear, value: z.number().finite() }),
          targets: z.record(z.string().regex(/^\d{4}$/), z.number().finite()),
          directionNumber: z.number().int().min(1).max(100).optional(),
          bodies: z.array(ZCode).max(100).optional(),
          note: z.string().max(4000).optional(),
        }),
      )
      .max(200),
    results: z
      .array(
        z.strictObject({
          code: z.string().trim().min(1).max(40),
          kind: z.enum(['result', 'related']),
          name: ZNames,
          unit: names(100).optional(),
          target: z.strictObject({ year: ZYear.nullable(), value: z.number().finite() }).optional(),
          baseline: z.strictObject({ year: ZYear.nullable(), value: z.number().finite() }).optional(),
          note: z.string().max(4000).optional(),
        }),
      )
      .max(200)
      .default([]),
    directions: z.array(z.strictObject({ number: z.number().int().min(1).max(100), name: names(1000) })).min(1).max(100),
    measures: z
      .array(
        z.strictObject({
          number: z.number().int().min(1).max(10000),
          direction: z.number().int().min(1).max(100),
          name: ZNames,
          completionForm: names(500),
          deadline: z.strictObject({
            kind: z.enum(['once', 'annual']),
            from: ZYear,
            to: ZYear,
            dueMonth: z.number().int().min(1).max(12),
            label: names(200),
          }),
          executors: z.array(z.strictObject({ body: ZCode, byAgreement: z.boolean() })).min(1).max(50),
          note: z.string().max(4000).optional(),
        }),
      )
      .max(2000),
    duties: z
      .array(
        z.strictObject({
          code: z.string().trim().min(1).max(40),
          reporter: z.enum(['executors', 'lead']),
          leadBody: ZCode.optional(),
          recipient: ZNames,
          what: ZNames,
          dueDay: z.number().int().min(1).max(31),
          dueMonth: z.number().int().min(1).max(12),
          yearOffset: z.number().int().min(0).max(5),
          publish: z.boolean().default(false),
        }),
      )
      .max(50)
      .default([]),
    regionalBaseline: z
      .strictObject({
        title: ZNames,
        period: z.string().trim().min(1).max(30),
        source: z.string().max(2000).optional(),
        columns: z
          .array(z.strictObject({ code: z.string().regex(/^[A-Za-z][A-Za-z0-9_]*$/).max(60), name: ZNames, unit: z.string().max(60), direction: z.enum(['stimulant', 'destimulant']) }))
          .min(1)
          .max(50),
        rows: z
          .array(
            z.strictObject({
              code: z.string().trim().min(1).max(40).regex(/^[a-z0-9][a-z0-9-]*$/),
              name: ZNames,
              kind: z.enum(['country', 'region', 'city']),
              values: z.record(z.string(), z.number().finite().nullable()),
            }),
          )
          .min(2)
          .max(500),
      })
      .optional(),
    criteria: z
      .array(
        z.strictObject({
          code: z.string().trim().min(1).max(40),
          name: ZNames,
          threshold: z.strictObject({ operator: z.literal('>='), value: z.number().finite() }).optional(),
        }),
      )
      .max(100)
      .default([]),
  })
  .superRefine((spec, ctx) => {
    const bodies = new Set(spec.bodies.map((b) => b.code));
    const directions = new Set(spec.directions.map((d) => d.number));
    const issue = (path: (string | number)[], key: string) => ctx.addIssue({ code: 'custom', path, message: key, params: { key } });
    if (spec.periodTo < spec.periodFrom) issue(['periodTo'], 'programmes:spec.period');
    const dup = <T>(list: T[], key: (x: T) => unknown, path: string) =>
      list.forEach((x, i) => {
        if (list.findIndex((y) => key(y) === key(x)) !== i) issue([path, i], 'programmes:spec.duplicate');
      });
    dup(spec.bodies, (b) => b.code, 'bodies');
    dup(spec.indicators, (b) => b.code, 'indicators');
    dup(spec.measures, (b) => b.number, 'measures');
    dup(spec.directions, (b) => b.number, 'directions');
    spec.indicators.forEach((ind, i) => {
      for (const year of Object.keys(ind.targets)) {
        if (Number(year) < spec.periodFrom || Number(year) > spec.periodTo) issue(['indicators', i, 'targets', year], 'programmes:spec.yearOutside');
      }
      (ind.bodies ?? []).forEach((b, k) => bodies.has(b) || issue(['indicators', i, 'bodies', k], 'programmes:spec.unknownBody'));
    });
    spec.measures.forEach((m, i) => {
      if (!directions.has(m.direction)) issue(['measures', i, 'direction'], 'programmes:spec.unknownDirection');
      if (m.deadline.to < m.deadline.from || (m.deadline.kind === 'once' && m.deadline.to !== m.deadline.from)) issue(['measures', i, 'deadline'], 'programmes:spec.period');
      m.executors.forEach((e, k) => bodies.has(e.body) || issue(['measures', i, 'executors', k], 'programmes:spec.unknownBody'));
    });
    spec.duties.forEach((d, i) => {
      if (d.reporter === 'lead' && (!d.leadBody || !bodies.has(d.leadBody))) issue(['duties', i, 'leadBody'], 'programmes:spec.unknownBody');
    });
  });
export type TProgrammeSpec = z.input<typeof ZProgrammeSpec>;
export type ProgrammeSpec = z.infer<typeof ZProgrammeSpec>;

/* ------------------------------------------------------------------------------------------
 * Records (rows as the service sees them)
 * ---------------------------------------------------------------------------------------- */

export interface ProgrammeRecord {
  id: number;
  code: string;
  name_kk: string;
  name_ru: string;
  name_en: string;
  basis_kk: string | null;
  basis_ru: string | null;
  basis_en: string | null;
  periodFrom: number;
  periodTo: number;
  baselineYear: number;
  onTrackMin: number;
  atRiskMin: number;
  source: string | null;
  regionalBaseline: ProgrammeSpec['regionalBaseline'] | null;
  regionalDatasetId: number | null;
}

export interface BodyRecord {
  id: number;
  programmeId: number;
  code: string;
  name_kk: string;
  name_ru: string;
  name_en: string;
  note: string | null;
}

export interface IndicatorRecord {
  id: number;
  programmeId: number;
  code: string;
  name_kk: string;
  name_ru: string;
  name_en: string;
  unit_kk: string;
  unit_ru: string;
  unit_en: string;
  direction: TDirection;
  baselineYear: number;
  baselineValue: number;
  directionNumber: number | null;
  note: string | null;
  /** Year -> target. */
  targets: Map<number, number>;
  bodyIds: number[];
}

export interface ActualRecord {
  indicatorId: number;
  year: number;
  value: number;
  source: string | null;
  note: string | null;
  enteredBy: number | null;
  enteredAt: string;
}

export interface ResultRecord {
  id: number;
  code: string;
  kind: 'result' | 'related';
  name_kk: string;
  name_ru: string;
  name_en: string;
  unit_kk: string;
  unit_ru: string;
  unit_en: string;
  targetYear: number | null;
  targetValue: number | null;
  baselineYear: number | null;
  baselineValue: number | null;
  note: string | null;
}

export interface DirectionRecord {
  id: number;
  number: number;
  name_kk: string;
  name_ru: string;
  name_en: string;
}

export interface MeasureRecord {
  id: number;
  programmeId: number;
  directionId: number;
  directionNumber: number;
  number: number;
  name_kk: string;
  name_ru: string;
  name_en: string;
  form_kk: string;
  form_ru: string;
  form_en: string;
  deadlineKind: 'once' | 'annual';
  deadlineFrom: number;
  deadlineTo: number;
  dueMonth: number;
  deadline_kk: string;
  deadline_ru: string;
  deadline_en: string;
  note: string | null;
  executors: Array<{ bodyId: number; byAgreement: boolean }>;
}

export type TMeasureReportStatus = 'in_progress' | 'done';

export interface MeasureReportRecord {
  measureId: number;
  year: number;
  status: TMeasureReportStatus;
  summary: string | null;
  completedOn: string | null;
  updatedBy: number | null;
  updatedAt: string;
}

export const EVIDENCE_KINDS = ['text', 'file', 'link', 'round', 'panel'] as const;
export type TEvidenceKind = (typeof EVIDENCE_KINDS)[number];

export interface EvidenceRecord {
  id: number;
  programmeId: number;
  measureId: number | null;
  territoryId: number | null;
  year: number | null;
  kind: TEvidenceKind;
  text: string | null;
  url: string | null;
  fileName: string | null;
  fileType: string | null;
  fileSize: number | null;
  roundId: number | null;
  panelId: number | null;
  createdBy: number | null;
  createdAt: string;
}

export interface HistoryRecord {
  id: number;
  measureId: number | null;
  indicatorId: number | null;
  year: number | null;
  action: string;
  detail: string | null;
  userId: number | null;
  userName: string | null;
  createdAt: string;
}

export interface DutyRecord {
  id: number;
  code: string;
  reporter: 'executors' | 'lead';
  leadBodyId: number | null;
  recipient_kk: string;
  recipient_ru: string;
  recipient_en: string;
  what_kk: string;
  what_ru: string;
  what_en: string;
  dueDay: number;
  dueMonth: number;
  yearOffset: number;
  publish: boolean;
}

export interface SubmissionRecord {
  dutyId: number;
  year: number;
  reporterKey: string;
  submittedOn: string;
  note: string | null;
  submittedBy: number | null;
}

export interface CriterionRecord {
  id: number;
  code: string;
  name_kk: string;
  name_ru: string;
  name_en: string;
  thresholdOperator: '>=' | null;
  thresholdValue: number | null;
}

export interface SettlementRecord {
  id: number;
  territoryId: number;
  year: number;
  scienceWorkers: number;
  employed: number;
  source: string | null;
}

/* ------------------------------------------------------------------------------------------
 * Forms
 * ---------------------------------------------------------------------------------------- */

export const ZId = z.coerce.number().int().positive().max(2_147_483_647);

/** A number as people type it: "2,35", "1 100", "2.35" (a decimal comma and thousands spaces allowed). */
export const ZDecimal = z.preprocess(
  (v) => (typeof v === 'string' ? v.replace(/[\s\u00a0]/g, '').replace(',', '.') : v),
  z
    .string()
    .min(1)
    .refine((v) => /^-?\d+(\.\d+)?$/.test(v), { params: { key: 'programmes:errors.notNumber' } })
    .transform(Number),
);

const ZYearField = z.coerce.number().int().min(1990).max(2100);
const ZOptionalText = (max: number) =>
  z.preprocess((v) => (typeof v === 'string' && v.trim() === '' ? undefined : v), z.string().trim().max(max).optional());

export const ZActualForm = z.strictObject({
  year: ZYearField,
  value: ZDecimal,
  source: ZOptionalText(1000),
  note: ZOptionalText(2000),
});
export type TActualForm = z.infer<typeof ZActualForm>;

/** One actual value, as the service receives it from the form or one import row. */
export interface ActualInput {
  indicatorCode: string;
  year: number;
  value: number;
  source?: string;
  note?: string;
}

export const ZMeasureReportForm = z.strictObject({
  year: ZYearField,
  status: z.enum(['not_started', 'in_progress', 'done']),
  summary: ZOptionalText(4000),
  completedOn: ZOptionalText(10).pipe(z.string().regex(/^\d{4}-\d{2}-\d{2}$/).optional()),
});
export type TMeasureReportForm = z.infer<typeof ZMeasureReportForm>;

export const ZEvidenceForm = z.strictObject({
  year: z.preprocess((v) => (v === '' ? undefined : v), ZYearField.optional()),
  kind: z.enum(EVIDENCE_KINDS),
  text: ZOptionalText(8000),
  url: ZOptionalText(2000),
  roundId: z.preprocess((v) => (v === '' ? undefined : v), ZId.optional()),
  panelId: z.preprocess((v) => (v === '' ? undefined : v), ZId.optional()),
});
export type TEvidenceForm = z.infer<typeof ZEvidenceForm>;

export const ZTerritoryEvidenceForm = ZEvidenceForm.extend({ territoryId: ZId });

export interface EvidenceInput extends TEvidenceForm {
  file?: { name: string; type: string; data: Buffer };
}

const ZIdList = z.preprocess((v) => (v === undefined ? [] : Array.isArray(v) ? v : [v]), z.array(ZId).max(200));

export const ZExecutorForm = z.strictObject({ userId: ZId, bodyIds: ZIdList });
export type TExecutorForm = z.infer<typeof ZExecutorForm>;

/** An administrator's edit of an indicator: baseline, direction and every year's target (an empty box removes it). */
export const ZTargetsForm = z.strictObject({
  baselineValue: ZDecimal,
  direction: z.enum(DIRECTIONS),
  targets: z.record(z.string().regex(/^y\d{4}$/), z.union([z.literal(''), ZDecimal])).default({}),
});
export type TTargetsForm = z.infer<typeof ZTargetsForm>;

export const ZStatusRuleForm = z
  .strictObject({
    onTrackMin: ZDecimal.pipe(z.number().min(0).max(1000)),
    atRiskMin: ZDecimal.pipe(z.number().min(0).max(1000)),
  })
  .refine((v) => v.atRiskMin <= v.onTrackMin, { path: ['atRiskMin'], params: { key: 'programmes:errors.ruleOrder' } });
export type TStatusRuleForm = z.infer<typeof ZStatusRuleForm>;

export const ZIndicatorBodiesForm = z.strictObject({ bodyIds: ZIdList });

export const ZSubmissionForm = z.strictObject({
  dutyId: ZId,
  year: ZYearField,
  bodyId: z.preprocess((v) => (v === '' ? undefined : v), ZId.optional()),
  submittedOn: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
  note: ZOptionalText(2000),
});
export type TSubmissionForm = z.infer<typeof ZSubmissionForm>;

export const ZSettlementForm = z.strictObject({
  territoryId: ZId,
  year: ZYearField,
  scienceWorkers: ZDecimal.pipe(z.number().min(0)),
  employed: ZDecimal.pipe(z.number().positive()),
  source: ZOptionalText(1000),
});
export type TSettlementForm = z.infer<typeof ZSettlementForm>;

export const ZTrackerFilter = z.object({
  direction: z.preprocess((v) => (v === '' ? undefined : v), z.coerce.number().int().min(1).max(100).optional()),
  body: z.preprocess((v) => (v === '' ? undefined : v), ZId.optional()),
  year: z.preprocess((v) => (v === '' ? undefined : v), ZYearField.optional()),
  status: z.preprocess((v) => (v === '' ? undefined : v), z.enum(['not_started', 'in_progress', 'done', 'overdue']).optional()),
});
export type TTrackerFilter = z.infer<typeof ZTrackerFilter>;

export const ZYearQuery = z.object({ year: z.preprocess((v) => (v === '' ? undefined : v), ZYearField.optional()) });

export const REPORT_LANGUAGES = ['kk', 'ru', 'en'] as const;
export const ZReportQuery = z.object({
  year: ZYearField,
  lang: z.preprocess((v) => (v === '' ? undefined : v), z.enum(REPORT_LANGUAGES).optional()),
});
