import fs from 'node:fs';
import path from 'node:path';
import type { Knex } from 'knex';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sharedDomainDir } from '../../../src/paths';
import { QuestionnairesRepository } from '../../../src/modules/questionnaires/questionnaires.repository';
import type { TQuestionnaireDefinition } from '../../../src/modules/questionnaires/questionnaires.schemas';
import { QuestionnairesService, jsonPath, parseDefinition } from '../../../src/modules/questionnaires/questionnaires.service';
import { apiTokenFor, createTestApp, loginAs, type LoggedIn, type TestApp } from '../../helpers/app';

const seedText = fs.readFileSync(path.join(sharedDomainDir, 'questionnaire-barriers.json'), 'utf8');
const seed = (): TQuestionnaireDefinition => JSON.parse(seedText);

async function counts(db: Knex) {
  const n = async (table: string) => Number((await db(table).count({ n: '*' }).first())?.n);
  return { questionnaires: await n('questionnaires'), categories: await n('questionnaire_categories'), items: await n('questionnaire_items') };
}

describe('questionnaires', () => {
  let t: TestApp;
  let admin: LoggedIn;
  let adminToken: string;
  let defaultId: number;
  beforeAll(async () => {
    t = await createTestApp({ seed: 'base' });
    admin = await loginAs(t, 'admin');
    adminToken = await apiTokenFor(t, 'admin');
    defaultId = Number((await t.ctx.db('questionnaires').where({ code: 'SME-BARRIERS', version: 1 }).first()).id);
  });
  afterAll(async () => t.close());

  it('seeds the barriers questionnaire as version 1 with its 5 categories and 22 items', async () => {
    const q = await t.services.questionnaires.getQuestionnaire(defaultId);
    expect(q.version).toBe(1);
    expect(q.categories.map((c) => c.code)).toEqual(['MARKET', 'FINANCE', 'KNOWLEDGE', 'PEOPLE', 'INSTITUTIONS']);
    expect(q.items).toHaveLength(22);
    const b03 = q.items.find((i) => i.code === 'B03')!;
    expect(b03).toMatchObject({ categoryCode: 'FINANCE', referenceMean: 3.8, allowCannotJudge: true, required: true });
    expect(q.categories.find((c) => c.id === b03.categoryId)?.code).toBe('FINANCE');
    expect(q.definition.profile.map((p) => p.type)).toEqual(['choice-from-territories', 'choice', 'choice', 'integer', 'multi-choice', 'choice']);
  });

  it('exports exactly the seed file, and re-importing the export changes nothing', async () => {
    const res = await admin.agent.get(`/admin/questionnaires/${defaultId}/export.json`);
    expect(res.status).toBe(200);
    expect(res.headers['content-disposition']).toContain('SME-BARRIERS-v1.json');
    const exported = JSON.parse(res.text);
    expect(exported).toEqual(seed());
    expect(JSON.stringify(exported)).toBe(JSON.stringify(seed())); // same key order too

    const before = await counts(t.ctx.db);
    const again = await request(t.app).post('/api/v1/questionnaires').set('authorization', `Bearer ${adminToken}`).send(exported);
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ id: defaultId, version: 1, outcome: 'unchanged' });
    expect(await counts(t.ctx.db)).toEqual(before);
  });

  it('reports every error with its JSON path and imports nothing', async () => {
    const bad = seed() as unknown as Record<string, any>;
    bad.title.ru = '';
    bad.items[3].text = { kk: 'x', en: 'y' };
    bad.items[5].colour = 'red';
    bad.profile[1].type = 'radio';
    bad.scale.labels['6'] = bad.scale.labels['5'];
    const before = await counts(t.ctx.db);
    const res = await request(t.app).post('/api/v1/questionnaires').set('authorization', `Bearer ${adminToken}`).send(bad);
    expect(res.status).toBe(400);
    const paths = res.body.error.fields.map((f: { path: string }) => f.path).sort();
    expect(paths).toEqual(['$.items[3].text.ru', '$.items[5].colour', '$.profile[1].type', '$.scale.labels["6"]', '$.title.ru'].sort());
    for (const f of res.body.error.fields) expect(f.message).toBeTruthy();
    expect(await counts(t.ctx.db)).toEqual(before);
  });

  it('checks references between parts once the shape is right', () => {
    const bad = seed();
    bad.items[2]!.category = 'NOPE';
    bad.items[4]!.code = 'B01';
    bad.items[0]!.referenceMean = 7;
    try {
      parseDefinition(bad);
      expect.unreachable();
    } catch (e) {
      const fields = (e as { fields: Array<{ path: string; key: string }> }).fields;
      expect(fields.map((f) => f.path).sort()).toEqual(['$.items[0].referenceMean', '$.items[2].category', '$.items[4].code']);
      expect(fields.find((f) => f.path === '$.items[2].category')?.key).toBe('questionnaires:errors.unknownCategory');
    }
  });

  it('formats JSON paths for arrays, plain keys and odd keys', () => {
    expect(jsonPath(['items', 3, 'text', 'ru'])).toBe('$.items[3].text.ru');
    expect(jsonPath([])).toBe('$');
    expect(jsonPath(['scale', 'labels', '1'])).toBe('$.scale.labels["1"]');
  });

  it('shows import errors on the admin page with paths, keeps the pasted text, imports nothing', async () => {
    const bad = seed();
    bad.items[1]!.text.kk = '';
    const text = JSON.stringify(bad);
    const before = await counts(t.ctx.db);
    const res = await admin.agent.post(`/admin/questionnaires/import?_csrf=${admin.csrf}`).field('json', text);
    expect(res.status).toBe(400);
    // The shared error summary names a place in the file as the file names it (src/lib/form-errors.ts).
    expect(res.text).toContain('<span class="error-location">items[1].text.kk</span>');
    expect(res.text).toContain('B02'); // the pasted JSON is still in the textarea
    const broken = await admin.agent.post(`/admin/questionnaires/import?_csrf=${admin.csrf}`).field('json', '{"code": ');
    expect(broken.status).toBe(400);
    expect(broken.text).toMatch(/class="error-summary[^"]*"[\s\S]*<li>[^<]*JSON[^<]*<\/li>/);
    expect(await counts(t.ctx.db)).toEqual(before);
  });

  it('imports an uploaded file as the next version of a known code', async () => {
    const next = seed();
    next.title.en = 'Barriers to innovation in small business (2027)';
    const res = await admin.agent
      .post(`/admin/questionnaires/import?_csrf=${admin.csrf}`)
      .attach('file', Buffer.from(JSON.stringify(next)), { filename: 'q.json', contentType: 'application/json' });
    expect(res.status).toBe(303);
    const row = await t.ctx.db('questionnaires').where({ code: 'SME-BARRIERS' }).orderBy('version', 'desc').first();
    expect(row.version).toBe(2);
    expect(row.title_en).toBe(next.title.en);
    expect(res.headers.location).toBe(`/admin/questionnaires/${row.id}?saved=created`);
    const page = await admin.agent.get(res.headers.location);
    expect(page.status).toBe(200);
    // 22 ratings and the 6 profile questions, whose answers are answer rows too.
    expect(Number((await t.ctx.db('questionnaire_items').where({ questionnaire_id: row.id }).count({ n: '*' }).first())?.n)).toBe(22 + 6);
  });

  it('writes a questionnaire and its rows in one transaction: a failure half-way leaves nothing', async () => {
    class FailingRepository extends QuestionnairesRepository {
      override async writeContent(id: number, def: TQuestionnaireDefinition, trx: Knex.Transaction): Promise<void> {
        await super.writeContent(id, { ...def, items: [] }, trx); // the categories get written
        throw new Error('disk full');
      }
    }
    const service = new QuestionnairesService(new FailingRepository(t.ctx.db));
    const before = await counts(t.ctx.db);
    const def = { ...seed(), code: 'TX-TEST' };
    await expect(service.importDefinition(def, null)).rejects.toThrow('disk full');
    expect(await counts(t.ctx.db)).toEqual(before);
  });

  it('never modifies a version a round uses: the edit becomes a new version', async () => {
    const service = t.services.questionnaires;
    const v1 = await service.getQuestionnaire(defaultId);
    await t.services.rounds.create({ title: 'Uses v1', questionnaireId: defaultId, audience: 'invitation', opensAt: null, closesAt: null, targetTotal: null, targets: [] }, admin.user.id);

    const edited = seed();
    edited.items[0]!.text.en = 'Weak demand for innovative products';
    const result = await service.updateDefinition(defaultId, edited, admin.user.id);
    expect(result.outcome).toBe('created');
    expect(result.id).not.toBe(defaultId);
    const latest = await service.latestByCode('SME-BARRIERS');
    expect(result.version).toBe(latest!.version);

    const after = await service.getQuestionnaire(defaultId);
    expect(after.definition).toEqual(v1.definition);
    expect(after.items).toEqual(v1.items);
    expect((await service.getQuestionnaire(result.id)).items[0]!.text_en).toBe('Weak demand for innovative products');
  });

  it('changes an unused version in place, through the edit form', async () => {
    const service = t.services.questionnaires;
    const created = await service.importDefinition({ ...seed(), code: 'PILOT' }, null);
    const changed = { ...seed(), code: 'PILOT', items: seed().items.slice(0, 5), categories: seed().categories.filter((c) => ['MARKET', 'INSTITUTIONS', 'FINANCE', 'KNOWLEDGE'].includes(c.code)) };
    const res = await admin.agent.post(`/admin/questionnaires/${created.id}/edit`).type('form').send({ _csrf: admin.csrf, json: JSON.stringify(changed) });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe(`/admin/questionnaires/${created.id}?saved=updated`);
    const q = await service.getQuestionnaire(created.id);
    expect(q.version).toBe(1);
    expect(q.items.map((i) => i.code)).toEqual(['B01', 'B02', 'B03', 'B04', 'B05']);
    expect(q.categories).toHaveLength(4);

    const renamed = await admin.agent.post(`/admin/questionnaires/${created.id}/edit`).type('form').send({ _csrf: admin.csrf, json: JSON.stringify({ ...changed, code: 'OTHER' }) });
    expect(renamed.status).toBe(400);
    expect(renamed.text).toContain('<span class="error-location">code</span>');
  });

  it('lists versions with item and round counts, and shows items in the reader\'s language', async () => {
    const list = await admin.agent.get('/admin/questionnaires');
    expect(list.status).toBe(200);
    expect(list.text).toContain('SME-BARRIERS');
    await admin.agent.post('/lang').type('form').send({ _csrf: admin.csrf, lang: 'ru', next: '/' });
    const detail = await admin.agent.get(`/admin/questionnaires/${defaultId}`);
    expect(detail.text).toContain('Низкий спрос на инновационную продукцию');
    expect(detail.text).not.toContain('Low demand for innovative products');
    await admin.agent.post('/lang').type('form').send({ _csrf: admin.csrf, lang: 'kk', next: '/' });
  });

  it('serves the API list in the documented shape to researchers, and refuses their writes', async () => {
    const token = await apiTokenFor(t, 'researcher');
    const res = await request(t.app).get('/api/v1/questionnaires').set('authorization', `Bearer ${token}`);
    expect(res.status).toBe(200);
    const first = res.body.questionnaires.find((q: { id: number }) => q.id === defaultId);
    expect(first).toMatchObject({ id: defaultId, code: 'SME-BARRIERS', version: 1, title: { en: 'Barriers to innovation in small business' } });
    const one = await request(t.app).get(`/api/v1/questionnaires/${defaultId}`).set('authorization', `Bearer ${token}`);
    expect(one.body.items).toHaveLength(22);
    expect(one.body.definition).toEqual(seed());
    const write = await request(t.app).post('/api/v1/questionnaires').set('authorization', `Bearer ${token}`).send(seed());
    expect(write.status).toBe(403);
    expect((await request(t.app).get('/api/v1/questionnaires')).status).toBe(401);
  });

  it('gates the admin pages and requires CSRF on the import form', async () => {
    const anon = await request(t.app).get('/admin/questionnaires');
    expect(anon.status).toBe(303);
    expect(anon.headers.location).toMatch(/^\/login/);
    const expert = await loginAs(t, 'expert');
    expect((await expert.agent.get('/admin/questionnaires')).status).toBe(403);
    expect((await expert.agent.get(`/admin/questionnaires/${defaultId}/export.json`)).status).toBe(403);
    const before = await counts(t.ctx.db);
    const noCsrf = await admin.agent.post('/admin/questionnaires/import').field('json', JSON.stringify({ ...seed(), code: 'NO-CSRF' }));
    expect(noCsrf.status).toBe(403);
    expect(await counts(t.ctx.db)).toEqual(before);
  });
});
