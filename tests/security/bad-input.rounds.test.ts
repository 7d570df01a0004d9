import fc from 'fast-check';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app';
import { wrongValue } from '../helpers/arbitraries';
import { LANGS, badText, expectFormRefused, expectJsonRefused, formValue, runs } from '../helpers/bad-input';
import { InputTally, changedTables, fingerprint, sessionAndBearer, type Actor } from '../helpers/security';

/** Bad input on the round form, the rounds API and status changes: refused, nothing stored. */
describe('bad input: rounds', () => {
  let t: TestApp;
  let admin: Actor;
  let bearer: string;
  let questionnaireId: number;
  let territoryId: number;
  let draftId: number;
  const TABLES = ['rounds', 'round_targets'];
  const tally = new InputTally();

  beforeAll(async () => {
    t = await createTestApp({ seed: 'base' });
    ({ actor: admin, bearer } = await sessionAndBearer(t, 'admin'));
    questionnaireId = (await t.ctx.db('questionnaires').first()).id;
    territoryId = (await t.ctx.db('territories').whereNot({ kind: 'region' }).orderBy('id').first()).id;
    const created = await request(t.app).post('/api/v1/rounds').set('Authorization', `Bearer ${bearer}`).send({ title: 'Draft', questionnaireId, audience: 'invitation' });
    draftId = created.body.id;
  });
  afterAll(async () => {
    console.log(tally.summary('rounds'));
    await t?.close();
  });

  const validForm = () => ({ title: 'Раунд 2027', questionnaireId: String(questionnaireId), audience: 'invitation', opensAt: '2027-03-01T09:00', closesAt: '2027-04-01T18:00', targetTotal: '300', targets: { [`t${territoryId}`]: '20' } });
  const formMutation = () =>
    fc.oneof(
      badText(300).map((title) => ({ title })),
      fc.constantFrom('abc', '0', '-3', '999999', '2147483648', '1.5', '').map((questionnaireId) => ({ questionnaireId })),
      fc.constantFrom('everyone', '', 'PUBLIC', ['public', 'invitation']).map((audience) => ({ audience })),
      fc.tuple(fc.constantFrom('opensAt', 'closesAt'), fc.constantFrom('2027-13-01T10:00', '2027-02-30T10:00', 'tomorrow', '01.03.2027 09:00', '2027-03-01T25:00', '2027-03-01T09:00\u0000', '9999999-01-01T00:00')).map(([k, v]) => ({ [k]: v })),
      fc.constant({ opensAt: '2027-05-01T09:00', closesAt: '2027-04-01T09:00' }),
      fc.constantFrom('-1', '0', 'x', '1000001', '2.5', '1e3x').map((targetTotal) => ({ targetTotal })),
      fc.constantFrom({ x1: '5' }, { t: '5' }, { t999999: '5' }, { t2147483648: '5' }, { [`t${territoryId}`]: '-5' }, { [`t${territoryId}`]: 'ten' }).map((targets) => ({ targets })),
      fc.tuple(fc.constantFrom('status', 'public_token_hash', 'created_by', 'id'), wrongValue).map(([k, v]) => ({ [k]: formValue(v) })),
    );

  it('form (new and edit): one bad field is refused beside the field, in the reader language, and stores nothing', async () => {
    await fc.assert(
      fc.asyncProperty(formMutation(), fc.constantFrom(...LANGS), fc.boolean(), async (change, lang, edit) => {
        tally.add(edit ? 'edit form' : 'new form');
        const before = await fingerprint(t.ctx.db, TABLES);
        const res = await request(t.app)
          .post(edit ? `/admin/rounds/${draftId}` : '/admin/rounds')
          .set('Cookie', `${admin.cookie}; kedergi_lang=${lang}`)
          .type('form')
          .send({ ...validForm(), ...change, _csrf: admin.csrf });
        expectFormRefused(res, lang);
        expect(changedTables(before, await fingerprint(t.ctx.db, TABLES))).toEqual([]);
      }),
      { numRuns: runs(80), seed: 7401, endOnFailure: true },
    );
  });

  it('API create: wrong types, extra fields, bad dates and unknown territories are JSON errors with a code', async () => {
    const valid = () => ({ title: 'API round', questionnaireId, audience: 'public', opensAt: '2027-03-01T04:00:00.000Z', closesAt: '2027-04-01T12:00:00.000Z', targetTotal: 100, targets: [{ territory: territoryId, target: 5 }] });
    const mutation = fc.oneof(
      fc.tuple(fc.constantFrom('title', 'questionnaireId', 'audience', 'opensAt', 'closesAt', 'targetTotal', 'targets'), wrongValue).map(([k, v]) => ({ [k]: v })),
      fc.constantFrom('closed', 'archived', 'OPEN').map((status) => ({ status })),
      fc.constantFrom({ territory: 'Atlantis', target: 5 }, { territory: 2147483647, target: 5 }, { territory: territoryId, target: 0 }, { territory: territoryId, target: 5, extra: 1 }).map((x) => ({ targets: [x] })),
      fc.constantFrom('id', 'createdBy', 'publicTokenHash', 'public_token_hash').map((k) => ({ [k]: 'x' })),
      fc.constantFrom({ questionnaireId: 2147483648 }, { questionnaireId: 999999 }, { targetTotal: 1e12 }, { title: 'x\u0000' }),
    );
    await fc.assert(
      fc.asyncProperty(mutation, fc.constantFrom(...LANGS), async (change, lang) => {
        const body = { ...valid(), ...change };
        tally.add('API create');
        const before = await fingerprint(t.ctx.db, TABLES);
        const res = await request(t.app).post('/api/v1/rounds').set('Authorization', `Bearer ${bearer}`).set('Cookie', `kedergi_lang=${lang}`).send(body);
        if (res.status === 201) {
          // Only a body that is in fact valid may pass: a string title, or nullable fields set to null.
          const k = Object.keys(change)[0]!;
          const v = (change as Record<string, unknown>)[k];
          expect((k === 'title' && typeof v === 'string' && v.trim() !== '' && v.trim().length <= 300 && !v.includes('\u0000')) || (['opensAt', 'closesAt', 'targetTotal'].includes(k) && v === null) || (k === 'targets' && Array.isArray(v) && v.length === 0), `accepted ${JSON.stringify(change)}`).toBe(true);
          await t.ctx.db('round_targets').where({ round_id: res.body.id }).del();
          await t.ctx.db('rounds').where({ id: res.body.id }).del();
          return;
        }
        expectJsonRefused(res, lang);
        expect(changedTables(before, await fingerprint(t.ctx.db, TABLES))).toEqual([]);
      }),
      { numRuns: runs(80), seed: 7402, endOnFailure: true },
    );
  });

  it('status changes: unknown statuses and impossible transitions are refused and change nothing', async () => {
    await fc.assert(
      // From draft only 'open' and 'archived' are transitions; 'closed' is not, and the rest are no statuses.
      fc.asyncProperty(fc.oneof(wrongValue, fc.constantFrom('closed', 'deleted', 'OPEN', 'draft ')), fc.constantFrom(...LANGS), fc.boolean(), async (status, lang, api) => {
        if (status === 'open' || status === 'archived') return;
        tally.add('status changes');
        const before = await fingerprint(t.ctx.db, TABLES);
        const res = api
          ? await request(t.app).post(`/api/v1/rounds/${draftId}/status`).set('Authorization', `Bearer ${bearer}`).set('Cookie', `kedergi_lang=${lang}`).send({ status })
          : await request(t.app).post(`/admin/rounds/${draftId}/status`).set('Cookie', `${admin.cookie}; kedergi_lang=${lang}`).type('form').send({ _csrf: admin.csrf, status: formValue(status) });
        if (api) expectJsonRefused(res, lang, [400, 409]);
        else {
          expect([200, 400, 409]).toContain(res.status); // the detail page explains the refusal
          expect(res.text).toMatch(/role="alert"/);
        }
        expect(changedTables(before, await fingerprint(t.ctx.db, TABLES))).toEqual([]);
      }),
      { numRuns: runs(40), seed: 7403, endOnFailure: true },
    );
  });
});
