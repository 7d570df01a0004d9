import { z } from 'zod';
import { type FieldError, ValidationError, zodFieldErrors } from '../../errors';
import { equalIntervalLevels } from '../../math/equalIntervalLevels';
import { kmeans1d } from '../../math/kmeans1d';
import { minMaxNormalize } from '../../math/minMaxNormalize';
import { OlsError } from '../../math/ols';
import { rankDescending } from '../../math/rankDescending';
import { fitRegressionModel, predict } from '../../math/regressionModels';
import { weightedMean } from '../../math/weightedMean';

/**
 * The public, reproducible model specs: one schema and one runner per kind, shared by
 * `POST /api/v1/models/fit|composite`, the `models fit|composite` CLI commands and the pages.
 * Nothing here touches HTTP or the database, so the CLI runs them without one.
 * Bad specs throw a ValidationError whose field paths name the offending part ("rows.3.dZin").
 */

const ZColumnName = z.string().trim().min(1).max(100);
const ZCell = z.union([z.number(), z.string(), z.boolean(), z.null()]);
const ZDataRow = z.record(z.string(), ZCell);

/** The trend regressor: derived from `timeColumn` as t = period - first period + 1. */
export const TREND = 't';

export const ZFitSpec = z.strictObject({
  form: z.enum(['power', 'linear']),
  y: ZColumnName,
  x: z.array(ZColumnName).min(1).max(20),
  timeColumn: ZColumnName.optional(),
  rows: z.array(ZDataRow).min(1).max(10_000),
  forecast: z.array(ZDataRow).max(200).optional(),
  title: z.string().max(300).optional(),
});
export type TFitSpec = z.infer<typeof ZFitSpec>;

export const ZCompositeSpec = z.strictObject({
  rows: z.array(ZDataRow).min(2).max(10_000),
  indicators: z
    .array(
      z.strictObject({
        name: ZColumnName,
        direction: z.enum(['stimulant', 'destimulant']),
        weight: z.number().min(0).max(1e6).default(1),
      }),
    )
    .min(1)
    .max(100),
  aggregate: z.enum(['arithmetic', 'geometric']).default('arithmetic'),
  levels: z.enum(['equal-interval', 'kmeans']).default('equal-interval'),
  /** Equal intervals over the observed range of the index (default) or over [0, 1]. */
  intervalScale: z.enum(['observed', 'unit']).default('observed'),
  /** Seed of the k-means restarts; the same seed always gives the same levels. */
  seed: z.number().int().min(0).max(2 ** 32 - 1).default(1),
  title: z.string().max(300).optional(),
});
export type TCompositeSpec = z.input<typeof ZCompositeSpec>;
type ParsedCompositeSpec = z.infer<typeof ZCompositeSpec>;

export interface FitResult {
  form: 'power' | 'linear';
  n: number;
  y: string;
  x: string[];
  coefficients: Record<string, number>;
  /** a for a linear model, ln A for a power model. */
  intercept: number;
  A?: number;
  standardErrors: Record<string, number>;
  tStatistics: Record<string, number | null>;
  pValues: Record<string, number | null>;
  r2: number;
  adjustedR2: number;
  r: number | null;
  degreesOfFreedom: number;
  observed: number[];
  fitted: number[];
  /** The timeColumn value of each row, when there is one (for charts). */
  periods?: number[];
  forecast?: Array<Record<string, number>>;
}

export interface CompositeResult {
  aggregate: 'arithmetic' | 'geometric';
  levels: 'equal-interval' | 'kmeans';
  indicators: Array<{ name: string; direction: 'stimulant' | 'destimulant'; weight: number; min: number; max: number; constant: boolean }>;
  territories: Array<{
    territory: string;
    partial: Record<string, number>;
    integral: number;
    level: number;
    rank: number;
    /** Indicators whose zero partial index made a geometric integral index zero. */
    zeroPartials?: string[];
  }>;
  /** Upper bound of each level 1..5 (for k-means: midpoints between cluster centres). */
  levelBounds: number[];
  /** Number of territories whose geometric index is zero because of a zero partial index. */
  geometricZeros: number;
  seed?: number;
}

const MAX_REPORTED = 25;

class FieldCollector {
  readonly fields: FieldError[] = [];
  add(path: string, key: string, params?: Record<string, unknown>): void {
    if (this.fields.length < MAX_REPORTED) this.fields.push({ path, key, params });
  }
  throwIfAny(): void {
    if (this.fields.length) throw new ValidationError(this.fields, 'indicators:spec.invalid');
  }
}

function parseSpec<T>(schema: z.ZodType<T>, input: unknown): T {
  const parsed = schema.safeParse(input);
  if (!parsed.success) throw new ValidationError(zodFieldErrors(parsed.error), 'indicators:spec.invalid');
  return parsed.data;
}

function numberAt(row: Record<string, unknown>, column: string): number | undefined {
  const v = row[column];
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

function finiteOrNull(v: number): number | null {
  return Number.isFinite(v) ? v : null;
}

/** Fit a linear or power model from a spec (see ZFitSpec); throws ValidationError naming fields. */
export function runFit(input: unknown): FitResult {
  const spec = parseSpec(ZFitSpec, input);
  const errors = new FieldCollector();
  const derivesTrend = spec.timeColumn !== undefined;
  if (spec.x.includes(spec.y)) errors.add('x', 'indicators:spec.yInX', { column: spec.y });
  spec.x.forEach((name, k) => {
    if (spec.x.indexOf(name) !== k) errors.add(`x.${k}`, 'indicators:spec.duplicate', { column: name });
  });
  if (spec.timeColumn !== undefined && (spec.x.includes(spec.timeColumn) || spec.y === spec.timeColumn)) {
    errors.add('timeColumn', 'indicators:spec.timeColumnIsVariable', { column: spec.timeColumn });
  }
  if (spec.x.includes(TREND) && !derivesTrend && !spec.rows.every((r) => numberAt(r, TREND) !== undefined)) {
    errors.add('timeColumn', 'indicators:spec.timeColumnNeeded');
  }
  errors.throwIfAny();

  const usesTrend = derivesTrend && spec.x.includes(TREND);
  const readInputs = spec.x.filter((name) => !(usesTrend && name === TREND));
  const positive = spec.form === 'power';
  const check = (row: Record<string, unknown>, path: string, column: string): number => {
    const v = numberAt(row, column);
    if (v === undefined) errors.add(`${path}.${column}`, row[column] === undefined || row[column] === null ? 'indicators:spec.missing' : 'indicators:spec.notNumber', { column });
    else if (positive && column !== spec.timeColumn && !(v > 0)) errors.add(`${path}.${column}`, 'indicators:spec.notPositive', { column });
    return v ?? NaN;
  };

  const time = spec.timeColumn ? spec.rows.map((row, i) => check(row, `rows.${i}`, spec.timeColumn!)) : undefined;
  const y = spec.rows.map((row, i) => check(row, `rows.${i}`, spec.y));
  const inputs = spec.rows.map((row, i) => readInputs.map((name) => check(row, `rows.${i}`, name)));
  const forecastTime = spec.forecast && spec.timeColumn ? spec.forecast.map((row, i) => check(row, `forecast.${i}`, spec.timeColumn!)) : undefined;
  const forecastInputs = spec.forecast?.map((row, i) => readInputs.map((name) => check(row, `forecast.${i}`, name)));
  errors.throwIfAny();

  // t = 1 for the first period; a gap between periods counts, so forecasts continue the same clock.
  const firstPeriod = time ? Math.min(...time) : 0;
  const trendOf = (period: number) => period - firstPeriod + 1;
  const columnOf = (values: number[][], timeValues: number[] | undefined) =>
    spec.x.map((name) => (usesTrend && name === TREND ? timeValues!.map(trendOf) : values.map((v) => v[readInputs.indexOf(name)]!)));
  const columns = columnOf(inputs, time);
  if (usesTrend && positive && time!.some((p) => trendOf(p) <= 0)) errors.add('rows', 'indicators:spec.notPositive', { column: TREND });
  if (usesTrend && forecastTime?.some((p) => trendOf(p) <= 0)) errors.add('forecast', 'indicators:spec.forecastBeforeStart', { column: spec.timeColumn });
  errors.throwIfAny();

  let model;
  try {
    model = fitRegressionModel(spec.form, y, columns);
  } catch (e) {
    if (e instanceof OlsError && e.reason === 'too_few_observations') {
      throw new ValidationError([{ path: 'rows', key: 'indicators:spec.tooFewRows', params: { min: spec.x.length + 2 } }], 'indicators:spec.invalid');
    }
    if (e instanceof OlsError && e.reason === 'collinear') {
      throw new ValidationError([{ path: 'x', key: 'indicators:spec.collinear' }], 'indicators:spec.invalid');
    }
    throw e;
  }

  const names = ['intercept', ...spec.x];
  const byName = (values: number[]) => Object.fromEntries(names.map((n, k) => [n, values[k]!]));
  const result: FitResult = {
    form: spec.form,
    n: model.n,
    y: spec.y,
    x: spec.x,
    coefficients: Object.fromEntries(spec.x.map((n, k) => [n, model.coefficients[k]!])),
    intercept: model.intercept,
    ...(model.A !== undefined ? { A: model.A } : {}),
    standardErrors: byName(model.standardErrors),
    tStatistics: Object.fromEntries(names.map((n, k) => [n, finiteOrNull(model.tStatistics[k]!)])),
    pValues: Object.fromEntries(names.map((n, k) => [n, finiteOrNull(model.pValues[k]!)])),
    r2: model.r2,
    adjustedR2: model.adjustedR2,
    r: finiteOrNull(model.r),
    degreesOfFreedom: model.degreesOfFreedom,
    observed: y,
    fitted: model.fitted,
    ...(time ? { periods: time } : {}),
  };
  if (spec.forecast && forecastInputs) {
    const forecastColumns = columnOf(forecastInputs, forecastTime);
    result.forecast = spec.forecast.map((_, i) => {
      const point = spec.x.map((_, k) => forecastColumns[k]![i]!);
      const out: Record<string, number> = {};
      if (spec.timeColumn && forecastTime) out[spec.timeColumn] = forecastTime[i]!;
      readInputs.forEach((name, k) => (out[name] = forecastInputs[i]![k]!));
      if (usesTrend) out[TREND] = trendOf(forecastTime![i]!);
      out.y = predict(model, point);
      return out;
    });
  }
  return result;
}

/** Partial indices, integral index, five levels and ranks from a spec (see ZCompositeSpec). */
export function runComposite(input: unknown): CompositeResult {
  const spec: ParsedCompositeSpec = parseSpec(ZCompositeSpec, input);
  const errors = new FieldCollector();
  spec.indicators.forEach((ind, k) => {
    if (spec.indicators.findIndex((other) => other.name === ind.name) !== k) errors.add(`indicators.${k}.name`, 'indicators:spec.duplicate', { column: ind.name });
    if (ind.name === 'territory') errors.add(`indicators.${k}.name`, 'indicators:spec.reservedName', { column: ind.name });
  });
  if (spec.indicators.every((ind) => ind.weight === 0)) errors.add('indicators', 'indicators:spec.weightsZero');
  const seen = new Set<string>();
  const territories = spec.rows.map((row, i) => {
    const name = row.territory;
    if (typeof name !== 'string' || name.trim() === '') {
      errors.add(`rows.${i}.territory`, 'indicators:spec.missing', { column: 'territory' });
      return '';
    }
    if (seen.has(name)) errors.add(`rows.${i}.territory`, 'indicators:spec.duplicateTerritory', { territory: name });
    seen.add(name);
    return name;
  });
  const raw = spec.indicators.map((ind) =>
    spec.rows.map((row, i) => {
      const v = numberAt(row, ind.name);
      if (v === undefined) errors.add(`rows.${i}.${ind.name}`, row[ind.name] === undefined || row[ind.name] === null ? 'indicators:spec.missing' : 'indicators:spec.notNumber', { column: ind.name });
      return v ?? NaN;
    }),
  );
  errors.throwIfAny();

  const normalised = spec.indicators.map((ind, k) => minMaxNormalize(raw[k]!, ind.direction));
  const weights = spec.indicators.map((ind) => ind.weight);
  const integrals = spec.rows.map((_, i) => weightedMean(spec.aggregate, normalised.map((n) => n.values[i]!), weights));
  const values = integrals.map((m) => m.value);
  const levels = spec.levels === 'kmeans' ? kmeans1d(values, 5, { seed: spec.seed }) : equalIntervalLevels(values, 5, spec.intervalScale);
  const ranks = rankDescending(values);
  return {
    aggregate: spec.aggregate,
    levels: spec.levels,
    indicators: spec.indicators.map((ind, k) => ({ ...ind, min: normalised[k]!.min, max: normalised[k]!.max, constant: normalised[k]!.constant })),
    territories: territories.map((territory, i) => ({
      territory,
      partial: Object.fromEntries(spec.indicators.map((ind, k) => [ind.name, normalised[k]!.values[i]!])),
      integral: values[i]!,
      level: levels.levels[i]!,
      rank: ranks[i]!,
      ...(integrals[i]!.zeroAt.length ? { zeroPartials: integrals[i]!.zeroAt.map((k) => spec.indicators[k]!.name) } : {}),
    })),
    levelBounds: levels.bounds,
    geometricZeros: integrals.filter((m) => m.zeroAt.length > 0).length,
    ...(spec.levels === 'kmeans' ? { seed: spec.seed } : {}),
  };
}
