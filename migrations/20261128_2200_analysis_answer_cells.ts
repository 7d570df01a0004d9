import type { Knex } from 'knex';

/**
 * The answers of choice, ranking and number questions, pre-aggregated like the ratings
 * (20261122_0040_analysis_cells.ts), so that a ranking page reads groups of answers instead of
 * every answer of the round joined to its response: its cost then follows the number of
 * distinct answers and profile groups, not the number of respondents (issue 18: a national
 * round of two million responses).
 *
 * One cell per round, item, the counted response's profile key (territory, sector, size,
 * innovated: the same key as the other cells) and the stored answer (choice text and number
 * value). NULL never matches in ON CONFLICT, so a missing choice is '' and a missing number 0,
 * and `missing` says which of the two the answer did not have (1 choice, 2 number, 3 both).
 *
 * Who writes it: src/modules/analysis/analysis.repository.ts, in the same counting pass as the
 * other cells. Rounds counted before this migration get their cells here, from the answers of
 * the questions summarised from their answers (single-choice, multi-choice, ranking, number;
 * not the territory question, whose breakdown is the territory table).
 */
export async function up(db: Knex): Promise<void> {
  await db.schema.createTable('analysis_answer_cells', (t) => {
    t.integer('round_id').notNullable().references('id').inTable('rounds').onDelete('CASCADE');
    t.integer('item_id').notNullable().references('id').inTable('questionnaire_items').onDelete('CASCADE');
    t.integer('territory_id').notNullable().defaultTo(0);
    t.string('sector', 60).notNullable().defaultTo('');
    t.string('size', 20).notNullable().defaultTo('');
    t.smallint('innovated').notNullable().defaultTo(-1);
    t.smallint('missing').notNullable().defaultTo(0);
    t.string('choice', 2000).notNullable().defaultTo('');
    t.double('number_value').notNullable().defaultTo(0);
    t.integer('answers').notNullable();
    t.primary(['round_id', 'item_id', 'territory_id', 'sector', 'size', 'innovated', 'missing', 'choice', 'number_value']);
  });
  await db.raw(
    `INSERT INTO analysis_answer_cells (round_id, item_id, territory_id, sector, size, innovated, missing, choice, number_value, answers)
     SELECT m.round_id, a.item_id, m.territory_id, m.sector, m.size, m.innovated,
            (CASE WHEN a.choice IS NULL THEN 1 ELSE 0 END) + (CASE WHEN a.number_value IS NULL THEN 2 ELSE 0 END),
            COALESCE(a.choice, ''), COALESCE(a.number_value, 0), COUNT(*)
     FROM analysis_counted_responses m
     JOIN answers a ON a.response_id = m.response_id
     JOIN questionnaire_items i ON i.id = a.item_id
     WHERE i.kind IN ('single-choice', 'multi-choice', 'ranking', 'number') AND (i.role IS NULL OR i.role <> 'territory')
     GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9`,
  );
}

export async function down(db: Knex): Promise<void> {
  await db.schema.dropTable('analysis_answer_cells');
}
