import { describe, expect, it } from 'vitest';
import kz from '../../seeds/domain/reference-data/kz-innovation-intensity-2013-2018.json';
import { balassaRca } from '../../src/math/balassaRca';
import { averageGrowthRate, averageVolume, complexCoefficient, growthVolumeAnalysis, growthVolumeIndex } from '../../src/math/growthVolumeIndex';
import { innovationActivityLevel } from '../../src/math/innovationActivityLevel';
import { rankDescending } from '../../src/math/rankDescending';
import { roundHalfUp } from '../../src/math/roundHalfUp';
import { smeActivityCoefficient } from '../../src/math/smeActivityCoefficient';

describe('Balassa RCA', () => {
  it('reproduces the published example (0.00146/0.00296)/(13.92/17.59) = 0.62 within 0.005', () => {
    const rca = balassaRca(0.00146, 0.00296, 13.92, 17.59);
    expect(Math.abs(rca - 0.62)).toBeLessThan(0.005);
    expect(rca).toBeLessThan(1);
  });
  it('rejects zero denominators', () => {
    expect(() => balassaRca(1, 0, 1, 1)).toThrow(RangeError);
  });
});

describe('growth-and-volume index', () => {
  it('I = 0.5 It + 0.5 Io on the published partial indices of table 38 (hand-computed, 1e-12)', () => {
    const { It, Io } = kz.partialIndices;
    expect(Math.abs(growthVolumeIndex(It.X1, Io.X1) - 0.5735)).toBeLessThan(1e-12);
    expect(Math.abs(growthVolumeIndex(It.X4, Io.X4) - 0.3185)).toBeLessThan(1e-12);
  });

  it('the complex coefficient is the mean of the indicators I (published partial indices, hand-computed 0.52085)', () => {
    const { It, Io } = kz.partialIndices;
    const names = Object.keys(It) as Array<keyof typeof It>;
    const i = names.map((n) => growthVolumeIndex(It[n], Io[n]));
    // Sum of It = 5.396, sum of Io = 4.817; (5.396 + 4.817) / 2 / 10 = 0.51065
    expect(Math.abs(complexCoefficient(i) - 0.51065)).toBeLessThan(1e-9);
  });

  it('average growth rate is the geometric mean of the chain indices (hand-computed)', () => {
    expect(Math.abs(averageGrowthRate([100, 110, 121]) - 1.1)).toBeLessThan(1e-12);
    expect(Math.abs(averageVolume([100, 110, 121]) - 110.333333333333)).toBeLessThan(1e-9);
    // Kazakhstan X1, 2013-2018: (1179220.0 / 578263.1)^(1/5) = 1.153171
    expect(Math.abs(averageGrowthRate(kz.rows.map((r) => r.X1)) - 1.153171)).toBeLessThan(1e-6);
  });

  it('min-max scales growth and volume across territories and averages them', () => {
    const r = growthVolumeAnalysis(3, [
      { name: 'A', direction: 'stimulant', series: [[100, 121], [100, 100], [50, 55]] },
    ]);
    // growth: 1.21, 1.0, 1.1 -> It 1, 0, 0.476190; volume: 110.5, 100, 52.5 -> Io 1, 0.818966, 0
    const t = r.territories;
    expect(t[0]!.perIndicator.A!.i).toBeCloseTo(1, 12);
    expect(Math.abs(t[1]!.perIndicator.A!.i - 0.5 * (47.5 / 58))).toBeLessThan(1e-12);
    expect(Math.abs(t[2]!.perIndicator.A!.i - 0.5 * (0.1 / 0.21))).toBeLessThan(1e-12);
    expect(t[2]!.complexCoefficient).toBe(t[2]!.perIndicator.A!.i);
  });
});

describe('SME activity coefficient Ka', () => {
  it('is the mean of the shares with the published bands (hand-computed)', () => {
    const r = smeActivityCoefficient([0.3, 0.9, 0.25, 0.45]);
    expect(Math.abs(r.ka - 0.475)).toBeLessThan(1e-12);
    expect(r.band).toBe('stable');
    expect(smeActivityCoefficient([0.1, 0.2, 0.3, 0.5]).band).toBe('weak');
    expect(smeActivityCoefficient([0.6, 0.7]).band).toBe('active');
    expect(smeActivityCoefficient([0.4]).band).toBe('stable');
    expect(smeActivityCoefficient([0.6]).band).toBe('stable');
  });
  it('refuses percentages', () => {
    expect(() => smeActivityCoefficient([35, 40])).toThrow(RangeError);
  });
});

describe('Lact', () => {
  it('innovating / active * 100 (hand-computed)', () => {
    expect(Math.abs(innovationActivityLevel(129, 1000) - 12.9)).toBeLessThan(1e-12);
    expect(innovationActivityLevel(0, 5)).toBe(0);
    expect(() => innovationActivityLevel(3, 0)).toThrow(RangeError);
    expect(() => innovationActivityLevel(6, 5)).toThrow(RangeError);
  });
});

describe('rankDescending', () => {
  it('uses competition ranking with ties sharing the best rank', () => {
    expect(rankDescending([0.3, 0.9, 0.3, 0.1])).toEqual([2, 1, 2, 4]);
  });
});

describe('published check: the growth-and-volume complex coefficient both ways (issue 17)', () => {
  // Source: seed dissertation on depressed districts, tables 36-38, reference-data/kz-innovation-intensity-2013-2018.json
  // (It and Io per indicator, printed to 3 decimals; the file has no I row, so the printed row is I rounded to 3 decimals).
  const { It, Io } = kz.partialIndices;
  const names = Object.keys(It) as Array<keyof typeof It>;

  it('built from It and Io: 0.5 mean(It) + 0.5 mean(Io) = 0.51065 (hand-computed: (5.396 + 4.817) / 20), tolerance 1e-12', () => {
    const mean = (v: number[]) => v.reduce((s, x) => s + x, 0) / v.length;
    const built = 0.5 * mean(names.map((n) => It[n])) + 0.5 * mean(names.map((n) => Io[n]));
    expect(Math.abs(built - 0.51065)).toBeLessThan(1e-12);
    expect(Math.abs(complexCoefficient(names.map((n) => growthVolumeIndex(It[n], Io[n]))) - built)).toBeLessThan(1e-12);
  });

  it('as the mean of the I row printed to 3 decimals: 0.511, higher by 0.00035 because 7 of 10 values of I end in 5 and round up', () => {
    const printed = names.map((n) => roundHalfUp(growthVolumeIndex(It[n], Io[n]), 3));
    // I = 0.5735 0.5335 0.5105 0.3185 0.5025 0.451 0.4745 0.518 0.645 0.5795 -> printed 0.574 0.534 0.511 0.319 0.503 0.451 0.475 0.518 0.645 0.580
    expect(printed).toEqual([0.574, 0.534, 0.511, 0.319, 0.503, 0.451, 0.475, 0.518, 0.645, 0.58]);
    const fromPrinted = complexCoefficient(printed);
    expect(Math.abs(fromPrinted - 0.511)).toBeLessThan(1e-12);
    expect(Math.abs(fromPrinted - 0.51065 - 7 * 0.0005 / 10)).toBeLessThan(1e-12);
  });

  it('roundHalfUp rounds the decimal value as written, which toFixed does not', () => {
    expect((0.5335).toFixed(3)).toBe('0.533');
    expect(Math.round(0.5105 * 1000) / 1000).toBe(0.51);
    expect(roundHalfUp(0.5335, 3)).toBe(0.534);
    expect(roundHalfUp(0.5105, 3)).toBe(0.511);
    expect(roundHalfUp(-0.0005, 3)).toBe(-0.001);
    expect(roundHalfUp(1.2, 0)).toBe(1);
  });
});
