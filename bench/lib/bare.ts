import type { Knex } from 'knex';

/**
 * The floor of any plain-SQL ranking on this schema: item x value counts of the round's answers
 * in one GROUP BY, an index-only scan of answers(round_id, item_id, value). It does not even
 * leave out in-progress responses; doing so needs a join to responses, which on SQLite turns
 * the scan into one random lookup per answer (see bench/RESULTS.md).
 */
export async function bareRanking(knex: Knex, round: number): Promise<unknown[]> {
  return knex('answers').where('round_id', round).groupBy('item_id', 'value').select('item_id', 'value', knex.raw('count(*) as n'));
}
