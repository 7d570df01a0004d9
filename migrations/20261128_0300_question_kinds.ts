import type { Knex } from 'knex';

/**
 * Questions of every kind (issue 10). A questionnaire item now has a kind; an answer keeps the
 * columns its kind needs: `value` (a rating point), `number_value`, `choice` (option codes,
 * space-separated, in definition or rank order), `text_value` (open text, or the text of
 * "other, please specify"), and `cannot_judge`, an explicit flag where a NULL value used to
 * mean "cannot judge" (a 0-10 scale's 0 is a rating, not a missing one).
 *
 * The analysis cells key "cannot judge" by the same flag instead of the value 0; they are
 * derived data, so the table is rebuilt empty and the analysis pages count the responses
 * again on their next read.
 *
 * Down: answers of kinds other than rating cannot be expressed in the old schema; they and
 * their items are deleted. Ratings and "cannot judge" come back exactly.
 */
export async function up(db: Knex): Promise<void> {
  await db.schema.alterTable('questionnaire_items', (t) => {
    t.string('kind', 20).notNullable().defaultTo('rating');
  });
  await db.schema.alterTable('answers', (t) => {
    t.boolean('cannot_judge').notNullable().defaultTo(false);
    t.double('number_value').nullable();
    t.string('choice', 2000).nullable();
    t.text('text_value').nullable();
  });
  await db('answers').whereNull('value').update({ cannot_judge: true });

  await recreateItemCells(db, true);
}

export async function down(db: Knex): Promise<void> {
  const others = db('questionnaire_items').whereNot('kind', 'rating').select('id');
  await db('answers').whereIn('item_id', others).delete();
  await db('analysis_item_cells').whereIn('item_id', others).delete();
  await db('questionnaire_items').whereNot('kind', 'rating').delete();
  // The old schema had no way to say "cannot judge" other than a NULL value.
  await db('answers').where({ cannot_judge: true }).update({ value: null });
  // Plain ALTER TABLE ... DROP COLUMN on both engines (SQLite >= 3.35): knex would rebuild the
  // SQLite tables, and dropping questionnaire_items fails while answers refer to it.
  for (const column of ['text_value', 'choice', 'number_value', 'cannot_judge']) await db.raw('ALTER TABLE answers DROP COLUMN ??', [column]);
  await db.raw('ALTER TABLE questionnaire_items DROP COLUMN kind');
  await recreateItemCells(db, false);
}

async function recreateItemCells(db: Knex, withFlag: boolean): Promise<void> {
  await db('analysis_counted_responses').delete();
  await db('analysis_profile_cells').delete();
  await db.schema.dropTable('analysis_item_cells');
  await db.schema.createTable('analysis_item_cells', (t) => {
    t.integer('round_id').notNullable().references('id').inTable('rounds').onDelete('CASCADE');
    t.integer('item_id').notNullable().references('id').inTable('questionnaire_items').onDelete('CASCADE');
    t.integer('territory_id').notNullable().defaultTo(0);
    t.string('sector', 60).notNullable().defaultTo('');
    t.string('size', 20).notNullable().defaultTo('');
    t.smallint('innovated').notNullable().defaultTo(-1);
    // With the flag: the rating, 0 beside cannot_judge = 1. Without: 1..5, 0 = cannot judge.
    t.smallint('value').notNullable();
    if (withFlag) t.smallint('cannot_judge').notNullable().defaultTo(0);
    t.integer('answers').notNullable();
    t.integer('complete').notNullable();
    t.bigInteger('total_sum').notNullable();
    t.bigInteger('total_squares').notNullable();
    t.primary(['round_id', 'item_id', 'territory_id', 'sector', 'size', 'innovated', 'value', ...(withFlag ? ['cannot_judge'] : [])]);
  });
}
