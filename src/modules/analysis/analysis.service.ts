import type { Knex } from 'knex';
import type { AppContext } from '../../context';
import { NotFoundError, ValidationError } from '../../errors';
import { cronbachAlphaFromMoments } from '../../math/cronbach-alpha';
import { kruskalWallisFromCounts, type KruskalWallisResult } from '../../math/kruskal-wallis';
import { likertSummaryFromCounts, type LikertSummary } from '../../math/likert-summary';
import { mannWhitneyFromCounts, type MannWhitneyResult } from '../../math/mann-whitney';
import { rankWithTies } from '../../math/rank-with-ties';
import { studentTQuantile } from '../../math/survey-distributions';
import { wilsonInterval } from '../../math/wilson-interval';
import { buildAnalysisService } from '../../composition';
import type { AnalysisRepository, ItemCellSum, RoleItems } from './analysis.repository';
import { filtersOf, type THeatMapBy, type TRankingFilters, type TRankingQuery } from './analysis.schemas';
import { heatMapCells, type HeatMapCells } from './analysis.heatmap';
import { summariseQuestion, type QuestionSummary } from './analysis.kinds';
import { fundingSources, innovationLevels, type FundingSources, type InnovationLevels } from './analysis.innovation';
import { referenceComparison, type ReferenceComparison } from './analysis.reference';
import { analysisSource, scalePoints, type FormQuestion, type TLocalizedText, type TQuestionRole, type TScale } from '../questionnaires/kinds';
import type { Questionnaire, QuestionnaireCategoryRow, QuestionnaireItemRow } from '../questionnaires/questionnaires.schemas';
import type { QuestionnairesService } from '../questionnaires/questionnaires.service';
import type { RoundListRow } from '../rounds/rounds.schemas';
import type { RoundsService } from '../rounds/rounds.service';
import type { TerritoryRecord } from '../territories/territories.schemas';
import type { TerritoriesService } from '../territories/territories.service';

/** A round as analysis shows it: the rounds module's row with its questionnaire's code and version. */
export type AnalysisRound = RoundListRow;
type AnalysisItem = QuestionnaireItemRow;

/** The questionnaire's rating scale as the ranking shows it: its points, lowest first, and their labels. */
export interface RankingScale {
  min: number;
  max: number;
  points: number[];
  labels: Record<string, TLocalizedText>;
}

export interface ItemRanking extends LikertSummary {
  id: number;
  code: string;
  position: number;
  categoryId: number;
  categoryCode: string;
  text_kk: string;
  text_ru: string;
  text_en: string;
  cannotJudge: number;
  rank: number | null;
  /** The mean a published study reported for the item (B01-B05: 32 enterprises). */
  referenceMean: number | null;
  /** Across the stated territories (respondents without a territory are left out). */
  kruskalWallis: KruskalWallisResult | null;
}

export interface CategoryRanking extends LikertSummary {
  id: number;
  code: string;
  title_kk: string;
  title_ru: string;
  title_en: string;
  itemCodes: string[];
  /** Pooled over the category's items. */
  cannotJudge: number;
  rank: number | null;
  /** Respondents who rated every item of the category 1..5: the base of alpha and of the scale score. */
  completeResponses: number;
  alpha: number | null;
  alphaIfDeleted: Array<{ code: string; alpha: number | null }>;
  /** Mean over complete respondents of their mean rating on the category's items, with its t interval. */
  scaleMean: number | null;
  scaleSd: number | null;
  scaleCiLow: number | null;
  scaleCiHigh: number | null;
}

export interface TerritoryCount {
  territory: TerritoryRecord | null;
  respondents: number;
}

export interface ItemComparison {
  code: string;
  text_kk: string;
  text_ru: string;
  text_en: string;
  current: LikertSummary;
  other: LikertSummary;
  /** First sample = this round: positive effect sizes mean ratings are higher in this round. */
  mannWhitney: MannWhitneyResult | null;
}

export interface RoundComparison {
  round: AnalysisRound;
  items: ItemComparison[];
}

export interface RoundRanking {
  round: AnalysisRound;
  /** The scale of the questionnaire's `items`; every rating of one category shares its category's scale. */
  scale: RankingScale;
  filters: TRankingFilters;
  respondents: number;
  /** In rank order; unrated items last, in questionnaire order. */
  items: ItemRanking[];
  categories: CategoryRanking[];
  territories: TerritoryCount[];
  comparison: RoundComparison | null;
  /** Questions of the other kinds (choices, rankings, numbers, open text), in questionnaire order. */
  questions: QuestionSummary[];
  /** The round beside the published results: the 32-enterprise means, the national reasons for not innovating. */
  reference: ReferenceComparison;
  /** Level of innovation activity (share of respondents who introduced any innovation) by enterprise size. */
  innovationBySize: Array<{ size: string; respondents: number; innovating: number; level: number | null; low: number | null; high: number | null }>;
  /** The same by innovation type (each option of the question with the role "innovated"), overall and by size. */
  innovation: InnovationLevels | null;
  /** The answers to the question with the role "funding": the distribution of funding sources, overall and among innovators. */
  funding: FundingSources | null;
  /** Submitted responses the background counter has not put into the cells yet (shown as such). */
  uncounted: number;
}

/** Per-territory aggregates of a round (territoryAggregates): what survey indicators are computed from. */
export interface TerritoryAggregates {
  overall: Array<{ territoryId: number; mean: number; n: number }>;
  byCategory: Array<{ territoryId: number; categoryId: number; mean: number; n: number }>;
  byItem: Array<{ territoryId: number; itemId: number; top2: number; n: number }>;
  /** Submitted respondents; innovated: of those who answered the innovation question (answered). */
  respondents: Array<{ territoryId: number; n: number; innovated: number; answered: number }>;
}

/** Open-text answers listed per question on the ranking page and in the API. */
export const TEXT_ANSWERS_SHOWN = 200;

function emptyCounts(scale: Pick<TScale, 'min' | 'max'>): number[] {
  return scalePoints(scale).map(() => 0);
}

/**
 * The rating scale of every rating question by item code (the questionnaires module resolves a
 * question's own scale or the questionnaire's).
 */
export function ratingScales(questionnaire: Pick<Questionnaire, 'definition' | 'questions'>): { scale: TScale; byCode: Map<string, TScale> } {
  const byCode = new Map<string, TScale>();
  for (const q of questionnaire.questions) if (q.kind === 'rating') byCode.set(q.code, q.scale);
  return { scale: questionnaire.definition.scale, byCode };
}

/** The question that carries `role`, on the profile page or a category page. */
export function roleQuestion(questionnaire: Pick<Questionnaire, 'profileQuestions' | 'questions'>, role: TQuestionRole): FormQuestion | undefined {
  return [...questionnaire.profileQuestions, ...questionnaire.questions].find((q) => q.role === role);
}

/**
 * The questions the ranking summarises from their answers (choices, rankings, numbers; the
 * territory question's breakdown is the territory table): the answer cells hold their answers.
 */
function groupedQuestions(questionnaire: Pick<Questionnaire, 'profileQuestions' | 'questions'>): FormQuestion[] {
  return [...questionnaire.profileQuestions, ...questionnaire.questions].filter((q) => analysisSource(q) === 'answers' && q.role !== 'territory');
}

/** The items whose answers key the cells of a response, the rating questions and the territory directory (see RoleItems). */
export function roleItems(questionnaire: Pick<Questionnaire, 'profileQuestions' | 'questions' | 'items'>, territories: Array<Pick<TerritoryRecord, 'code' | 'id'>>): RoleItems {
  const id = (role: TQuestionRole) => roleQuestion(questionnaire, role)?.id ?? 0;
  const innovated = roleQuestion(questionnaire, 'innovated');
  return {
    territories: territories.map((t) => ({ code: t.code, id: t.id })),
    territory: id('territory'),
    sector: id('sector'),
    size: id('size'),
    innovated: innovated?.id ?? 0,
    notInnovating: innovated?.kind === 'multi-choice' ? innovated.options.filter((o) => o.exclusive).map((o) => o.code) : [],
    ratings: questionnaire.items.filter((i) => i.kind === 'rating').map((i) => ({ itemId: i.id, categoryId: i.categoryId })),
    grouped: groupedQuestions(questionnaire).map((q) => q.id),
  };
}

/** Cells summed over territories: per item, the histogram over its scale and the cannot-judge count. */
function histograms(cells: ItemCellSum[], scaleOf: (itemId: number) => TScale): Map<number, { counts: number[]; cannotJudge: number }> {
  const out = new Map<number, { counts: number[]; cannotJudge: number }>();
  for (const c of cells) {
    const scale = scaleOf(c.itemId);
    let h = out.get(c.itemId);
    if (!h) out.set(c.itemId, (h = { counts: emptyCounts(scale), cannotJudge: 0 }));
    if (c.cannotJudge) h.cannotJudge += c.answers;
    else if (c.value >= scale.min && c.value <= scale.max) h.counts[c.value - scale.min]! += c.answers;
  }
  return out;
}

function byRank<T extends { rank: number | null; position: number }>(a: T, b: T): number {
  if (a.rank === null || b.rank === null) return a.rank === null && b.rank === null ? a.position - b.position : a.rank === null ? 1 : -1;
  return a.rank - b.rank || a.position - b.position;
}

function categoryScale(
  items: AnalysisItem[],
  cellsByItem: Map<number, ItemCellSum[]>,
): Pick<CategoryRanking, 'completeResponses' | 'alpha' | 'alphaIfDeleted' | 'scaleMean' | 'scaleSd' | 'scaleCiLow' | 'scaleCiHigh'> {
  const moments = items.map((item) => {
    const own = (cellsByItem.get(item.id) ?? []).filter((c) => !c.cannotJudge);
    return {
      n: own.reduce((s, c) => s + c.complete, 0),
      sum: own.reduce((s, c) => s + c.value * c.complete, 0),
      squares: own.reduce((s, c) => s + c.value * c.value * c.complete, 0),
      crossTotal: own.reduce((s, c) => s + c.value * c.totalSum, 0),
      totalSum: own.reduce((s, c) => s + c.totalSum, 0),
      totalSquares: own.reduce((s, c) => s + c.totalSquares, 0),
    };
  });
  // Every complete respondent has one row per item of the category, so any item carries
  // the same n, sum T and sum T^2; the first one is used.
  const first = moments[0];
  const n = first?.n ?? 0;
  const k = items.length;
  const result = cronbachAlphaFromMoments({ n, totalSum: first?.totalSum ?? 0, totalSquares: first?.totalSquares ?? 0, items: moments });
  const scaleMean = n > 0 && k > 0 ? first!.totalSum / (n * k) : null;
  const scaleSd = result.totalVariance !== null && k > 0 ? Math.sqrt(result.totalVariance) / k : null;
  const half = scaleSd !== null && n >= 2 ? (studentTQuantile(0.975, n - 1) * scaleSd) / Math.sqrt(n) : null;
  return {
    completeResponses: n,
    alpha: result.alpha,
    alphaIfDeleted: items.map((item, i) => ({ code: item.code, alpha: result.alphaIfDeleted[i] ?? null })),
    scaleMean,
    scaleSd,
    scaleCiLow: scaleMean !== null && half !== null ? scaleMean - half : null,
    scaleCiHigh: scaleMean !== null && half !== null ? scaleMean + half : null,
  };
}

export class AnalysisService {
  constructor(
    readonly repo: AnalysisRepository,
    /** Rounds, questionnaires and territories are read through their owners, never from their tables. */
    private readonly rounds: Pick<RoundsService, 'find' | 'list' | 'listBrief'>,
    private readonly questionnaires: Pick<QuestionnairesService, 'getQuestionnaire'>,
    private readonly territoriesService: Pick<TerritoriesService, 'list'>,
  ) {}

  listRounds(): Promise<AnalysisRound[]> {
    return this.rounds.list();
  }

  /** Every round without counting responses (the comparison choices of a ranking page). */
  listRoundsBrief(): Promise<AnalysisRound[]> {
    return this.rounds.listBrief();
  }

  territories(): Promise<TerritoryRecord[]> {
    return this.territoriesService.list();
  }

  /** Questionnaire versions never change once a round uses them, so each is read once. */
  private readonly questionnaireCache = new Map<number, Promise<Questionnaire>>();
  questionnaire(id: number, trx?: Knex.Transaction): Promise<Questionnaire> {
    let q = this.questionnaireCache.get(id);
    // Inside a transaction read through it (SQLite has one connection); only a committed read is kept.
    if (!q && trx) return this.questionnaires.getQuestionnaire(id, trx);
    if (!q) {
      q = this.questionnaires.getQuestionnaire(id);
      q.catch(() => this.questionnaireCache.delete(id));
      this.questionnaireCache.set(id, q);
    }
    return q;
  }

  async round(id: number): Promise<AnalysisRound> {
    const round = await this.rounds.find(id);
    if (!round) throw new NotFoundError('analysis:roundNotFound');
    const q = await this.questionnaire(round.questionnaireId);
    return { ...round, questionnaireCode: q.code, questionnaireVersion: q.version, questionnaireTitle_kk: q.title_kk, questionnaireTitle_ru: q.title_ru, questionnaireTitle_en: q.title_en, submitted: 0 };
  }

  private async roleItemsOf(roundId: number, trx?: Knex.Transaction): Promise<RoleItems> {
    const round = await this.rounds.find(roundId, trx);
    if (!round) throw new NotFoundError('analysis:roundNotFound');
    return roleItems(await this.questionnaire(round.questionnaireId, trx), await this.territoriesService.list(trx));
  }

  /**
   * The round of the same questionnaire that came before this one (by opening date, else by
   * creation, then id): what the round report compares with when no other round is chosen.
   */
  async previousRound(round: AnalysisRound): Promise<AnalysisRound | undefined> {
    const when = (r: AnalysisRound) => `${r.opensAt ?? r.createdAt}\u0000${String(r.id).padStart(12, '0')}`;
    return (await this.rounds.listBrief())
      .filter((r) => r.id !== round.id && r.questionnaireCode === round.questionnaireCode && when(r) < when(round))
      .sort((a, b) => (when(a) < when(b) ? 1 : -1))[0];
  }

  /**
   * Bring the round's cells up to date: the background counter's pass (analysis.counter.ts),
   * the CLI and bulk loaders call it, never a page. Two index scans when nothing is new; the
   * missing responses are counted in chunks; after a counted response disappeared the round is
   * recounted from its answers.
   */
  async ensureCounted(roundId: number, trx?: Knex.Transaction): Promise<void> {
    const state = await this.repo.countState(roundId, trx);
    if (state.submitted === state.counted && state.submittedIds === state.countedIds) return;
    if (state.counted > 0 && (await this.repo.hasStaleCounts(roundId, trx))) await this.repo.forgetRound(roundId, trx);
    await this.repo.countPending(roundId, await this.roleItemsOf(roundId, trx), trx);
  }

  /**
   * Per-territory aggregates of a round's ratings, from the cells: the one rating aggregation
   * the indicators publish (survey indicators of a closed round) and the ranking share.
   * "Cannot judge" is left out of means and shares; respondents without a territory are left
   * out; top-box is the top two points of each item's scale. Runs inside `trx` when given.
   */
  async territoryAggregates(roundId: number, trx?: Knex.Transaction): Promise<TerritoryAggregates> {
    await this.ensureCounted(roundId, trx);
    const round = await this.rounds.find(roundId, trx);
    if (!round) throw new NotFoundError('analysis:roundNotFound');
    const [questionnaire, cells, respondents] = await Promise.all([
      this.questionnaire(round.questionnaireId, trx),
      this.repo.itemCellSums(roundId, {}, trx),
      this.repo.respondentsByTerritory(roundId, trx),
    ]);
    const ratings = new Map(questionnaire.items.filter((i) => i.kind === 'rating').map((i) => [i.id, i]));
    const scales = ratingScales(questionnaire);
    const sums = new Map<string, { territoryId: number; key: number; sum: number; n: number; top2: number }>();
    const add = (kind: string, territoryId: number, key: number, value: number, answers: number, top: boolean) => {
      const id = `${kind}:${territoryId}:${key}`;
      const entry = sums.get(id) ?? { territoryId, key, sum: 0, n: 0, top2: 0 };
      entry.sum += value * answers;
      entry.n += answers;
      if (top) entry.top2 += answers;
      sums.set(id, entry);
    };
    for (const c of cells) {
      const item = ratings.get(c.itemId);
      if (!item || c.territoryId === 0 || c.cannotJudge) continue;
      const scale = scales.byCode.get(item.code) ?? scales.scale;
      const top = c.value >= scale.max - 1;
      add('all', c.territoryId, 0, c.value, c.answers, top);
      add('category', c.territoryId, item.categoryId, c.value, c.answers, top);
      add('item', c.territoryId, item.id, c.value, c.answers, top);
    }
    const of = (kind: string) => [...sums].filter(([id]) => id.startsWith(`${kind}:`)).map(([, e]) => e);
    const byTerritory = new Map<number, { n: number; innovated: number; answered: number }>();
    for (const r of respondents) {
      if (r.territoryId === 0) continue;
      const entry = byTerritory.get(r.territoryId) ?? { n: 0, innovated: 0, answered: 0 };
      entry.n += r.respondents;
      if (r.innovated === 1) entry.innovated += r.respondents;
      if (r.innovated !== -1) entry.answered += r.respondents;
      byTerritory.set(r.territoryId, entry);
    }
    return {
      overall: of('all').map((e) => ({ territoryId: e.territoryId, mean: e.sum / e.n, n: e.n })),
      byCategory: of('category').map((e) => ({ territoryId: e.territoryId, categoryId: e.key, mean: e.sum / e.n, n: e.n })),
      byItem: of('item').map((e) => ({ territoryId: e.territoryId, itemId: e.key, top2: e.top2, n: e.n })),
      respondents: [...byTerritory].map(([territoryId, e]) => ({ territoryId, ...e })),
    };
  }

  /** The rounds the counter's sweep looks at: every round not archived. */
  async roundsToCount(): Promise<number[]> {
    return (await this.rounds.listBrief()).filter((r) => r.status !== 'archived').map((r) => r.id);
  }

  /**
   * The heat map of a ranking: each barrier's ratings per territory, sector or size under the
   * same filters, from the cells as counted so far (like the ranking itself). See analysis.heatmap.ts.
   */
  async heatMap(ranking: RoundRanking, by: THeatMapBy): Promise<HeatMapCells> {
    const cells = await this.repo.itemCellsByGroup(ranking.round.id, ranking.filters, by);
    return heatMapCells(ranking, cells);
  }

  /** Recount a round from its answers (CLI and after bulk changes). */
  async rebuild(roundId: number): Promise<number> {
    await this.round(roundId);
    await this.repo.forgetRound(roundId);
    return this.repo.countPending(roundId, await this.roleItemsOf(roundId));
  }

  /** The submitted responses of a round in its cells (the CLI's status line). */
  countState(roundId: number) {
    return this.repo.countState(roundId);
  }

  /** The round's sector, size and territory values present in its cells (the filter form's choices). */
  presentValues(roundId: number) {
    return this.repo.profileValues(roundId);
  }

  async ranking(roundId: number, query: TRankingQuery = {}): Promise<RoundRanking> {
    const round = await this.round(roundId);
    const filters = filtersOf(query);
    let compareRound: AnalysisRound | null = null;
    if (query.compare !== undefined) {
      compareRound = query.compare === round.id ? null : await this.round(query.compare).catch(() => null);
      if (!compareRound) throw new ValidationError([{ path: 'compare', key: 'errors:field.invalidChoice' }]);
    }
    // The cells are read as the background counter left them; submissions it has not reached
    // yet are reported, never counted here (a burst of submissions must not slow this page).
    const uncounted = await this.repo.uncounted(round.id);
    const [questionnaire, territories, cells, profiles] = await Promise.all([
      this.questionnaire(round.questionnaireId),
      this.territories(),
      this.repo.itemCellSums(round.id, filters),
      this.repo.profileCellSums(round.id, filters),
    ]);
    const { categories } = questionnaire;
    const items = questionnaire.items.filter((i) => i.kind === 'rating');
    const scales = ratingScales(questionnaire);
    const scaleById = new Map(items.map((i) => [i.id, scales.byCode.get(i.code) ?? scales.scale]));
    const scaleOf = (itemId: number) => scaleById.get(itemId) ?? scales.scale;
    const hist = histograms(cells, scaleOf);
    const categoryById = new Map(categories.map((c) => [c.id, c]));
    const territoryById = new Map(territories.map((t) => [t.id, t]));
    // Per item, the territory x value table of Kruskal-Wallis (respondents without a territory left out).
    const byTerritory = new Map<number, Map<number, number[]>>();
    for (const c of cells) {
      const scale = scaleOf(c.itemId);
      if (c.territoryId === 0 || c.cannotJudge || c.value < scale.min || c.value > scale.max) continue;
      let table = byTerritory.get(c.itemId);
      if (!table) byTerritory.set(c.itemId, (table = new Map()));
      let row = table.get(c.territoryId);
      if (!row) table.set(c.territoryId, (row = emptyCounts(scale)));
      row[c.value - scale.min]! += c.answers;
    }

    const summaries = items.map((item) => {
      const scale = scaleOf(item.id);
      const h = hist.get(item.id) ?? { counts: emptyCounts(scale), cannotJudge: 0 };
      const table = [...(byTerritory.get(item.id)?.values() ?? [])];
      return { item, h, summary: likertSummaryFromCounts(h.counts, 0.95, scale.min), kw: kruskalWallisFromCounts(table) };
    });
    const itemRanks = rankWithTies(summaries.map((s) => s.summary.mean));
    const rankedItems: ItemRanking[] = summaries
      .map(({ item, h, summary, kw }, i) => ({
        ...summary,
        id: item.id,
        code: item.code,
        position: item.position,
        categoryId: item.categoryId,
        categoryCode: categoryById.get(item.categoryId)?.code ?? '',
        text_kk: item.text_kk,
        text_ru: item.text_ru,
        text_en: item.text_en,
        cannotJudge: h.cannotJudge,
        rank: itemRanks[i]!,
        referenceMean: item.referenceMean,
        kruskalWallis: kw,
      }))
      .sort(byRank);

    const cellsByItem = new Map<number, ItemCellSum[]>();
    for (const c of cells) {
      const list = cellsByItem.get(c.itemId);
      if (list) list.push(c);
      else cellsByItem.set(c.itemId, [c]);
    }
    const categorySummaries = categories.map((category: QuestionnaireCategoryRow) => {
      const own = items.filter((item) => item.categoryId === category.id);
      // The questionnaire checks that the ratings of one category share a scale.
      const scale = own[0] ? scaleOf(own[0].id) : scales.scale;
      const counts = emptyCounts(scale);
      let cannotJudge = 0;
      for (const item of own) {
        const h = hist.get(item.id);
        if (!h) continue;
        h.counts.forEach((c, v) => (counts[v]! += c));
        cannotJudge += h.cannotJudge;
      }
      return { category, own, summary: likertSummaryFromCounts(counts, 0.95, scale.min), cannotJudge, scale: categoryScale(own, cellsByItem) };
    }).filter((c) => c.own.length > 0);
    const categoryRanks = rankWithTies(categorySummaries.map((c) => c.summary.mean));
    const rankedCategories: CategoryRanking[] = categorySummaries.map(({ category, own, summary, cannotJudge, scale }, i) => ({
      ...summary,
      ...scale,
      id: category.id,
      code: category.code,
      title_kk: category.title_kk,
      title_ru: category.title_ru,
      title_en: category.title_en,
      itemCodes: own.map((i) => i.code),
      cannotJudge,
      rank: categoryRanks[i]!,
    }));

    const territoryCounts: TerritoryCount[] = profiles
      .map((p) => ({ territory: territoryById.get(p.territoryId) ?? null, respondents: p.respondents }))
      .sort((a, b) => (a.territory ? territories.indexOf(a.territory) : Infinity) - (b.territory ? territories.indexOf(b.territory) : Infinity));

    // The profile questions are answers like the others, summarised the same way (the territory
    // question's breakdown is the territory table above); ratings are ranked from the cells;
    // every other kind says where its analysis reads from.
    const others = [...questionnaire.profileQuestions, ...questionnaire.questions].filter((q) => analysisSource(q) !== 'ranking' && q.role !== 'territory');
    const territoryCode = (id: number) => territoryById.get(id)?.code ?? String(id);
    // A number is summarised from its values alone (questionnaires/kinds/number.ts): its cells
    // are summed over the profile groups in the database, which keeps the rows read to its
    // distinct values rather than values times profile groups.
    const grouped = groupedQuestions(questionnaire);
    const groups = (
      await Promise.all([
        this.repo.answerGroups(round.id, grouped.filter((q) => q.kind !== 'number').map((q) => q.id), filters),
        this.repo.answerValues(round.id, grouped.filter((q) => q.kind === 'number').map((q) => q.id), filters),
      ])
    ).flat();
    const otherSummaries = await Promise.all(
      others.map(async (q) =>
        summariseQuestion(
          q,
          groups.filter((g) => g.itemId === q.id),
          territoryCode,
          analysisSource(q) === 'texts' ? await this.repo.textAnswers(round.id, q.id, filters, query.text, TEXT_ANSWERS_SHOWN) : { total: 0, texts: [] },
        ),
      ),
    );
    const questions = otherSummaries.filter((s): s is QuestionSummary => s !== undefined);
    const bySize = new Map<string, { respondents: number; innovating: number }>();
    for (const row of await this.repo.innovationBySize(round.id, filters)) {
      if (row.innovated === -1) continue; // did not say
      const entry = bySize.get(row.size) ?? { respondents: 0, innovating: 0 };
      entry.respondents += row.respondents;
      if (row.innovated === 1) entry.innovating += row.respondents;
      bySize.set(row.size, entry);
    }
    const innovationBySize = [...bySize].map(([size, e]) => {
      const ci = wilsonInterval(e.innovating, e.respondents);
      return { size, ...e, level: e.respondents ? e.innovating / e.respondents : null, low: ci?.low ?? null, high: ci?.high ?? null };
    });

    const innovatedQuestion = roleQuestion(questionnaire, 'innovated');
    const fundingQuestion = roleQuestion(questionnaire, 'funding');
    return {
      round,
      questions,
      innovationBySize,
      innovation:
        innovatedQuestion?.kind === 'multi-choice'
          ? innovationLevels(
              innovatedQuestion,
              groups.filter((g) => g.itemId === innovatedQuestion.id),
              roleQuestion(questionnaire, 'size'),
            )
          : null,
      funding: fundingQuestion ? fundingSources(fundingQuestion, groups.filter((g) => g.itemId === fundingQuestion.id)) : null,
      reference: referenceComparison(rankedItems, questions),
      scale: { min: scales.scale.min, max: scales.scale.max, points: scalePoints(scales.scale), labels: scales.scale.labels },
      filters,
      respondents: profiles.reduce((s, p) => s + p.respondents, 0),
      items: rankedItems,
      categories: rankedCategories,
      territories: territoryCounts,
      comparison: compareRound ? await this.compare(rankedItems, compareRound, filters) : null,
      uncounted,
    };
  }

  /** Mann-Whitney per item between this round and another, items matched by code, same filters. */
  private async compare(current: ItemRanking[], other: AnalysisRound, filters: TRankingFilters): Promise<RoundComparison> {
    const [otherQuestionnaire, otherCells] = await Promise.all([this.questionnaire(other.questionnaireId), this.repo.itemCellSums(other.id, filters)]);
    const otherItems = otherQuestionnaire.items;
    const scales = ratingScales(otherQuestionnaire);
    const scaleById = new Map(otherItems.map((i) => [i.id, scales.byCode.get(i.code) ?? scales.scale]));
    const hist = histograms(otherCells, (id) => scaleById.get(id) ?? scales.scale);
    const otherByCode = new Map(otherItems.filter((i) => i.kind === 'rating').map((i) => [i.code, i]));
    const items: ItemComparison[] = [];
    for (const item of current) {
      const match = otherByCode.get(item.code);
      const otherScale = match ? scaleById.get(match.id)! : undefined;
      // Ratings on different scales are not comparable by rank sums.
      if (!match || otherScale!.min !== item.lowest || otherScale!.max - otherScale!.min + 1 !== item.counts.length) continue;
      const otherCounts = hist.get(match.id)?.counts ?? emptyCounts(otherScale!);
      items.push({
        code: item.code,
        text_kk: item.text_kk,
        text_ru: item.text_ru,
        text_en: item.text_en,
        current: likertSummaryFromCounts(item.counts, 0.95, item.lowest),
        other: likertSummaryFromCounts(otherCounts, 0.95, item.lowest),
        mannWhitney: mannWhitneyFromCounts(item.counts, otherCounts),
      });
    }
    return { round: other, items };
  }
}

/** For the command line and the benchmark, which run without the app: the composition root's analysis part. */
export function analysisService(db: Knex): AnalysisService {
  return buildAnalysisService(db);
}

/** The barrier ranking of a round without filters: what the benchmark and other modules call. */
export function rankRound(ctx: Pick<AppContext, 'db'>, roundId: number, query: TRankingQuery = {}): Promise<RoundRanking> {
  return analysisService(ctx.db).ranking(roundId, query);
}

/**
 * Count every submitted response of a round that is not in the analysis cells yet. Call it
 * after inserting responses in bulk (benchmark loader, test fixtures); submissions through the
 * respondent flow are counted by the background counter (analysis.counter.ts).
 */
export async function syncRoundCells(db: Knex, roundId: number): Promise<void> {
  await analysisService(db).ensureCounted(roundId);
}

export { countSubmittedResponse } from './analysis.repository';
