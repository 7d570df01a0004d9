import fs from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ZQuestionnaireDefinition } from '../../src/modules/questionnaires/questionnaires.schemas';
import { sharedDomainDir } from '../../src/paths';
import { createTestApp, type TestApp } from '../helpers/app';
import { wrongValue } from '../helpers/arbitraries';
import { LANGS, expectFormRefused, expectJsonRefused, runs } from '../helpers/bad-input';
import { InputTally, changedTables, fingerprint, sessionAndBearer, type Actor } from '../helpers/security';

/**
 * Bad questionnaire imports (pasted, uploaded, API): each error is reported with its JSON path and
 * nothing is stored. The definition is the seeded barriers questionnaire with one thing broken.
 */
type Json = Record<string, unknown>;
const SEED = JSON.parse(fs.readFileSync(path.join(sharedDomainDir, 'questionnaire-barriers.json'), 'utf8')) as Json;
const TABLES = ['questionnaires', 'questionnaire_categories', 'questionnaire_items'];

function setAt(obj: Json, at: Array<string | number>, value: unknown): void {
  let cur = obj as Record<string | number, unknown>;
  for (const k of at.slice(0, -1)) {
    // An earlier break may have removed or replaced the parent; then this one has nothing to break.
    if (!cur[k] || typeof cur[k] !== 'object') return;
    cur = cur[k] as Record<string | number, unknown>;
  }
  const last = at[at.length - 1]!;
  if (value === undefined) delete cur[last];
  else cur[last] = value;
}

/** Where a value sits in the definition, and what breaking it there looks like: [path, bad value, reported path]. */
const BREAKS: Array<[Array<string | number>, unknown]> = [
  [['code'], 'has spaces'],
  [['code'], ''],
  [['title', 'kk'], ''],
  [['title', 'ru'], 'ж'.repeat(2001)],
  [['title'], undefined],
  [['scale', 'max'], 1],
  [['scale', 'min'], -1],
  [['scale', 'labels', '3'], undefined],
  [['scale', 'labels', '9'], { kk: 'a', ru: 'a', en: 'a' }],
  [['categories'], []],
  [['categories', 0, 'pest'], 'X'],
  [['categories', 1, 'code'], 'MARKET'],
  [['items', 0, 'category'], 'NOPE'],
  [['items', 1, 'code'], 'B01'],
  [['items', 2, 'code'], 'B 03'],
  [['items', 3, 'text', 'kk'], '  '],
  [['items', 5, 'referenceMean'], 9],
  [['items', 6, 'required'], 'yes'],
  [['items', 7, 'hack'], 1],
  [['items'], []],
  [['profile', 0, 'type'], 'map'],
  [['profile', 1, 'options'], [{ code: 'A', text: { kk: 'a', ru: 'a', en: 'a' } }]],
  [['profile', 3, 'max'], -5],
  [['profile', 4, 'options', 0, 'code'], 'none'],
  [['id'], 7],
  [['version'], 99],
];

describe('bad input: questionnaire imports', () => {
  let t: TestApp;
  let admin: Actor;
  let bearer: string;
  let existingId: number;
  const tally = new InputTally();

  beforeAll(async () => {
    t = await createTestApp({ seed: 'base' });
    ({ actor: admin, bearer } = await sessionAndBearer(t, 'admin'));
    existingId = (await t.ctx.db('questionnaires').first()).id;
  });
  afterAll(async () => {
    console.log(tally.summary('questionnaires'));
    await t?.close();
  });

  const broken = () =>
    fc.oneof(
      fc.subarray(BREAKS, { minLength: 1, maxLength: 3 }),
      fc.tuple(fc.constantFrom<Array<string | number>>(['code'], ['title', 'kk'], ['scale'], ['scale', 'labels'], ['items', 0], ['items', 0, 'text'], ['categories', 0, 'title'], ['profile'], ['source']), wrongValue).map(([p, v]) => [[p, v ?? 7]] as typeof BREAKS),
    );
  const build = (breaks: typeof BREAKS) => {
    const def = structuredClone(SEED);
    def.code = 'BROKEN-Q';
    for (const [at, value] of breaks) setAt(def, at, value);
    return def;
  };

  it('paste, upload and edit: a definition with one to three errors is refused with the errors listed, and nothing is stored', async () => {
    await fc.assert(
      fc.asyncProperty(broken(), fc.constantFrom(...LANGS), fc.constantFrom('paste', 'upload', 'edit'), async (breaks, lang, how) => {
        const json = JSON.stringify(build(breaks));
        // A random value that happens to be valid where it landed (a string source, an empty profile) is no bad input.
        if (!BREAKS.includes(breaks[0]!) && ZQuestionnaireDefinition.safeParse(JSON.parse(json)).success) return;
        tally.add(`${how}`);
        const before = await fingerprint(t.ctx.db, TABLES);
        const cookie = `${admin.cookie}; kedergi_lang=${lang}`;
        const res =
          how === 'upload'
            ? await request(t.app).post(`/admin/questionnaires/import?_csrf=${admin.csrf}`).set('Cookie', cookie).attach('file', Buffer.from(json), 'q.json')
            : await request(t.app)
                .post(how === 'paste' ? '/admin/questionnaires/import' : `/admin/questionnaires/${existingId}/edit`)
                .set('Cookie', cookie)
                .type('form')
                .send({ _csrf: admin.csrf, json });
        expectFormRefused(res, lang);
        expect(changedTables(before, await fingerprint(t.ctx.db, TABLES))).toEqual([]);
      }),
      { numRuns: runs(80), seed: 7501, endOnFailure: true },
    );
  });

  it('a NUL character inside the JSON text (escaped as \\u0000) is refused and nothing is stored', async () => {
    // JSON.parse turns the six characters \u0000 into a NUL inside the definition's texts; the form
    // field itself holds none, so only the definition's own validation can catch it.
    for (const how of ['paste', 'upload'] as const) {
      for (const at of [['title', 'en'], ['items', 4, 'text', 'ru'], ['categories', 0, 'title', 'kk'], ['scale', 'labels', '1', 'en']] as Array<Array<string | number>>) {
        tally.add('NUL in JSON text');
        const json = JSON.stringify(build([[at, 'nul\u0000inside']]));
        expect(json).toContain('\\u0000');
        const before = await fingerprint(t.ctx.db, TABLES);
        const res =
          how === 'upload'
            ? await request(t.app).post(`/admin/questionnaires/import?_csrf=${admin.csrf}`).set('Cookie', `${admin.cookie}; kedergi_lang=ru`).attach('file', Buffer.from(json), 'q.json')
            : await request(t.app).post('/admin/questionnaires/import').set('Cookie', `${admin.cookie}; kedergi_lang=ru`).type('form').send({ _csrf: admin.csrf, json });
        expect(res.status, `${how} ${at.join('.')}`).toBe(400);
        expect(changedTables(before, await fingerprint(t.ctx.db, TABLES)), `${how} ${at.join('.')}`).toEqual([]);
      }
    }
  });

  it('every error names its place in the file', async () => {
    for (const [at, value] of BREAKS) {
      tally.add('paths reported');
      const res = await request(t.app).post('/api/v1/questionnaires').set('Authorization', `Bearer ${bearer}`).send(build([[at, value]]));
      expectJsonRefused(res, 'kk');
      const paths = (res.body.error.fields ?? []).map((f: { path: string }) => f.path).join(' ');
      // The reported path starts at the broken place (or at its parent object for a missing or unknown key).
      const named = at.filter((k) => typeof k === 'string' || typeof k === 'number').map(String);
      expect(named.some((k) => paths.includes(k)), `${at.join('.')} -> ${paths}`).toBe(true);
    }
  });

  it('not JSON at all, truncated JSON, a BOM, an empty paste and an oversize file are refused with a message', async () => {
    const seed = JSON.stringify(SEED);
    const cases: Array<[string, () => request.Test, number]> = [
      ['not JSON', () => request(t.app).post('/admin/questionnaires/import').set('Cookie', `${admin.cookie}; kedergi_lang=ru`).type('form').send({ _csrf: admin.csrf, json: 'code: SME' }), 400],
      ['truncated', () => request(t.app).post('/admin/questionnaires/import').set('Cookie', `${admin.cookie}; kedergi_lang=ru`).type('form').send({ _csrf: admin.csrf, json: seed.slice(0, 500) }), 400],
      ['empty', () => request(t.app).post('/admin/questionnaires/import').set('Cookie', `${admin.cookie}; kedergi_lang=ru`).type('form').send({ _csrf: admin.csrf, json: '   ' }), 400],
      ['JSON array', () => request(t.app).post('/admin/questionnaires/import').set('Cookie', `${admin.cookie}; kedergi_lang=ru`).type('form').send({ _csrf: admin.csrf, json: `[${seed}]` }), 400],
      ['UTF-16 file', () => request(t.app).post(`/admin/questionnaires/import?_csrf=${admin.csrf}`).set('Cookie', `${admin.cookie}; kedergi_lang=ru`).attach('file', Buffer.from(seed, 'utf16le'), 'q.json'), 400],
      ['binary file', () => request(t.app).post(`/admin/questionnaires/import?_csrf=${admin.csrf}`).set('Cookie', `${admin.cookie}; kedergi_lang=ru`).attach('file', Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 1, 2, 3]), 'q.json'), 400],
      ['file over 2 MB', () => request(t.app).post(`/admin/questionnaires/import?_csrf=${admin.csrf}`).set('Cookie', `${admin.cookie}; kedergi_lang=ru`).attach('file', Buffer.alloc(2 * 1024 * 1024 + 10, 0x20), 'q.json'), 400],
      ['two files', () => request(t.app).post(`/admin/questionnaires/import?_csrf=${admin.csrf}`).set('Cookie', `${admin.cookie}; kedergi_lang=ru`).attach('file', Buffer.from(seed), 'a.json').attach('file', Buffer.from(seed), 'b.json'), 400],
    ];
    const before = await fingerprint(t.ctx.db, TABLES);
    for (const [label, send, status] of cases) {
      tally.add('malformed files');
      const res = await send();
      expect(res.status, label).toBe(status);
      expect(res.text, label).toContain('<html lang="ru">');
      expect(res.text, label).toMatch(/role="alert"|class="field-error"|class="error-page"/);
    }
    expect(changedTables(before, await fingerprint(t.ctx.db, TABLES))).toEqual([]);
  });

  it('API: the same broken definitions and wrong bodies are JSON errors with paths', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(broken().map(build), wrongValue), fc.constantFrom(...LANGS), async (body, lang) => {
        if (ZQuestionnaireDefinition.safeParse(body).success) return;
        tally.add('API');
        const before = await fingerprint(t.ctx.db, TABLES);
        const res = await request(t.app)
          .post('/api/v1/questionnaires')
          .set('Authorization', `Bearer ${bearer}`)
          .set('Cookie', `kedergi_lang=${lang}`)
          .set('Content-Type', 'application/json')
          .send(JSON.stringify(body));
        expectJsonRefused(res, lang, [400]);
        expect(changedTables(before, await fingerprint(t.ctx.db, TABLES))).toEqual([]);
      }),
      { numRuns: runs(60), seed: 7502, endOnFailure: true },
    );
  });
});
