import type { Knex } from 'knex';

/**
 * Government programmes as data (the 2026-2035 science-concentration concept is the seeded one):
 * bodies (the glossary), target indicators with yearly targets and entered actuals, expected
 * results, directions and measures of the action plan with their executing bodies, the measures'
 * yearly reports and evidence with history, reporting duties and submissions, criteria, settlement
 * data for the science-city criterion, and the executors' links to bodies.
 */
const TABLES = [
  'programme_settlement_data',
  'programme_criteria',
  'programme_submissions',
  'programme_duties',
  'programme_executors',
  'programme_history',
  'programme_evidence',
  'programme_measure_reports',
  'programme_measure_bodies',
  'programme_measures',
  'programme_directions',
  'programme_results',
  'programme_actuals',
  'programme_targets',
  'programme_indicator_bodies',
  'programme_indicators',
  'programme_bodies',
  'programmes',
];

export async function up(db: Knex): Promise<void> {
  await db.schema.createTable('programmes', (t) => {
    t.increments('id').primary();
    t.string('code', 80).notNullable().unique();
    t.string('name_kk', 500).notNullable();
    t.string('name_ru', 500).notNullable();
    t.string('name_en', 500).notNullable();
    t.text('basis_kk').nullable();
    t.text('basis_ru').nullable();
    t.text('basis_en').nullable();
    t.integer('period_from').notNullable();
    t.integer('period_to').notNullable();
    t.integer('baseline_year').notNullable();
    // The status rule's thresholds are data: attainment >= on_track_min is on track, >= at_risk_min at risk.
    t.double('on_track_min').notNullable().defaultTo(1);
    t.double('at_risk_min').notNullable().defaultTo(0.9);
    t.text('source').nullable();
    // The regional baseline table as given (JSON), and the indicators dataset it was loaded into.
    t.text('regional_baseline').nullable();
    t.integer('regional_dataset_id').nullable();
    t.string('created_at', 30).notNullable();
    t.string('updated_at', 30).notNullable();
  });

  await db.schema.createTable('programme_bodies', (t) => {
    t.increments('id').primary();
    t.integer('programme_id').notNullable().references('id').inTable('programmes').onDelete('CASCADE');
    t.string('code', 120).notNullable(); // abbreviation as printed, or the akimat's name
    t.string('name_kk', 500).notNullable();
    t.string('name_ru', 500).notNullable();
    t.string('name_en', 500).notNullable();
    t.text('note').nullable();
    t.integer('position').notNullable().defaultTo(0);
    t.unique(['programme_id', 'code']);
  });

  await db.schema.createTable('programme_indicators', (t) => {
    t.increments('id').primary();
    t.integer('programme_id').notNullable().references('id').inTable('programmes').onDelete('CASCADE');
    t.string('code', 40).notNullable();
    t.string('name_kk', 1000).notNullable();
    t.string('name_ru', 1000).notNullable();
    t.string('name_en', 1000).notNullable();
    t.string('unit_kk', 100).notNullable();
    t.string('unit_ru', 100).notNullable();
    t.string('unit_en', 100).notNullable();
    t.string('direction', 8).notNullable(); // higher, lower (is better)
    t.integer('baseline_year').notNullable();
    t.double('baseline_value').notNullable();
    t.integer('direction_number').nullable(); // the action-plan direction it is printed under
    t.text('note').nullable();
    t.integer('position').notNullable().defaultTo(0);
    t.unique(['programme_id', 'code']);
  });

  // Executors may enter actuals of an indicator only when one of their bodies is assigned to it.
  await db.schema.createTable('programme_indicator_bodies', (t) => {
    t.integer('indicator_id').notNullable().references('id').inTable('programme_indicators').onDelete('CASCADE');
    t.integer('body_id').notNullable().references('id').inTable('programme_bodies').onDelete('CASCADE');
    t.primary(['indicator_id', 'body_id']);
  });

  await db.schema.createTable('programme_targets', (t) => {
    t.integer('indicator_id').notNullable().references('id').inTable('programme_indicators').onDelete('CASCADE');
    t.integer('year').notNullable();
    t.double('value').notNullable();
    t.primary(['indicator_id', 'year']);
  });

  await db.schema.createTable('programme_actuals', (t) => {
    t.increments('id').primary();
    t.integer('indicator_id').notNullable().references('id').inTable('programme_indicators').onDelete('CASCADE');
    t.integer('year').notNullable();
    t.double('value').notNullable();
    t.text('source').nullable();
    t.text('note').nullable();
    t.integer('entered_by').nullable().references('id').inTable('users').onDelete('SET NULL');
    t.string('entered_at', 30).notNullable();
    t.unique(['indicator_id', 'year']);
  });

  await db.schema.createTable('programme_results', (t) => {
    t.increments('id').primary();
    t.integer('programme_id').notNullable().references('id').inTable('programmes').onDelete('CASCADE');
    t.string('code', 40).notNullable();
    t.string('kind', 20).notNullable(); // result, related
    t.text('name_kk').notNullable();
    t.text('name_ru').notNullable();
    t.text('name_en').notNullable();
    t.string('unit_kk', 100).notNullable().defaultTo('');
    t.string('unit_ru', 100).notNullable().defaultTo('');
    t.string('unit_en', 100).notNullable().defaultTo('');
    t.integer('target_year').nullable();
    t.double('target_value').nullable();
    t.integer('baseline_year').nullable();
    t.double('baseline_value').nullable();
    t.text('note').nullable();
    t.integer('position').notNullable().defaultTo(0);
    t.unique(['programme_id', 'code']);
  });

  await db.schema.createTable('programme_directions', (t) => {
    t.increments('id').primary();
    t.integer('programme_id').notNullable().references('id').inTable('programmes').onDelete('CASCADE');
    t.integer('number').notNullable();
    t.string('name_kk', 1000).notNullable();
    t.string('name_ru', 1000).notNullable();
    t.string('name_en', 1000).notNullable();
    t.unique(['programme_id', 'number']);
  });

  await db.schema.createTable('programme_measures', (t) => {
    t.increments('id').primary();
    t.integer('programme_id').notNullable().references('id').inTable('programmes').onDelete('CASCADE');
    t.integer('direction_id').notNullable().references('id').inTable('programme_directions').onDelete('CASCADE');
    t.integer('number').notNullable();
    t.text('name_kk').notNullable();
    t.text('name_ru').notNullable();
    t.text('name_en').notNullable();
    t.string('form_kk', 500).notNullable();
    t.string('form_ru', 500).notNullable();
    t.string('form_en', 500).notNullable();
    t.string('deadline_kind', 8).notNullable(); // once, annual
    t.integer('deadline_from').notNullable(); // the year (once) or the first year of the range (annual)
    t.integer('deadline_to').notNullable();
    t.integer('due_month').notNullable(); // due by the end of this month of each year
    t.string('deadline_kk', 200).notNullable(); // as printed
    t.string('deadline_ru', 200).notNullable();
    t.string('deadline_en', 200).notNullable();
    t.text('note').nullable();
    t.unique(['programme_id', 'number']);
  });

  await db.schema.createTable('programme_measure_bodies', (t) => {
    t.integer('measure_id').notNullable().references('id').inTable('programme_measures').onDelete('CASCADE');
    t.integer('body_id').notNullable().references('id').inTable('programme_bodies').onDelete('CASCADE');
    t.boolean('by_agreement').notNullable().defaultTo(false);
    t.integer('position').notNullable().defaultTo(0);
    t.primary(['measure_id', 'body_id']);
    t.index(['body_id']);
  });

  // One report per measure and year of its deadline: in progress or done (no row = not started).
  await db.schema.createTable('programme_measure_reports', (t) => {
    t.increments('id').primary();
    t.integer('measure_id').notNullable().references('id').inTable('programme_measures').onDelete('CASCADE');
    t.integer('year').notNullable();
    t.string('status', 12).notNullable(); // in_progress, done
    t.text('summary').nullable();
    t.string('completed_on', 10).nullable(); // YYYY-MM-DD, for done
    t.integer('updated_by').nullable().references('id').inTable('users').onDelete('SET NULL');
    t.string('updated_at', 30).notNullable();
    t.unique(['measure_id', 'year']);
  });

  // Evidence of a measure (for a year) or of a territory: text, file, link, survey round or expert panel.
  await db.schema.createTable('programme_evidence', (t) => {
    t.increments('id').primary();
    t.integer('programme_id').notNullable().references('id').inTable('programmes').onDelete('CASCADE');
    t.integer('measure_id').nullable().references('id').inTable('programme_measures').onDelete('CASCADE');
    t.integer('territory_id').nullable().references('id').inTable('territories').onDelete('CASCADE');
    t.integer('year').nullable();
    t.string('kind', 8).notNullable(); // text, file, link, round, panel
    t.text('text').nullable();
    t.string('url', 2000).nullable();
    t.string('file_name', 300).nullable();
    t.string('file_type', 120).nullable();
    t.integer('file_size').nullable();
    t.binary('file_data').nullable();
    t.integer('round_id').nullable().references('id').inTable('rounds').onDelete('CASCADE');
    t.integer('panel_id').nullable().references('id').inTable('panels').onDelete('CASCADE');
    t.integer('created_by').nullable().references('id').inTable('users').onDelete('SET NULL');
    t.string('created_at', 30).notNullable();
    t.index(['measure_id', 'year']);
    t.index(['territory_id']);
  });

  // Who changed what: actuals, measure reports, evidence, submissions, executor links.
  await db.schema.createTable('programme_history', (t) => {
    t.increments('id').primary();
    t.integer('programme_id').notNullable().references('id').inTable('programmes').onDelete('CASCADE');
    t.integer('measure_id').nullable().references('id').inTable('programme_measures').onDelete('CASCADE');
    t.integer('indicator_id').nullable().references('id').inTable('programme_indicators').onDelete('CASCADE');
    t.integer('year').nullable();
    t.string('action', 40).notNullable();
    t.text('detail').nullable();
    t.integer('user_id').nullable().references('id').inTable('users').onDelete('SET NULL');
    t.string('created_at', 30).notNullable();
    t.index(['programme_id', 'measure_id']);
  });

  await db.schema.createTable('programme_executors', (t) => {
    t.integer('user_id').notNullable().references('id').inTable('users').onDelete('CASCADE');
    t.integer('body_id').notNullable().references('id').inTable('programme_bodies').onDelete('CASCADE');
    t.primary(['user_id', 'body_id']);
    t.index(['body_id']);
  });

  // Reporting duties (the resolution's 1 April and 1 May rules): due on day/month of year + offset.
  await db.schema.createTable('programme_duties', (t) => {
    t.increments('id').primary();
    t.integer('programme_id').notNullable().references('id').inTable('programmes').onDelete('CASCADE');
    t.string('code', 40).notNullable();
    t.string('reporter', 12).notNullable(); // executors (every executing body), lead (the lead body)
    t.integer('lead_body_id').nullable().references('id').inTable('programme_bodies').onDelete('SET NULL');
    t.text('recipient_kk').notNullable();
    t.text('recipient_ru').notNullable();
    t.text('recipient_en').notNullable();
    t.text('what_kk').notNullable();
    t.text('what_ru').notNullable();
    t.text('what_en').notNullable();
    t.integer('due_day').notNullable();
    t.integer('due_month').notNullable();
    t.integer('year_offset').notNullable().defaultTo(1);
    t.boolean('publish').notNullable().defaultTo(false);
    t.unique(['programme_id', 'code']);
  });

  // A duty met for a reporting year by one body (reporter_key "body:<id>") or by the lead body ("lead").
  await db.schema.createTable('programme_submissions', (t) => {
    t.increments('id').primary();
    t.integer('duty_id').notNullable().references('id').inTable('programme_duties').onDelete('CASCADE');
    t.integer('year').notNullable();
    t.string('reporter_key', 40).notNullable();
    t.string('submitted_on', 10).notNullable();
    t.text('note').nullable();
    t.integer('submitted_by').nullable().references('id').inTable('users').onDelete('SET NULL');
    t.string('created_at', 30).notNullable();
    t.unique(['duty_id', 'year', 'reporter_key']);
  });

  await db.schema.createTable('programme_criteria', (t) => {
    t.increments('id').primary();
    t.integer('programme_id').notNullable().references('id').inTable('programmes').onDelete('CASCADE');
    t.string('code', 40).notNullable();
    t.text('name_kk').notNullable();
    t.text('name_ru').notNullable();
    t.text('name_en').notNullable();
    // Only a numeric threshold is checked: the share of science workers in the employed population, in %.
    t.string('threshold_operator', 2).nullable(); // >=
    t.double('threshold_value').nullable();
    t.integer('position').notNullable().defaultTo(0);
    t.unique(['programme_id', 'code']);
  });

  await db.schema.createTable('programme_settlement_data', (t) => {
    t.increments('id').primary();
    t.integer('programme_id').notNullable().references('id').inTable('programmes').onDelete('CASCADE');
    t.integer('territory_id').notNullable().references('id').inTable('territories').onDelete('CASCADE');
    t.integer('year').notNullable();
    t.double('science_workers').notNullable();
    t.double('employed').notNullable();
    t.text('source').nullable();
    t.integer('entered_by').nullable().references('id').inTable('users').onDelete('SET NULL');
    t.string('entered_at', 30).notNullable();
    t.unique(['programme_id', 'territory_id', 'year']);
  });
}

export async function down(db: Knex): Promise<void> {
  for (const table of TABLES) await db.schema.dropTableIfExists(table);
}
