import crypto from 'node:crypto';
import type { Knex } from 'knex';
import { ilike, num, numOrNull } from '../../db/dialect';
import type { TRankingFilters } from './analysis.schemas';

/**
 * Every query of the analysis module. Rankings never read the answers table: they read the
 * cells of migrations/20261122_0040_analysis_cells.ts, which this file alone maintains.
 */

type Db = Knex | Knex.Transaction;

export interface AnalysisRound {
  id: number;
  title: string;
  status: string;
  questionnaireId: number;
  questionnaireCode: string;
  questionnaireVersion: number;
  opensAt: string | null;
  closesAt: string | null;
  createdAt: string;
}

export interface AnalysisRoundListEntry extends AnalysisRound {
  submitted: number;
}

export interface AnalysisCategory {
  id: number;
  code: string;
  position: number;
  title_kk: string;
  title_ru: string;
  title_en: string;
}

export interface AnalysisItem {
  id: number;
  code: string;
  kind: string;
  referenceMean: number | null;
  position: number;
  categoryId: number;
  text_kk: string;
  text_ru: string;
  text_en: string;
}

export interface AnalysisTerritory {
  id: number;
  code: string;
  kind: string;
  name_kk: string;
  name_ru: string;
  name_en: string;
}

/** Sums over the cells of one (item, territory, value); territory 0 = not stated. */
export interface ItemCellSum {
  itemId: number;
  territoryId: number;
  /** The rating; meaningless when cannotJudge. */
  value: number;
  cannotJudge: boolean;
  answers: number;
  complete: number;
  totalSum: number;
  totalSquares: number;
}

export interface ProfileCellSum {
  territoryId: number;
  respondents: number;
}

export interface ExportResponse {
  id: number;
  submittedAt: string | null;
  language: string;
  territoryCode: string | null;
  sector: string | null;
  size: string | null;
  employees: number | null;
  innovated: boolean | null;
}

export interface ExportAnswer {
  responseId: number;
  itemId: number;
  value: number | null;
  comment: string | null;
}

function toRound(row: Record<string, unknown>): AnalysisRound {
  return {
    id: num(row.id),
    title: String(row.title),
    status: String(row.status),
    questionnaireId: num(row.questionnaire_id),
    questionnaireCode: String(row.questionnaire_code),
    questionnaireVersion: num(row.questionnaire_version),
    opensAt: (row.opens_at as string | null) ?? null,
    closesAt: (row.closes_at as string | null) ?? null,
    createdAt: String(row.created_at),
  };
}

// The cell key of a response's profile. "Not stated" is a value, not NULL, so that ON CONFLICT matches it.
const PROFILE_KEY = `COALESCE(r.territory_id, 0), COALESCE(r.sector, ''), COALESCE(r.size, ''), CASE WHEN r.innovated IS NULL THEN -1 WHEN r.innovated THEN 1 ELSE 0 END`;

// Markers first: a response gets a marker in exactly one pass (ON CONFLICT DO NOTHING, also
// against a concurrent pass), and each pass then counts only the responses it marked.
const MARK_SQL = `
INSERT INTO analysis_counted_responses (response_id, round_id, batch)
SELECT r.id, r.round_id, :batch FROM responses r
WHERE r.round_id = :round AND r.status = 'submitted' AND r.id > :after AND r.id <= :upto
  AND NOT EXISTS (SELECT 1 FROM analysis_counted_responses m WHERE m.response_id = r.id)
ON CONFLICT (response_id) DO NOTHING`;

const PROFILE_CELLS_SQL = `
INSERT INTO analysis_profile_cells (round_id, territory_id, sector, size, innovated, respondents)
SELECT m.round_id, ${PROFILE_KEY}, COUNT(*)
FROM analysis_counted_responses m JOIN responses r ON r.id = m.response_id
WHERE m.round_id = :round AND m.batch = :batch AND m.response_id > :after AND m.response_id <= :upto
  AND r.id > :after AND r.id <= :upto
GROUP BY 1, 2, 3, 4, 5
ORDER BY 1, 2, 3, 4, 5
ON CONFLICT (round_id, territory_id, sector, size, innovated)
DO UPDATE SET respondents = analysis_profile_cells.respondents + excluded.respondents`;

// A respondent's category total T counts for alpha only when every item of the category got a
// 1..5 rating (listwise deletion); window sums over (response, category) give T without a
// self-join, so the plan cannot degrade into a join of every answer with every total. Every
// table is read through the id range of the pass (the answers' primary key starts with
// response_id): a pass over ten thousand responses of a million-response round reads those
// responses only. Rows are inserted in key order so that concurrent passes on PostgreSQL lock
// shared cells in the same order and cannot deadlock.
const ITEM_CELLS_SQL = `
INSERT INTO analysis_item_cells (round_id, item_id, territory_id, sector, size, innovated, value, cannot_judge, answers, complete, total_sum, total_squares)
SELECT x.round_id, x.item_id, x.territory_key, x.sector_key, x.size_key, x.innovated_key, x.value_key, x.cannot_judge_key,
       COUNT(*), COUNT(x.total), COALESCE(SUM(x.total), 0), COALESCE(SUM(x.total * x.total), 0)
FROM (
  SELECT m.round_id, a.item_id,
         COALESCE(r.territory_id, 0) AS territory_key, COALESCE(r.sector, '') AS sector_key, COALESCE(r.size, '') AS size_key,
         CASE WHEN r.innovated IS NULL THEN -1 WHEN r.innovated THEN 1 ELSE 0 END AS innovated_key,
         COALESCE(a.value, 0) AS value_key, CASE WHEN a.cannot_judge THEN 1 ELSE 0 END AS cannot_judge_key,
         CASE WHEN COUNT(a.value) OVER w = kc.k THEN SUM(a.value) OVER w END AS total
  FROM analysis_counted_responses m
  JOIN responses r ON r.id = m.response_id
  JOIN answers a ON a.response_id = m.response_id
  JOIN questionnaire_items i ON i.id = a.item_id
  JOIN (SELECT category_id, COUNT(*) AS k FROM questionnaire_items WHERE kind = 'rating' GROUP BY category_id) kc ON kc.category_id = i.category_id
  WHERE i.kind = 'rating' AND m.round_id = :round AND m.batch = :batch AND m.response_id > :after AND m.response_id <= :upto
    AND a.response_id > :after AND a.response_id <= :upto AND r.id > :after AND r.id <= :upto
  WINDOW w AS (PARTITION BY a.response_id, i.category_id)
) x
GROUP BY 1, 2, 3, 4, 5, 6, 7, 8
ORDER BY 1, 2, 3, 4, 5, 6, 7, 8
ON CONFLICT (round_id, item_id, territory_id, sector, size, innovated, value, cannot_judge)
DO UPDATE SET answers = analysis_item_cells.answers + excluded.answers,
              complete = analysis_item_cells.complete + excluded.complete,
              total_sum = analysis_item_cells.total_sum + excluded.total_sum,
              total_squares = analysis_item_cells.total_squares + excluded.total_squares`;

function newBatch(): number {
  return crypto.randomInt(1, 2 ** 47);
}

/** Count the submitted responses of `roundId` with ids in (after, upto] that are not counted yet. */
async function countRange(db: Db, roundId: number, after: number, upto: number): Promise<number> {
  const batch = newBatch();
  const marked = await db.raw(MARK_SQL, { batch, round: roundId, after, upto });
  const inserted = typeof marked === 'object' && marked && 'rowCount' in marked ? num((marked as { rowCount: unknown }).rowCount) : -1;
  // SQLite's driver does not report the count of INSERT ... SELECT through knex.raw; the cells
  // queries are then simply run (they find nothing when nothing was marked).
  if (inserted === 0) return 0;
  await db.raw(PROFILE_CELLS_SQL, { batch, round: roundId, after, upto });
  await db.raw(ITEM_CELLS_SQL, { batch, round: roundId, after, upto });
  return inserted;
}

function applyFilters(query: Knex.QueryBuilder, filters: TRankingFilters): Knex.QueryBuilder {
  if (filters.territory !== undefined) query.where('territory_id', filters.territory);
  if (filters.sector !== undefined) query.where('sector', filters.sector);
  if (filters.size !== undefined) query.where('size', filters.size);
  if (filters.innovated !== undefined) query.where('innovated', filters.innovated ? 1 : 0);
  return query;
}

/** Answers of one question grouped by their stored value and the respondent's territory, sector and size. */
export interface AnswerGroup {
  itemId: number;
  choice: string | null;
  numberValue: number | null;
  territoryId: number;
  sector: string;
  size: string;
  count: number;
}

function applyResponseFilters(query: Knex.QueryBuilder, filters: TRankingFilters): Knex.QueryBuilder {
  if (filters.territory !== undefined) query.where('r.territory_id', filters.territory);
  if (filters.sector !== undefined) query.where('r.sector', filters.sector);
  if (filters.size !== undefined) query.where('r.size', filters.size);
  if (filters.innovated !== undefined) query.where('r.innovated', filters.innovated);
  return query;
}

export class AnalysisRepository {
  constructor(private readonly db: Knex) {}

  private roundsQuery() {
    return this.db('rounds as r')
      .join('questionnaires as q', 'q.id', 'r.questionnaire_id')
      .select('r.id', 'r.title', 'r.status', 'r.questionnaire_id', 'r.opens_at', 'r.closes_at', 'r.created_at', 'q.code as questionnaire_code', 'q.version as questionnaire_version');
  }

  async listRounds(): Promise<AnalysisRoundListEntry[]> {
    const rows = await this.roundsQuery()
      .select(this.db.raw(`(SELECT COUNT(*) FROM responses s WHERE s.round_id = r.id AND s.status = 'submitted') AS submitted`))
      .orderBy([{ column: 'r.created_at', order: 'desc' }, { column: 'r.id', order: 'desc' }]);
    return rows.map((row: Record<string, unknown>) => ({ ...toRound(row), submitted: num(row.submitted) }));
  }

  /** Every round without counting its responses (the comparison choices of a ranking page). */
  async listRoundsBrief(): Promise<AnalysisRound[]> {
    const rows = await this.roundsQuery().orderBy([{ column: 'r.created_at', order: 'desc' }, { column: 'r.id', order: 'desc' }]);
    return rows.map((row: Record<string, unknown>) => toRound(row));
  }

  async findRound(id: number): Promise<AnalysisRound | undefined> {
    const row = await this.roundsQuery().where('r.id', id).first();
    return row ? toRound(row) : undefined;
  }

  async questionnaireDefinition(questionnaireId: number): Promise<unknown> {
    const row = await this.db('questionnaires').where({ id: questionnaireId }).first('definition');
    try {
      return row ? JSON.parse(String(row.definition)) : null;
    } catch {
      return null;
    }
  }

  async categories(questionnaireId: number): Promise<AnalysisCategory[]> {
    const rows = await this.db('questionnaire_categories')
      .where({ questionnaire_id: questionnaireId })
      .orderBy([{ column: 'position' }, { column: 'id' }])
      .select('id', 'code', 'position', 'title_kk', 'title_ru', 'title_en');
    return rows.map((r: Record<string, unknown>) => ({ ...(r as unknown as AnalysisCategory), id: num(r.id), position: num(r.position) }));
  }

  async items(questionnaireId: number): Promise<AnalysisItem[]> {
    const rows = await this.db('questionnaire_items')
      .where({ questionnaire_id: questionnaireId })
      .orderBy([{ column: 'position' }, { column: 'id' }])
      .select('id', 'code', 'kind', 'reference_mean', 'position', 'category_id', 'text_kk', 'text_ru', 'text_en');
    return rows.map((r: Record<string, unknown>) => ({
      id: num(r.id),
      code: String(r.code),
      kind: String(r.kind),
      referenceMean: numOrNull(r.reference_mean),
      position: num(r.position),
      categoryId: num(r.category_id),
      text_kk: String(r.text_kk),
      text_ru: String(r.text_ru),
      text_en: String(r.text_en),
    }));
  }

  async territories(): Promise<AnalysisTerritory[]> {
    const rows = await this.db('territories').orderBy([{ column: 'position' }, { column: 'id' }]).select('id', 'code', 'kind', 'name_kk', 'name_ru', 'name_en');
    return rows.map((r: Record<string, unknown>) => ({ ...(r as unknown as AnalysisTerritory), id: num(r.id) }));
  }

  /**
   * Submitted responses of the round against the responses already in the cells: their
   * numbers and the sums of their ids (a deleted response replaced by a new one keeps the
   * number but changes the sum). Two index scans.
   */
  async countState(roundId: number): Promise<{ submitted: number; counted: number; submittedIds: number; countedIds: number }> {
    // One pass over each index; both are covering (SQLite index entries carry the rowid).
    const [row] = await this.db
      .from(this.db('responses').where({ round_id: roundId, status: 'submitted' }).select(this.db.raw('COUNT(*) AS n'), this.db.raw('SUM(id) AS ids')).as('s'))
      .crossJoin(this.db('analysis_counted_responses').where({ round_id: roundId }).select(this.db.raw('COUNT(*) AS n'), this.db.raw('SUM(response_id) AS ids')).as('c') as never)
      .select('s.n as submitted', 's.ids as submitted_ids', 'c.n as counted', 'c.ids as counted_ids');
    return { submitted: num(row?.submitted), counted: num(row?.counted), submittedIds: num(row?.submitted_ids), countedIds: num(row?.counted_ids) };
  }

  /** Counted responses that were deleted, reopened or moved since: the cells hold stale answers. */
  async hasStaleCounts(roundId: number): Promise<boolean> {
    const row = await this.db('analysis_counted_responses as m')
      .leftJoin('responses as r', 'r.id', 'm.response_id')
      .where('m.round_id', roundId)
      .where((q) => q.whereNull('r.id').orWhereNot('r.status', 'submitted').orWhereRaw('r.round_id <> m.round_id'))
      .first(this.db.raw('1 AS stale'));
    return Boolean(row);
  }

  async forgetRound(roundId: number): Promise<void> {
    await this.db.transaction(async (trx) => {
      await trx('analysis_item_cells').where({ round_id: roundId }).del();
      await trx('analysis_profile_cells').where({ round_id: roundId }).del();
      await trx('analysis_counted_responses').where({ round_id: roundId }).del();
    });
  }

  /**
   * Count the round's uncounted submitted responses in chunks of `chunk` responses, each chunk
   * in its own transaction so that a large catch-up does not hold the database for minutes.
   */
  async countPending(roundId: number, chunk = 10_000): Promise<number> {
    let after = 0;
    let total = 0;
    for (;;) {
      const next = await this.db
        .from(
          this.db('responses as r')
            .where({ 'r.round_id': roundId, 'r.status': 'submitted' })
            .where('r.id', '>', after)
            .whereNotExists(this.db('analysis_counted_responses as m').whereRaw('m.response_id = r.id').select(this.db.raw('1')))
            .orderBy('r.id')
            .limit(chunk)
            .select('r.id')
            .as('pending'),
        )
        .first(this.db.raw('MAX(id) AS upto'), this.db.raw('COUNT(*) AS n'));
      const upto = numOrNull(next?.upto);
      if (upto === null || num(next?.n) === 0) return total;
      const done = await this.db.transaction((trx) => countRange(trx, roundId, after, upto));
      total += Math.max(0, done);
      after = upto;
    }
  }

  async itemCellSums(roundId: number, filters: TRankingFilters): Promise<ItemCellSum[]> {
    const query = this.db('analysis_item_cells')
      .where({ round_id: roundId })
      .groupBy('item_id', 'territory_id', 'value', 'cannot_judge')
      .select(
        'item_id',
        'territory_id',
        'value',
        'cannot_judge',
        this.db.raw('SUM(answers) AS answers'),
        this.db.raw('SUM(complete) AS complete'),
        this.db.raw('SUM(total_sum) AS total_sum'),
        this.db.raw('SUM(total_squares) AS total_squares'),
      );
    const rows = await applyFilters(query, filters);
    return rows.map((r: Record<string, unknown>) => ({
      itemId: num(r.item_id),
      territoryId: num(r.territory_id),
      value: num(r.value),
      cannotJudge: num(r.cannot_judge) === 1,
      answers: num(r.answers),
      complete: num(r.complete),
      totalSum: num(r.total_sum),
      totalSquares: num(r.total_squares),
    }));
  }

  /**
   * Answers per (item, group, value) for the heat map, grouped by territory (0 = not stated),
   * sector or size ('' = not stated); "cannot judge" left out.
   */
  async itemCellsByGroup(roundId: number, filters: TRankingFilters, by: 'territory' | 'sector' | 'size'): Promise<Array<{ itemId: number; group: string; value: number; answers: number }>> {
    const column = by === 'territory' ? 'territory_id' : by;
    const query = this.db('analysis_item_cells')
      .where({ round_id: roundId, cannot_judge: 0 })
      .groupBy('item_id', column, 'value')
      .select('item_id', this.db.ref(column).as('grp'), 'value', this.db.raw('SUM(answers) AS answers'));
    const rows = await applyFilters(query, filters);
    return rows.map((r: Record<string, unknown>) => ({ itemId: num(r.item_id), group: String(r.grp ?? ''), value: num(r.value), answers: num(r.answers) }));
  }

  async profileCellSums(roundId: number, filters: TRankingFilters): Promise<ProfileCellSum[]> {
    const query = this.db('analysis_profile_cells').where({ round_id: roundId }).groupBy('territory_id').select('territory_id', this.db.raw('SUM(respondents) AS respondents'));
    const rows = await applyFilters(query, filters);
    return rows.map((r: Record<string, unknown>) => ({ territoryId: num(r.territory_id), respondents: num(r.respondents) }));
  }

  /** Distinct sector and size codes present in the round (for the filter form beside the questionnaire's options). */
  async profileValues(roundId: number): Promise<{ sectors: string[]; sizes: string[]; territoryIds: number[] }> {
    const rows = await this.db('analysis_profile_cells').where({ round_id: roundId }).distinct('territory_id', 'sector', 'size');
    const uniq = <T>(xs: T[]) => [...new Set(xs)];
    return {
      sectors: uniq(rows.map((r: Record<string, unknown>) => String(r.sector)).filter((s) => s !== '')).sort(),
      sizes: uniq(rows.map((r: Record<string, unknown>) => String(r.size)).filter((s) => s !== '')).sort(),
      territoryIds: uniq(rows.map((r: Record<string, unknown>) => num(r.territory_id)).filter((t) => t !== 0)),
    };
  }

  /**
   * Answers of questions other than ratings, grouped: one row per distinct stored value (an
   * option, a set of options, an order, a number) and profile breakdown, so the summaries by
   * kind count groups rather than answers. Reads the answers of these items only.
   */
  async answerGroups(roundId: number, itemIds: number[], filters: TRankingFilters): Promise<AnswerGroup[]> {
    if (itemIds.length === 0) return [];
    const query = this.db('answers as a')
      .join('responses as r', 'r.id', 'a.response_id')
      .where('a.round_id', roundId)
      .whereIn('a.item_id', itemIds)
      .where('r.status', 'submitted')
      .groupBy('a.item_id', 'a.choice', 'a.number_value', 'r.territory_id', 'r.sector', 'r.size')
      .select('a.item_id', 'a.choice', 'a.number_value', 'r.territory_id', 'r.sector', 'r.size', this.db.raw('COUNT(*) AS n'));
    const rows = await applyResponseFilters(query, filters);
    return rows.map((r: Record<string, unknown>) => ({
      itemId: num(r.item_id),
      choice: (r.choice as string | null) ?? null,
      numberValue: numOrNull(r.number_value),
      territoryId: num(r.territory_id),
      sector: (r.sector as string | null) ?? '',
      size: (r.size as string | null) ?? '',
      count: num(r.n),
    }));
  }

  /** Open-text answers of one question, newest first, optionally only those containing `contains`. */
  async textAnswers(roundId: number, itemId: number, filters: TRankingFilters, contains: string | undefined, limit: number): Promise<{ total: number; texts: string[] }> {
    const base = () => {
      const q = this.db('answers as a').join('responses as r', 'r.id', 'a.response_id').where({ 'a.round_id': roundId, 'a.item_id': itemId, 'r.status': 'submitted' }).whereNotNull('a.text_value');
      // LIKE wildcards typed by the reader are dropped rather than escaped (SQLite needs an ESCAPE clause for that).
      if (contains) q.where(ilike(this.db, 'a.text_value', `%${contains.replace(/[%_\\]/g, '')}%`));
      return applyResponseFilters(q, filters);
    };
    const [count, rows] = await Promise.all([base().count({ n: '*' }).first(), base().orderBy('r.id', 'desc').limit(limit).select('a.text_value')]);
    return { total: num(count?.n), texts: rows.map((r: Record<string, unknown>) => String(r.text_value)) };
  }

  /** Respondents by size and whether they innovated, from the profile cells (the level of innovation activity by size). */
  async innovationBySize(roundId: number, filters: TRankingFilters): Promise<Array<{ size: string; innovated: number; respondents: number }>> {
    const query = this.db('analysis_profile_cells').where({ round_id: roundId }).groupBy('size', 'innovated').select('size', 'innovated', this.db.raw('SUM(respondents) AS respondents'));
    const rows = await applyFilters(query, filters);
    return rows.map((r: Record<string, unknown>) => ({ size: String(r.size), innovated: num(r.innovated), respondents: num(r.respondents) }));
  }

  /** One page of submitted responses for the export, in id order after `afterId`. */
  async exportResponses(roundId: number, filters: TRankingFilters, afterId: number, limit: number): Promise<ExportResponse[]> {
    const query = this.db('responses as r')
      .leftJoin('territories as t', 't.id', 'r.territory_id')
      .where({ 'r.round_id': roundId, 'r.status': 'submitted' })
      .where('r.id', '>', afterId)
      .orderBy('r.id')
      .limit(limit)
      .select('r.id', 'r.submitted_at', 'r.language', 't.code as territory_code', 'r.sector', 'r.size', 'r.employees', 'r.innovated');
    if (filters.territory !== undefined) query.where('r.territory_id', filters.territory);
    if (filters.sector !== undefined) query.where('r.sector', filters.sector);
    if (filters.size !== undefined) query.where('r.size', filters.size);
    if (filters.innovated !== undefined) query.where('r.innovated', filters.innovated);
    const rows = await query;
    return rows.map((r: Record<string, unknown>) => ({
      id: num(r.id),
      submittedAt: (r.submitted_at as string | null) ?? null,
      language: String(r.language),
      territoryCode: (r.territory_code as string | null) ?? null,
      sector: (r.sector as string | null) ?? null,
      size: (r.size as string | null) ?? null,
      employees: numOrNull(r.employees),
      innovated: r.innovated === null || r.innovated === undefined ? null : r.innovated === true || r.innovated === 1 || r.innovated === '1',
    }));
  }

  /** The answers of responses with ids in [fromId, toId] (one page of the export). */
  async exportAnswers(roundId: number, fromId: number, toId: number): Promise<ExportAnswer[]> {
    const rows = await this.db('answers')
      .where({ round_id: roundId })
      .whereBetween('response_id', [fromId, toId])
      .select('response_id', 'item_id', 'value', 'comment');
    return rows.map((r: Record<string, unknown>) => ({
      responseId: num(r.response_id),
      itemId: num(r.item_id),
      value: numOrNull(r.value),
      comment: (r.comment as string | null) ?? null,
    }));
  }
}

/**
 * Count one just-submitted response into the cells, inside the caller's transaction (the
 * respondent flow's submit). Idempotent: a response already counted is left alone.
 */
export async function countSubmittedResponse(trx: Db, roundId: number, responseId: number): Promise<void> {
  await countRange(trx, roundId, responseId - 1, responseId);
}
