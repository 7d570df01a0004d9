import fc from 'fast-check';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertReturningId, nowIso } from '../../src/db/dialect';
import { translator, type Language } from '../../src/i18n';
import { generateLinkToken, hashToken } from '../../src/lib/tokens';
import { createTestApp, type TestApp } from '../helpers/app';
import { badRating, nastyStrings, wrongValue } from '../helpers/arbitraries';
import { runs } from '../helpers/bad-input';
import { InputTally, changedTables, fingerprint, respondentActor, type Actor } from '../helpers/security';

/**
 * Bad input on the respondent pages and submit-all: every refused request gets a clear message in
 * the reader's language (JSON with a code for JSON clients) and leaves responses, answers and the
 * invitation exactly as they were.
 */

const TABLES = ['responses', 'answers', 'invitations'];
const LANGS: Language[] = ['kk', 'ru', 'en'];
const escapeHtml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&#34;').replace(/'/g, '&#39;');
/** The message as the page shows it, in `lang`. */
const shown = (lang: Language, key: string, params?: Record<string, unknown>) => escapeHtml(translator(lang)(key, params));

// Ratings the validator must refuse. Blank means "not answered" and a number padded with spaces is
// read as that number (a deliberate leniency of parseRating), so both are left out here.
const refusedRating = badRating.filter((v) => v.trim() !== '' && !/^\s*[1-5]\s*$/.test(v));
const PROFILE_OK = { territory: '', sector: 'C', size: 'small', employees: '42', innovated: ['product', 'process'], funding: 'own' };
/** A value as a form can carry it: empty objects and arrays would simply not be sent. */
const formValue = (v: unknown) => (v === null || v === undefined || (typeof v === 'object' && Object.keys(v as object).length === 0) ? 'x' : v);
const EXTRA_FIELDS = ['response_id', 'status', 'submitted_at', 'round_id', 'invitation_id', 'idempotency_key', '__proto__', 'constructor'];

describe('bad input: respondent pages and submit-all', () => {
  let t: TestApp;
  let pageRespondent: Actor;
  let submitRespondent: Actor;
  let items: Array<{ code: string; category: string }>;
  let category: string;
  let territoryCode: string;
  const tally = new InputTally();

  const post = (actor: Actor, url: string, body: Record<string, unknown>, lang: Language = 'kk') =>
    request(t.app).post(url).set('Cookie', `${actor.cookie}; kedergi_lang=${lang}`).type('form').send({ ...body, _csrf: actor.csrf });
  const postJson = (actor: Actor, body: unknown, lang: Language = 'kk') =>
    request(t.app)
      .post('/respond/submit-all')
      .set('Cookie', `${actor.cookie}; kedergi_lang=${lang}`)
      .set('x-csrf-token', actor.csrf)
      .set('Accept', 'application/json')
      .send(body as object);
  const completeBody = () => ({
    profile: { ...PROFILE_OK, territory: territoryCode, employees: 42 },
    answers: Object.fromEntries(items.map((it, i) => [it.code, (i % 5) + 1])),
    comments: { [items[0]!.code]: 'Сұраныс аз' },
  });

  beforeAll(async () => {
    t = await createTestApp({ seed: 'base' });
    const db = t.ctx.db;
    const q = await db('questionnaires').where({ code: 'SME-BARRIERS' }).first();
    const now = nowIso();
    const roundId = await insertReturningId(db, 'rounds', { title: 'Bad input round', questionnaire_id: q.id, status: 'open', audience: 'invitation', created_at: now, updated_at: now });
    const invite = async () => {
      const token = generateLinkToken();
      await db('invitations').insert({ round_id: roundId, token_hash: hashToken(token), source: 'list', enterprise_name: 'ЖШС «Тексеру»', status: 'pending', created_at: now });
      return respondentActor(t.app, `/r/${token}`);
    };
    pageRespondent = await invite();
    submitRespondent = await invite();
    // The category pages' questions (the profile's have their own page).
    items = (await t.services.questionnaires.versionItems(q.id)).questions.map((i) => ({ code: i.code, category: i.categoryCode }));
    category = items[0]!.category;
    territoryCode = (await db('territories').whereNot({ kind: 'region' }).orderBy('id').first()).code;
    // One saved answer, so that the response exists before the properties run and a refused page cannot be the one that creates it.
    expect((await post(pageRespondent, `/respond/page/${category}`, { nav: 'back', answers: { [items[0]!.code]: '3' } })).status).toBe(303);
  });
  afterAll(async () => {
    console.log(tally.summary('responses'));
    await t?.close();
  });

  const pageItems = () => items.filter((i) => i.category === category);

  it('category page: out-of-range and non-numeric ratings are refused, marked in the reader language, and nothing is stored', async () => {
    await fc.assert(
      fc.asyncProperty(refusedRating, fc.nat(), fc.constantFrom(...LANGS), fc.constantFrom('next', 'back', 'review', undefined), async (rating, which, lang, nav) => {
        tally.add('page ratings');
        const item = pageItems()[which % pageItems().length]!;
        const before = await fingerprint(t.ctx.db, TABLES);
        const res = await post(pageRespondent, `/respond/page/${category}`, { ...(nav ? { nav } : {}), answers: { [item.code]: rating } }, lang);
        expect(res.status).toBe(400);
        expect(res.text).toContain(`<html lang="${lang}">`);
        expect(res.text).toContain(shown(lang, 'respond:errors.outOfRange', { min: 1, max: 5 }));
        expect(res.text).toContain(shown(lang, 'respond:errors.malformed'));
        expect(changedTables(before, await fingerprint(t.ctx.db, TABLES))).toEqual([]);
      }),
      { numRuns: runs(60), seed: 7101, endOnFailure: true },
    );
  });

  it('category page: wrong shapes, unknown items, extra fields, oversize and NUL comments are refused and store nothing', async () => {
    const code = () => pageItems()[0]!.code;
    const variant = fc.oneof(
      wrongValue.filter((v) => typeof v !== 'object' || v === null || Array.isArray(v)).map((v) => ({ answers: v })),
      fc.constantFrom('B99', 'b01', '../B01', 'B01 ', '<b>', ...items.filter((i) => i.category !== category).map((i) => i.code)).map((c) => ({ answers: { [c]: '3' } })),
      fc.integer({ min: 2001, max: 3999 }).map((n) => ({ answers: { [code()]: '3' }, comments: { [code()]: 'ә'.repeat(n) } })),
      fc.integer({ min: 4001, max: 9000 }).map((n) => ({ answers: { [code()]: '3' }, comments: { [code()]: 'x'.repeat(n) } })),
      // (An empty object or array would vanish from a form body; a form field always has some text.)
      fc.constantFrom(...EXTRA_FIELDS.filter((k) => k !== '__proto__')).chain((k) => wrongValue.map((v) => ({ answers: { [code()]: '3' }, [k]: formValue(v) }))),
      fc.string({ maxLength: 20 }).map((s) => ({ answers: { [code()]: '3' }, comments: { [code()]: `${s}\u0000${s}` } })),
      fc.constantFrom(...nastyStrings.filter((s) => s !== 'na' && s.trim() !== '')).map((s) => ({ answers: { [code()]: s } })),
    );
    await fc.assert(
      fc.asyncProperty(variant, fc.constantFrom(...LANGS), async (body, lang) => {
        tally.add('page shapes');
        const before = await fingerprint(t.ctx.db, TABLES);
        const res = await post(pageRespondent, `/respond/page/${category}`, { nav: 'back', ...body }, lang);
        expect([400, 413]).toContain(res.status);
        expect(res.text).toContain(`<html lang="${lang}">`);
        expect(res.text).toMatch(/role="alert"/);
        expect(changedTables(before, await fingerprint(t.ctx.db, TABLES))).toEqual([]);
      }),
      { numRuns: runs(50), seed: 7102, endOnFailure: true },
    );
  });

  it('profile page: unknown territories, choices and fields, out-of-range integers and broken exclusive options are refused', async () => {
    const mutation = fc.oneof(
      fc.constantFrom(...nastyStrings.filter((s) => s.trim() !== ''), 'nowhere', '0', '-1', '99999').map((v) => ({ territory: v })),
      fc.constantFrom('Z', 'c', 'A,B', '<script>', ...nastyStrings.filter((s) => s.trim() !== '')).map((v) => ({ sector: v })),
      fc.oneof(fc.integer({ min: -100000, max: -1 }), fc.integer({ min: 251, max: 10 ** 9 })).map((n) => ({ employees: String(n) })),
      fc.constantFrom('3.5', '1e2', 'abc', '٣', '４２', '0x10', 'Infinity', '42 people').map((v) => ({ employees: v })),
      fc.constantFrom(['none', 'product'], ['product', 'bogus'], ['<b>x</b>'], ['product', 'product\u0000']).map((v) => ({ innovated: v })),
      fc.constantFrom('hack', 'response_id', 'status', 'idempotency_key').map((k) => ({ [k]: 'x' })),
      fc.constantFrom('small\u0000', 'huge', 'SMALL').map((v) => ({ size: v })),
    );
    await fc.assert(
      fc.asyncProperty(mutation, fc.constantFrom(...LANGS), async (change, lang) => {
        tally.add('profile');
        const before = await fingerprint(t.ctx.db, TABLES);
        const res = await post(pageRespondent, '/respond/profile', { ...PROFILE_OK, territory: territoryCode, ...change, nav: 'next' }, lang);
        expect(res.status).toBe(400);
        expect(res.text).toContain(`<html lang="${lang}">`);
        // The page's own message, or the generic one for a NUL character (refused before the questionnaire is consulted).
        expect([shown(lang, 'respond:errors.malformed'), shown(lang, 'errors:validation')].some((m) => res.text.includes(m))).toBe(true);
        expect(changedTables(before, await fingerprint(t.ctx.db, TABLES))).toEqual([]);
      }),
      { numRuns: runs(40), seed: 7103, endOnFailure: true },
    );
  });

  /** One thing wrong in an otherwise complete submission (built when the items are known). */
  const submitMutation = () => fc.oneof(
    fc.tuple(fc.nat(), refusedRating).map(([i, r]) => (b: ReturnType<typeof completeBody>) => ({ ...b, answers: { ...b.answers, [items[i % items.length]!.code]: r } })),
    fc.tuple(fc.nat(), fc.oneof(fc.integer({ min: -50, max: 0 }), fc.integer({ min: 6, max: 100 }), fc.double({ min: 1.01, max: 4.99, noNaN: true }).filter((d) => !Number.isInteger(d)), fc.boolean())).map(
      ([i, r]) => (b: ReturnType<typeof completeBody>) => ({ ...b, answers: { ...b.answers, [items[i % items.length]!.code]: r } }),
    ),
    fc.nat().map((i) => (b: ReturnType<typeof completeBody>) => {
      const answers: Record<string, unknown> = { ...b.answers };
      delete answers[items[i % items.length]!.code];
      return { ...b, answers };
    }),
    fc.constantFrom('B99', 'X01', 'b01').map((c) => (b: ReturnType<typeof completeBody>) => ({ ...b, answers: { ...b.answers, [c]: 3 } })),
    fc.tuple(fc.constantFrom(...EXTRA_FIELDS.filter((k) => k !== '__proto__')), wrongValue).map(([k, v]) => (b: ReturnType<typeof completeBody>) => ({ ...b, [k]: v ?? 1 })),
    fc.tuple(fc.constantFrom('answers', 'profile', 'comments'), wrongValue.filter((v) => typeof v !== 'object' || v === null || Array.isArray(v)))
      .filter(([k, v]) => !(k === 'comments' && v === undefined))
      .map(([k, v]) => (b: ReturnType<typeof completeBody>) => ({ ...b, [k]: v })),
    fc.constantFrom({ sector: 'Z' }, { size: 7 }, { employees: 1000 }, { employees: '12abc' }, { territory: 'Atlantis' }, { innovated: ['none', 'process'] }, { nonsense: 'x' }).map(
      (p) => (b: ReturnType<typeof completeBody>) => ({ ...b, profile: { ...b.profile, ...p } }),
    ),
    fc.constantFrom('short', 'has space in it', 'x'.repeat(101), '<script>', 'ключ-отправки').map((k) => (b: ReturnType<typeof completeBody>) => ({ ...b, idempotencyKey: k })),
    fc.constantFrom('de', 'KK', '', 'kk\u0000').map((l) => (b: ReturnType<typeof completeBody>) => ({ ...b, language: l })),
    fc.constantFrom(...items.map((i) => i.code)).map((c) => (b: ReturnType<typeof completeBody>) => ({ ...b, comments: { [c]: 'ok\u0000' } })),
  );

  it('submit-all (JSON): one bad field in a complete body gets a JSON 400 with a code and the message in the requested language, and stores nothing', async () => {
    await fc.assert(
      fc.asyncProperty(submitMutation(), fc.constantFrom(...LANGS), async (mutate, lang) => {
        tally.add('submit-all JSON');
        const before = await fingerprint(t.ctx.db, TABLES);
        const res = await postJson(submitRespondent, mutate(completeBody()), lang);
        expect(res.status).toBe(400);
        expect(res.headers['content-type']).toMatch(/application\/json/);
        expect(res.body.error.code).toMatch(/^(validation_failed|invalid_characters)$/);
        expect(typeof res.body.error.message).toBe('string');
        // The message is the catalogue's, in the reader's language.
        const tr = translator(lang);
        expect([tr('respond:errors.malformed'), tr('respond:errors.incompleteSubmit'), tr('errors:validation'), tr('errors:controlCharacters')]).toContain(res.body.error.message);
        expect(changedTables(before, await fingerprint(t.ctx.db, TABLES))).toEqual([]);
      }),
      { numRuns: runs(70), seed: 7104, endOnFailure: true },
    );
  });

  it('submit-all (form): the same refusals come back as a page in the reader language', async () => {
    await fc.assert(
      fc.asyncProperty(submitMutation(), fc.constantFrom(...LANGS), async (mutate, lang) => {
        tally.add('submit-all form');
        const before = await fingerprint(t.ctx.db, TABLES);
        const body = mutate(completeBody());
        const res = await request(t.app)
          .post('/respond/submit-all')
          .set('Cookie', `${submitRespondent.cookie}; kedergi_lang=${lang}`)
          .type('form')
          .send({ ...body, _csrf: submitRespondent.csrf });
        expect([400, 413]).toContain(res.status);
        expect(res.text).toContain(`<html lang="${lang}">`);
        expect(changedTables(before, await fingerprint(t.ctx.db, TABLES))).toEqual([]);
      }),
      { numRuns: runs(30), seed: 7105, endOnFailure: true },
    );
  });

  it('comments in any script round-trip exactly (Kazakh, emoji, RTL, zero-width); NUL is refused', async () => {
    const item = pageItems()[1]!.code;
    const comment = fc.oneof(
      fc.constantFrom(...nastyStrings, 'Қазақ тілі: ә ғ қ ң ө ұ ү һ і', '‏مرحبا‎ שלום', 'a\u200Bb\u200Dc\uFEFF', '🇰🇿👩🏽‍💻', 'ﷺ'.repeat(50), '\u202Egnp.exe'),
      fc.string({ unit: 'grapheme', maxLength: 80 }),
      fc.string({ unit: 'binary', maxLength: 40 }),
    );
    await fc.assert(
      fc.asyncProperty(comment, async (text) => {
        tally.add('unicode comments');
        const before = await fingerprint(t.ctx.db, TABLES);
        const res = await post(pageRespondent, `/respond/page/${category}`, { nav: 'back', answers: { [item]: '4' }, comments: { [item]: text } });
        // What the server can receive: lone surrogates cannot travel in UTF-8 and arrive as U+FFFD.
        const received = Buffer.from(text, 'utf8').toString('utf8');
        const expected = received.trim().replace(/\r\n/g, '\n');
        if (received.includes('\u0000') || expected.length > 2000) {
          expect(res.status).toBe(400);
          expect(changedTables(before, await fingerprint(t.ctx.db, TABLES))).toEqual([]);
          return;
        }
        expect(res.status).toBe(303);
        const row = await t.ctx.db('answers as a').join('questionnaire_items as i', 'i.id', 'a.item_id').join('responses as r', 'r.id', 'a.response_id').where('i.code', item).andWhere('r.status', 'in_progress').first('a.comment', 'a.value');
        expect(row.comment ?? '').toBe(expected);
        expect(Number(row.value)).toBe(4);
      }),
      { numRuns: runs(40), seed: 7106, endOnFailure: true },
    );
  });

  it('oversize, over-nested and mis-encoded bodies are refused with 413/400/415 in the reader language', async () => {
    const before = await fingerprint(t.ctx.db, TABLES);
    const cases: Array<[string, () => request.Test, number]> = [
      ['form over 200 kB', () => post(pageRespondent, `/respond/page/${category}`, { comments: { [items[0]!.code]: 'ж'.repeat(120_000) } }, 'ru'), 413],
      ['JSON over 2 MB', () => postJson(submitRespondent, { ...completeBody(), comments: { [items[0]!.code]: 'x'.repeat(2_100_000) } }, 'ru'), 413],
      [
        'more than 5000 form fields',
        () =>
          request(t.app)
            .post(`/respond/page/${category}`)
            .set('Cookie', `${pageRespondent.cookie}; kedergi_lang=ru`)
            .type('form')
            .send(`_csrf=${pageRespondent.csrf}&` + Array.from({ length: 6000 }, (_, i) => `answers[X${i}]=1`).join('&')),
        413,
      ],
      [
        'nesting 40 levels deep',
        () =>
          request(t.app)
            .post(`/respond/page/${category}`)
            .set('Cookie', `${pageRespondent.cookie}; kedergi_lang=ru`)
            .type('form')
            .send(`_csrf=${pageRespondent.csrf}&answers${'[a]'.repeat(40)}=1`),
        400,
      ],
      [
        'form in KOI8-R',
        () =>
          request(t.app)
            .post(`/respond/page/${category}`)
            .set('Cookie', `${pageRespondent.cookie}; kedergi_lang=ru`)
            .set('Content-Type', 'application/x-www-form-urlencoded; charset=koi8-r')
            .send(`_csrf=${pageRespondent.csrf}&answers[B01]=3`),
        415,
      ],
      ['broken JSON', () => request(t.app).post('/respond/submit-all').set('Cookie', `${submitRespondent.cookie}; kedergi_lang=ru`).set('x-csrf-token', submitRespondent.csrf).set('Content-Type', 'application/json').send('{"answers": {'), 400],
      ['JSON array', () => postJson(submitRespondent, [completeBody()], 'ru'), 400],
    ];
    for (const [label, send, status] of cases) {
      tally.add('oversize and encodings');
      const res = await send();
      expect(res.status, label).toBe(status);
      if (String(res.headers['content-type']).includes('json')) {
        expect(typeof res.body.error.code, label).toBe('string');
        expect(res.body.error.message, label).toMatch(/[а-яё]/i);
      } else {
        expect(res.text, label).toContain('<html lang="ru">');
      }
    }
    expect(changedTables(before, await fingerprint(t.ctx.db, TABLES))).toEqual([]);
  });

  it('positive control: the complete body is accepted once, and replayed with its key it is the same response', async () => {
    // A key named __proto__ is dropped by the parser (no prototype is touched) rather than refused.
    const body = { ...completeBody(), idempotencyKey: 'bad-input-control-0001' };
    const raw = JSON.stringify(body).replace('"answers":{', '"answers":{"__proto__":{"polluted":1},');
    const first = await request(t.app)
      .post('/respond/submit-all')
      .set('Cookie', submitRespondent.cookie)
      .set('x-csrf-token', submitRespondent.csrf)
      .set('Content-Type', 'application/json')
      .send(raw);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(first.status).toBe(201);
    const again = await postJson(submitRespondent, body);
    expect(again.status).toBe(200);
    expect(again.body.replay).toBe(true);
    expect(again.body.responseId).toBe(first.body.responseId);
  });
});
