import type { Knex } from 'knex';

/**
 * Mail, second part (issue 12):
 *
 * - users.language: the language of a user's mail and their default page language (kk, ru, en;
 *   NULL: not chosen, the browser's choice applies and mail goes in Kazakh).
 * - mail_outbox.dedupe_key: which mail of which invitation (or expert) a row is, e.g. the first
 *   invitation mail of invitation 12 or the second reminder. Unique, so two "send" clicks at
 *   once, two server workers or the cron command beside the in-process sender queue each mail
 *   once: the second insert of a key is ignored, on both engines. NULL for one-off mail (a test
 *   send, a password reset), which repeats on purpose.
 * - delphi_reminder_schedules: per panel, remind the experts who have not scored in the open
 *   round after N days, every M days, at most K times; the mail sender runs it.
 */
export async function up(db: Knex): Promise<void> {
  await db.schema.alterTable('users', (t) => {
    t.string('language', 2).nullable();
  });
  await db.schema.alterTable('mail_outbox', (t) => {
    t.string('dedupe_key', 120).nullable();
    t.unique(['dedupe_key'], { indexName: 'mail_outbox_dedupe_key_unique' });
    // Mail to users by topic (a Delphi round's reminders); partial: a round's invitation mail has none.
    t.index(['topic'], 'mail_outbox_topic', { predicate: db.whereNotNull('topic') });
  });
  await db.schema.createTable('delphi_reminder_schedules', (t) => {
    t.integer('panel_id').primary().references('id').inTable('panels').onDelete('CASCADE');
    t.boolean('enabled').notNullable();
    t.integer('after_days').notNullable();
    t.integer('every_days').notNullable();
    t.integer('max_count').notNullable();
    t.string('updated_at', 30).notNullable();
  });
}

export async function down(db: Knex): Promise<void> {
  await db.schema.dropTable('delphi_reminder_schedules');
  await db.schema.alterTable('mail_outbox', (t) => {
    t.dropIndex(['topic'], 'mail_outbox_topic');
    t.dropUnique(['dedupe_key'], 'mail_outbox_dedupe_key_unique');
    t.dropColumn('dedupe_key');
  });
  await db.schema.alterTable('users', (t) => {
    t.dropColumn('language');
  });
}
