import type { Knex } from 'knex';

/**
 * invitations.enterprise_key: the enterprise's territory and normalised name, the identity an
 * upload's duplicate check compares ("the same enterprise listed twice in one round"), with an
 * index per round. Before it the check read every invitation of the round on each upload: the
 * 20th file of 100,000 into a national round held 1.9 million rows in memory (issue 18). Now it
 * asks only for the keys in the file.
 *
 * Rows already there get their key here, computed as the application computes it. The
 * normalisation is copied, not imported: a migration is a snapshot of its date, and if the
 * application's rule changes, a new migration has to recompute the keys.
 */
function normaliseName(value: string): string {
  return value
    .normalize('NFC')
    .toLocaleLowerCase('ru')
    .replace(/ё/g, 'е')
    .replace(/[\s\u00a0]+/g, ' ')
    .trim();
}
const keyOf = (name: string, territoryId: number | null) => `${territoryId ?? ''}|${normaliseName(name)}`;

const isPg = (db: Knex) => ['pg', 'postgres', 'postgresql'].includes(String(db.client.config.client));
const BATCH = 2000;

export async function up(db: Knex): Promise<void> {
  await db.schema.alterTable('invitations', (t) => {
    t.string('enterprise_key', 320).nullable();
  });
  // Only listed enterprises take part in the check; a public link's invitation has no name.
  for (let after = 0; ; ) {
    const rows: Array<{ id: number | string; enterprise_name: string; territory_id: number | string | null }> = await db('invitations')
      .where('source', 'list')
      .andWhere('id', '>', after)
      .orderBy('id')
      .limit(BATCH)
      .select('id', 'enterprise_name', 'territory_id');
    if (rows.length === 0) break;
    after = Number(rows.at(-1)!.id);
    const keys = JSON.stringify(rows.map((r) => ({ id: Number(r.id), k: keyOf(r.enterprise_name, r.territory_id === null ? null : Number(r.territory_id)) })));
    // One statement per batch, the batch as one JSON parameter (both engines read JSON).
    if (isPg(db)) {
      await db.raw('UPDATE invitations AS i SET enterprise_key = v.k FROM json_to_recordset(?::json) AS v(id integer, k text) WHERE i.id = v.id', [keys]);
    } else {
      await db.raw(
        "UPDATE invitations SET enterprise_key = v.k FROM (SELECT json_extract(value, '$.id') AS id, json_extract(value, '$.k') AS k FROM json_each(?)) AS v WHERE invitations.id = v.id",
        [keys],
      );
    }
  }
  await db.schema.alterTable('invitations', (t) => {
    t.index(['round_id', 'enterprise_key'], 'invitations_round_enterprise_key');
  });
}

export async function down(db: Knex): Promise<void> {
  await db.schema.alterTable('invitations', (t) => {
    t.dropIndex(['round_id', 'enterprise_key'], 'invitations_round_enterprise_key');
  });
  await db.schema.alterTable('invitations', (t) => {
    t.dropColumn('enterprise_key');
  });
}
