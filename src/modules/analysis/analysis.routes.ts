import { Router, type Request, type Response } from 'express';
import type { TFunction } from 'i18next';
import type { AppContext } from '../../context';
import { asyncHandler, parseOrThrow } from '../../errors';
import { localized, translator, type Language } from '../../i18n';
import { writeExcelCsv, ZCsvVariant } from '../../lib/excelCsv';
import { writeCsv, type CellValue } from '../../lib/spreadsheet';
import { requireRole } from '../../middleware/auth';
import { distributionChart, meansChart } from './analysis.charts';
import { buildRoundWorkbook, categoryStatisticsTable, fundingTable, innovationTable, itemStatisticsTable, type RoundWorkbookSources } from './analysis.export';
import { viewFormatters } from './analysis.format';
import { comparisonChanges, roundOptionLabel } from './analysis.change';
import { honestStatistics } from './analysis.honest';
import { slopeChart } from './analysis.slope';
import { writeRoundReportPdf } from './analysis.report';
import { statisticsFileRoutes, ZLang } from './analysis.statfiles';
import { filterLinesOf, roleOptions } from './analysis.filters';
import { ZHeatMapQuery, ZRankingQuery, ZRoundId, queryStringOf } from './analysis.schemas';
import { heatMapChart, heatMapTable, NOT_STATED, SMALL_CELL, type HeatMapChartInput } from './analysis.heatmap';
import { roleQuestion, type AnalysisService, type RoundRanking } from './analysis.service';
import type { Questionnaire } from '../questionnaires/questionnaires.schemas';

function attachment(res: Response, filename: string, type: string): void {
  res.setHeader('Content-Type', type);
  res.setHeader('Content-Disposition', `attachment; filename="${filename}"`);
  res.setHeader('Cache-Control', 'no-store');
}

/** The public JSON contract of GET /api/v1/rounds/:id/ranking (extra fields beyond the are additive). */
export function rankingJson(r: RoundRanking) {
  const alphaIfDeleted = new Map(r.categories.flatMap((c) => c.alphaIfDeleted.map((a) => [a.code, a.alpha] as const)));
  // Keys are the scale's points (0..10 on a 0-10 scale), not positions.
  const distribution = (counts: number[], lowest: number) => Object.fromEntries(counts.map((c, i) => [String(i + lowest), c]));
  const honest = honestStatistics(r);
  const changes = r.comparison ? comparisonChanges(r.comparison) : new Map();
  return {
    round: { id: r.round.id, title: r.round.title, status: r.round.status },
    filters: r.filters,
    scale: { min: r.scale.min, max: r.scale.max },
    respondents: r.respondents,
    uncounted: r.uncounted,
    items: r.items.map((i) => ({
      code: i.code,
      category: i.categoryCode,
      text: { kk: i.text_kk, ru: i.text_ru, en: i.text_en },
      n: i.n,
      cannotJudge: i.cannotJudge,
      mean: i.mean,
      median: i.median,
      sd: i.sd,
      ciLow: i.ciLow,
      ciHigh: i.ciHigh,
      top2: i.top2,
      top2Low: i.top2Low,
      top2High: i.top2High,
      rank: i.rank,
      distribution: distribution(i.counts, i.lowest),
      alphaIfDeleted: alphaIfDeleted.get(i.code) ?? null,
      kruskalWallis: i.kruskalWallis
        ? {
            h: i.kruskalWallis.h,
            df: i.kruskalWallis.df,
            p: i.kruskalWallis.p,
            n: i.kruskalWallis.n,
            groups: i.kruskalWallis.groups,
            pHolm: honest.kruskalWallisHolm.get(i.code) ?? null,
            smallestGroup: Math.min(...i.kruskalWallis.groupSizes),
            chiSquareReliable: !honest.kruskalWallisSmallGroups.has(i.code),
          }
        : null,
    })),
    categories: r.categories.map((c) => ({
      code: c.code,
      title: { kk: c.title_kk, ru: c.title_ru, en: c.title_en },
      items: c.itemCodes,
      n: c.n,
      cannotJudge: c.cannotJudge,
      mean: c.mean,
      median: c.median,
      sd: c.sd,
      top2: c.top2,
      top2Low: c.top2Low,
      top2High: c.top2High,
      rank: c.rank,
      distribution: distribution(c.counts, c.lowest),
      alpha: c.alpha,
      alphaUndefined: honest.alphaUndefined.get(c.code) ?? null,
      alphaIfDeleted: Object.fromEntries(c.alphaIfDeleted.map((a) => [a.code, a.alpha])),
      completeResponses: c.completeResponses,
      scaleMean: c.scaleMean,
      scaleSd: c.scaleSd,
      scaleCiLow: c.scaleCiLow,
      scaleCiHigh: c.scaleCiHigh,
    })),
    territories: r.territories.map((x) => ({ id: x.territory?.id ?? null, code: x.territory?.code ?? null, respondents: x.respondents })),
    questions: r.questions,
    innovationBySize: r.innovationBySize,
    innovation: r.innovation,
    funding: r.funding,
    reference: r.reference,
    ...(r.comparison
      ? {
          comparison: {
            round: { id: r.comparison.round.id, title: r.comparison.round.title },
            items: r.comparison.items.map((c) => ({
              code: c.code,
              n: c.current.n,
              mean: c.current.mean,
              otherN: c.other.n,
              otherMean: c.other.mean,
              u: c.mannWhitney?.u ?? null,
              z: c.mannWhitney?.z ?? null,
              p: c.mannWhitney?.p ?? null,
              pHolm: honest.mannWhitneyHolm.get(c.code) ?? null,
              ...changes.get(c.code),
              rankBiserial: c.mannWhitney?.rankBiserial ?? null,
              r: c.mannWhitney?.r ?? null,
            })),
          },
        }
      : {}),
  };
}

interface Option {
  value: string;
  label: string;
}

/**
 * A statistics table as CSV. The data file has stable column codes (the English export
 * headers) whatever the interface language, comma-separated with decimal points;
 * `?variant=excel` gives the Excel (ru/kk) file: headers in the reader's language, ";" and
 * decimal commas (lib/excelCsv.ts). Both neutralise formulas: they open in spreadsheets.
 */
async function sendTable(req: Request, res: Response, name: string, table: (t: TFunction) => { header: string[]; rows: CellValue[][] }): Promise<void> {
  const { variant } = parseOrThrow(ZCsvVariant, req.query);
  if (variant === 'excel') {
    const { header, rows } = table(req.t);
    attachment(res, `${name}-excel.csv`, 'text/csv; charset=utf-8');
    await writeExcelCsv(res, header, rows);
    return;
  }
  const { header, rows } = table(translator('en'));
  attachment(res, `${name}.csv`, 'text/csv; charset=utf-8');
  await writeCsv(res, header, rows);
}

export function analysisRoutes(_ctx: AppContext, { analysis: service, roundWorkbook }: { analysis: AnalysisService; roundWorkbook: RoundWorkbookSources }): Router {
  const router = Router();
  const staff = requireRole('admin', 'researcher');
  const filterLines = (ranking: RoundRanking, t: TFunction, lang: Language) => filterLinesOf(service, ranking, t, lang);
  router.use('/analysis', staff);
  router.use('/api/v1/rounds/:id/ranking', staff);

  router.get(
    '/analysis',
    asyncHandler(async (req, res) => {
      res.render('analysis/rounds', { title: req.t('analysis:title'), rounds: await service.listRounds() });
    }),
  );

  const rankingOf = async (req: Request) => {
    const id = parseOrThrow(ZRoundId, req.params.id);
    const query = parseOrThrow(ZRankingQuery, req.query);
    return { query, ranking: await service.ranking(id, query) };
  };

  router.get(
    '/analysis/rounds/:id',
    asyncHandler(async (req, res) => {
      const { query, ranking } = await rankingOf(req);
      const round = ranking.round;
      const [present, questionnaire, territories, rounds] = await Promise.all([
        service.presentValues(round.id),
        service.questionnaire(round.questionnaireId),
        service.territories(),
        service.listRoundsBrief(),
      ]);
      const withSelected = (values: string[], selected: string | undefined) => (selected && !values.includes(selected) ? [...values, selected] : values);
      const labelled = (code: 'sector' | 'size', selected: string | undefined): Option[] => {
        const labels = roleOptions(questionnaire, code, req.lang);
        const inData = present[code === 'sector' ? 'sectors' : 'sizes'];
        // The questionnaire's order for known codes, then codes only the data knows.
        const values = withSelected([...[...labels.keys()].filter((v) => inData.includes(v)), ...inData.filter((v) => !labels.has(v))], selected);
        return values.map((v) => ({ value: v, label: labels.has(v) ? `${labels.get(v)} (${v})` : v }));
      };
      const territoryIds = new Set(present.territoryIds);
      if (query.territory !== undefined) territoryIds.add(query.territory);
      const heat = parseOrThrow(ZHeatMapQuery, req.query);
      const heatCells = await service.heatMap(ranking, heat.heatmap);
      const territoryName = new Map(territories.map((x) => [String(x.id), localized(x as unknown as Record<string, unknown>, 'name', req.lang)]));
      const optionLabels = heat.heatmap === 'territory' ? territoryName : roleOptions(questionnaire, heat.heatmap, req.lang);
      const heatInput: HeatMapChartInput = {
        map: heatCells,
        scale: ranking.scale,
        measure: heat.measure,
        groupLabel: (g) => (g === NOT_STATED ? req.t('analysis:heatmap.notStated') : (optionLabels.get(g) ?? g)),
        byLabel: req.t(`analysis:heatmap.by.${heat.heatmap}`),
        t: req.t,
        lang: req.lang,
      };
      const heatmap = { ...heat, small: SMALL_CELL, svg: heatMapChart(heatInput), table: heatMapTable(heatInput) };
      res.render('analysis/round', {
        title: localized(round, 'title', req.lang),
        round,
        ranking,
        query,
        exportQuery: queryStringOf(query),
        options: {
          territories: territories.filter((x) => territoryIds.has(x.id)).map((x) => ({ value: String(x.id), label: localized(x as unknown as Record<string, unknown>, 'name', req.lang) })),
          sectors: labelled('sector', query.sector),
          sizes: labelled('size', query.size),
          rounds: rounds.filter((r) => r.id !== round.id).map((r) => ({ value: String(r.id), label: roundOptionLabel(r) })),
        },
        charts: { distribution: distributionChart(ranking.items, ranking.scale, req.t, req.lang), means: meansChart(ranking.items, ranking.scale, req.t, req.lang) },
        f: viewFormatters(req.lang),
        honest: honestStatistics(ranking),
        changes: ranking.comparison ? comparisonChanges(ranking.comparison) : new Map(),
        slope: ranking.comparison ? slopeChart(ranking.comparison, localized(round, 'title', req.lang), req.t, req.lang) : null,
        heatmap,
        filterLines: await filterLines(ranking, req.t, req.lang),
      });
    }),
  );

  router.get(
    '/analysis/rounds/:id/items.csv',
    asyncHandler(async (req, res) => {
      const { ranking } = await rankingOf(req);
      await sendTable(req, res, `round-${ranking.round.id}-items`, (t) => itemStatisticsTable(ranking, t, req.lang));
    }),
  );

  router.get(
    '/analysis/rounds/:id/categories.csv',
    asyncHandler(async (req, res) => {
      const { ranking } = await rankingOf(req);
      await sendTable(req, res, `round-${ranking.round.id}-categories`, (t) => categoryStatisticsTable(ranking, t, req.lang));
    }),
  );

  router.get(
    '/analysis/rounds/:id/innovation.csv',
    asyncHandler(async (req, res) => {
      const { ranking } = await rankingOf(req);
      await sendTable(req, res, `round-${ranking.round.id}-innovation`, (t) => innovationTable(ranking, t, req.lang));
    }),
  );

  router.get(
    '/analysis/rounds/:id/funding.csv',
    asyncHandler(async (req, res) => {
      const { ranking } = await rankingOf(req);
      await sendTable(req, res, `round-${ranking.round.id}-funding`, (t) => fundingTable(ranking, t, req.lang));
    }),
  );

  // The reasons for not innovating beside the national statistics: a page of its own, linked from the ranking.
  router.get(
    '/analysis/rounds/:id/national',
    asyncHandler(async (req, res) => {
      const { query, ranking } = await rankingOf(req);
      res.render('analysis/national', {
        title: req.t('analysis:national.title', { round: ranking.round.title }),
        round: ranking.round,
        ranking,
        exportQuery: queryStringOf(query),
        filterLines: await filterLines(ranking, req.t, req.lang),
        f: viewFormatters(req.lang),
      });
    }),
  );

  router.get(
    '/analysis/rounds/:id/workbook.xlsx',
    asyncHandler(async (req, res) => {
      const { ranking } = await rankingOf(req);
      const workbook = await buildRoundWorkbook(roundWorkbook, ranking, req.t, req.lang);
      attachment(res, `round-${ranking.round.id}-analysis.xlsx`, 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
      await workbook.write(res);
    }),
  );

  statisticsFileRoutes(router, staff, service, roundWorkbook);

  /**
   * Everything the round report shows, in `lang`: the HTML page and the PDF are built from
   * this one object, so they say the same. Without `compare` it compares with the previous
   * round of the same questionnaire, when there is one.
   */
  const roundReport = async (req: Request, lang: Language) => {
    const id = parseOrThrow(ZRoundId, req.params.id);
    const query = parseOrThrow(ZRankingQuery, req.query);
    if (query.compare === undefined) {
      const previous = await service.previousRound(await service.round(id));
      if (previous) query.compare = previous.id;
    }
    const ranking = await service.ranking(id, query);
    const t = translator(lang);
    const [filters, panels, heatCells, territories] = await Promise.all([
      filterLines(ranking, t, lang),
      roundWorkbook.reportPanels(id, t, lang),
      service.heatMap(ranking, 'territory'),
      service.territories(),
    ]);
    const territoryName = new Map(territories.map((x) => [String(x.id), localized(x as unknown as Record<string, unknown>, 'name', lang)]));
    const heatInput: HeatMapChartInput = {
      map: heatCells,
      scale: ranking.scale,
      measure: 'mean',
      groupLabel: (g) => (g === NOT_STATED ? t('analysis:heatmap.notStated') : (territoryName.get(g) ?? g)),
      byLabel: t('analysis:heatmap.by.territory'),
      t,
      lang,
    };
    return {
      query,
      ranking,
      honest: honestStatistics(ranking),
      changes: ranking.comparison ? comparisonChanges(ranking.comparison) : new Map(),
      filters,
      panels,
      charts: {
        means: meansChart(ranking.items, ranking.scale, t, lang),
        distribution: distributionChart(ranking.items, ranking.scale, t, lang),
        heatmap: heatMapChart(heatInput),
        slope: ranking.comparison ? slopeChart(ranking.comparison, ranking.round.title, t, lang) : null,
      },
      heatmapTable: heatMapTable(heatInput),
      t,
      lang,
    };
  };

  router.get(
    '/analysis/rounds/:id/report',
    asyncHandler(async (req, res) => {
      const report = await roundReport(req, req.lang);
      res.render('analysis/report', {
        title: `${req.t('analysis:report.title')}: ${report.ranking.round.title}`,
        report,
        round: report.ranking.round,
        exportQuery: queryStringOf(report.query),
        f: viewFormatters(req.lang),
      });
    }),
  );

  router.get(
    '/api/v1/rounds/:id/report.pdf',
    staff,
    asyncHandler(async (req, res) => {
      const lang: Language = parseOrThrow(ZLang, { lang: req.query.lang }).lang ?? req.lang;
      const report = await roundReport(req, lang);
      attachment(res, `round-${report.ranking.round.id}-report-${lang}.pdf`, 'application/pdf');
      await writeRoundReportPdf(res, report);
    }),
  );

  router.get(
    '/api/v1/rounds/:id/ranking',
    asyncHandler(async (req, res) => {
      const { ranking } = await rankingOf(req);
      res.json(rankingJson(ranking));
    }),
  );

  return router;
}
