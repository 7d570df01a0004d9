import fc from 'fast-check';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertReturningId, nowIso } from '../../src/db/dialect';
import { createTestApp, type TestApp } from '../helpers/app';
import { nastyStrings } from '../helpers/arbitraries';
import { LANGS, expectFormRefused, expectJsonRefused, runs } from '../helpers/bad-input';
import { InputTally, sessionAndBearer, type Actor } from '../helpers/security';

/**
 * The analysis pages take no body, only filters in the query string (and the same on the API and the
 * exports): a malformed filter is a 400 with a message, never a 500, and never changes anything.
 */
describe('bad input: analysis filters', () => {
  let t: TestApp;
  let researcher: Actor;
  let bearer: string;
  let roundId: number;
  const tally = new InputTally();

  beforeAll(async () => {
    t = await createTestApp({ seed: 'base' });
    ({ actor: researcher, bearer } = await sessionAndBearer(t, 'researcher'));
    const q = await t.ctx.db('questionnaires').first();
    const now = nowIso();
    roundId = await insertReturningId(t.ctx.db, 'rounds', { title: 'Analysis', questionnaire_id: q.id, status: 'open', audience: 'invitation', created_at: now, updated_at: now });
  });
  afterAll(async () => {
    console.log(tally.summary('analysis'));
    await t?.close();
  });

  it('malformed filters on the page, the exports and the API are refused or ignored, never a server error', async () => {
    const value = fc.oneof(fc.constantFrom(...nastyStrings.filter((s) => s.length < 200), '-1', '0', '2147483648', '1e3', 'yes', 'maybe', '%', '[]'), fc.string({ maxLength: 20 }));
    const query = fc.dictionary(fc.constantFrom('territory', 'sector', 'size', 'innovated', 'compare', 'page', 'sort'), value, { minKeys: 1, maxKeys: 4 });
    await fc.assert(
      fc.asyncProperty(query, fc.constantFrom(...LANGS), fc.constantFrom('', '/items.csv', '/categories.csv', '/workbook.xlsx', 'api'), async (q, lang, where) => {
        tally.add('ranking filters');
        const qs = new URLSearchParams(q).toString();
        const url = where === 'api' ? `/api/v1/rounds/${roundId}/ranking?${qs}` : `/analysis/rounds/${roundId}${where}?${qs}`;
        const req = request(t.app).get(url).set('Cookie', `${researcher.cookie}; kedergi_lang=${lang}`);
        const res = where === 'api' ? await req.set('Authorization', `Bearer ${bearer}`) : await req;
        expect([200, 400], `${url}: ${res.status}`).toContain(res.status);
        if (res.status === 400) {
          if (where === 'api') expectJsonRefused(res, lang);
          else expectFormRefused(res, lang);
        }
      }),
      { numRuns: runs(60), seed: 7801 },
    );
  });
});
