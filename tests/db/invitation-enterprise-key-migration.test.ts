import { describe, expect, it } from 'vitest';
import { insertReturningId } from '../../src/db/dialect';
import { createDb } from '../../src/db/knex';
import { migrateLatest, migrateOne } from '../../src/db/migrate';
import { enterpriseKey } from '../../src/modules/invitations/invitations.schemas';
import { freshDatabase, testDbEngine } from '../helpers/db';

const MIGRATION = '20261128_2300_invitation_enterprise_key';
const now = '2026-11-28T00:00:00.000Z';

/**
 * Invitations listed before the enterprise key existed get the key the application computes, so
 * an upload after the upgrade still finds an enterprise invited before it.
 */
describe(`invitation enterprise key migration with data on ${testDbEngine}`, () => {
  it('gives every listed invitation its key, leaves public ones without, and goes back down', async () => {
    const fresh = await freshDatabase();
    const db = createDb(fresh.database);
    try {
      await migrateLatest(db);
      await migrateOne(db, 'down', MIGRATION);
      expect(await db.schema.hasColumn('invitations', 'enterprise_key')).toBe(false);

      const territory = await insertReturningId(db, 'territories', { code: 't1', name_kk: 'T1', name_ru: 'T1', name_en: 'T1', kind: 'district' });
      const q = await insertReturningId(db, 'questionnaires', { code: 'Q', version: 1, title_kk: 'Q', title_ru: 'Q', title_en: 'Q', definition: '{}', created_at: now });
      const round = await insertReturningId(db, 'rounds', { title: 'R', questionnaire_id: q, status: 'open', audience: 'invitation', created_at: now, updated_at: now });
      const listed = [
        { name: '«Ёлка  Тех» ЖШС', territory },
        { name: 'ТОО Қазақ Инновация', territory: null },
        // More than one batch of the migration's 2,000.
        ...Array.from({ length: 2100 }, (_, i) => ({ name: `Кәсіпорын ${i}`, territory })),
      ];
      for (let i = 0; i < listed.length; i += 500) {
        await db('invitations').insert(
          listed.slice(i, i + 500).map((e, j) => ({ round_id: round, token_hash: String(i + j).padStart(64, '0'), source: 'list', enterprise_name: e.name, territory_id: e.territory, status: 'pending', created_at: now })),
        );
      }
      await db('invitations').insert({ round_id: round, token_hash: 'p'.repeat(64), source: 'public', enterprise_name: '', status: 'opened', created_at: now });

      await migrateOne(db, 'up', MIGRATION);
      const rows = await db('invitations').orderBy('id').select('source', 'enterprise_name', 'territory_id', 'enterprise_key');
      const listedRows = rows.filter((r) => r.source === 'list');
      expect(listedRows).toHaveLength(listed.length);
      for (const r of listedRows) expect(r.enterprise_key).toBe(enterpriseKey(r.enterprise_name, r.territory_id === null ? null : Number(r.territory_id)));
      expect(listedRows[0].enterprise_key).toBe(enterpriseKey('«ёлка тех» жшс', territory));
      expect(rows.find((r) => r.source === 'public')!.enterprise_key).toBeNull();

      await migrateOne(db, 'down', MIGRATION);
      expect(await db.schema.hasColumn('invitations', 'enterprise_key')).toBe(false);
      await migrateLatest(db);
    } finally {
      await db.destroy();
      await fresh.drop();
    }
  });
});
