import type { Knex } from 'knex';

/**
 * Mail (issue 12): the outbox's sent_at index becomes partial. The per-minute limit counts the
 * messages sent since a time (`sent_at >= ?`, which the partial index serves); a queued message
 * has no sent_at, so the 100 000 inserts of queueing a round no longer maintain this index.
 */
export async function up(db: Knex): Promise<void> {
  await db.schema.alterTable('mail_outbox', (t) => {
    t.dropIndex(['sent_at']);
    t.index(['sent_at'], 'mail_outbox_sent_at_partial', { predicate: db.whereNotNull('sent_at') });
  });
}

export async function down(db: Knex): Promise<void> {
  await db.schema.alterTable('mail_outbox', (t) => {
    t.dropIndex(['sent_at'], 'mail_outbox_sent_at_partial');
    t.index(['sent_at']);
  });
}
