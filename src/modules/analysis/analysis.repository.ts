import crypto from 'node:crypto';
import type { Knex } from 'knex';
import { ilike, num, numOrNull } from '../../db/dialect';
import type { TRankingFilters } from './analysis.schemas';

/**
 * Every query of the analysis module. Rankings never read the answers table: they read the
 * cells of migrations/20261122_0040_analysis_cells.ts, which this file alone maintains.
 */

type Db = Knex | Knex.Transaction;

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

/**
 * The items whose answers key a response's cells: the questionnaire's questions with the roles
 * territory, sector, size and innovated (0 when it has none), and the options of the
 * innovation question that mean "no innovation" (its exclusive ones, "none").
 */
export interface RoleItems {
  /** The territory directory (code, id): a territory answer is a code, the cells keep the id. */
  territories: Array<{ code: string; id: number }>;
  territory: number;
  sector: number;
  size: number;
  innovated: number;
  notInnovating: string[];
  /**
   * The questionnaire's rating questions (item id, category id): only their answers go into the
   * item cells, and a category's total needs its number of rating questions. The questionnaires
   * module says which items these are; the counting reads its own tables and the answers only.
   */
  ratings: Array<{ itemId: number; categoryId: number }>;
  /**
   * The questions summarised from their answers (choices, rankings, numbers): their answers go
   * into the answer cells, so that a ranking never reads the answers table.
   */
  grouped: number[];
}

// Markers first: a response gets a marker in exactly one pass (ON CONFLICT DO NOTHING, also
// against a concurrent pass), and each pass then counts only the responses it marked. The marker
// carries the response's cell key, read from the answers of the questions with those roles
// (primary-key lookups); "not stated" is a value, not NULL, so that ON CONFLICT matches it. A
// territory answer is a code; its id comes from the directory the caller read through the
// territories module (a VALUES list), not from that module's table.
const MARK_SQL = `
INSERT INTO analysis_counted_responses (response_id, round_id, batch, territory_id, sector, size, innovated)
SELECT r.id, r.round_id, :batch, COALESCE(t.id, 0), COALESCE(SUBSTR(sa.choice, 1, 60), ''), COALESCE(SUBSTR(za.choice, 1, 20), ''),
       CASE WHEN ia.choice IS NULL THEN -1 WHEN :notInnovating LIKE ('% ' || ia.choice || ' %') THEN 0 ELSE 1 END
FROM responses r
LEFT JOIN answers ta ON ta.response_id = r.id AND ta.item_id = :territoryItem
LEFT JOIN :territories AS t ON t.code = ta.choice
LEFT JOIN answers sa ON sa.response_id = r.id AND sa.item_id = :sectorItem
LEFT JOIN answers za ON za.response_id = r.id AND za.item_id = :sizeItem
LEFT JOIN answers ia ON ia.response_id = r.id AND ia.item_id = :innovatedItem
WHERE r.round_id = :round AND r.status = 'submitted' AND r.id > :after AND r.id <= :upto
  AND NOT EXISTS (SELECT 1 FROM analysis_counted_responses m WHERE m.response_id = r.id)
ON CONFLICT (response_id) DO NOTHING`;

const PROFILE_CELLS_SQL = `
INSERT INTO analysis_profile_cells (round_id, territory_id, sector, size, innovated, respondents)
SELECT m.round_id, m.territory_id, m.sector, m.size, m.innovated, COUNT(*)
FROM analysis_counted_responses m
WHERE m.round_id = :round AND m.batch = :batch AND m.response_id > :after AND m.response_id <= :upto
GROUP BY 1, 2, 3, 4, 5
ORDER BY 1, 2, 3, 4, 5
ON CONFLICT (round_id, territory_id, sector, size, innovated)
DO UPDATE SET respondents = analysis_profile_cells.respondents + excluded.respondents`;

// A respondent's category total T counts for alpha only when every item of the category got a
// 1..5 rating (listwise deletion); window sums over (response, category) give T without a
// self-join, so the plan cannot degrade into a join of every answer with every total. Every
// table is read through the id range of the pass (the answers' primary key starts with
// response_id): a pass over ten thousand responses of a million-response round reads those
// responses only. The rating questions and each category's number of them come in as a VALUES
// list (ratingList), from the questionnaire the caller read through the questionnaires module,
// as the territory directory does for MARK_SQL. The CROSS JOINs keep SQLite's join order (it
// takes CROSS JOIN as written): a response's answers are read in primary-key order and each is
// matched against that short list, rather than one index lookup per (response, rating
// question); PostgreSQL plans them as ordinary joins. Rows are inserted in key order so that
// concurrent passes on PostgreSQL lock shared cells in the same order and cannot deadlock.
const ITEM_CELLS_SQL = `
INSERT INTO analysis_item_cells (round_id, item_id, territory_id, sector, size, innovated, value, cannot_judge, answers, complete, total_sum, total_squares)
SELECT x.round_id, x.item_id, x.territory_key, x.sector_key, x.size_key, x.innovated_key, x.value_key, x.cannot_judge_key,
       COUNT(*), COUNT(x.total), COALESCE(SUM(x.total), 0), COALESCE(SUM(x.total * x.total), 0)
FROM (
  SELECT m.round_id, a.item_id,
         m.territory_id AS territory_key, m.sector AS sector_key, m.size AS size_key, m.innovated AS innovated_key,
         COALESCE(a.value, 0) AS value_key, CASE WHEN a.cannot_judge THEN 1 ELSE 0 END AS cannot_judge_key,
         CASE WHEN COUNT(a.value) OVER w = ri.k THEN SUM(a.value) OVER w END AS total
  FROM analysis_counted_responses m
  CROSS JOIN answers a
  CROSS JOIN :ratings AS ri
  WHERE a.response_id = m.response_id AND ri.item_id = a.item_id
    AND m.round_id = :round AND m.batch = :batch AND m.response_id > :after AND m.response_id <= :upto
    AND a.response_id > :after AND a.response_id <= :upto
  WINDOW w AS (PARTITION BY a.response_id, ri.category_id)
) x
GROUP BY 1, 2, 3, 4, 5, 6, 7, 8
ORDER BY 1, 2, 3, 4, 5, 6, 7, 8
ON CONFLICT (round_id, item_id, territory_id, sector, size, innovated, value, cannot_judge)
DO UPDATE SET answers = analysis_item_cells.answers + excluded.answers,
              complete = analysis_item_cells.complete + excluded.complete,
              total_sum = analysis_item_cells.total_sum + excluded.total_sum,
              total_squares = analysis_item_cells.total_squares + excluded.total_squares`;

// The answers of the grouped questions per counted response's key and stored answer (see
// migrations/20261128_2200_analysis_answer_cells.ts): what the summaries by kind count, so that
// the ranking page reads these groups and not every answer of the round.
const ANSWER_CELLS_SQL = `
INSERT INTO analysis_answer_cells (round_id, item_id, territory_id, sector, size, innovated, missing, choice, number_value, answers)
SELECT m.round_id, a.item_id, m.territory_id, m.sector, m.size, m.innovated,
       (CASE WHEN a.choice IS NULL THEN 1 ELSE 0 END) + (CASE WHEN a.number_value IS NULL THEN 2 ELSE 0 END),
       COALESCE(a.choice, ''), COALESCE(a.number_value, 0), COUNT(*)
FROM analysis_counted_responses m
JOIN answers a ON a.response_id = m.response_id
JOIN :grouped AS g ON g.item_id = a.item_id
WHERE m.round_id = :round AND m.batch = :batch AND m.response_id > :after AND m.response_id <= :upto
  AND a.response_id > :after AND a.response_id <= :upto
GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9
ORDER BY 1, 2, 3, 4, 5, 6, 7, 8, 9
ON CONFLICT (round_id, item_id, territory_id, sector, size, innovated, missing, choice, number_value)
DO UPDATE SET answers = analysis_answer_cells.answers + excluded.answers`;

/** Item ids as a derived table (item_id) for ANSWER_CELLS_SQL. */
function itemIdList(db: Db, ids: number[]): Knex.Raw {
  return db.raw(`(SELECT column1 AS item_id FROM (VALUES ${ids.map(() => '(CAST(? AS INTEGER))').join(', ')}) AS v)`, ids);
}

/** The directory as a derived table (code, id) for MARK_SQL; an empty directory is an empty table. */
function territoryList(db: Db, territories: RoleItems['territories']): Knex.Raw {
  if (territories.length === 0) return db.raw('(SELECT NULL AS code, 0 AS id WHERE 1 = 0)');
  const rows = territories.map(() => '(?, CAST(? AS INTEGER))').join(', ');
  return db.raw(`(SELECT column1 AS code, column2 AS id FROM (VALUES ${rows}) AS v)`, territories.flatMap((t) => [t.code, t.id]));
}

/**
 * The rating questions as a derived table (item_id, category_id, k) for ITEM_CELLS_SQL, k being
 * the number of rating questions of the item's category; no ratings is an empty table.
 */
function ratingList(db: Db, ratings: RoleItems['ratings']): Knex.Raw {
  if (ratings.length === 0) return db.raw('(SELECT 0 AS item_id, 0 AS category_id, 0 AS k WHERE 1 = 0)');
  const perCategory = new Map<number, number>();
  for (const r of ratings) perCategory.set(r.categoryId, (perCategory.get(r.categoryId) ?? 0) + 1);
  const rows = ratings.map(() => '(CAST(? AS INTEGER), CAST(? AS INTEGER), CAST(? AS INTEGER))').join(', ');
  return db.raw(
    `(SELECT column1 AS item_id, column2 AS category_id, column3 AS k FROM (VALUES ${rows}) AS v)`,
    ratings.flatMap((r) => [r.itemId, r.categoryId, perCategory.get(r.categoryId)!]),
  );
}

function newBatch(): number {
  return crypto.randomInt(1, 2 ** 47);
}

/** Count the submitted responses of `roundId` with ids in (after, upto] that are not counted yet. */
async function countRange(db: Db, roundId: number, roles: RoleItems, after: number, upto: number): Promise<number> {
  const batch = newBatch();
  const marked = await db.raw(MARK_SQL, {
    batch,
    round: roundId,
    after,
    upto,
    territoryItem: roles.territory,
    sectorItem: roles.sector,
    sizeItem: roles.size,
    innovatedItem: roles.innovated,
    territories: territoryList(db, roles.territories),
    // Space-delimited, so that LIKE matches whole codes only.
    notInnovating: ` ${roles.notInnovating.join(' ')} `,
  });
  const inserted = typeof marked === 'object' && marked && 'rowCount' in marked ? num((marked as { rowCount: unknown }).rowCount) : -1;
  // SQLite's driver does not report the count of INSERT ... SELECT through knex.raw; the cells
  // queries are then simply run (they find nothing when nothing was marked).
  if (inserted === 0) return 0;
  await db.raw(PROFILE_CELLS_SQL, { batch, round: roundId, after, upto });
  await db.raw(ITEM_CELLS_SQL, { batch, round: roundId, after, upto, ratings: ratingList(db, roles.ratings) });
  if (roles.grouped.length > 0) await db.raw(ANSWER_CELLS_SQL, { batch, round: roundId, after, upto, grouped: itemIdList(db, roles.grouped) });
  return inserted;
}

/**
 * `fn` in a transaction of its own, or inside the caller's (publishing a round's indicators reads
 * the cells inside the closing transaction; SQLite's one connection cannot open a second one).
 */
function inTransaction<T>(db: Db, fn: (trx: Knex.Transaction) => Promise<T>): Promise<T> {
  return db.isTransaction ? fn(db as Knex.Transaction) : (db as Knex).transaction(fn);
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
  /** 1 innovated, 0 did not, -1 not stated. */
  innovated: number;
  count: number;
}

/** An answer cell (or a sum of cells) as the summaries by kind read it. */
function answerGroupOf(r: Record<string, unknown>): AnswerGroup {
  const missing = num(r.missing);
  return {
    itemId: num(r.item_id),
    choice: missing & 1 ? null : String(r.choice),
    numberValue: missing & 2 ? null : num(r.number_value),
    territoryId: num(r.territory_id),
    sector: String(r.sector ?? ''),
    size: String(r.size ?? ''),
    innovated: num(r.innovated),
    count: num(r.answers),
  };
}

/** Filters on the counted responses' cell keys (m): a response's role values as its cells have them. */
function applyResponseFilters(query: Knex.QueryBuilder, filters: TRankingFilters): Knex.QueryBuilder {
  if (filters.territory !== undefined) query.where('m.territory_id', filters.territory);
  if (filters.sector !== undefined) query.where('m.sector', filters.sector);
  if (filters.size !== undefined) query.where('m.size', filters.size);
  if (filters.innovated !== undefined) query.where('m.innovated', filters.innovated ? 1 : 0);
  return query;
}

export class AnalysisRepository {
  constructor(private readonly db: Knex) {}

  /**
   * Submitted responses of the round against the responses already in the cells: their
   * numbers and the sums of their ids (a deleted response replaced by a new one keeps the
   * number but changes the sum). Two index scans.
   */
  async countState(roundId: number, db: Db = this.db): Promise<{ submitted: number; counted: number; submittedIds: number; countedIds: number }> {
    // One pass over each index; both are covering (SQLite index entries carry the rowid).
    const [row] = await db
      .from(db('responses').where({ round_id: roundId, status: 'submitted' }).select(db.raw('COUNT(*) AS n'), db.raw('SUM(id) AS ids')).as('s'))
      .crossJoin(db('analysis_counted_responses').where({ round_id: roundId }).select(db.raw('COUNT(*) AS n'), db.raw('SUM(response_id) AS ids')).as('c') as never)
      .select('s.n as submitted', 's.ids as submitted_ids', 'c.n as counted', 'c.ids as counted_ids');
    return { submitted: num(row?.submitted), counted: num(row?.counted), submittedIds: num(row?.submitted_ids), countedIds: num(row?.counted_ids) };
  }

  /**
   * Submitted responses of the round the cells do not hold yet, for a page's notice: one scan
   * of the responses index, and the counted number from the profile cells (a few hundred rows
   * whose respondents add up to the counted responses) instead of a second scan of the markers.
   */
  async uncounted(roundId: number): Promise<number> {
    const [row] = await this.db
      .from(this.db('responses').where({ round_id: roundId, status: 'submitted' }).select(this.db.raw('COUNT(*) AS n')).as('s'))
      .crossJoin(this.db('analysis_profile_cells').where({ round_id: roundId }).select(this.db.raw('COALESCE(SUM(respondents), 0) AS n')).as('c') as never)
      .select('s.n as submitted', 'c.n as counted');
    return Math.max(0, num(row?.submitted) - num(row?.counted));
  }

  /** Counted responses that were deleted, reopened or moved since: the cells hold stale answers. */
  async hasStaleCounts(roundId: number, db: Db = this.db): Promise<boolean> {
    const row = await db('analysis_counted_responses as m')
      .leftJoin('responses as r', 'r.id', 'm.response_id')
      .where('m.round_id', roundId)
      .where((q) => q.whereNull('r.id').orWhereNot('r.status', 'submitted').orWhereRaw('r.round_id <> m.round_id'))
      .first(db.raw('1 AS stale'));
    return Boolean(row);
  }

  async forgetRound(roundId: number, db: Db = this.db): Promise<void> {
    await inTransaction(db, async (trx) => {
      await trx('analysis_item_cells').where({ round_id: roundId }).del();
      await trx('analysis_answer_cells').where({ round_id: roundId }).del();
      await trx('analysis_profile_cells').where({ round_id: roundId }).del();
      await trx('analysis_counted_responses').where({ round_id: roundId }).del();
    });
  }

  /**
   * Count the round's uncounted submitted responses in chunks of `chunk` responses, each chunk
   * in its own transaction so that a large catch-up does not hold the database for minutes.
   */
  async countPending(roundId: number, roles: RoleItems, db: Db = this.db, chunk = 10_000): Promise<number> {
    let after = 0;
    let total = 0;
    for (;;) {
      const next = await db
        .from(
          db('responses as r')
            .where({ 'r.round_id': roundId, 'r.status': 'submitted' })
            .where('r.id', '>', after)
            .whereNotExists(db('analysis_counted_responses as m').whereRaw('m.response_id = r.id').select(db.raw('1')))
            .orderBy('r.id')
            .limit(chunk)
            .select('r.id')
            .as('pending'),
        )
        .first(db.raw('MAX(id) AS upto'), db.raw('COUNT(*) AS n'));
      const upto = numOrNull(next?.upto);
      if (upto === null || num(next?.n) === 0) return total;
      const done = await inTransaction(db, (trx) => countRange(trx, roundId, roles, after, upto));
      total += Math.max(0, done);
      after = upto;
    }
  }

  async itemCellSums(roundId: number, filters: TRankingFilters, db: Db = this.db): Promise<ItemCellSum[]> {
    const query = db('analysis_item_cells')
      .where({ round_id: roundId })
      .groupBy('item_id', 'territory_id', 'value', 'cannot_judge')
      .select(
        'item_id',
        'territory_id',
        'value',
        'cannot_judge',
        db.raw('SUM(answers) AS answers'),
        db.raw('SUM(complete) AS complete'),
        db.raw('SUM(total_sum) AS total_sum'),
        db.raw('SUM(total_squares) AS total_squares'),
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

  async profileCellSums(roundId: number, filters: TRankingFilters, db: Db = this.db): Promise<ProfileCellSum[]> {
    const query = db('analysis_profile_cells').where({ round_id: roundId }).groupBy('territory_id').select('territory_id', db.raw('SUM(respondents) AS respondents'));
    const rows = await applyFilters(query, filters);
    return rows.map((r: Record<string, unknown>) => ({ territoryId: num(r.territory_id), respondents: num(r.respondents) }));
  }

  /** Respondents per territory and whether they innovated (1, 0, -1 not stated), over the whole round. */
  async respondentsByTerritory(roundId: number, db: Db = this.db): Promise<Array<{ territoryId: number; innovated: number; respondents: number }>> {
    const rows = await db('analysis_profile_cells').where({ round_id: roundId }).groupBy('territory_id', 'innovated').select('territory_id', 'innovated', db.raw('SUM(respondents) AS respondents'));
    return rows.map((r: Record<string, unknown>) => ({ territoryId: num(r.territory_id), innovated: num(r.innovated), respondents: num(r.respondents) }));
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
   * kind count groups rather than answers. Reads the answer cells, whose size follows the
   * distinct answers and profile groups, not the number of respondents.
   */
  async answerGroups(roundId: number, itemIds: number[], filters: TRankingFilters): Promise<AnswerGroup[]> {
    if (itemIds.length === 0) return [];
    const query = this.db('analysis_answer_cells')
      .where('round_id', roundId)
      .whereIn('item_id', itemIds)
      .select('item_id', 'missing', 'choice', 'number_value', 'territory_id', 'sector', 'size', 'innovated', 'answers');
    const rows = await applyFilters(query, filters);
    return rows.map(answerGroupOf);
  }

  /**
   * The same for questions summarised from their values alone (numbers): one row per distinct
   * stored answer, summed over the profile groups in the database (their profile keys are "not
   * stated"). A number has as many cells as distinct values times profile groups; the page
   * needs the values only.
   */
  async answerValues(roundId: number, itemIds: number[], filters: TRankingFilters): Promise<AnswerGroup[]> {
    if (itemIds.length === 0) return [];
    const query = this.db('analysis_answer_cells')
      .where('round_id', roundId)
      .whereIn('item_id', itemIds)
      .groupBy('item_id', 'missing', 'choice', 'number_value')
      .select('item_id', 'missing', 'choice', 'number_value', this.db.raw('SUM(answers) AS answers'));
    const rows = await applyFilters(query, filters);
    return rows.map((r: Record<string, unknown>) => answerGroupOf({ ...r, territory_id: 0, sector: '', size: '', innovated: -1 }));
  }

  /** Open-text answers of one question, newest first, optionally only those containing `contains`. */
  async textAnswers(roundId: number, itemId: number, filters: TRankingFilters, contains: string | undefined, limit: number): Promise<{ total: number; texts: string[] }> {
    const base = () => {
      const q = this.db('answers as a')
        .join('analysis_counted_responses as m', 'm.response_id', 'a.response_id')
        .where({ 'a.round_id': roundId, 'a.item_id': itemId, 'm.round_id': roundId })
        .whereNotNull('a.text_value');
      // LIKE wildcards typed by the reader are dropped rather than escaped (SQLite needs an ESCAPE clause for that).
      if (contains) q.where(ilike(this.db, 'a.text_value', `%${contains.replace(/[%_\\]/g, '')}%`));
      return applyResponseFilters(q, filters);
    };
    const [count, rows] = await Promise.all([base().count({ n: '*' }).first(), base().orderBy('a.response_id', 'desc').limit(limit).select('a.text_value')]);
    return { total: num(count?.n), texts: rows.map((r: Record<string, unknown>) => String(r.text_value)) };
  }

  /** Respondents by size and whether they innovated, from the profile cells (the level of innovation activity by size). */
  async innovationBySize(roundId: number, filters: TRankingFilters): Promise<Array<{ size: string; innovated: number; respondents: number }>> {
    const query = this.db('analysis_profile_cells').where({ round_id: roundId }).groupBy('size', 'innovated').select('size', 'innovated', this.db.raw('SUM(respondents) AS respondents'));
    const rows = await applyFilters(query, filters);
    return rows.map((r: Record<string, unknown>) => ({ size: String(r.size), innovated: num(r.innovated), respondents: num(r.respondents) }));
  }
}

/**
 * Count one just-submitted response into the cells, inside the caller's transaction (the
 * respondent flow's submit). Idempotent: a response already counted is left alone.
 */
export async function countSubmittedResponse(trx: Db, roundId: number, roles: RoleItems, responseId: number): Promise<void> {
  await countRange(trx, roundId, roles, responseId - 1, responseId);
}
