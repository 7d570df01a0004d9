import type { Knex } from 'knex';

/**
 * Derived indicators: an indicator with a formula over the other indicators of its dataset
 * (src/math/deriveIndicators.ts). Its values are computed, never imported, and are rewritten
 * whenever the dataset's values or the formula change. Null for ordinary indicators.
 */
export async function up(db: Knex): Promise<void> {
  await db.schema.alterTable('indicators', (t) => {
    t.text('formula').nullable();
  });
}

export async function down(db: Knex): Promise<void> {
  await db.schema.alterTable('indicators', (t) => {
    t.dropColumn('formula');
  });
}
