import type { TFunction } from 'i18next';
import { localized, type Language } from '../../i18n';
import type { CellValue, XlsxSheet } from '../../lib/spreadsheet';
import { SWOT_QUADRANTS } from '../../math/swot';
import type { ReportPanel } from '../analysis/analysis.export';
import { pestBarsChart, swotSquareChart } from './experts.charts';
import type { ExpertsService, PanelAgreement, PanelPest, PanelSwot } from './experts.service';

/**
 * Tables behind the SWOT, PEST and agreement pages, in the reader's language, for the CSV
 * and XLSX exports of those pages and for the analysis workbook. Numbers are unrounded.
 * Each table is "tidy": one row per factor, plus rows typed total/position/group so one
 * CSV holds the whole page.
 */
export interface ExportTable {
  name: string;
  header: string[];
  rows: CellValue[][];
}

export function swotTable(swot: PanelSwot, t: TFunction, lang: Language): ExportTable {
  const h = (k: string) => t(`experts:export.${k}`);
  const rows: CellValue[][] = [];
  for (const f of swot.factors) {
    rows.push([h('typeFactor'), f.factor.grp, f.factor.code, localized(f.factor as unknown as Record<string, unknown>, 'text', lang), f.n, f.weight, f.strength, f.normalisedWeight, f.score]);
  }
  for (const b of swot.barriers) {
    rows.push([h('typeSurvey'), b.quadrant, b.code, b.item ? localized(b.item as unknown as Record<string, unknown>, 'text', lang) : '', b.n, b.weight, b.strength, b.normalisedWeight, b.score]);
  }
  for (const q of SWOT_QUADRANTS) rows.push([h('typeTotal'), q, '', t(`experts:quadrants.${q}`), null, null, null, null, swot.result.totals[q]]);
  rows.push([h('typePosition'), '', 'x', t('experts:swot.axisX'), null, null, null, null, swot.result.x]);
  rows.push([h('typePosition'), '', 'y', t('experts:swot.axisY'), null, null, null, null, swot.result.y]);
  rows.push([h('typeStrategy'), '', swot.result.strategy, t(`experts:tows.${swot.result.strategy}`), null, null, null, null, null]);
  // A provisional matrix says so inside the file, where a reader of the spreadsheet will see it.
  if (swot.provisional) rows.push([h('typeStatus'), '', 'provisional', t('experts:results.provisional'), null, null, null, null, null]);
  if (swot.surveyProvisional) rows.push([h('typeStatus'), '', 'provisional', t('experts:results.surveyProvisional', { round: swot.surveyRound?.title ?? '' }), null, null, null, null, null]);
  return {
    name: t('experts:export.sheetSwot'),
    header: [h('type'), h('quadrant'), h('code'), h('text'), h('n'), h('weight'), h('strength'), h('normalisedWeight'), h('score')],
    rows,
  };
}

export function pestTable(pest: PanelPest, t: TFunction, lang: Language): ExportTable {
  const h = (k: string) => t(`experts:export.${k}`);
  // Words, not "+" and "-": a cell starting with either would be neutralised as a formula.
  const direction = (p: '+' | '-' | null) => (p === '-' ? t('experts:pest.negativeFactor') : t('experts:pest.positiveFactor'));
  const rows: CellValue[][] = pest.factors.map((f) => [
    h('typeFactor'),
    f.factor.grp,
    direction(f.factor.polarity),
    f.factor.code,
    localized(f.factor as unknown as Record<string, unknown>, 'text', lang),
    f.n,
    f.weight,
    f.strength,
    f.normalisedWeight,
    f.score,
  ]);
  for (const g of pest.groups) {
    const name = t(`experts:pestGroups.${g.group}`);
    rows.push([h('typeGroup'), g.group, direction('+'), '', `${name}: ${t('experts:pest.positive')}`, null, null, null, null, g.positive]);
    rows.push([h('typeGroup'), g.group, direction('-'), '', `${name}: ${t('experts:pest.negative')}`, null, null, null, null, g.negative]);
    rows.push([h('typeGroup'), g.group, t('experts:pest.balance'), '', `${name}: ${t('experts:pest.balance')}`, null, null, null, null, g.balance]);
  }
  if (pest.provisional) rows.push([h('typeStatus'), '', '', 'provisional', t('experts:results.provisional'), null, null, null, null, null]);
  return {
    name: t('experts:export.sheetPest'),
    header: [h('type'), h('group'), h('polarity'), h('code'), h('text'), h('n'), h('weight'), h('strength'), h('normalisedWeight'), h('score')],
    rows,
  };
}

/** One row per Delphi round and factor, with the round's W, chi-square and p repeated (tidy for R and SPSS). */
export function agreementTable(agreement: PanelAgreement, t: TFunction, lang: Language): ExportTable {
  const h = (k: string) => t(`experts:export.${k}`);
  const rows: CellValue[][] = [];
  for (const r of agreement.rounds) {
    for (const f of r.factors) {
      rows.push([
        r.number,
        t(`experts:status.${r.status}`),
        f.factor.code,
        localized(f.factor as unknown as Record<string, unknown>, 'text', lang),
        f.n,
        f.weight?.median,
        f.weight?.q1,
        f.weight?.q3,
        f.weight?.iqr,
        f.strength?.median,
        f.strength?.q1,
        f.strength?.q3,
        f.strength?.iqr,
        f.consensus === null ? '' : f.consensus ? 1 : 0,
        r.kendallW,
        r.chiSquare,
        r.df,
        r.p,
        r.deltaW,
        r.consensusShare,
        r.stopRule.met ? 1 : 0,
      ]);
    }
  }
  return {
    name: t('experts:export.sheetAgreement'),
    header: [
      h('round'),
      h('status'),
      h('code'),
      h('text'),
      h('n'),
      h('weightMedian'),
      h('weightQ1'),
      h('weightQ3'),
      h('weightIqr'),
      h('strengthMedian'),
      h('strengthQ1'),
      h('strengthQ3'),
      h('strengthIqr'),
      h('consensus'),
      'W',
      'chi2',
      'df',
      'p',
      'ΔW',
      h('consensusShare'),
      h('stopRuleMet'),
    ],
    rows,
  };
}

/** One row per Delphi round: the agreement summary. */
export function agreementRoundsTable(agreement: PanelAgreement, t: TFunction): ExportTable {
  const h = (k: string) => t(`experts:export.${k}`);
  return {
    name: t('experts:export.sheetRounds'),
    header: [h('round'), h('status'), h('experts'), h('completeExperts'), 'W', 'chi2', 'df', 'p', 'ΔW', h('judged'), h('inConsensus'), h('consensusShare'), h('stopRuleMet')],
    rows: agreement.rounds.map((r) => [
      r.number,
      t(`experts:status.${r.status}`),
      r.experts,
      r.completeExperts,
      r.kendallW,
      r.chiSquare,
      r.df,
      r.p,
      r.deltaW,
      r.judged,
      r.inConsensus,
      r.consensusShare,
      r.stopRule.met ? 1 : 0,
    ]),
  };
}

export function toSheet(table: ExportTable): XlsxSheet {
  return { name: table.name, header: table.header, rows: table.rows, widths: table.header.map((_, i) => (i === 3 || i === 4 ? 48 : 14)) };
}

/** The panel's SWOT, PEST and agreement sheets, for the panel's own export and the round workbook. */
export async function panelExportSheets(service: ExpertsService, panelId: number, t: TFunction, lang: Language): Promise<XlsxSheet[]> {
  const [swot, pest, agreement] = await Promise.all([service.panelSwot(panelId), service.panelPest(panelId), service.panelAgreement(panelId)]);
  return [swotTable(swot, t, lang), pestTable(pest, t, lang), agreementRoundsTable(agreement, t), agreementTable(agreement, t, lang)].map(toSheet);
}

/**
 * The expert side of a survey round's workbook (the analysis export, wired by the composition
 * root): the SWOT, PEST and agreement sheets of every expert panel linked to the survey round
 * (panels.survey_round_id). A round without a panel still gets the three sheets, each saying
 * so, so that the workbook always has the same shape.
 */
export async function expertSheetsForRound(service: ExpertsService, roundId: number, t: TFunction, lang: Language): Promise<Array<{ name: string; sheet: XlsxSheet }>> {
  const panels = (await service.listPanels()).filter((p) => p.surveyRoundId === roundId);
  if (panels.length === 0) {
    const note = [[t('analysis:export.noPanel')]];
    return ['experts:export.sheetSwot', 'experts:export.sheetPest', 'experts:export.sheetAgreement'].map((key) => ({
      name: t(key),
      sheet: { name: t(key), header: [t('analysis:export.note')], rows: note, widths: [80] },
    }));
  }
  const out: Array<{ name: string; sheet: XlsxSheet }> = [];
  for (const panel of panels) {
    for (const sheet of await panelExportSheets(service, panel.id, t, lang)) {
      out.push({ name: panels.length > 1 ? `${sheet.name} ${panel.id}` : sheet.name, sheet });
    }
  }
  return out;
}

/**
 * The panels linked to a survey round as the round report shows them: SWOT and PEST of the
 * round each page shows by default (the latest closed Delphi round, else the open one), with
 * their charts, and every reason either is provisional.
 */
export async function panelReportsForRound(service: ExpertsService, roundId: number, t: TFunction, lang: Language): Promise<ReportPanel[]> {
  const panels = (await service.listPanels()).filter((p) => p.surveyRoundId === roundId);
  const out: ReportPanel[] = [];
  for (const panel of panels) {
    const [swot, pest] = await Promise.all([service.panelSwot(panel.id), service.panelPest(panel.id)]);
    const text = (row: unknown) => localized(row as Record<string, unknown>, 'text', lang);
    const notes: string[] = [];
    if (swot.provisional) notes.push(t('experts:results.provisional'));
    if (swot.surveyProvisional) notes.push(t('experts:results.surveyProvisional', { round: swot.surveyRound?.title ?? '' }));
    const scored = swot.round !== null && swot.factors.some((f) => f.n > 0);
    out.push({
      id: panel.id,
      name: panel.name,
      delphiRound: swot.round?.number ?? null,
      provisionalNotes: notes,
      swot: scored
        ? {
            groups: SWOT_QUADRANTS.map((q) => ({
              code: q,
              title: t(`experts:quadrants.${q}`),
              total: swot.result.totals[q],
              rows: [
                ...swot.factors.filter((f) => f.factor.grp === q).map((f) => ({ code: f.factor.code, text: text(f.factor), survey: false, polarity: '', n: f.n, weight: f.weight, strength: f.strength, score: f.score })),
                ...swot.barriers.filter((b) => b.quadrant === q).map((b) => ({ code: b.code, text: b.item ? text(b.item) : b.code, survey: true, polarity: '', n: b.n, weight: b.weight, strength: b.strength, score: b.score })),
              ],
            })),
            x: swot.result.x,
            y: swot.result.y,
            strategy: swot.result.strategy,
            strategyText: t(`experts:tows.${swot.result.strategy}`),
            chart: swotSquareChart(swot.result, t, lang),
          }
        : null,
      pest:
        pest.round !== null && pest.factors.some((f) => f.n > 0)
          ? {
              groups: pest.groups.map((g) => ({
                code: g.group,
                title: t(`experts:pestGroups.${g.group}`),
                positive: g.positive,
                negative: g.negative,
                balance: g.balance,
                rows: pest.factors.filter((f) => f.factor.grp === g.group).map((f) => ({ code: f.factor.code, text: text(f.factor), survey: false, polarity: f.factor.polarity ?? '+', n: f.n, weight: f.weight, strength: f.strength, score: f.score })),
              })),
              chart: pestBarsChart(pest.groups, t, lang),
            }
          : null,
    });
  }
  return out;
}
