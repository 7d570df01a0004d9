import type { TFunction } from 'i18next';
import type { Language } from '../../i18n';
import { formatChartNumber, renderSvgChart } from '../../lib/charts';
import { fiveNumberSummary } from '../../math/quantile-type7';
import type { PestGroupResult } from '../../math/pest';
import type { SwotResult } from '../../math/swot';
import type { AgreementRound } from './experts.service';

/**
 * Server-rendered SVG charts of the experts module (ECharts SSR via renderSvgChart). Every
 * chart carries a title and a text alternative with its key numbers, and renders for
 * zero, one and many data points.
 */

const fmt = (v: number | null | undefined, lang: Language, digits = 2) => (v === null || v === undefined ? '—' : formatChartNumber(v, lang, digits, digits));

/** The SWOT square: x = S - W, y = O - T, the four TOWS quadrants labelled, the position point. */
export function swotSquareChart(result: SwotResult, t: TFunction, lang: Language): string {
  const extent = Math.max(0.5, Math.ceil(Math.max(Math.abs(result.x), Math.abs(result.y)) * 1.25 * 2) / 2);
  const label = (text: string, left: string, top: string) => ({ type: 'text' as const, left, top, style: { text, fontSize: 13, fill: '#4a4a4a' } });
  return renderSvgChart(
    {
      grid: { left: 56, right: 24, top: 24, bottom: 48 },
      xAxis: { type: 'value', min: -extent, max: extent, interval: extent / 2, name: t('experts:swot.axisX'), nameLocation: 'middle', nameGap: 28, splitLine: { show: false } },
      yAxis: { type: 'value', min: -extent, max: extent, interval: extent / 2, name: t('experts:swot.axisY'), nameLocation: 'middle', nameGap: 40, splitLine: { show: false } },
      graphic: [
        label(`SO · ${t('experts:tows.SO')}`, '62%', '8%'),
        label(`WO · ${t('experts:tows.WO')}`, '14%', '8%'),
        label(`ST · ${t('experts:tows.ST')}`, '62%', '80%'),
        label(`WT · ${t('experts:tows.WT')}`, '14%', '80%'),
      ],
      series: [
        {
          type: 'scatter',
          data: [[result.x, result.y]],
          symbolSize: 16,
          itemStyle: { color: '#a4161a' },
          label: { show: true, position: 'right', formatter: `(${fmt(result.x, lang)}; ${fmt(result.y, lang)}) ${result.strategy}` },
          markLine: { silent: true, symbol: 'none', lineStyle: { color: '#1a1a1a', type: 'solid' }, label: { show: false }, data: [{ xAxis: 0 }, { yAxis: 0 }] },
        },
      ],
    },
    {
      width: 520,
      height: 440,
      lang,
      title: t('experts:swot.chartTitle'),
      description: t('experts:swot.chartDescription', {
        x: fmt(result.x, lang),
        y: fmt(result.y, lang),
        strategy: `${result.strategy} (${t(`experts:tows.${result.strategy}`)})`,
        S: fmt(result.totals.S, lang),
        W: fmt(result.totals.W, lang),
        O: fmt(result.totals.O, lang),
        T: fmt(result.totals.T, lang),
      }),
    },
  );
}

/** PEST bars: positive influence up, negative down (stacked on one bar per group), balance beside. */
export function pestBarsChart(groups: PestGroupResult[], t: TFunction, lang: Language): string {
  const names = groups.map((g) => t(`experts:pestGroups.${g.group}`));
  return renderSvgChart(
    {
      legend: { bottom: 0 },
      grid: { left: 64, right: 16, top: 24, bottom: 72, containLabel: true },
      xAxis: { type: 'category', data: names, axisLabel: { interval: 0 } },
      // The axis name along the axis: placed above it, a long name ran off the chart's left edge.
      yAxis: { type: 'value', name: t('experts:pest.axisY'), nameLocation: 'middle', nameGap: 44 },
      series: [
        { type: 'bar', name: t('experts:pest.positive'), stack: 'influence', data: groups.map((g) => round4(g.positive)), itemStyle: { color: '#1b5e20' } },
        { type: 'bar', name: t('experts:pest.negative'), stack: 'influence', data: groups.map((g) => round4(-g.negative)), itemStyle: { color: '#a4161a' } },
        { type: 'bar', name: t('experts:pest.balance'), data: groups.map((g) => round4(g.balance)), itemStyle: { color: '#0b5394' } },
      ],
    },
    {
      width: 640,
      height: 360,
      lang,
      title: t('experts:pest.chartTitle'),
      description: groups
        .map((g) => t('experts:pest.chartGroup', { group: t(`experts:pestGroups.${g.group}`), positive: fmt(g.positive, lang), negative: fmt(g.negative, lang), balance: fmt(g.balance, lang) }))
        .join(' '),
    },
  );
}

/**
 * Expert score spread per Delphi round: for each round, the distribution over factors of the
 * interquartile range of the experts' weights and of their strengths (a box per round and
 * score), with the consensus line IQR = 1. Boxes that sink below the line mean convergence.
 */
export function spreadChart(rounds: AgreementRound[], t: TFunction, lang: Language): string {
  const categories = rounds.map((r) => t('experts:agreement.roundN', { n: r.number }));
  const box = (pick: 'weight' | 'strength') =>
    rounds.map((r) => fiveNumberSummary(r.factors.filter((f) => f.n >= 2).map((f) => f[pick]!.iqr)) ?? []);
  const weightBoxes = box('weight');
  const strengthBoxes = box('strength');
  const median = (b: number[]) => (b.length ? fmt(b[2], lang) : '—');
  return renderSvgChart(
    {
      legend: { bottom: 0 },
      grid: { left: 48, right: 24, top: 40, bottom: 64, containLabel: true },
      xAxis: { type: 'category', data: categories },
      yAxis: { type: 'value', min: 0, max: 4, name: t('experts:agreement.spreadAxis') },
      series: [
        {
          type: 'boxplot',
          name: t('experts:weight'),
          data: weightBoxes,
          itemStyle: { color: '#dbe7f3', borderColor: '#0b5394' },
          markLine: { silent: true, symbol: 'none', lineStyle: { color: '#a4161a', type: 'dashed' }, label: { position: 'insideEndTop', formatter: 'IQR = 1' }, data: [{ yAxis: 1 }] },
        },
        { type: 'boxplot', name: t('experts:strength'), data: strengthBoxes, itemStyle: { color: '#fde9c8', borderColor: '#7a4f01' } },
      ],
    },
    {
      width: Math.max(360, 120 + rounds.length * 140),
      height: 340,
      lang,
      title: t('experts:agreement.spreadTitle'),
      description: rounds.length
        ? rounds
            .map((r, i) => t('experts:agreement.spreadRound', { n: r.number, weight: median(weightBoxes[i]!), strength: median(strengthBoxes[i]!) }))
            .join(' ')
        : t('experts:agreement.noRounds'),
    },
  );
}

/** Kendall's W per round with the strong-agreement line of the stop rule. */
export function kendallChart(rounds: AgreementRound[], strongW: number, t: TFunction, lang: Language): string {
  return renderSvgChart(
    {
      grid: { left: 48, right: 24, top: 40, bottom: 40, containLabel: true },
      xAxis: { type: 'category', data: rounds.map((r) => t('experts:agreement.roundN', { n: r.number })) },
      yAxis: { type: 'value', min: 0, max: 1, name: 'W' },
      series: [
        {
          type: 'line',
          data: rounds.map((r) => (r.kendallW === null ? null : round4(r.kendallW))),
          symbolSize: 10,
          label: { show: true, formatter: (p: { value: unknown }) => (typeof p.value === 'number' ? formatChartNumber(p.value, lang, 2, 2) : '') },
          markLine: { silent: true, symbol: 'none', lineStyle: { color: '#1b5e20', type: 'dashed' }, label: { position: 'insideEndTop', formatter: `W = ${formatChartNumber(strongW, lang)}` }, data: [{ yAxis: strongW }] },
        },
      ],
    },
    {
      width: Math.max(360, 120 + rounds.length * 120),
      height: 280,
      lang,
      title: t('experts:agreement.wChartTitle'),
      description: rounds.length
        ? rounds.map((r) => t('experts:agreement.wChartRound', { n: r.number, w: fmt(r.kendallW, lang, 3) })).join(' ')
        : t('experts:agreement.noRounds'),
    },
  );
}

function round4(v: number): number {
  return Math.round(v * 1e4) / 1e4;
}
