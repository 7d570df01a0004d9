import type { Knex } from 'knex';

/**
 * The questionnaire builder (issue 11). A draft is the working copy of one questionnaire form
 * (one per code): the definition in the exchange format, where a translation not written yet is
 * an empty text. Each change of the builder rewrites it and bumps `revision`, so that a form
 * opened before someone else's change is refused instead of overwriting it. Publishing turns the
 * draft into a new version (questionnaires) and deletes it; versions themselves never change.
 *
 * Test answers given in the preview are kept in their own table, never in responses/answers, so
 * no analysis, count or export can include them.
 */
export async function up(db: Knex): Promise<void> {
  await db.schema.createTable('questionnaire_drafts', (t) => {
    t.increments('id').primary();
    t.string('code', 60).notNullable().unique();
    // The version the draft started from (null for a new questionnaire); kept when that version is deleted elsewhere.
    t.integer('base_questionnaire_id').nullable().references('id').inTable('questionnaires').onDelete('SET NULL');
    t.text('definition').notNullable();
    t.integer('revision').notNullable().defaultTo(1);
    t.integer('created_by').nullable().references('id').inTable('users').onDelete('SET NULL');
    t.integer('updated_by').nullable().references('id').inTable('users').onDelete('SET NULL');
    t.string('created_at', 40).notNullable();
    t.string('updated_at', 40).notNullable();
  });
  await db.schema.createTable('questionnaire_test_answers', (t) => {
    t.increments('id').primary();
    // What was previewed: a draft or a published version (exactly one of the two).
    t.integer('draft_id').nullable().references('id').inTable('questionnaire_drafts').onDelete('CASCADE');
    t.integer('questionnaire_id').nullable().references('id').inTable('questionnaires').onDelete('CASCADE');
    // "draft:<id>" or "version:<id>": one key for either (a unique index over nullable columns would not hold on PostgreSQL).
    t.string('subject', 40).notNullable();
    t.integer('user_id').notNullable().references('id').inTable('users').onDelete('CASCADE');
    t.string('language', 2).notNullable();
    // Question code -> the raw value the preview form posted (and "other" texts), as JSON.
    t.text('answers').notNullable();
    t.string('updated_at', 40).notNullable();
    t.unique(['subject', 'user_id']);
  });
}

export async function down(db: Knex): Promise<void> {
  await db.schema.dropTableIfExists('questionnaire_test_answers');
  await db.schema.dropTableIfExists('questionnaire_drafts');
}
