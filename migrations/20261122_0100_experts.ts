import type { Knex } from 'knex';

/**
 * Expert panels and Delphi rounds. Factors (SWOT, PEST, enterprise parameters) are one
 * table so that scores reference one id; their texts come from seeds/domain/expert-factors.json.
 * Scores are keyed by (Delphi round, expert, factor) so an expert edits in place until the
 * round closes, and every round's scores stay for the round-to-round comparison.
 */
export async function up(db: Knex): Promise<void> {
  await db.schema.createTable('expert_factors', (t) => {
    t.increments('id').primary();
    t.string('kind', 12).notNullable(); // swot, pest, enterprise
    t.string('code', 12).notNullable();
    t.string('grp', 1).nullable(); // S/W/O/T for swot, P/E/S/T for pest
    t.string('polarity', 1).nullable(); // + or - for pest
    t.integer('position').notNullable();
    t.text('text_kk').notNullable();
    t.text('text_ru').notNullable();
    t.text('text_en').notNullable();
    t.unique(['kind', 'code']);
  });

  await db.schema.createTable('panels', (t) => {
    t.increments('id').primary();
    t.string('name', 200).notNullable();
    // Survey round whose barriers may enter the W and T quadrants.
    t.integer('survey_round_id').nullable().references('id').inTable('rounds').onDelete('SET NULL');
    t.integer('created_by').nullable().references('id').inTable('users').onDelete('SET NULL');
    t.string('created_at', 30).notNullable();
    t.string('updated_at', 30).notNullable();
  });

  await db.schema.createTable('panel_members', (t) => {
    t.integer('panel_id').notNullable().references('id').inTable('panels').onDelete('CASCADE');
    t.integer('user_id').notNullable().references('id').inTable('users').onDelete('CASCADE');
    t.string('added_at', 30).notNullable();
    t.primary(['panel_id', 'user_id']);
    t.index(['user_id']);
  });

  await db.schema.createTable('panel_enterprises', (t) => {
    t.increments('id').primary();
    t.integer('panel_id').notNullable().references('id').inTable('panels').onDelete('CASCADE');
    t.string('name', 200).notNullable();
    t.integer('position').notNullable();
    t.unique(['panel_id', 'name']);
  });

  // Survey barriers (by item code, resolved against the linked round's questionnaire).
  await db.schema.createTable('panel_barriers', (t) => {
    t.integer('panel_id').notNullable().references('id').inTable('panels').onDelete('CASCADE');
    t.string('item_code', 60).notNullable();
    t.string('quadrant', 1).notNullable(); // W or T
    // NULL: the mean expert weight of the quadrant's factors is used.
    t.float('weight').nullable();
    t.primary(['panel_id', 'item_code']);
  });

  await db.schema.createTable('delphi_rounds', (t) => {
    t.increments('id').primary();
    t.integer('panel_id').notNullable().references('id').inTable('panels').onDelete('CASCADE');
    t.integer('number').notNullable();
    t.string('status', 10).notNullable(); // open, closed
    t.string('opened_at', 30).notNullable();
    t.string('closed_at', 30).nullable();
    t.unique(['panel_id', 'number']);
  });

  await db.schema.createTable('expert_scores', (t) => {
    t.integer('round_id').notNullable().references('id').inTable('delphi_rounds').onDelete('CASCADE');
    t.integer('expert_id').notNullable().references('id').inTable('users').onDelete('CASCADE');
    t.integer('factor_id').notNullable().references('id').inTable('expert_factors').onDelete('RESTRICT');
    t.smallint('weight').notNullable();
    t.smallint('strength').notNullable();
    t.text('reason').nullable();
    t.string('updated_at', 30).notNullable();
    t.primary(['round_id', 'expert_id', 'factor_id']);
  });

  await db.schema.createTable('enterprise_scores', (t) => {
    t.integer('round_id').notNullable().references('id').inTable('delphi_rounds').onDelete('CASCADE');
    t.integer('expert_id').notNullable().references('id').inTable('users').onDelete('CASCADE');
    t.integer('enterprise_id').notNullable().references('id').inTable('panel_enterprises').onDelete('CASCADE');
    t.integer('parameter_id').notNullable().references('id').inTable('expert_factors').onDelete('RESTRICT');
    t.smallint('score').notNullable();
    t.string('updated_at', 30).notNullable();
    t.primary(['round_id', 'expert_id', 'enterprise_id', 'parameter_id']);
  });
}

export async function down(db: Knex): Promise<void> {
  for (const table of [
    'enterprise_scores',
    'expert_scores',
    'delphi_rounds',
    'panel_barriers',
    'panel_enterprises',
    'panel_members',
    'panels',
    'expert_factors',
  ]) {
    await db.schema.dropTableIfExists(table);
  }
}
