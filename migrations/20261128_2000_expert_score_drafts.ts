import type { Knex } from 'knex';

/**
 * An expert's unfinished scores: a factor given a weight but not yet a strength (or the reverse)
 * is kept here, saved and marked on the form, instead of refusing the whole section. Only complete
 * pairs live in expert_scores, so every result (means, Kendall's W, the stop rule) reads finished
 * scores only.
 */
export async function up(db: Knex): Promise<void> {
  await db.schema.createTable('expert_score_drafts', (t) => {
    t.integer('round_id').notNullable().references('id').inTable('delphi_rounds').onDelete('CASCADE');
    t.integer('expert_id').notNullable().references('id').inTable('users').onDelete('CASCADE');
    t.integer('factor_id').notNullable().references('id').inTable('expert_factors').onDelete('RESTRICT');
    t.smallint('weight').nullable();
    t.smallint('strength').nullable();
    t.text('reason').nullable();
    t.string('updated_at', 30).notNullable();
    t.primary(['round_id', 'expert_id', 'factor_id']);
  });
}

export async function down(db: Knex): Promise<void> {
  await db.schema.dropTableIfExists('expert_score_drafts');
}
