import type { Knex } from 'knex';

/**
 * Pre-aggregated survey answers, so that ranking a round of a million responses reads a few
 * thousand rows instead of twenty million answers joined to their responses.
 *
 * Each submitted response is counted once into cells keyed by round, item, the profile
 * filters (territory, sector, size, innovated) and the value. A cell holds the number of
 * answers and, for Cronbach's alpha, the sums over respondents who rated every item of the
 * item's category: how many (complete), sum of their category total T and of T^2. All of it is
 * additive, so any filter is a SUM over cells and Kruskal-Wallis across territories reads the
 * same rows grouped by territory.
 *
 * Who writes it: src/modules/analysis/analysis.repository.ts only. The respondent flow calls
 * `countSubmittedResponse(trx, roundId, responseId)` in its submit transaction; anything else
 * that inserts responses in bulk (demo seeder, benchmark loader) calls `syncRoundCells(db,
 * roundId)` afterwards, and the analysis pages catch up on their own when the number of counted
 * responses differs from the number of submitted ones.
 *
 * "Not stated" cannot be NULL in a key that ON CONFLICT must match (NULLs never conflict), so
 * it is 0 for territory and value ("cannot judge"), '' for sector and size, -1 for innovated.
 */
export async function up(db: Knex): Promise<void> {
  // One row per response already counted; no foreign key to responses on purpose: a deleted
  // response leaves its row behind, which tells the catch-up that the cells must be rebuilt.
  await db.schema.createTable('analysis_counted_responses', (t) => {
    t.integer('response_id').primary();
    t.integer('round_id').notNullable().references('id').inTable('rounds').onDelete('CASCADE');
    // Which counting pass inserted the row: the cells of a pass are computed from its rows only,
    // so two passes running at once never count a response twice.
    t.bigInteger('batch').notNullable();
    t.index(['round_id', 'batch']);
  });

  await db.schema.createTable('analysis_profile_cells', (t) => {
    t.integer('round_id').notNullable().references('id').inTable('rounds').onDelete('CASCADE');
    t.integer('territory_id').notNullable().defaultTo(0);
    t.string('sector', 60).notNullable().defaultTo('');
    t.string('size', 20).notNullable().defaultTo('');
    t.smallint('innovated').notNullable().defaultTo(-1);
    t.integer('respondents').notNullable();
    t.primary(['round_id', 'territory_id', 'sector', 'size', 'innovated']);
  });

  await db.schema.createTable('analysis_item_cells', (t) => {
    t.integer('round_id').notNullable().references('id').inTable('rounds').onDelete('CASCADE');
    t.integer('item_id').notNullable().references('id').inTable('questionnaire_items').onDelete('CASCADE');
    t.integer('territory_id').notNullable().defaultTo(0);
    t.string('sector', 60).notNullable().defaultTo('');
    t.string('size', 20).notNullable().defaultTo('');
    t.smallint('innovated').notNullable().defaultTo(-1);
    t.smallint('value').notNullable(); // 1..5; 0 = cannot judge
    t.integer('answers').notNullable();
    t.integer('complete').notNullable();
    t.bigInteger('total_sum').notNullable();
    t.bigInteger('total_squares').notNullable();
    t.primary(['round_id', 'item_id', 'territory_id', 'sector', 'size', 'innovated', 'value']);
  });
}

export async function down(db: Knex): Promise<void> {
  await db.schema.dropTable('analysis_item_cells');
  await db.schema.dropTable('analysis_profile_cells');
  await db.schema.dropTable('analysis_counted_responses');
}
