import { balassaRca } from '../../math/balassaRca';
import { complexCoefficient, growthVolumeAnalysis, growthVolumeIndex } from '../../math/growthVolumeIndex';
import { innovationActivityLevel } from '../../math/innovationActivityLevel';
import { smeActivityCoefficient } from '../../math/smeActivityCoefficient';
import { roundHalfUp } from '../../math/roundHalfUp';
import type { TerritoryRecord } from '../territories/territories.schemas';
import type { IndicatorsService } from './indicators.service';

/**
 * The small calculators of the indicators page: Ka from four shares, Balassa's RCA, Lact from
 * counts, the growth-and-volume index from series in the value table, and I with the complex
 * coefficient from published It/Io pairs. Inputs come from a GET form; nothing is stored.
 */
type Query = Record<string, unknown>;

const text = (q: Query, key: string): string => (typeof q[key] === 'string' ? (q[key] as string).trim() : '');
const list = (q: Query, key: string): string[] => ([] as unknown[]).concat(q[key] ?? []).filter((v): v is string => typeof v === 'string');

function numberOf(raw: string): number | undefined {
  if (raw === '') return undefined;
  const v = Number(raw.replace(/\s/g, '').replace(',', '.'));
  return Number.isFinite(v) ? v : NaN;
}

export interface CalculatorOutcome<T> {
  value?: T;
  errorKey?: string;
}

function attempt<T>(fn: () => T, errorKey: string): CalculatorOutcome<T> {
  try {
    return { value: fn() };
  } catch {
    return { errorKey };
  }
}

export async function calculatorResults(
  service: IndicatorsService,
  q: Query,
  names: { byId: Map<number, TerritoryRecord>; name: (t: TerritoryRecord) => string },
) {
  const out: {
    ka?: CalculatorOutcome<{ ka: number; band: string }>;
    rca?: CalculatorOutcome<number>;
    lact?: CalculatorOutcome<number>;
    growth?: CalculatorOutcome<{
      indicators: Array<{ id: number; code: string; name: string }>;
      periods: string[];
      rows: Array<{ territory: string; perIndicator: Record<string, { growthRate: number; volume: number; it: number; io: number; i: number }>; complexCoefficient: number }>;
      excluded: string[];
    }>;
    published: Array<{ dataset: string; territory: string; period: string; rows: Array<{ code: string; it: number; io: number; i: number; iPrinted: number }>; complex: number; complexFromPrinted: number }>;
  } = { published: [] };

  if (q.calc === 'ka') {
    const shares = ['ka1', 'ka2', 'ka3', 'ka4'].map((k) => numberOf(text(q, k))).filter((v): v is number => v !== undefined);
    out.ka = shares.length === 0 ? { errorKey: 'indicators:calculators.kaMissing' } : attempt(() => smeActivityCoefficient(shares), 'indicators:calculators.kaInvalid');
  }
  if (q.calc === 'rca') {
    const v = ['rca_x', 'rca_X', 'rca_wx', 'rca_W'].map((k) => numberOf(text(q, k)));
    out.rca = v.some((x) => x === undefined) ? { errorKey: 'indicators:calculators.rcaMissing' } : attempt(() => balassaRca(v[0]!, v[1]!, v[2]!, v[3]!), 'indicators:calculators.rcaInvalid');
  }
  if (q.calc === 'lact') {
    const innovating = numberOf(text(q, 'lact_innovating'));
    const active = numberOf(text(q, 'lact_active'));
    out.lact =
      innovating === undefined || active === undefined
        ? { errorKey: 'indicators:calculators.lactMissing' }
        : attempt(() => innovationActivityLevel(innovating, active), 'indicators:calculators.lactInvalid');
  }
  if (q.calc === 'growth') {
    out.growth = await growthFromTable(service, q, names);
  }

  // Published It/Io pairs (tables 36-38): I = 0.5 It + 0.5 Io and their mean, per territory and period.
  const indicators = await service.listIndicators();
  const pairs = indicators.filter((i) => i.code.startsWith('It.')).flatMap((it) => {
    const io = indicators.find((o) => o.datasetId === it.datasetId && o.code === `Io.${it.code.slice(3)}`);
    return io ? [{ it, io, code: it.code.slice(3) }] : [];
  });
  if (pairs.length) {
    const values = await service.repo.values({ indicatorIds: pairs.flatMap((p) => [p.it.id, p.io.id]) });
    const groups = new Map<string, { dataset: string; territoryId: number; period: string; rows: Array<{ code: string; it: number; io: number; i: number; iPrinted: number }> }>();
    for (const p of pairs) {
      for (const itValue of values.filter((v) => v.indicatorId === p.it.id)) {
        const ioValue = values.find((v) => v.indicatorId === p.io.id && v.territoryId === itValue.territoryId && v.period === itValue.period);
        if (!ioValue) continue;
        const key = `${p.it.datasetId}|${itValue.territoryId}|${itValue.period}`;
        const g = groups.get(key) ?? { dataset: p.it.datasetName, territoryId: itValue.territoryId, period: itValue.period, rows: [] };
        const i = growthVolumeIndex(itValue.value, ioValue.value);
        g.rows.push({ code: p.code, it: itValue.value, io: ioValue.value, i, iPrinted: roundHalfUp(i, 3) });
        groups.set(key, g);
      }
    }
    out.published = [...groups.values()].map((g) => ({
      dataset: g.dataset,
      territory: names.byId.get(g.territoryId) ? names.name(names.byId.get(g.territoryId)!) : String(g.territoryId),
      period: g.period,
      rows: g.rows,
      // Two ways the sources get the complex coefficient: from It and Io, and as the mean of the I row as printed (3 decimals).
      complex: complexCoefficient(g.rows.map((r) => r.i)),
      complexFromPrinted: complexCoefficient(g.rows.map((r) => r.iPrinted)),
    }));
  }
  return out;
}

async function growthFromTable(
  service: IndicatorsService,
  q: Query,
  names: { byId: Map<number, TerritoryRecord>; name: (t: TerritoryRecord) => string },
): Promise<NonNullable<Awaited<ReturnType<typeof calculatorResults>>['growth']>> {
  const ids = [...new Set(list(q, 'gv_indicators').map(Number).filter((n) => Number.isInteger(n) && n > 0))];
  const territoryIds = [...new Set(list(q, 'gv_territories').map(Number).filter((n) => Number.isInteger(n) && n > 0))];
  if (ids.length === 0 || territoryIds.length === 0) return { errorKey: 'indicators:calculators.growthChoose' };
  const indicators = (await service.listIndicators()).filter((i) => ids.includes(i.id));
  const from = text(q, 'gv_from');
  const to = text(q, 'gv_to');
  const values = (await service.repo.values({ indicatorIds: ids, territoryIds })).filter((v) => (!from || v.period >= from) && (!to || v.period <= to));
  const periods = [...new Set(values.map((v) => v.period))].sort();
  if (periods.length < 2) return { errorKey: 'indicators:calculators.growthPeriods' };
  const complete = territoryIds.filter((tid) => indicators.every((ind) => periods.every((p) => values.some((v) => v.indicatorId === ind.id && v.territoryId === tid && v.period === p))));
  const label = (tid: number) => (names.byId.get(tid) ? names.name(names.byId.get(tid)!) : String(tid));
  const excluded = territoryIds.filter((tid) => !complete.includes(tid)).map(label);
  if (complete.length === 0) return { errorKey: 'indicators:calculators.growthNoData' };
  const series = (indId: number, tid: number) => periods.map((p) => values.find((v) => v.indicatorId === indId && v.territoryId === tid && v.period === p)!.value);
  return attempt(() => {
    const analysis = growthVolumeAnalysis(
      complete.length,
      indicators.map((ind) => ({ name: ind.code, direction: ind.direction, series: complete.map((tid) => series(ind.id, tid)) })),
    );
    return {
      indicators: indicators.map((i) => ({ id: i.id, code: i.code, name: i.name_en })),
      periods,
      rows: analysis.territories.map((r) => ({ territory: label(complete[r.index]!), perIndicator: r.perIndicator, complexCoefficient: r.complexCoefficient })),
      excluded,
    };
  }, 'indicators:calculators.growthInvalid');
}
