import type { Knex } from 'knex';

/**
 * Indicator models: datasets of indicators, one long territory x indicator x period table of
 * values (statistics and survey-derived indicators alike), pending imports awaiting
 * confirmation, and saved model specs with their results.
 */
export async function up(db: Knex): Promise<void> {
  // A survey round publishes into its own dataset (round_id set); statistics come in datasets of their own.
  await db.schema.createTable('indicator_datasets', (t) => {
    t.increments('id').primary();
    t.string('code', 80).notNullable().unique();
    t.string('name', 300).notNullable();
    t.text('description').nullable();
    t.text('source').nullable();
    t.integer('round_id').nullable().unique().references('id').inTable('rounds').onDelete('CASCADE');
    t.integer('created_by').nullable().references('id').inTable('users').onDelete('SET NULL');
    t.string('created_at', 30).notNullable();
    t.string('updated_at', 30).notNullable();
  });

  // Codes are unique within a dataset: table 40's X1 and the national table's X1 are different indicators.
  await db.schema.createTable('indicators', (t) => {
    t.increments('id').primary();
    t.integer('dataset_id').notNullable().references('id').inTable('indicator_datasets').onDelete('CASCADE');
    t.string('code', 60).notNullable();
    t.string('name_kk', 300).notNullable();
    t.string('name_ru', 300).notNullable();
    t.string('name_en', 300).notNullable();
    t.string('unit', 60).notNullable().defaultTo('');
    t.string('direction', 12).notNullable(); // stimulant, destimulant
    t.text('source').nullable();
    t.integer('round_id').nullable().references('id').inTable('rounds').onDelete('CASCADE');
    t.integer('position').notNullable().defaultTo(0);
    t.string('created_at', 30).notNullable();
    t.string('updated_at', 30).notNullable();
    t.unique(['dataset_id', 'code']);
  });

  // Periods are strings ('2020', '2020-Q1', a round's year) and sort as text; most are years.
  await db.schema.createTable('indicator_values', (t) => {
    t.increments('id').primary();
    t.integer('indicator_id').notNullable().references('id').inTable('indicators').onDelete('CASCADE');
    t.integer('territory_id').notNullable().references('id').inTable('territories').onDelete('RESTRICT');
    t.string('period', 30).notNullable();
    t.double('value').notNullable();
    t.unique(['indicator_id', 'territory_id', 'period']);
    t.index(['territory_id']);
  });

  // An uploaded file between preview and confirmation: the parsed rows wait here, nothing is in
  // indicator_values until the researcher confirms.
  await db.schema.createTable('indicator_imports', (t) => {
    t.increments('id').primary();
    t.integer('dataset_id').notNullable().references('id').inTable('indicator_datasets').onDelete('CASCADE');
    t.string('file_name', 300).notNullable();
    t.string('format', 10).notNullable(); // wide, long
    t.text('payload').notNullable(); // JSON: valid rows and new indicator codes
    t.text('report').notNullable(); // JSON: bad rows with line and reason
    t.string('status', 12).notNullable(); // pending, confirmed
    t.integer('created_by').nullable().references('id').inTable('users').onDelete('SET NULL');
    t.string('created_at', 30).notNullable();
  });

  await db.schema.createTable('indicator_models', (t) => {
    t.increments('id').primary();
    t.integer('dataset_id').nullable().references('id').inTable('indicator_datasets').onDelete('SET NULL');
    t.string('kind', 12).notNullable(); // fit, composite
    t.string('title', 300).notNullable();
    t.text('spec').notNullable(); // the public JSON spec: runs unchanged through the API and the CLI
    t.text('origin').nullable(); // JSON: how the spec was built from the table (rows by period or territory, indicator ids)
    t.text('result').notNullable();
    t.integer('created_by').nullable().references('id').inTable('users').onDelete('SET NULL');
    t.string('created_at', 30).notNullable();
    t.index(['dataset_id']);
  });
}

export async function down(db: Knex): Promise<void> {
  for (const table of ['indicator_models', 'indicator_imports', 'indicator_values', 'indicators', 'indicator_datasets']) {
    await db.schema.dropTable(table);
  }
}
