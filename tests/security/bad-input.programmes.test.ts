import fc from 'fast-check';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app';
import { wrongValue } from '../helpers/arbitraries';
import { LANGS, badText, expectFormRefused, formValue, runs } from '../helpers/bad-input';
import { InputTally, changedTables, fingerprint, sessionActor, type Actor } from '../helpers/security';

/** Bad input on the programme forms and imports: refused with the reason, in the reader's language, nothing stored. */
describe('bad input: programmes', () => {
  let t: TestApp;
  let analyst: Actor;
  let pid: number;
  let indicator: number;
  let measure: number;
  let territory: number;
  const tally = new InputTally();
  const TABLES = ['programme_actuals', 'programme_measure_reports', 'programme_evidence', 'programme_history', 'programme_settlement_data', 'programme_submissions'];

  beforeAll(async () => {
    t = await createTestApp({ seed: 'base' });
    analyst = await sessionActor(t, 'researcher');
    pid = (await t.ctx.db('programmes').first()).id;
    indicator = (await t.ctx.db('programme_indicators').where({ programme_id: pid, code: 'T1' }).first()).id;
    measure = (await t.ctx.db('programme_measures').where({ programme_id: pid, number: 7 }).first()).id; // due 2027-2035
    territory = (await t.ctx.db('territories').where({ kind: 'city' }).first()).id;
  });
  afterAll(async () => {
    console.log(tally.summary('programmes'));
    await t?.close();
  });

  const post = (url: string, body: Record<string, unknown>, lang: string) =>
    request(t.app).post(url).set('Cookie', `${analyst.cookie}; kedergi_lang=${lang}`).type('form').send({ ...body, _csrf: analyst.csrf });
  const extra = fc.tuple(fc.constantFrom('id', 'entered_by', 'programme_id', 'indicatorId'), wrongValue).map(([k, v]) => ({ [k]: formValue(v) }));

  const forms: Array<{ name: string; url: () => string; valid: () => Record<string, unknown>; mutation: fc.Arbitrary<Record<string, unknown>> }> = [
    {
      name: 'actual',
      url: () => `/programmes/${pid}/indicators/${indicator}/actuals`,
      valid: () => ({ year: '2026', value: '2,4', source: 'Stat', note: '' }),
      mutation: fc.oneof(
        fc.constantFrom('2024', '2036', '0', 'x', '2026.5', '', ['2026', '2027']).map((year) => ({ year })),
        fc.constantFrom('', 'abc', '1,2,3', '1e5', 'NaN', 'Infinity', '--1', '1..2', ['1', '2']).map((value) => ({ value })),
        badText(1000).filter((v) => typeof v !== 'string' || v.trim() !== '').map((source) => ({ source })),
        extra,
      ),
    },
    {
      name: 'measure report',
      url: () => `/programmes/${pid}/measures/${measure}/report`,
      valid: () => ({ year: '2027', status: 'in_progress', summary: 'Жұмыс жүріп жатыр' }),
      mutation: fc.oneof(
        fc.constantFrom('2026', '2036', 'x', '').map((year) => ({ year })),
        fc.constantFrom('finished', '', 'DONE', ['done', 'in_progress']).map((status) => ({ status })),
        fc.constantFrom('2027-13-01x', 'yesterday', '27.06.2027').map((completedOn) => ({ completedOn })),
        badText(4000).filter((v) => typeof v !== 'string' || v.trim() !== '').map((summary) => ({ summary })),
        extra,
      ),
    },
    {
      name: 'evidence',
      url: () => `/programmes/${pid}/measures/${measure}/evidence`,
      valid: () => ({ kind: 'text', year: '2027', text: 'Хат' }),
      mutation: fc.oneof(
        fc.constantFrom('video', '', ['text', 'link']).map((kind) => ({ kind })),
        fc.constantFrom('2026', '1800', 'x').map((year) => ({ year })),
        fc.constant({ kind: 'link', url: 'javascript:alert(1)' }),
        fc.constant({ kind: 'link', url: 'ftp://x' }),
        fc.constant({ kind: 'text', text: '' }),
        fc.constant({ kind: 'file' }),
        fc.constantFrom('0', '-1', 'x', '999999').map((roundId) => ({ kind: 'round', roundId })),
        fc.constantFrom('0', 'x', '999999').map((panelId) => ({ kind: 'panel', panelId })),
        extra,
      ),
    },
    {
      name: 'settlement',
      url: () => `/programmes/${pid}/regions/settlements`,
      valid: () => ({ territoryId: String(territory), year: '2026', scienceWorkers: '100', employed: '5000', source: '' }),
      mutation: fc.oneof(
        fc.constantFrom('', '0', 'x', '999999').map((territoryId) => ({ territoryId })),
        fc.constantFrom('-1', 'x', '', '6000').map((scienceWorkers) => ({ scienceWorkers })),
        fc.constantFrom('0', '-5', 'x', '').map((employed) => ({ employed })),
        extra,
      ),
    },
  ];

  for (const form of forms) {
    it(`${form.name} form: one to three bad fields are refused in the reader's language and store nothing`, async () => {
      await fc.assert(
        fc.asyncProperty(fc.array(form.mutation, { minLength: 1, maxLength: 3 }), fc.constantFrom(...LANGS), async (changes, lang) => {
          tally.add(`${form.name} form`);
          const before = await fingerprint(t.ctx.db, TABLES);
          const res = await post(form.url(), Object.assign(form.valid(), ...changes), lang);
          expectFormRefused(res, lang);
          expect(changedTables(before, await fingerprint(t.ctx.db, TABLES))).toEqual([]);
        }),
        { numRuns: runs(40), seed: 1616, endOnFailure: true },
      );
    });
  }

  it('actuals import: random bytes, broken encodings and bad rows never crash and never write', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.uint8Array({ maxLength: 400 }).map((b) => Buffer.from(b)),
          fc.constantFrom(
            Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 1, 2, 3]),
            Buffer.from('PK\u0003\u0004 not a zip'),
            Buffer.from('indicator,year,value\n'),
            Buffer.from('code;year\nT1;2026\n'),
            Buffer.from('indicator,year,value\nT1,2026,\u0000\n'),
            Buffer.from('\ufeffindicator,year,value\n"T1,2026,1\n'),
          ),
          fc.array(fc.tuple(fc.constantFrom('T1', 'T7', '', 't1 ', '=cmd'), fc.constantFrom('2026', '2024', '2040', 'x', ''), fc.constantFrom('1', 'x', '', '1,5,6')), { minLength: 1, maxLength: 5 }).map((rows) =>
            Buffer.from(['indicator,year,value', ...rows.map((r) => r.join(',')), 'T1,2099,1'].join('\n')),
          ),
        ),
        fc.constantFrom(...LANGS),
        async (file, lang) => {
          tally.add('actuals upload');
          const before = await fingerprint(t.ctx.db, TABLES);
          const res = await request(t.app).post(`/programmes/${pid}/actuals/import?_csrf=${analyst.csrf}`).set('Cookie', `${analyst.cookie}; kedergi_lang=${lang}`).attach('file', file, 'actuals.csv');
          expectFormRefused(res, lang);
          expect(changedTables(before, await fingerprint(t.ctx.db, TABLES))).toEqual([]);
        },
      ),
      { numRuns: runs(60), seed: 1617, endOnFailure: true },
    );
  });

  it('programme import: broken JSON and specs are refused with the place of the error, and nothing is created', async () => {
    const admin = await sessionActor(t, 'admin');
    const spec = await t.services.programmes.exportSpec(pid);
    const variants: unknown[] = [
      '{"code":',
      [],
      { ...spec, code: 'Bad Code' },
      { ...spec, code: 'x', periodTo: 2000 },
      { ...spec, code: 'y', indicators: [{ ...spec.indicators[0], targets: { 2050: 1 } }] },
      { ...spec, code: 'z', measures: [{ ...spec.measures[0], direction: 99 }] },
      { ...spec, code: 'w', bodies: [...spec.bodies, spec.bodies[0]] },
      { ...spec, code: 'v', extra: true },
      // Longer than its column: PostgreSQL would refuse it, SQLite would store it; the spec refuses it on both.
      { ...spec, code: 'u', indicators: [{ ...spec.indicators[0], unit: { kk: 'ә'.repeat(101), ru: 'x', en: 'x' } }] },
    ];
    for (const v of variants) {
      const before = await fingerprint(t.ctx.db, ['programmes', 'programme_bodies', 'programme_measures']);
      const res = await request(t.app)
        .post(`/programmes/import?_csrf=${admin.csrf}`)
        .set('Cookie', `${admin.cookie}; kedergi_lang=ru`)
        .attach('file', Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)), 'p.json');
      expectFormRefused(res, 'ru');
      expect(changedTables(before, await fingerprint(t.ctx.db, ['programmes', 'programme_bodies', 'programme_measures']))).toEqual([]);
    }
  });
});
