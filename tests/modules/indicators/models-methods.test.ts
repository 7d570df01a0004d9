import { describe, expect, it } from 'vitest';
import table17 from '../../../seeds/domain/reference-data/east-kz-innovation-activity-2010-2020.json';
import table18 from '../../../seeds/domain/reference-data/east-kz-socioeconomic-2010-2020.json';
import table45 from '../../../seeds/domain/reference-data/east-kz-innovation-partial-indices-2020.json';
import { ValidationError } from '../../../src/errors';
import { runComposite, runDerive, runFit, runScenario } from '../../../src/modules/indicators/models.spec';

/** Field paths of the ValidationError a runner throws. */
function paths(run: () => unknown): string[] {
  try {
    run();
  } catch (e) {
    if (e instanceof ValidationError) return e.fields.map((f) => f.path);
    throw e;
  }
  throw new Error('no ValidationError');
}

/** Tables 17 and 18 joined by year (both East Kazakhstan region, 2010-2020). */
const joined = table17.rows.map((r) => ({ ...r, ...table18.rows.find((s) => s.year === r.year)! }));

// Interval bounds carry jStat's t quantile error (about 4e-9 relative): tolerance 1e-6 relative.
const close = (a: number, b: number) => expect(Math.abs(a - b) / Math.max(1, Math.abs(b))).toBeLessThan(1e-6);

describe('fit: polynomial trends and prediction intervals (reference: R 4.x lm/predict, printed to 15 digits)', () => {
  it('cubic trend of INact (table 17) on t: coefficients, R^2 and the 95% prediction interval for 2021 and 2025', () => {
    // R: d <- data.frame(t = 1:11, y = table17$INact); m <- lm(y ~ t + I(t^2) + I(t^3), d)
    //    coef: 11.362121212121199 -4.9646270396270458 1.2557109557109578 -0.0720862470862472; R^2 0.922971367937815
    //    predict(m, data.frame(t = c(12, 16)), interval = "prediction")
    const r = runFit({ form: 'polynomial', degree: 3, y: 'INact', x: ['t'], timeColumn: 'year', rows: table17.rows, forecast: [{ year: 2021 }, { year: 2025 }] });
    expect(r.terms).toEqual(['t', 't^2', 't^3']);
    close(r.intercept, 11.362121212121199);
    close(r.coefficients.t!, -4.9646270396270458);
    close(r.coefficients['t^2']!, 1.2557109557109578);
    close(r.coefficients['t^3']!, -0.0720862470862472);
    close(r.r2, 0.922971367937815);
    close(r.r!, Math.sqrt(0.922971367937815));
    expect(r.forecastLevel).toBe(0.95);
    const [f2021, f2025] = r.forecast!;
    expect(f2021!.t).toBe(12);
    close(f2021!.y, 8.04393939393937);
    close(f2021!.lower, 1.57965109836643);
    close(f2021!.upper, 14.50822768951231);
    close(f2025!.y, -41.87517482517501);
    close(f2025!.lower, -76.81135464853432);
    close(f2025!.upper, -6.93899500181569);
  });

  it('quadratic in a regressor that is not the trend (R women data set: weight ~ height + height^2)', () => {
    const women = [58, 59, 60, 61, 62, 63, 64, 65, 66, 67, 68, 69, 70, 71, 72].map((height, i) => ({ height, weight: [115, 117, 120, 123, 126, 129, 132, 135, 139, 142, 146, 150, 154, 159, 164][i]! }));
    // R: m <- lm(weight ~ poly(height, 2, raw = TRUE), women); R^2 0.999473652633009;
    //    predict(m, data.frame(height = c(75, 80)), interval = "prediction")
    const r = runFit({ form: 'polynomial', degree: 2, y: 'weight', x: ['height'], rows: women, forecast: [{ height: 75 }, { height: 80 }] });
    close(r.r2, 0.999473652633009);
    close(r.forecast![0]!.y, 177.989204912734);
    close(r.forecast![0]!.lower, 176.533224643685);
    close(r.forecast![1]!.upper, 208.54387163804);
  });

  it('power model: the interval is built on logs and taken back with exp (R: exp(predict(lm(log(INact) ~ log(dZin) + log(Nsb) + log(t)))))', () => {
    const r = runFit({ form: 'power', y: 'INact', x: ['dZin', 'Nsb', 't'], timeColumn: 'year', rows: table17.rows, forecast: [{ year: 2025, dZin: 2.4, Nsb: 97.6 }] });
    const f = r.forecast![0]!;
    close(f.y, 19.5946654644793);
    close(f.lower, 10.6338027214842);
    close(f.upper, 36.1066426302166);
    expect(f.upper - f.y).toBeGreaterThan(f.y - f.lower); // asymmetric in levels
  });

  it('bad polynomial specs name the field', () => {
    const rows = table17.rows;
    expect(paths(() => runFit({ form: 'polynomial', y: 'INact', x: ['t'], timeColumn: 'year', rows }))).toEqual(['degree']);
    expect(paths(() => runFit({ form: 'polynomial', degree: 4, y: 'INact', x: ['t'], timeColumn: 'year', rows }))).toEqual(['degree']);
    expect(paths(() => runFit({ form: 'polynomial', degree: 2, y: 'INact', x: ['t', 'Nsb'], timeColumn: 'year', rows }))).toEqual(['x']);
    expect(paths(() => runFit({ form: 'linear', degree: 2, y: 'INact', x: ['t'], timeColumn: 'year', rows }))).toEqual(['degree']);
  });
});

describe('scenario: the sources chain the trends of Nsb and PTsb into the model of VRP', () => {
  const spec = {
    steps: [
      { form: 'linear', y: 'Nsb', x: ['t'], timeColumn: 'year', rows: joined },
      { form: 'linear', y: 'PTsb', x: ['t'], timeColumn: 'year', rows: joined },
      { form: 'linear', y: 'VRP', x: ['Nsb', 'PTsb'], rows: joined },
    ],
    forecast: [{ year: 2021 }, { year: 2025 }],
  };

  it('feeds each earlier forecast into the later step and reports every step with its interval', () => {
    const r = runScenario(spec);
    expect(r.steps.map((s) => s.y)).toEqual(['Nsb', 'PTsb', 'VRP']);
    expect(r.steps[2]!.fedBy).toEqual({ Nsb: 0, PTsb: 1 });
    const nsb2025 = r.steps[0]!.fit.forecast![1]!.y;
    const pt2025 = r.steps[1]!.fit.forecast![1]!.y;
    // The VRP step sees exactly those inputs, and its forecast is its own equation at them.
    const vrp = r.steps[2]!.fit;
    expect(vrp.forecast![1]!.Nsb).toBe(nsb2025);
    expect(vrp.forecast![1]!.PTsb).toBe(pt2025);
    expect(Math.abs(vrp.forecast![1]!.y - (vrp.intercept + vrp.coefficients.Nsb! * nsb2025 + vrp.coefficients.PTsb! * pt2025))).toBeLessThan(1e-9);
    // Standalone fits give the same equations.
    const alone = runFit({ ...spec.steps[2], forecast: [{ Nsb: nsb2025, PTsb: pt2025 }] });
    expect(alone.forecast![0]!.lower).toBeCloseTo(vrp.forecast![1]!.lower, 9);
    expect(r.forecast[1]!.values.VRP!.upper).toBe(vrp.forecast![1]!.upper);
    for (const s of r.steps) for (const f of s.fit.forecast!) expect(f.lower).toBeLessThan(f.upper);
  });

  it("an input that is neither in the forecast rows nor produced earlier is named; a step's own field gets its step prefix", () => {
    expect(paths(() => runScenario({ ...spec, steps: [spec.steps[2]!] }))).toEqual(['forecast.0.Nsb', 'forecast.0.PTsb', 'forecast.1.Nsb', 'forecast.1.PTsb']);
    expect(paths(() => runScenario({ ...spec, steps: [spec.steps[0]!, { ...spec.steps[1]!, form: 'cubic' }] }))).toEqual(['steps.1.form']);
    expect(paths(() => runScenario({ ...spec, steps: [spec.steps[0]!, { ...spec.steps[1]!, rows: joined.map((r, i) => (i === 2 ? { ...r, PTsb: 'x' } : r)) }] }))).toEqual(['steps.1.rows.2.PTsb']);
    expect(paths(() => runScenario({ ...spec, steps: [spec.steps[0]!, spec.steps[0]!] }))).toEqual(['steps.1.y']);
  });
});

describe('derive and composite options: bad specs name the field', () => {
  it('derive', () => {
    const rows = [{ territory: 'A', year: 2020, active: 120, innovating: 15 }];
    expect(runDerive({ rows, derive: [{ name: 'Lact', formula: 'innovating / active * 100' }] })).toEqual({
      rows: [{ territory: 'A', year: 2020, active: 120, innovating: 15, Lact: 12.5 }],
      derived: [{ name: 'Lact', formula: 'innovating / active * 100', missing: 0 }],
    });
    expect(paths(() => runDerive({ rows, derive: [{ name: 'ok', formula: '1' }, { name: 'bad', formula: 'process.exit(1)' }] }))).toEqual(['derive.1.formula']);
    expect(paths(() => runDerive({ rows, derive: [{ name: 'active', formula: '1' }] }))).toEqual(['derive.0.name']);
    expect(paths(() => runDerive({ rows, derive: [] }))).toEqual(['derive']);
  });

  it('composite', () => {
    const rows = table45.rows.map(({ en, IT, IO, ITO, ITP, IPO, IPP }) => ({ territory: en, IT, IO, ITO, ITP, IPO, IPP }));
    const indicators = ['IT', 'IO', 'ITO', 'ITP', 'IPO', 'IPP'].map((name) => ({ name, direction: 'stimulant' }));
    expect(paths(() => runComposite({ rows, indicators, normalise: 'z-score', aggregate: 'geometric' }))).toEqual(['aggregate']);
    expect(paths(() => runComposite({ rows, indicators, epsilon: 0.01 }))).toEqual(['epsilon']);
    expect(paths(() => runComposite({ rows, indicators, levelCount: 1 }))).toEqual(['levelCount']);
    expect(paths(() => runComposite({ rows, indicators, robustness: { draws: 3 } }))).toEqual(['robustness.draws']);
    expect(paths(() => runComposite({ rows: rows.map((r, i) => (i === 1 ? { ...r, IO: -0.1 } : r)), indicators, normalise: 'none', aggregate: 'geometric' }))).toEqual(['rows.1.IO']);
    expect(paths(() => runComposite({ rows, indicators, normalise: 'rank' }))).toEqual(['normalise']);

    const r = runComposite({ rows, indicators, normalise: 'none', aggregate: 'geometric', zero: 'epsilon', levels: 'rank', levelCount: 4, weights: 'equal', robustness: { draws: 100, seed: 3 } });
    expect(r.epsilon).toBe(0.001);
    expect(r.levelCount).toBe(4);
    expect(new Set(r.territories.map((t) => t.level))).toEqual(new Set([1, 2, 3, 4]));
    const ridder = r.territories.find((t) => t.territory === 'Ridder city')!;
    expect(ridder.epsilonPartials).toEqual(['ITO', 'ITP']);
    expect(ridder.integral).toBeGreaterThan(0);
    expect(r.robustness!.alternatives.find((a) => a.change === 'leave-out' && a.value === 'IT')).toBeDefined();
    for (const t of r.territories) expect(t.rankInterval![0]).toBeLessThanOrEqual(t.medianRank!);
  });
});

describe('README examples', () => {
  it('every JSON example of the model specs runs (fit, composite, derive, scenario, in that order)', async () => {
    const fs = await import('node:fs');
    const path = await import('node:path');
    const readme = fs.readFileSync(path.resolve(__dirname, '../../../README.md'), 'utf8');
    // The README's other JSON examples (the questionnaire exchange format) carry a questionnaire code and title.
    const blocks = [...readme.matchAll(/```json\n([\s\S]*?)```/g)].map((m) => JSON.parse(m[1]!)).filter((b) => !('title' in b && 'code' in b));
    expect(blocks).toHaveLength(4);
    expect(runFit(blocks[0]).forecast![0]!.upper).toBeGreaterThan(runFit(blocks[0]).forecast![0]!.lower);
    expect(runComposite(blocks[1]).territories.find((t) => t.territory === 'B')!.epsilonPartials).toEqual(['IT']);
    expect(runDerive(blocks[2]).rows[1]!.LactGrowth).toBeCloseTo(25, 9);
    expect(runScenario(blocks[3]).steps[1]!.fedBy).toEqual({ Nsb: 0 });
  });
});

describe('robustness bounds', () => {
  it('refuses more draws than the work bound allows for the number of territories, naming robustness.draws', () => {
    const rows = Array.from({ length: 500 }, (_, i) => ({ territory: `T${i}`, a: i, b: (i * 7) % 13 }));
    const indicators = [{ name: 'a', direction: 'stimulant' }, { name: 'b', direction: 'stimulant' }];
    expect(paths(() => runComposite({ rows, indicators, robustness: { draws: 500 } }))).toEqual(['robustness.draws']);
    expect(runComposite({ rows, indicators, robustness: { draws: 400 } }).robustness!.draws).toBe(400);
  });
});
