import type { TFunction } from 'i18next';
import type { Writable } from 'node:stream';
import { localized, type Language } from '../../i18n';
import { writeXlsx, type CellValue, type RowSource, type XlsxSheet } from '../../lib/spreadsheet';
import type { MonitoringService } from '../monitoring/monitoring.service';
import type { TRankingFilters } from './analysis.schemas';
import type { RoundRanking } from './analysis.service';

/**
 * The analysis exports: item and category statistics as tables (CSV or sheets), and the
 * round workbook. Numbers are unrounded (the files feed R and SPSS); headers are in the
 * reader's language; spreadsheet.ts neutralises formulas and streams.
 */

export interface ExportTable {
  header: string[];
  rows: CellValue[][];
}

const h = (t: TFunction, key: string, params?: Record<string, unknown>) => t(`analysis:export.${key}`, params);

export function itemStatisticsTable(r: RoundRanking, t: TFunction, lang: Language): ExportTable {
  const alphaIfDeleted = new Map(r.categories.flatMap((c) => c.alphaIfDeleted.map((a) => [a.code, a.alpha] as const)));
  return {
    header: [
      h(t, 'rank'),
      h(t, 'code'),
      h(t, 'category'),
      h(t, 'barrier'),
      'n',
      h(t, 'cannotJudge'),
      h(t, 'mean'),
      h(t, 'ciLow'),
      h(t, 'ciHigh'),
      h(t, 'median'),
      h(t, 'sd'),
      h(t, 'top2'),
      h(t, 'top2Low'),
      h(t, 'top2High'),
      ...r.scale.points.map((v) => h(t, 'count', { value: v })),
      h(t, 'alphaIfDeleted'),
      h(t, 'kwH'),
      h(t, 'kwDf'),
      h(t, 'kwP'),
      h(t, 'kwN'),
    ],
    rows: r.items.map((i) => [
      i.rank,
      i.code,
      i.categoryCode,
      localized(i as unknown as Record<string, unknown>, 'text', lang),
      i.n,
      i.cannotJudge,
      i.mean,
      i.ciLow,
      i.ciHigh,
      i.median,
      i.sd,
      i.top2,
      i.top2Low,
      i.top2High,
      ...i.counts,
      alphaIfDeleted.get(i.code) ?? null,
      i.kruskalWallis?.h ?? null,
      i.kruskalWallis?.df ?? null,
      i.kruskalWallis?.p ?? null,
      i.kruskalWallis?.n ?? null,
    ]),
  };
}

export function categoryStatisticsTable(r: RoundRanking, t: TFunction, lang: Language): ExportTable {
  return {
    header: [
      h(t, 'rank'),
      h(t, 'code'),
      h(t, 'categoryTitle'),
      h(t, 'items'),
      'n',
      h(t, 'cannotJudge'),
      h(t, 'mean'),
      h(t, 'median'),
      h(t, 'sd'),
      h(t, 'top2'),
      h(t, 'top2Low'),
      h(t, 'top2High'),
      ...r.scale.points.map((v) => h(t, 'count', { value: v })),
      h(t, 'completeResponses'),
      h(t, 'scaleMean'),
      h(t, 'scaleSd'),
      h(t, 'scaleCiLow'),
      h(t, 'scaleCiHigh'),
      h(t, 'alpha'),
    ],
    rows: r.categories.map((c) => [
      c.rank,
      c.code,
      localized(c as unknown as Record<string, unknown>, 'title', lang),
      c.itemCodes.join(' '),
      c.n,
      c.cannotJudge,
      c.mean,
      c.median,
      c.sd,
      c.top2,
      c.top2Low,
      c.top2High,
      ...c.counts,
      c.completeResponses,
      c.scaleMean,
      c.scaleSd,
      c.scaleCiLow,
      c.scaleCiHigh,
      c.alpha,
    ]),
  };
}

/**
 * A workbook assembled sheet by sheet, then streamed in one pass. Sheet names are made
 * unique and valid for Excel (31 characters, none of []:*?/\).
 */
export class RoundWorkbook {
  private readonly sheets: XlsxSheet[] = [];

  addSheet(name: string, columns: readonly string[], rows: RowSource, widths?: readonly number[]): this {
    const clean = name.replace(/[[\]:*?/\\]/g, ' ').trim().slice(0, 31) || 'Sheet';
    let unique = clean;
    for (let i = 2; this.sheets.some((s) => s.name.toLowerCase() === unique.toLowerCase()); i++) unique = `${clean.slice(0, 27)} (${i})`;
    this.sheets.push({ name: unique, header: columns, rows, ...(widths ? { widths } : {}) });
    return this;
  }

  get names(): string[] {
    return this.sheets.map((s) => s.name);
  }

  write(out: Writable): Promise<void> {
    return writeXlsx(out, this.sheets);
  }
}

/** Rows of the raw export that satisfy the page's filters (its columns 3..7 are the profile). */
export async function* filteredRows(rows: AsyncIterable<CellValue[]>, filters: TRankingFilters, territoryCode: string | null): AsyncGenerator<CellValue[]> {
  for await (const row of rows) {
    if (filters.territory !== undefined && (territoryCode === null || row[3] !== territoryCode)) continue;
    if (filters.sector !== undefined && row[4] !== filters.sector) continue;
    if (filters.size !== undefined && row[5] !== filters.size) continue;
    if (filters.innovated !== undefined && row[7] !== (filters.innovated ? 1 : 0)) continue;
    yield row;
  }
}

/**
 * The level of innovation activity as a long table: one row per innovation type (the first,
 * type "any", is any innovation) and size group ("" = all sizes, then each size), with the
 * respondents, the innovating ones, the level and its Wilson interval. Empty when the
 * questionnaire has no question with the role "innovated".
 */
export function innovationTable(r: RoundRanking, t: TFunction, lang: Language): ExportTable {
  const header = [h(t, 'innovationType'), h(t, 'innovationTypeLabel'), h(t, 'size'), 'n', h(t, 'innovating'), h(t, 'level'), h(t, 'levelLow'), h(t, 'levelHigh')];
  if (!r.innovation) return { header, rows: [] };
  const sizes = [{ code: '', text: null }, ...r.innovation.sizes];
  const rows: CellValue[][] = [];
  for (const row of r.innovation.rows) {
    [row.overall, ...row.bySize].forEach((l, i) => {
      const size = i === 0 ? 'all' : sizes[i]!.code || 'not_stated';
      rows.push([row.type ?? 'any', row.text ? row.text[lang] || row.text.kk : t('analysis:innovation.any'), size, l.respondents, l.innovating, l.level, l.low, l.high]);
    });
  }
  return { header, rows };
}

/** The funding sources: one row per option, shares among all who answered and among innovating respondents. */
export function fundingTable(r: RoundRanking, t: TFunction, lang: Language): ExportTable {
  const header = [h(t, 'code'), h(t, 'option'), 'n', h(t, 'countAll'), h(t, 'share'), h(t, 'shareLow'), h(t, 'shareHigh'), h(t, 'nInnovating'), h(t, 'countInnovating'), h(t, 'shareInnovating'), h(t, 'shareInnovatingLow'), h(t, 'shareInnovatingHigh')];
  const f = r.funding;
  if (!f) return { header, rows: [] };
  return {
    header,
    rows: f.options.map((o) => [o.code, o.text[lang] || o.text.kk, f.n, o.all.count, o.all.share, o.all.low, o.all.high, f.nInnovating, o.innovating.count, o.innovating.share, o.innovating.low, o.innovating.high]),
  };
}

/**
 * What the round workbook is made from besides the ranking: the raw responses and codebook
 * (monitoring) and the expert sheets of the panels linked to the round (experts). Both are
 * handed in by the composition root, so this module imports neither.
 */
export interface RoundWorkbookSources {
  monitoring: Pick<MonitoringService, 'getRound' | 'responseExport' | 'codebook'>;
  expertSheets(roundId: number, t: TFunction, lang: Language): Promise<Array<{ name: string; sheet: XlsxSheet }>>;
  /** The expert panels linked to the round, as the round report shows them (built by the experts module). */
  reportPanels(roundId: number, t: TFunction, lang: Language): Promise<ReportPanel[]>;
}

/** One factor (or survey barrier) row of a matrix in the round report, text in the reader's language. */
export interface ReportMatrixRow {
  code: string;
  text: string;
  /** Survey barrier (W or T), not an expert factor. */
  survey: boolean;
  /** '+' or '-' for PEST factors, '' for SWOT. */
  polarity: string;
  n: number;
  weight: number | null;
  strength: number | null;
  score: number | null;
}

/**
 * An expert panel in the round report: its SWOT and PEST matrices with their charts (SVG),
 * and why either is provisional (already in the reader's language; empty when final).
 */
export interface ReportPanel {
  id: number;
  name: string;
  delphiRound: number | null;
  provisionalNotes: string[];
  swot: { groups: Array<{ code: string; title: string; total: number; rows: ReportMatrixRow[] }>; x: number; y: number; strategy: string; strategyText: string; chart: string } | null;
  pest: { groups: Array<{ code: string; title: string; positive: number; negative: number; balance: number; rows: ReportMatrixRow[] }>; chart: string } | null;
}

/**
 * The round workbook: responses (as the raw export, filtered like the page) and its codebook,
 * item statistics, category statistics, the expert sheets, then innovation activity and funding
 * sources (when the questionnaire asks them).
 */
export async function buildRoundWorkbook(sources: RoundWorkbookSources, ranking: RoundRanking, t: TFunction, lang: Language): Promise<RoundWorkbook> {
  const { monitoring } = sources;
  const round = await monitoring.getRound(ranking.round.id);
  const raw = await monitoring.responseExport(round);
  const codebook = await monitoring.codebook(round);
  // A territory filter with no respondents has no code here: then no response matches.
  const territoryCode = ranking.territories.find((x) => x.territory?.id === ranking.filters.territory)?.territory?.code ?? null;
  const items = itemStatisticsTable(ranking, t, lang);
  const categories = categoryStatisticsTable(ranking, t, lang);
  const innovation = innovationTable(ranking, t, lang);
  const funding = fundingTable(ranking, t, lang);
  const workbook = new RoundWorkbook()
    .addSheet(t('analysis:export.sheetResponses'), raw.header, filteredRows(raw.rows, ranking.filters, territoryCode), raw.header.map((c) => (c.endsWith('_comment') ? 30 : Math.max(8, c.length + 2))))
    .addSheet(t('analysis:export.sheetItems'), items.header, items.rows, items.header.map((_, i) => (i === 3 ? 48 : 12)))
    .addSheet(t('analysis:export.sheetCategories'), categories.header, categories.rows, categories.header.map((_, i) => (i === 2 ? 36 : 12)));
  for (const { name, sheet } of await sources.expertSheets(ranking.round.id, t, lang)) workbook.addSheet(name, sheet.header, sheet.rows, sheet.widths);
  if (innovation.rows.length) workbook.addSheet(t('analysis:export.sheetInnovation'), innovation.header, innovation.rows, innovation.header.map((_, i) => (i === 1 ? 30 : 12)));
  if (funding.rows.length) workbook.addSheet(t('analysis:export.sheetFunding'), funding.header, funding.rows, funding.header.map((_, i) => (i === 1 ? 30 : 12)));
  workbook.addSheet(t('analysis:export.sheetCodebook'), codebook.header, codebook.rows, [10, 18, 10, 50, 50, 50]);
  return workbook;
}
