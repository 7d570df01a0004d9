import { z } from 'zod';
import { titleFormFields } from '../../i18n/titles';

export const DIRECTIONS = ['stimulant', 'destimulant'] as const;
export const ZDirection = z.enum(DIRECTIONS);
export type TDirection = z.infer<typeof ZDirection>;

export interface DatasetRecord {
  id: number;
  code: string;
  /** The name as written, in `name_lang`; views show `loc(dataset, 'name')`. */
  name: string;
  name_kk: string | null;
  name_ru: string | null;
  name_en: string | null;
  name_lang: string | null;
  description: string | null;
  source: string | null;
  roundId: number | null;
  createdAt: string;
  indicatorCount?: number;
  valueCount?: number;
}

export interface IndicatorRecord {
  id: number;
  datasetId: number;
  datasetCode: string;
  datasetName: string;
  code: string;
  name_kk: string;
  name_ru: string;
  name_en: string;
  unit: string;
  direction: TDirection;
  source: string | null;
  roundId: number | null;
  position: number;
  /** Set for a derived indicator: its values are computed from this formula (src/math/deriveIndicators.ts). */
  formula: string | null;
}

export interface ValueRecord {
  indicatorId: number;
  territoryId: number;
  period: string;
  value: number;
}

export interface ModelRecord {
  id: number;
  datasetId: number | null;
  kind: 'fit' | 'composite' | 'scenario';
  /** The title as written, in `title_lang`; views show `loc(model, 'title')`. */
  title: string;
  title_kk: string | null;
  title_ru: string | null;
  title_en: string | null;
  title_lang: string | null;
  spec: unknown;
  origin: ModelOrigin | null;
  result: unknown;
  createdBy: number | null;
  createdAt: string;
}

/** How a saved spec was assembled from the value table, so pages can name territories and indicators. */
export interface ModelOrigin {
  /** Rows are periods of one territory, or territories in one period (per column). */
  rowsBy: 'period' | 'territory';
  territoryId?: number;
  /** Spec column name -> indicator id and, for rows by territory, the period used. */
  columns: Record<string, { indicatorId: number; period?: string }>;
  /** Spec territory name (English) -> territory id, in row order. */
  territories?: Array<{ name: string; id: number }>;
  /** Territories left out because a chosen value was missing. */
  excluded?: Array<{ id: number; missing: string[] }>;
}

const ZText = (max: number) => z.string().trim().max(max);
const ZOptionalText = (max: number) =>
  z.preprocess((v) => (typeof v === 'string' && v.trim() === '' ? null : v), z.string().trim().max(max).nullable().default(null));

export const ZId = z.coerce.number().int().positive();

export const ZDatasetInput = z.strictObject({
  name: ZText(300).min(1),
  ...titleFormFields('name'),
  description: ZOptionalText(4000),
  source: ZOptionalText(2000),
});
export type TDatasetInput = z.infer<typeof ZDatasetInput>;

export const ZIndicatorInput = z.strictObject({
  name_kk: ZText(300).min(1),
  name_ru: ZText(300).min(1),
  name_en: ZText(300).min(1),
  unit: ZText(60).default(''),
  direction: ZDirection,
  source: ZOptionalText(2000),
});
export type TIndicatorInput = z.infer<typeof ZIndicatorInput>;

/** A derived indicator: a code usable in other formulas, names, and its formula. */
export const ZDerivedIndicatorInput = ZIndicatorInput.omit({ source: true }).extend({
  code: z.string().trim().min(1).max(60).regex(/^[\p{L}_][\p{L}\p{N}_]*$/u),
  formula: ZText(1000).min(1),
});
export type TDerivedIndicatorInput = z.infer<typeof ZDerivedIndicatorInput>;

/** Editing a derived indicator: the names and its formula. */
export const ZDerivedIndicatorEdit = ZIndicatorInput.extend({ formula: ZText(1000).min(1) });

/** Indicator codes in uploaded files: letters, digits, _ . - (Cyrillic allowed), as typed by researchers. */
export const ZIndicatorCode = z
  .string()
  .trim()
  .min(1)
  .max(60)
  .regex(/^[\p{L}\p{N}][\p{L}\p{N}_.-]*$/u);

export const ZImportOptions = z.strictObject({
  /** Period for a wide file without a period column. */
  period: z.preprocess((v) => (typeof v === 'string' && v.trim() === '' ? undefined : v), z.string().trim().max(30).optional()),
});

/** Checkbox-and-field forms post strings; a missing checkbox is absent. */
const ZFormNumber = z.preprocess((v) => (typeof v === 'string' ? v.trim().replace(',', '.') : v), z.coerce.number().finite());
const ZFormList = z.preprocess((v) => (v === undefined ? [] : Array.isArray(v) ? v : [v]), z.array(z.string()));

/** Renaming a saved model: the title in the page's language and its translations. */
export const ZModelTitleInput = z.strictObject({
  title: ZText(300).min(1),
  ...titleFormFields('title'),
});
export type TModelTitleInput = z.infer<typeof ZModelTitleInput>;

export const ZCompositeForm = z.object({
  title: ZText(300).default(''),
  ...titleFormFields('title'),
  territories: ZFormList,
  indicators: ZFormList, // selected indicator ids
  direction: z.record(z.string(), ZDirection).default({}),
  // An emptied weight box means the default weight 1, not 0.
  weight: z.record(z.string(), z.preprocess((v) => (typeof v === 'string' && v.trim() === '' ? 1 : v), ZFormNumber.pipe(z.number().min(0).max(1e6)))).default({}),
  period: z.record(z.string(), z.string().trim().max(30)).default({}),
  aggregate: z.enum(['arithmetic', 'geometric']),
  levels: z.enum(['equal-interval', 'kmeans', 'rank']),
  seed: z.preprocess((v) => (v === '' || v === undefined ? 1 : v), z.coerce.number().int().min(0).max(2 ** 32 - 1)),
  normalise: z.enum(['min-max', 'z-score', 'none']).default('min-max'),
  weights: z.enum(['entered', 'equal']).default('entered'),
  zero: z.enum(['keep', 'epsilon']).default('keep'),
  epsilon: z.preprocess((v) => (v === '' || v === undefined ? 0.001 : v), ZFormNumber.pipe(z.number().gt(0).lt(1))),
  levelCount: z.preprocess((v) => (v === '' || v === undefined ? 5 : v), z.coerce.number().int().min(2).max(10)),
  robustness: z.preprocess((v) => v === 'on' || v === '1' || v === 'true' || v === true, z.boolean()),
  draws: z.preprocess((v) => (v === '' || v === undefined ? 500 : v), z.coerce.number().int().min(10).max(5000)),
  robustnessSeed: z.preprocess((v) => (v === '' || v === undefined ? 1 : v), z.coerce.number().int().min(0).max(2 ** 32 - 1)),
});
export type TCompositeForm = z.infer<typeof ZCompositeForm>;

export const ZFitForm = z.object({
  title: ZText(300).default(''),
  ...titleFormFields('title'),
  form: z.enum(['linear', 'power', 'polynomial']),
  degree: z.preprocess((v) => (v === '' ? undefined : v), z.coerce.number().int().min(2).max(3).optional()),
  rowsBy: z.enum(['period', 'territory']),
  territoryId: z.preprocess((v) => (v === '' ? undefined : v), z.coerce.number().int().positive().optional()),
  y: z.coerce.number().int().positive(),
  x: ZFormList,
  trend: z.preprocess((v) => v === 'on' || v === '1' || v === 'true' || v === true, z.boolean()),
  period: z.record(z.string(), z.string().trim().max(30)).default({}),
});
export type TFitForm = z.infer<typeof ZFitForm>;

/** Forecast rows typed on the model page: period plus one value per non-derived regressor. */
export const ZForecastForm = z.object({
  rows: z
    .array(z.record(z.string(), z.string().trim().max(40)))
    .max(20)
    .default([]),
});

/** Years of a scenario typed as "2021, 2025" or "2021-2025". */
const ZYearList = z.preprocess(
  (v) => {
    if (typeof v !== 'string') return v;
    const out: number[] = [];
    for (const part of v.split(/[,;\s]+/).filter(Boolean)) {
      const range = /^(\d{4})[-–](\d{4})$/.exec(part);
      if (range) for (let y = Number(range[1]); y <= Number(range[2]) && out.length <= 50; y++) out.push(y);
      else out.push(Number(part));
    }
    return out;
  },
  z.array(z.number().int().min(1900).max(2200)).min(1).max(50),
);

/** A scenario assembled on the page from saved fits: steps in order, forecast years, exogenous inputs per year. */
export const ZScenarioForm = z.object({
  title: ZText(300).default(''),
  ...titleFormFields('title'),
  steps: z.preprocess((v) => (v === undefined ? [] : (Array.isArray(v) ? v : [v]).filter((s) => s !== '')), z.array(z.coerce.number().int().positive()).min(1).max(5)),
  years: ZYearList,
  inputs: z.record(z.string(), z.record(z.string(), z.string().trim().max(40))).default({}),
});
export type TScenarioForm = z.infer<typeof ZScenarioForm>;
