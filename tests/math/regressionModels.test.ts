import { describe, expect, it } from 'vitest';
import table17 from '../../seeds/domain/reference-data/east-kz-innovation-activity-2010-2020.json';
import { fitRegressionModel, NonPositiveValueError, predict } from '../../src/math/regressionModels';

describe('power model: published table 17 (seed dissertation on SME innovation)', () => {
  const rows = table17.rows;
  const y = rows.map((r) => r.INact);
  // Trend t = 1 for the first year (2010).
  const columns = [rows.map((r) => r.dZin), rows.map((r) => r.Nsb), rows.map((r) => r.year - 2009)];
  const model = fitRegressionModel('power', y, columns);

  it('reproduces INact = A dZin^0.355 Nsb^1.931 t^0.265 (exponents within 0.001)', () => {
    expect(Math.abs(model.coefficients[0]! - 0.355)).toBeLessThan(0.001);
    expect(Math.abs(model.coefficients[1]! - 1.931)).toBeLessThan(0.001);
    expect(Math.abs(model.coefficients[2]! - 0.265)).toBeLessThan(0.001);
  });

  it('reproduces ln A = -6.915 (within 0.01) and A = exp(ln A)', () => {
    expect(Math.abs(model.intercept - -6.915)).toBeLessThan(0.01);
    expect(Math.abs(model.A! - Math.exp(model.intercept))).toBeLessThan(1e-15);
  });

  it('reproduces R = 0.876 as the correlation of observed and fitted INact in levels (within 0.001)', () => {
    expect(Math.abs(model.r - 0.876)).toBeLessThan(0.001);
    // R^2 is that of the log regression, which is not R squared.
    expect(Math.abs(model.r2 - model.r ** 2)).toBeGreaterThan(1e-3);
  });

  it('fitted values are the model evaluated at the data, and forecasts use the same formula', () => {
    rows.forEach((r, i) => {
      expect(Math.abs(predict(model, [r.dZin, r.Nsb, r.year - 2009]) - model.fitted[i]!)).toBeLessThan(1e-9);
    });
    const f2025 = predict(model, [2.4, 97.6, 16]);
    const byHand = model.A! * 2.4 ** model.coefficients[0]! * 97.6 ** model.coefficients[1]! * 16 ** model.coefficients[2]!;
    expect(Math.abs(f2025 - byHand)).toBeLessThan(1e-9);
  });

  it('refuses non-positive values, naming the variable', () => {
    try {
      fitRegressionModel('power', y, [columns[0]!.map((v, i) => (i === 3 ? 0 : v))]);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(NonPositiveValueError);
      expect((e as NonPositiveValueError).variable).toBe(0);
      expect((e as NonPositiveValueError).observation).toBe(3);
    }
  });
});

describe('linear model', () => {
  it('on an exact linear relation recovers the coefficients and R = 1 (hand-made data)', () => {
    const x1 = [1, 2, 3, 4, 5, 6];
    const x2 = [2, 1, 4, 3, 6, 5];
    const y = x1.map((v, i) => 3 + 2 * v - 0.5 * x2[i]!);
    const m = fitRegressionModel('linear', y, [x1, x2]);
    expect(Math.abs(m.intercept - 3)).toBeLessThan(1e-9);
    expect(Math.abs(m.coefficients[0]! - 2)).toBeLessThan(1e-9);
    expect(Math.abs(m.coefficients[1]! + 0.5)).toBeLessThan(1e-9);
    expect(Math.abs(m.r - 1)).toBeLessThan(1e-12);
    expect(m.A).toBeUndefined();
    expect(Math.abs(predict(m, [10, 4]) - 21)).toBeLessThan(1e-9);
  });

  it('R equals sqrt(R^2) for a linear model with an intercept (table 17 data, 1e-12)', () => {
    const rows = table17.rows;
    const m = fitRegressionModel('linear', rows.map((r) => r.INact), [rows.map((r) => r.dZin), rows.map((r) => r.Nsb)]);
    expect(Math.abs(m.r - Math.sqrt(m.r2))).toBeLessThan(1e-12);
  });
});
