import type { Knex } from 'knex';

/**
 * The survey core shared by questionnaires, rounds, invitations, responses and analysis.
 * Answers carry round_id and item_id so that ranking a round is one GROUP BY over one table.
 */
export async function up(db: Knex): Promise<void> {
  await db.schema.createTable('territories', (t) => {
    t.increments('id').primary();
    t.string('code', 40).notNullable().unique();
    t.string('name_kk', 200).notNullable();
    t.string('name_ru', 200).notNullable();
    t.string('name_en', 200).notNullable();
    t.string('kind', 20).notNullable(); // region, district, city
    t.integer('parent_id').nullable().references('id').inTable('territories').onDelete('RESTRICT');
    t.integer('position').notNullable().defaultTo(0);
  });

  // One row per version; a version used by a round is never modified.
  await db.schema.createTable('questionnaires', (t) => {
    t.increments('id').primary();
    t.string('code', 60).notNullable();
    t.integer('version').notNullable();
    t.string('title_kk', 300).notNullable();
    t.string('title_ru', 300).notNullable();
    t.string('title_en', 300).notNullable();
    t.text('definition').notNullable(); // the full JSON, in the format of questionnaire-barriers.json
    t.integer('created_by').nullable().references('id').inTable('users').onDelete('SET NULL');
    t.string('created_at', 30).notNullable();
    t.unique(['code', 'version']);
  });

  await db.schema.createTable('questionnaire_categories', (t) => {
    t.increments('id').primary();
    t.integer('questionnaire_id').notNullable().references('id').inTable('questionnaires').onDelete('CASCADE');
    t.string('code', 60).notNullable();
    t.string('pest', 1).nullable();
    t.integer('position').notNullable();
    t.string('title_kk', 300).notNullable();
    t.string('title_ru', 300).notNullable();
    t.string('title_en', 300).notNullable();
    t.unique(['questionnaire_id', 'code']);
  });

  await db.schema.createTable('questionnaire_items', (t) => {
    t.increments('id').primary();
    t.integer('questionnaire_id').notNullable().references('id').inTable('questionnaires').onDelete('CASCADE');
    t.integer('category_id').notNullable().references('id').inTable('questionnaire_categories').onDelete('CASCADE');
    t.string('code', 60).notNullable();
    t.integer('position').notNullable();
    t.text('text_kk').notNullable();
    t.text('text_ru').notNullable();
    t.text('text_en').notNullable();
    t.boolean('allow_cannot_judge').notNullable().defaultTo(true);
    t.boolean('allow_comment').notNullable().defaultTo(true);
    t.boolean('required').notNullable().defaultTo(true);
    t.float('reference_mean').nullable();
    t.unique(['questionnaire_id', 'code']);
  });

  await db.schema.createTable('rounds', (t) => {
    t.increments('id').primary();
    t.string('title', 300).notNullable();
    t.integer('questionnaire_id').notNullable().references('id').inTable('questionnaires').onDelete('RESTRICT');
    t.string('status', 20).notNullable(); // draft, open, closed, archived
    t.string('audience', 20).notNullable(); // invitation, public
    t.string('public_token_hash', 64).nullable().unique();
    t.string('opens_at', 30).nullable();
    t.string('closes_at', 30).nullable();
    t.integer('target_total').nullable();
    t.integer('created_by').nullable().references('id').inTable('users').onDelete('SET NULL');
    t.string('created_at', 30).notNullable();
    t.string('updated_at', 30).notNullable();
  });

  await db.schema.createTable('round_targets', (t) => {
    t.integer('round_id').notNullable().references('id').inTable('rounds').onDelete('CASCADE');
    t.integer('territory_id').notNullable().references('id').inTable('territories').onDelete('RESTRICT');
    t.integer('target').notNullable();
    t.primary(['round_id', 'territory_id']);
  });

  await db.schema.createTable('invitations', (t) => {
    t.increments('id').primary();
    t.integer('round_id').notNullable().references('id').inTable('rounds').onDelete('CASCADE');
    t.string('token_hash', 64).notNullable().unique(); // sha256 of the 128-bit token; the token itself is never stored
    t.string('source', 20).notNullable().defaultTo('list'); // list, public
    t.string('enterprise_name', 300).notNullable();
    t.string('contact', 300).nullable();
    t.integer('territory_id').nullable().references('id').inTable('territories').onDelete('RESTRICT');
    t.string('sector', 60).nullable();
    t.string('size', 20).nullable();
    t.string('status', 20).notNullable(); // pending, opened, in_progress, submitted, expired
    t.string('expires_at', 30).nullable();
    t.string('opened_at', 30).nullable();
    t.string('started_at', 30).nullable();
    t.string('submitted_at', 30).nullable();
    t.string('created_at', 30).notNullable();
    t.index(['round_id', 'status']);
  });

  await db.schema.createTable('responses', (t) => {
    t.increments('id').primary();
    t.integer('round_id').notNullable().references('id').inTable('rounds').onDelete('CASCADE');
    t.integer('invitation_id').notNullable().unique().references('id').inTable('invitations').onDelete('CASCADE');
    t.string('status', 20).notNullable(); // in_progress, submitted
    t.string('language', 2).notNullable();
    // Profile answers used as filters are columns; the whole profile is kept as JSON too.
    t.integer('territory_id').nullable().references('id').inTable('territories').onDelete('RESTRICT');
    t.string('sector', 60).nullable();
    t.string('size', 20).nullable();
    t.integer('employees').nullable();
    t.boolean('innovated').nullable();
    t.text('profile').nullable();
    t.string('idempotency_key', 100).nullable().unique();
    t.string('started_at', 30).notNullable();
    t.string('updated_at', 30).notNullable();
    t.string('submitted_at', 30).nullable();
    t.index(['round_id', 'status']);
  });

  await db.schema.createTable('answers', (t) => {
    t.integer('response_id').notNullable().references('id').inTable('responses').onDelete('CASCADE');
    t.integer('item_id').notNullable().references('id').inTable('questionnaire_items').onDelete('RESTRICT');
    t.integer('round_id').notNullable().references('id').inTable('rounds').onDelete('CASCADE');
    t.smallint('value').nullable(); // 1..5; NULL means "cannot judge"
    t.text('comment').nullable();
    t.primary(['response_id', 'item_id']);
    t.index(['round_id', 'item_id', 'value']);
  });
}

export async function down(db: Knex): Promise<void> {
  for (const table of [
    'answers',
    'responses',
    'invitations',
    'round_targets',
    'rounds',
    'questionnaire_items',
    'questionnaire_categories',
    'questionnaires',
    'territories',
  ]) {
    await db.schema.dropTable(table);
  }
}
