import type { Knex } from 'knex';

/**
 * Mail (issue 12): round mail is queued without its merge values. Each message keeps its
 * invitation, language and Message-ID; the sender makes the enterprise name, the personal link,
 * the closing date and the opt-out link when it sends, from the invitation as it is then (a
 * reissued link goes out new, a withdrawn invitation gets nothing). The links in a message
 * start with the address the round's mail was queued from, kept here once per snapshot.
 * Messages queued before this migration still carry their sealed values and are sent as they are.
 */
export async function up(db: Knex): Promise<void> {
  await db.schema.alterTable('mail_snapshots', (t) => {
    t.string('base_url', 500).nullable();
  });
}

export async function down(db: Knex): Promise<void> {
  await db.schema.alterTable('mail_snapshots', (t) => {
    t.dropColumn('base_url');
  });
}
