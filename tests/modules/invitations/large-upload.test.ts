import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, loginAs, type LoggedIn, type TestApp } from '../../helpers/app';
import { insertRound } from './fixtures';

/** The documented limit: 100 000 enterprises in one upload, imported in one transaction. */
describe('invitations: a 100 000-row upload', () => {
  let t: TestApp;
  let admin: LoggedIn;
  beforeAll(async () => {
    t = await createTestApp({ seed: 'base' });
    admin = await loginAs(t, 'admin');
  });
  afterAll(async () => t.close());

  it('imports 100 000 rows, and one row more is refused', async () => {
    const roundId = await insertRound(t.ctx);
    const territories = ['Abai district', 'Ridder city', 'Семей қаласы', 'Уланский район', 'zaisan-district'];
    const lines = ['name,contact,territory,sector,size'];
    for (let i = 0; i < 100_000; i++) lines.push(`Кәсіпорын ${i},user${i}@example.kz,${territories[i % 5]},${'ACGJM'[i % 5]},${['micro', 'small', 'medium'][i % 3]}`);
    const csv = Buffer.from(lines.join('\n'), 'utf8');
    const started = Date.now();
    const res = await admin.agent.post(`/admin/rounds/${roundId}/invitations/upload?_csrf=${admin.csrf}`).attach('file', csv, 'big.csv');
    const ms = Date.now() - started;
    expect(res.status).toBe(303); // post/redirect/get to the batch page
    console.log(`100k-row upload: ${ms} ms, ${(csv.length / 1e6).toFixed(1)} MB, rss ${(process.memoryUsage().rss / 1e6).toFixed(0)} MB`);
    const row = await t.ctx.db('invitations').where({ round_id: roundId }).count({ n: '*' }).first();
    expect(Number(row?.n)).toBe(100_000);

    const tooMany = Buffer.concat([csv, Buffer.from('\nOne more,,Abai district,A,micro')]);
    const refused = await admin.agent.post(`/admin/rounds/${roundId}/invitations/upload?_csrf=${admin.csrf}`).attach('file', tooMany, 'big.csv');
    expect(refused.status).toBe(400);
    const after = await t.ctx.db('invitations').where({ round_id: roundId }).count({ n: '*' }).first();
    expect(Number(after?.n)).toBe(100_000);
  }, 180_000);
});
