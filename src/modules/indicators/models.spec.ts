import { z } from 'zod';
import { type FieldError, ValidationError, zodFieldErrors } from '../../errors';
import { compositeIndex, type CompositeConfig } from '../../math/compositeIndex';
import { deriveIndicators, FormulaError } from '../../math/deriveIndicators';
import { equalIntervalLevels } from '../../math/equalIntervalLevels';
import { kmeans1d } from '../../math/kmeans1d';
import { OlsError } from '../../math/ols';
import { predictionInterval } from '../../math/predictionInterval';
import { rankDescending } from '../../math/rankDescending';
import { rankLevels } from '../../math/rankLevels';
import { rankRobustness } from '../../math/rankRobustness';
import { fitRegressionModel } from '../../math/regressionModels';

/**
 * The public, reproducible model specs: one schema and one runner per kind, shared by
 * `POST /api/v1/models/fit|composite|derive|scenario`, the `models fit|composite|derive|scenario`
 * CLI commands and the pages.
 * Nothing here touches HTTP or the database, so the CLI runs them without one.
 * Bad specs throw a ValidationError whose field paths name the offending part ("rows.3.dZin").
 */

const ZColumnName = z.string().trim().min(1).max(100);
const ZCell = z.union([z.number(), z.string(), z.boolean(), z.null()]);
const ZDataRow = z.record(z.string(), ZCell);

/** The trend regressor: derived from `timeColumn` as t = period - first period + 1. */
export const TREND = 't';

/** Level of every forecast's prediction interval. */
export const FORECAST_LEVEL = 0.95;

export const ZFitSpec = z.strictObject({
  form: z.enum(['power', 'linear', 'polynomial']),
  /** Degree of a polynomial trend in its single regressor: y = a + b1 x + b2 x^2 (+ b3 x^3). */
  degree: z.number().int().min(2).max(3).optional(),
  y: ZColumnName,
  x: z.array(ZColumnName).min(1).max(20),
  timeColumn: ZColumnName.optional(),
  rows: z.array(ZDataRow).min(1).max(10_000),
  forecast: z.array(ZDataRow).max(200).optional(),
  title: z.string().max(300).optional(),
});
export type TFitSpec = z.infer<typeof ZFitSpec>;

/** A scenario: fits run in order; an input named like an earlier step's y takes that step's forecast. */
export const ZScenarioSpec = z.strictObject({
  steps: z.array(ZFitSpec.omit({ forecast: true })).min(1).max(10),
  forecast: z.array(ZDataRow).min(1).max(200),
  title: z.string().max(300).optional(),
});
export type TScenarioSpec = z.infer<typeof ZScenarioSpec>;

export const ZDeriveSpec = z.strictObject({
  rows: z.array(ZDataRow).min(1).max(10_000),
  derive: z
    .array(z.strictObject({ name: ZColumnName, formula: z.string().trim().min(1).max(1000) }))
    .min(1)
    .max(50),
});
export type TDeriveSpec = z.infer<typeof ZDeriveSpec>;

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
  /** min-max or z-score partial indices, or 'none': the values already are partial indices. */
  normalise: z.enum(['min-max', 'z-score', 'none']).default('min-max'),
  /** The weights as entered, or all equal whatever was entered. */
  weights: z.enum(['entered', 'equal']).default('entered'),
  aggregate: z.enum(['arithmetic', 'geometric']).default('arithmetic'),
  /** A zero partial index in a geometric mean: keep (the index is 0) or replace by epsilon. */
  zero: z.enum(['keep', 'epsilon']).default('keep'),
  epsilon: z.number().gt(0).lt(1).optional(),
  /** Equal intervals, k-means, or rank first then cut the ranking into levelCount groups. */
  levels: z.enum(['equal-interval', 'kmeans', 'rank']).default('equal-interval'),
  levelCount: z.number().int().min(2).max(10).default(5),
  /** Equal intervals over the observed range of the index (default) or over [0, 1]. */
  intervalScale: z.enum(['observed', 'unit']).default('observed'),
  /** Seed of the k-means restarts; the same seed always gives the same levels. */
  seed: z.number().int().min(0).max(2 ** 32 - 1).default(1),
  /** Ranks under alternative builds and seeded random weights (see rankRobustness). */
  robustness: z
    .strictObject({
      draws: z.number().int().min(10).max(5000).default(500),
      seed: z.number().int().min(0).max(2 ** 32 - 1).default(1),
      weightSpread: z.number().min(0).max(0.9).default(0.5),
    })
    .optional(),
  title: z.string().max(300).optional(),
});
export type TCompositeSpec = z.input<typeof ZCompositeSpec>;
type ParsedCompositeSpec = z.infer<typeof ZCompositeSpec>;

/** A forecast row: the inputs used, the point forecast y and its 95% prediction interval. */
export type ForecastRow = Record<string, number> & { y: number; lower: number; upper: number };

export interface FitResult {
  form: 'power' | 'linear' | 'polynomial';
  degree?: number;
  n: number;
  y: string;
  x: string[];
  /** The regression's terms: x for linear and power models; x, x^2 (, x^3) for a polynomial. */
  terms: string[];
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
  /** Level of the forecasts' prediction intervals (0.95). */
  forecastLevel?: number;
  forecast?: ForecastRow[];
}

export interface ScenarioResult {
  steps: Array<{ y: string; fedBy: Record<string, number>; fit: FitResult }>;
  /** Per forecast row: the scenario's inputs and every step's forecast with its interval. */
  forecast: Array<{ inputs: Record<string, number | string | boolean | null>; values: Record<string, { y: number; lower: number; upper: number }> }>;
}

export interface DeriveResult {
  rows: Array<Record<string, number | string | boolean | null>>;
  derived: Array<{ name: string; formula: string; missing: number }>;
}

export interface CompositeResult {
  normalise: 'min-max' | 'z-score' | 'none';
  weights: 'entered' | 'equal';
  aggregate: 'arithmetic' | 'geometric';
  zero: 'keep' | 'epsilon';
  epsilon?: number;
  levels: 'equal-interval' | 'kmeans' | 'rank';
  levelCount: number;
  indicators: Array<{ name: string; direction: 'stimulant' | 'destimulant'; weight: number; min: number; max: number; mean?: number; sd?: number; constant: boolean }>;
  territories: Array<{
    territory: string;
    partial: Record<string, number>;
    integral: number;
    level: number;
    rank: number;
    /** Indicators whose zero partial index made a geometric integral index zero. */
    zeroPartials?: string[];
    /** Indicators whose zero partial index was replaced by epsilon in the geometric mean. */
    epsilonPartials?: string[];
    /** Robustness: the median and the 5-95 % interval of the rank over the draws. */
    medianRank?: number;
    rankInterval?: [number, number];
  }>;
  /** Upper bound of each level 1..k (k-means: midpoints between cluster centres; rank: highest index in the level). */
  levelBounds: number[];
  /** Number of territories whose geometric index is zero because of a zero partial index. */
  geometricZeros: number;
  seed?: number;
  robustness?: {
    draws: number;
    seed: number;
    weightSpread: number;
    /** Ranks under each single change from the chosen build. */
    alternatives: Array<{ change: 'normalise' | 'aggregate' | 'leave-out'; value: string; ranks: Record<string, number> }>;
  };
}

const MAX_REPORTED = 25;

/** Epsilon for zero partial indices when a spec asks for 'epsilon' without giving one (stated in the result). */
export const DEFAULT_EPSILON = 0.001;

/** Draws times territories allowed in one robustness analysis (500 draws of 400 territories, about a second). */
const MAX_ROBUSTNESS_WORK = 200_000;

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

/** Regression terms of a fit: x itself, or x, x^2 (, x^3) for a polynomial. */
function termsOf(spec: Pick<TFitSpec, 'form' | 'degree' | 'x'>): string[] {
  if (spec.form !== 'polynomial') return spec.x;
  const x = spec.x[0]!;
  return Array.from({ length: spec.degree ?? 2 }, (_, k) => (k === 0 ? x : `${x}^${k + 1}`));
}

/** Fit a linear, power or polynomial model from a spec (see ZFitSpec); throws ValidationError naming fields. */
export function runFit(input: unknown): FitResult {
  const spec = parseSpec(ZFitSpec, input);
  const errors = new FieldCollector();
  const derivesTrend = spec.timeColumn !== undefined;
  if (spec.form === 'polynomial') {
    if (spec.degree === undefined) errors.add('degree', 'methods:spec.degreeNeeded');
    if (spec.x.length !== 1) errors.add('x', 'methods:spec.polynomialOneX');
  } else if (spec.degree !== undefined) {
    errors.add('degree', 'methods:spec.degreeOnlyPolynomial');
  }
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
  // A polynomial regresses on the powers of its one variable.
  const expand = (columns: number[][]) => (spec.form === 'polynomial' ? Array.from({ length: spec.degree! }, (_, k) => columns[0]!.map((v) => v ** (k + 1))) : columns);
  const columns = columnOf(inputs, time);
  if (usesTrend && positive && time!.some((p) => trendOf(p) <= 0)) errors.add('rows', 'indicators:spec.notPositive', { column: TREND });
  if (usesTrend && forecastTime?.some((p) => trendOf(p) <= 0)) errors.add('forecast', 'indicators:spec.forecastBeforeStart', { column: spec.timeColumn });
  errors.throwIfAny();

  let model;
  try {
    model = fitRegressionModel(spec.form === 'power' ? 'power' : 'linear', y, expand(columns));
  } catch (e) {
    if (e instanceof OlsError && e.reason === 'too_few_observations') {
      throw new ValidationError([{ path: 'rows', key: 'indicators:spec.tooFewRows', params: { min: termsOf(spec).length + 2 } }], 'indicators:spec.invalid');
    }
    if (e instanceof OlsError && e.reason === 'collinear') {
      throw new ValidationError([{ path: 'x', key: 'indicators:spec.collinear' }], 'indicators:spec.invalid');
    }
    throw e;
  }

  const terms = termsOf(spec);
  const names = ['intercept', ...terms];
  const byName = (values: number[]) => Object.fromEntries(names.map((n, k) => [n, values[k]!]));
  const result: FitResult = {
    form: spec.form,
    ...(spec.form === 'polynomial' ? { degree: spec.degree } : {}),
    n: model.n,
    y: spec.y,
    x: spec.x,
    terms,
    coefficients: Object.fromEntries(terms.map((n, k) => [n, model.coefficients[k]!])),
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
    const forecastColumns = expand(columnOf(forecastInputs, forecastTime));
    result.forecastLevel = FORECAST_LEVEL;
    result.forecast = spec.forecast.map((_, i) => {
      const point = forecastColumns.map((column) => column[i]!);
      const out: Record<string, number> = {};
      if (spec.timeColumn && forecastTime) out[spec.timeColumn] = forecastTime[i]!;
      readInputs.forEach((name, k) => (out[name] = forecastInputs[i]![k]!));
      if (usesTrend) out[TREND] = trendOf(forecastTime![i]!);
      // A power model's interval is built on the log scale and taken back with exp: it is not symmetric in levels.
      const power = spec.form === 'power';
      const pi = predictionInterval(model.ols, power ? point.map(Math.log) : point, FORECAST_LEVEL);
      const back = power ? Math.exp : (v: number) => v;
      return { ...out, y: back(pi.fit), lower: back(pi.lower), upper: back(pi.upper) };
    });
  }
  return result;
}

/**
 * Runs the steps of a scenario in order. Each step gets the scenario's forecast rows, in which an
 * input named like an earlier step's y is replaced by that step's point forecast. Each step's
 * interval is its own model's 95 % prediction interval at those inputs: the uncertainty of an
 * input forecast by an earlier step is not carried into it (the README says so).
 */
export function runScenario(input: unknown): ScenarioResult {
  const spec = parseSpec(ZScenarioSpec, input);
  const errors = new FieldCollector();
  spec.steps.forEach((step, k) => {
    if (spec.steps.findIndex((other) => other.y === step.y) !== k) errors.add(`steps.${k}.y`, 'methods:spec.scenarioDuplicateY', { column: step.y });
  });
  errors.throwIfAny();
  const produced = new Map<string, { step: number; values: number[] }>();
  const steps: ScenarioResult['steps'] = [];
  spec.steps.forEach((step, k) => {
    const fedBy: Record<string, number> = {};
    for (const name of step.x) {
      const earlier = produced.get(name);
      if (earlier) fedBy[name] = earlier.step;
    }
    const forecast = spec.forecast.map((row, i) => ({ ...row, ...Object.fromEntries(Object.keys(fedBy).map((name) => [name, produced.get(name)!.values[i]!])) }));
    let fit: FitResult;
    try {
      fit = runFit({ ...step, forecast });
    } catch (e) {
      if (e instanceof ValidationError) {
        throw new ValidationError(e.fields.map((f) => ({ ...f, path: f.path.startsWith('forecast') ? f.path : `steps.${k}${f.path ? `.${f.path}` : ''}` })), 'indicators:spec.invalid');
      }
      throw e;
    }
    produced.set(step.y, { step: k, values: fit.forecast!.map((f) => f.y) });
    steps.push({ y: step.y, fedBy, fit });
  });
  return {
    steps,
    forecast: spec.forecast.map((row, i) => ({
      inputs: row,
      values: Object.fromEntries(steps.map((s) => [s.y, { y: s.fit.forecast![i]!.y, lower: s.fit.forecast![i]!.lower, upper: s.fit.forecast![i]!.upper }])),
    })),
  };
}

/** Derived indicators over the rows (see src/math/deriveIndicators.ts for the formula language). */
export function runDerive(input: unknown): DeriveResult {
  const spec = parseSpec(ZDeriveSpec, input);
  let rows;
  try {
    rows = deriveIndicators(spec.rows, spec.derive);
  } catch (e) {
    if (e instanceof FormulaError) {
      throw new ValidationError([{ path: `derive.${e.index}.${e.field}`, key: `methods:formula.${e.problem}`, params: e.params }], 'indicators:spec.invalid');
    }
    throw e;
  }
  return {
    rows,
    derived: spec.derive.map((d) => ({ name: d.name, formula: d.formula, missing: rows.filter((r) => r[d.name] === null).length })),
  };
}

/** Partial indices, integral index, levels, ranks and, on request, rank robustness (see ZCompositeSpec). */
export function runComposite(input: unknown): CompositeResult {
  const spec: ParsedCompositeSpec = parseSpec(ZCompositeSpec, input);
  const errors = new FieldCollector();
  spec.indicators.forEach((ind, k) => {
    if (spec.indicators.findIndex((other) => other.name === ind.name) !== k) errors.add(`indicators.${k}.name`, 'indicators:spec.duplicate', { column: ind.name });
    if (ind.name === 'territory') errors.add(`indicators.${k}.name`, 'indicators:spec.reservedName', { column: ind.name });
  });
  if (spec.weights === 'entered' && spec.indicators.every((ind) => ind.weight === 0)) errors.add('indicators', 'indicators:spec.weightsZero');
  if (spec.aggregate === 'geometric' && spec.normalise === 'z-score') errors.add('aggregate', 'methods:spec.geometricZScore');
  if (spec.epsilon !== undefined && spec.zero !== 'epsilon') errors.add('epsilon', 'methods:spec.epsilonWithoutZero');
  // The draws rebuild the whole index each time: bound the work one request can ask for.
  if (spec.robustness && spec.robustness.draws * spec.rows.length > MAX_ROBUSTNESS_WORK) {
    errors.add('robustness.draws', 'methods:spec.robustnessTooLarge', { max: Math.floor(MAX_ROBUSTNESS_WORK / spec.rows.length), count: Math.floor(MAX_ROBUSTNESS_WORK / spec.rows.length) });
  }
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
      else if (spec.normalise === 'none' && spec.aggregate === 'geometric' && v < 0) errors.add(`rows.${i}.${ind.name}`, 'methods:spec.negativePartial', { column: ind.name });
      return v ?? NaN;
    }),
  );
  errors.throwIfAny();

  const epsilon = spec.zero === 'epsilon' ? (spec.epsilon ?? DEFAULT_EPSILON) : undefined;
  const weights = spec.indicators.map((ind) => (spec.weights === 'equal' ? 1 : ind.weight));
  const config: CompositeConfig = {
    normalise: spec.normalise,
    aggregate: spec.aggregate,
    zero: spec.zero,
    epsilon: epsilon ?? DEFAULT_EPSILON,
    directions: spec.indicators.map((ind) => ind.direction),
    weights,
  };
  const built = compositeIndex(raw, config);
  const values = built.integral;
  const ranks = rankDescending(values);
  const k = spec.levelCount;
  const levels =
    spec.levels === 'kmeans' ? kmeans1d(values, k, { seed: spec.seed }) : spec.levels === 'rank' ? rankLevels(values, ranks, k) : equalIntervalLevels(values, k, spec.intervalScale);
  const robustness = spec.robustness ? rankRobustness(raw, config, spec.robustness) : undefined;
  const nameOf = (positions: number[]) => positions.map((p) => spec.indicators[p]!.name);
  return {
    normalise: spec.normalise,
    weights: spec.weights,
    aggregate: spec.aggregate,
    zero: spec.zero,
    ...(epsilon !== undefined ? { epsilon } : {}),
    levels: spec.levels,
    levelCount: k,
    indicators: spec.indicators.map((ind, j) => ({ ...ind, weight: weights[j]!, ...built.scales[j]! })),
    territories: territories.map((territory, i) => ({
      territory,
      partial: Object.fromEntries(spec.indicators.map((ind, j) => [ind.name, built.partial[j]![i]!])),
      integral: values[i]!,
      level: levels.levels[i]!,
      rank: ranks[i]!,
      ...(built.zeroAt[i]!.length ? { zeroPartials: nameOf(built.zeroAt[i]!) } : {}),
      ...(built.epsilonAt[i]!.length ? { epsilonPartials: nameOf(built.epsilonAt[i]!) } : {}),
      ...(robustness
        ? { medianRank: robustness.territories[i]!.medianRank, rankInterval: [robustness.territories[i]!.lower, robustness.territories[i]!.upper] as [number, number] }
        : {}),
    })),
    levelBounds: levels.bounds,
    geometricZeros: built.zeroAt.filter((z) => z.length > 0).length,
    ...(spec.levels === 'kmeans' ? { seed: spec.seed } : {}),
    ...(robustness
      ? {
          robustness: {
            draws: robustness.draws,
            seed: robustness.seed,
            weightSpread: robustness.weightSpread,
            alternatives: robustness.alternatives.map((a) => ({
              change: a.change,
              value: a.change === 'leave-out' ? spec.indicators[a.value as number]!.name : String(a.value),
              ranks: Object.fromEntries(territories.map((t, i) => [t, a.ranks[i]!])),
            })),
          },
        }
      : {}),
  };
}

/** Every public model runner by the name the API (`POST /api/v1/models/<name>`) and the CLI (`models <name>`) use. */
export const MODEL_RUNNERS = { fit: runFit, composite: runComposite, derive: runDerive, scenario: runScenario } as const;
export type ModelCommand = keyof typeof MODEL_RUNNERS;
