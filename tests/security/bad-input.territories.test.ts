import fc from 'fast-check';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app';
import { wrongValue } from '../helpers/arbitraries';
import { LANGS, badText, expectFormRefused, formValue, goodUnicodeText, runs } from '../helpers/bad-input';
import { InputTally, changedTables, fingerprint, sessionActor, type Actor } from '../helpers/security';

/** Bad input on the territory forms: refused with the reason beside the field, nothing stored. */
describe('bad input: territories', () => {
  let t: TestApp;
  let admin: Actor;
  let region: { id: number };
  let leaf: { id: number; code: string };
  const tally = new InputTally();

  beforeAll(async () => {
    t = await createTestApp({ seed: 'base' });
    admin = await sessionActor(t, 'admin');
    region = await t.ctx.db('territories').where({ code: 'east-kazakhstan-region' }).first();
    leaf = await t.ctx.db('territories').whereNot({ kind: 'region' }).orderBy('id').first();
  });
  afterAll(async () => {
    console.log(tally.summary('territories'));
    await t?.close();
  });

  const valid = () => ({ code: 'new-village', name_kk: 'Жаңа ауыл', name_ru: 'Новое село', name_en: 'New village', kind: 'district', parentId: String(region.id), position: '5' });
  const mutation = () =>
    fc.oneof(
      fc.constantFrom('New Village', 'ауыл', '-x', 'x'.repeat(41), '', 'a/b', '<b>', 'a\u0000b', leaf.code).map((code) => ({ code })),
      fc.tuple(fc.constantFrom('name_kk', 'name_ru', 'name_en'), badText(200)).map(([k, v]) => ({ [k]: v })),
      fc.constantFrom('planet', '', 'REGION', ['district', 'city']).map((kind) => ({ kind })),
      fc.constantFrom('0', '-1', 'abc', '999999', '2147483648', '1.5', ['1', '2']).map((parentId) => ({ parentId })),
      fc.constantFrom('-1', '100001', 'x', '1e9', '2.5').map((position) => ({ position })),
      fc.tuple(fc.constantFrom('id', 'created_at', 'parent_id', 'is_admin'), wrongValue).map(([k, v]) => ({ [k]: formValue(v) })),
    );

  it('create and edit: one bad field in an otherwise valid form is refused, in the reader language, and stores nothing', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(mutation(), { minLength: 1, maxLength: 3 }), fc.constantFrom(...LANGS), fc.boolean(), async (changes, lang, edit) => {
        tally.add(edit ? 'edit form' : 'create form');
        const before = await fingerprint(t.ctx.db, ['territories']);
        const url = edit ? `/admin/territories/${leaf.id}` : '/admin/territories';
        const body = Object.assign(valid(), edit ? { code: leaf.code } : {}, ...changes);
        const res = await request(t.app).post(url).set('Cookie', `${admin.cookie}; kedergi_lang=${lang}`).type('form').send({ ...body, _csrf: admin.csrf });
        expectFormRefused(res, lang);
        expect(changedTables(before, await fingerprint(t.ctx.db, ['territories']))).toEqual([]);
      }),
      { numRuns: runs(80), seed: 7301, endOnFailure: true },
    );
  });

  it('a territory cannot become its own ancestor', async () => {
    tally.add('cycles');
    const before = await fingerprint(t.ctx.db, ['territories']);
    const res = await request(t.app)
      .post(`/admin/territories/${region.id}`)
      .set('Cookie', `${admin.cookie}; kedergi_lang=ru`)
      .type('form')
      .send({ _csrf: admin.csrf, code: 'east-kazakhstan-region', name_kk: 'ШҚО', name_ru: 'ВКО', name_en: 'EKR', kind: 'region', parentId: String(leaf.id), position: '0' });
    expectFormRefused(res, 'ru');
    expect(changedTables(before, await fingerprint(t.ctx.db, ['territories']))).toEqual([]);
  });

  it('names in any script are accepted and stored exactly (trimmed)', async () => {
    let n = 0;
    await fc.assert(
      fc.asyncProperty(goodUnicodeText, goodUnicodeText, async (kk, ru) => {
        tally.add('unicode names');
        const code = `uni-${++n}`;
        const res = await request(t.app)
          .post('/admin/territories')
          .set('Cookie', admin.cookie)
          .type('form')
          .send({ _csrf: admin.csrf, ...valid(), code, name_kk: kk, name_ru: ru });
        // What survives the trip: lone surrogates arrive as U+FFFD.
        const sent = (s: string) => Buffer.from(s, 'utf8').toString('utf8').trim();
        expect(res.status).toBe(303);
        const row = await t.ctx.db('territories').where({ code }).first();
        expect(row.name_kk).toBe(sent(kk));
        expect(row.name_ru).toBe(sent(ru));
      }),
      { numRuns: runs(30), seed: 7302 },
    );
  });
});
