import type { Knex } from 'knex';

/**
 * Mail (issue 12). The mail module owns these tables:
 *
 * - mail_outbox: every message to send, durable before any SMTP conversation starts. The
 *   Message-ID is fixed when the message is queued, so a message re-sent after a crash carries
 *   the same one. The rendered message is sealed (AES-256-GCM under a key derived from the
 *   application secret) because it holds a personal link; it is dropped once sent. A row is
 *   also the per-invitation history: queued, sent, failed, bounced.
 * - mail_snapshots: the subject and text (with merge fields) a batch was queued with.
 * - mail_templates: subject and body per round, kind (invitation, reminder) and language.
 * - mail_reminder_schedules: one per round.
 * - mail_suppressions: addresses that opted out or bounced; nothing more is sent to them.
 * - password_resets: single-use reset tokens, stored as their SHA-256 only.
 *
 * Invitations gain the address and language their mail goes to, and their link token sealed
 * (never in plain) so the link can be sent again; rounds gain their public token sealed;
 * Delphi rounds gain the deadline the experts are told.
 */
export async function up(db: Knex): Promise<void> {
  await db.schema.alterTable('invitations', (t) => {
    t.string('email', 320).nullable();
    t.string('language', 2).nullable();
    t.text('token_sealed').nullable();
    t.string('withdrawn_at', 30).nullable();
  });
  await db.schema.alterTable('rounds', (t) => {
    t.text('public_token_sealed').nullable();
  });
  // The deadline experts are told when a Delphi round opens (Almaty time shown, UTC stored).
  await db.schema.alterTable('delphi_rounds', (t) => {
    t.string('deadline_at', 30).nullable();
  });

  // The subject and text a batch of messages was queued with, per language: a round's 100 000
  // messages then store only their own merge values, and a template edited after queueing does
  // not change what was already queued.
  await db.schema.createTable('mail_snapshots', (t) => {
    t.increments('id').primary();
    t.string('language', 2).notNullable();
    t.string('subject', 300).notNullable();
    t.text('body').notNullable();
    t.string('created_at', 30).notNullable();
  });

  await db.schema.createTable('mail_outbox', (t) => {
    t.increments('id').primary();
    // Random (a UUID on the sender's domain) and never looked up: no index to keep up at 100 000 rows a round.
    t.string('message_id', 200).notNullable();
    t.string('kind', 30).notNullable(); // invitation, reminder, expert_round, expert_reminder, password_reset, test
    t.string('recipient', 320).notNullable();
    t.string('language', 2).notNullable();
    t.integer('round_id').nullable().references('id').inTable('rounds').onDelete('CASCADE');
    t.integer('invitation_id').nullable().references('id').inTable('invitations').onDelete('CASCADE');
    t.integer('user_id').nullable().references('id').inTable('users').onDelete('CASCADE');
    t.string('topic', 60).nullable(); // what a user's mail is about, e.g. delphi:12 (a Delphi round)
    t.integer('snapshot_id').nullable().references('id').inTable('mail_snapshots').onDelete('RESTRICT');
    // Sealed: {values, headers} filled into the snapshot, or {subject, text, lang, headers} for a
    // one-off message. NULL once sent or given up.
    t.text('payload').nullable();
    t.string('status', 12).notNullable(); // queued, sending, sent, failed, bounced
    t.integer('attempts').notNullable().defaultTo(0);
    t.string('next_attempt_at', 30).notNullable();
    t.string('lease_until', 30).nullable();
    t.string('last_error', 500).nullable();
    t.string('created_at', 30).notNullable();
    t.string('sent_at', 30).nullable();
    t.index(['status', 'next_attempt_at']);
    t.index(['invitation_id']);
    t.index(['round_id', 'kind']);
    t.index(['sent_at']);
    t.index(['recipient']);
  });

  await db.schema.createTable('mail_templates', (t) => {
    t.integer('round_id').notNullable().references('id').inTable('rounds').onDelete('CASCADE');
    t.string('kind', 20).notNullable(); // invitation, reminder
    t.string('language', 2).notNullable();
    t.string('subject', 300).notNullable();
    t.text('body').notNullable();
    t.integer('updated_by').nullable().references('id').inTable('users').onDelete('SET NULL');
    t.string('updated_at', 30).notNullable();
    t.primary(['round_id', 'kind', 'language']);
  });

  await db.schema.createTable('mail_reminder_schedules', (t) => {
    t.integer('round_id').primary().references('id').inTable('rounds').onDelete('CASCADE');
    t.boolean('enabled').notNullable();
    t.integer('after_days').notNullable();
    t.integer('every_days').notNullable();
    t.integer('max_count').notNullable();
    t.string('updated_at', 30).notNullable();
  });

  await db.schema.createTable('mail_suppressions', (t) => {
    t.string('address', 320).primary(); // lower case
    t.string('reason', 20).notNullable(); // opt_out, bounce
    t.string('detail', 300).nullable();
    t.string('created_at', 30).notNullable();
  });

  await db.schema.createTable('password_resets', (t) => {
    t.increments('id').primary();
    t.integer('user_id').notNullable().references('id').inTable('users').onDelete('CASCADE');
    t.string('token_hash', 64).notNullable().unique();
    t.string('expires_at', 30).notNullable();
    t.string('used_at', 30).nullable();
    t.string('created_at', 30).notNullable();
    t.index(['user_id']);
  });
}

export async function down(db: Knex): Promise<void> {
  await db.schema.dropTable('password_resets');
  await db.schema.dropTable('mail_suppressions');
  await db.schema.dropTable('mail_reminder_schedules');
  await db.schema.dropTable('mail_templates');
  await db.schema.dropTable('mail_outbox');
  await db.schema.dropTable('mail_snapshots');
  await db.schema.alterTable('delphi_rounds', (t) => {
    t.dropColumn('deadline_at');
  });
  await db.schema.alterTable('rounds', (t) => {
    t.dropColumn('public_token_sealed');
  });
  await db.schema.alterTable('invitations', (t) => {
    t.dropColumn('withdrawn_at');
    t.dropColumn('token_sealed');
    t.dropColumn('language');
    t.dropColumn('email');
  });
}
