import ExcelJS from 'exceljs';
import fc from 'fast-check';
import JSZip from 'jszip';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertReturningId, nowIso } from '../../src/db/dialect';
import { translator, type Language } from '../../src/i18n';
import { createTestApp, type TestApp } from '../helpers/app';
import { nastyStrings, wrongValue } from '../helpers/arbitraries';
import { runs } from '../helpers/bad-input';
import { InputTally, changedTables, fingerprint, sessionActor, type Actor } from '../helpers/security';

/**
 * Bad input on the invitation lists: pasted CSV, uploaded files in broken encodings and formats,
 * 100k-row uploads, and the JSON API. No refused list creates a single invitation; a list with bad
 * rows is parked for confirmation (every bad row listed), and the message is in the reader's language.
 */

const LANGS: Language[] = ['kk', 'ru', 'en'];
const HEADER = 'name,contact,territory,sector,size';
const escapeHtml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&#34;').replace(/'/g, '&#39;');
const shown = (lang: Language, key: string, params?: Record<string, unknown>) => escapeHtml(translator(lang)(key, params));
const quote = (c: string) => `"${c.replace(/"/g, '""')}"`;

async function xlsx(rows: unknown[][], edit?: (ws: ExcelJS.Worksheet) => void): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet('list');
  for (const row of rows) ws.addRow(row);
  edit?.(ws);
  return Buffer.from(await wb.xlsx.writeBuffer());
}

describe('bad input: invitation lists (paste, upload, API)', () => {
  let t: TestApp;
  let admin: Actor;
  let roundId: number;
  let territory: string;
  let bearer: string;
  const tally = new InputTally();
  const INVITATIONS = ['invitations', 'invitation_link_batches'];

  beforeAll(async () => {
    t = await createTestApp({ seed: 'base' });
    admin = await sessionActor(t, 'admin');
    const q = await t.ctx.db('questionnaires').where({ code: 'SME-BARRIERS' }).first();
    const now = nowIso();
    roundId = await insertReturningId(t.ctx.db, 'rounds', { title: 'Invitations bad input', questionnaire_id: q.id, status: 'open', audience: 'invitation', created_at: now, updated_at: now });
    territory = (await t.ctx.db('territories').whereNot({ kind: 'region' }).orderBy('id').first()).code;
    bearer = (await request(t.app).post('/api/v1/auth/token').send({ email: admin.user!.email, password: admin.user!.password })).body.token;
  });
  afterAll(async () => {
    console.log(tally.summary('invitations'));
    await t?.close();
  });

  const paste = (text: string, lang: Language) =>
    request(t.app).post(`/admin/rounds/${roundId}/invitations/paste`).set('Cookie', `${admin.cookie}; kedergi_lang=${lang}`).type('form').send({ _csrf: admin.csrf, text });
  const upload = (file: Buffer, name: string, lang: Language) =>
    request(t.app)
      .post(`/admin/rounds/${roundId}/invitations/upload?_csrf=${admin.csrf}`)
      .set('Cookie', `${admin.cookie}; kedergi_lang=${lang}`)
      .attach('file', file, name);

  /** A refused or parked list: no invitation exists afterwards, and the answer says why in `lang`. */
  async function expectNothingImported(res: request.Response, lang: Language, before: Record<string, string>) {
    expect([303, 400]).toContain(res.status);
    expect(changedTables(before, await fingerprint(t.ctx.db, INVITATIONS))).toEqual([]);
    if (res.status === 400) {
      expect(res.text).toContain(`<html lang="${lang}">`);
      expect(res.text).toMatch(/role="alert"/);
    } else {
      // Parked: the preview lists the bad rows; nothing is imported until confirmed.
      const preview = await request(t.app).get(res.headers.location!).set('Cookie', `${admin.cookie}; kedergi_lang=${lang}`);
      expect(preview.status).toBe(200);
      expect(preview.text).toContain(`<html lang="${lang}">`);
    }
  }

  it('paste: broken CSV (quotes, columns, delimiters, nasty cells) with at least one bad row imports nothing', async () => {
    const cell = fc.oneof(fc.constantFrom(...nastyStrings), fc.string({ maxLength: 30 }), fc.constantFrom('"', '""', '"a"b', ',', ';', '\t', '\n'));
    const row = fc.array(cell, { minLength: 0, maxLength: 8 }).map((cells) => cells.join(','));
    const header = fc.constantFrom(HEADER, 'name;territory;sector;size', 'name,territory', '', 'атауы,аумақ,сала,көлемі', '"name,territory,sector,size', 'NAME,TERRITORY,SECTOR,SIZE,EXTRA');
    await fc.assert(
      fc.asyncProperty(header, fc.array(row, { maxLength: 12 }), fc.constantFrom(...LANGS), async (h, rows, lang) => {
        tally.add('paste CSV');
        const before = await fingerprint(t.ctx.db, INVITATIONS);
        // One row that can never be imported, so the list as a whole must not go through.
        const text = [h, ...rows, `Atlantis LLP,,Atlantis,C,small`].join('\n');
        await expectNothingImported(await paste(text, lang), lang, before);
      }),
      { numRuns: runs(40), seed: 7201, endOnFailure: true },
    );
  });

  it('paste: wrong field types, extra fields and NUL are refused with a field error', async () => {
    const body = fc.oneof(
      wrongValue.filter((v) => typeof v !== 'string').map((v) => ({ text: v === null || v === undefined || (typeof v === 'object' && Object.keys(v).length === 0) ? ['a', 'b'] : v })),
      fc.constantFrom('round_id', 'status', 'created_by', 'token_hash').map((k) => ({ text: `${HEADER}\nA,,${'x'},C,small`, [k]: '1' })),
      fc.string({ maxLength: 10 }).map((s) => ({ text: `${HEADER}\nA${s}\u0000,,x,C,small` })),
    );
    await fc.assert(
      fc.asyncProperty(body, fc.constantFrom(...LANGS), async (b, lang) => {
        tally.add('paste fields');
        const before = await fingerprint(t.ctx.db, [...INVITATIONS, 'invitation_imports']);
        const res = await request(t.app)
          .post(`/admin/rounds/${roundId}/invitations/paste`)
          .set('Cookie', `${admin.cookie}; kedergi_lang=${lang}`)
          .type('form')
          .send({ _csrf: admin.csrf, ...b });
        expect(res.status).toBe(400);
        expect(res.text).toContain(`<html lang="${lang}">`);
        expect(res.text).toMatch(/class="field-error"|role="alert"/);
        expect(changedTables(before, await fingerprint(t.ctx.db, [...INVITATIONS, 'invitation_imports']))).toEqual([]);
      }),
      { numRuns: runs(40), seed: 7202, endOnFailure: true },
    );
  });

  it('upload: broken encodings and formats get the matching message in the reader language and import nothing', async () => {
    const goodRow = `ЖШС Әлем,info@example.kz,${territory},C,small`;
    const utf8 = Buffer.from(`${HEADER}\n${goodRow}\nAtlantis LLP,,Atlantis,C,small\n`, 'utf8');
    const truncatedXlsx = (await xlsx([HEADER.split(','), goodRow.split(',')])).subarray(0, 300);
    const notXlsxZip = await new JSZip().file('hello.txt', 'not a workbook').generateAsync({ type: 'nodebuffer' });
    const corpus: Array<[string, Buffer, string, string | undefined]> = [
      ['empty file', Buffer.alloc(0), 'list.csv', 'invitations:errors.file.empty'],
      ['UTF-16LE without BOM', Buffer.from(`${HEADER}\n${goodRow}\n`, 'utf16le'), 'list.csv', 'invitations:errors.file.encoding'],
      ['NUL bytes in UTF-8', Buffer.concat([utf8, Buffer.from([0, 0, 0x41])]), 'list.csv', 'invitations:errors.file.encoding'],
      ['invalid UTF-8 after a BOM', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(HEADER + '\n'), Buffer.from([0xc3, 0x28, 0xa0, 0xa1])]), 'list.csv', 'invitations:errors.file.encoding'],
      ['Latin-1 bytes that are no Windows-1251 text', Buffer.from([...Buffer.from(HEADER + '\n'), 0x81, 0x83, 0x88, 0x8a, 0x8c, 0x8d, 0x8e, 0x8f, 0x90, 0x98]), 'list.csv', 'invitations:errors.file.encoding'],
      ['mojibake (UTF-8 read as Latin-1 and saved again)', Buffer.from(`${HEADER}\n${Buffer.from('ТОО Ромашка Өскемен', 'utf8').toString('latin1')},,${territory},C,small\n`, 'utf8'), 'list.csv', 'invitations:errors.file.mojibake'],
      ['legacy XLS', Buffer.concat([Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]), Buffer.alloc(512)]), 'list.xls', 'invitations:errors.file.legacyXls'],
      ['truncated XLSX', truncatedXlsx, 'list.xlsx', 'invitations:errors.file.format'],
      ['a zip that is no workbook', notXlsxZip, 'list.xlsx', undefined],
      ['HTML saved as .xls', Buffer.from('<html><body><table><tr><td>name</td></tr></table></body></html>'), 'list.xls', undefined],
      ['unbalanced quotes', Buffer.from(`${HEADER}\n"ЖШС Әлем,,${territory},C,small\n`), 'list.csv', undefined],
      ['only a header', Buffer.from(`${HEADER}\n`), 'list.csv', 'invitations:errors.noRows'],
      ['no header columns', Buffer.from(`foo,bar\n1,2\n`), 'list.csv', undefined],
      ['XLSX with a formula and an error cell', await xlsx([HEADER.split(','), [{ formula: 'HYPERLINK("http://evil","x")', result: 'x' }, '', territory, 'C', 'small'], [{ error: '#REF!' }, '', 'Atlantis', 'C', 'small']]), 'list.xlsx', undefined],
      ['XLSX with a control character in a name', await xlsx([HEADER.split(','), ['Bad\u0001name', '', 'Atlantis', 'C', 'small']]), 'list.xlsx', undefined],
      ['XLSX whose list is on a hidden second sheet', await xlsx([], (ws) => ws.workbook.addWorksheet('hidden').addRow(HEADER.split(','))), 'list.xlsx', undefined],
    ];
    // Each case in one language, the three languages in turn: the refusal does not depend on the language, its message does.
    for (const [i, [label, file, name, key]] of corpus.entries()) {
      for (const lang of [LANGS[i % LANGS.length]!]) {
        tally.add('upload encodings and formats');
        const before = await fingerprint(t.ctx.db, INVITATIONS);
        const res = await upload(file, name, lang);
        await expectNothingImported(res, lang, before).catch((e) => {
          throw new Error(`${label} (${lang}): ${(e as Error).message}`);
        });
        if (key) {
          expect(res.status, label).toBe(400);
          const message = shown(lang, key, { line: '?', max: 100000, sample: '' }).split('{{')[0]!.slice(0, 25);
          expect(res.text, `${label} (${lang})`).toContain(message.slice(0, 20));
        }
      }
    }
  });

  it('upload: random bytes never crash the import and never create invitations', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ minLength: 1, maxLength: 600 }), fc.constantFrom('list.csv', 'list.xlsx', 'list'), async (bytes, name) => {
        tally.add('upload random bytes');
        const before = await fingerprint(t.ctx.db, INVITATIONS);
        const res = await upload(Buffer.from(bytes), name, 'ru');
        expect(res.status).not.toBe(500);
        expect(res.status).not.toBe(201);
        expect(changedTables(before, await fingerprint(t.ctx.db, INVITATIONS))).toEqual([]);
      }),
      { numRuns: runs(30), seed: 7203, endOnFailure: true },
    );
  });

  it('upload: a 100 000-row list with one bad row is parked, not imported, and the bad row is reported; a file over the size limit is refused', async () => {
    const lines = [HEADER];
    for (let i = 0; i < 100_000; i++) lines.push(`Кәсіпорын ${i},user${i}@example.kz,${territory},${'ACGJM'[i % 5]},${['micro', 'small', 'medium'][i % 3]}`);
    lines[77_778] = 'Atlantis LLP,,Atlantis,C,small';
    const csv = Buffer.from(lines.join('\n'), 'utf8');
    const before = await fingerprint(t.ctx.db, INVITATIONS);
    const started = Date.now();
    const res = await upload(csv, 'big.csv', 'ru');
    const ms = Date.now() - started;
    tally.add('100k-row uploads');
    expect(res.status).toBe(303);
    expect(changedTables(before, await fingerprint(t.ctx.db, INVITATIONS))).toEqual([]);
    const preview = await request(t.app).get(res.headers.location!).set('Cookie', `${admin.cookie}; kedergi_lang=ru`);
    expect(preview.text).toContain('<td class="num">77779</td>'); // the line number in the file (header is line 1)
    expect(preview.text).toContain(shown('ru', 'invitations:preview.summary', { bad: 1, good: 99_999 }));
    console.log(`100k-row upload with one bad row: parked in ${ms} ms (${(csv.length / 1e6).toFixed(1)} MB)`);

    tally.add('oversize uploads');
    const huge = Buffer.alloc(41 * 1024 * 1024, 0x41);
    const refused = await upload(huge, 'huge.csv', 'ru');
    expect(refused.status).toBe(400);
    expect(refused.text).toContain(shown('ru', 'invitations:errors.file.tooLarge', { max: 40 }));
    expect(changedTables(before, await fingerprint(t.ctx.db, INVITATIONS))).toEqual([]);
  }, 120_000);

  it('API: wrong types, missing and extra fields, unknown territories and oversize bodies are JSON errors with a code and create nothing', async () => {
    const enterprise = fc.record(
      { name: fc.oneof(wrongValue, fc.constant('ТОО')), territory: fc.oneof(wrongValue, fc.constant(territory)), sector: fc.oneof(wrongValue, fc.constant('C')), size: fc.oneof(wrongValue, fc.constant('small')), contact: wrongValue },
      { requiredKeys: [] },
    );
    const body = fc.oneof(
      wrongValue.map((v) => ({ enterprises: v })),
      fc.array(enterprise, { minLength: 1, maxLength: 5 }).map((enterprises) => ({ enterprises: [...enterprises, { name: 'Atlantis', territory: 'Atlantis', sector: 'C', size: 'small' }] })),
      fc.constantFrom('round_id', 'status', 'tokenHash', 'createdBy').map((k) => ({ enterprises: [{ name: 'X', territory, sector: 'C', size: 'small', [k]: 'x' }] })),
      fc.constantFrom('roundId', 'links', 'status').map((k) => ({ enterprises: [{ name: 'X', territory, sector: 'C', size: 'small' }], [k]: 1 })),
      fc.constant({}),
      fc.constant({ enterprises: [] }),
    );
    await fc.assert(
      fc.asyncProperty(body, fc.constantFrom(...LANGS), async (b, lang) => {
        tally.add('API bodies');
        const before = await fingerprint(t.ctx.db, INVITATIONS);
        const res = await request(t.app).post(`/api/v1/rounds/${roundId}/invitations`).set('Authorization', `Bearer ${bearer}`).set('Cookie', `kedergi_lang=${lang}`).send(b);
        expect(res.status).toBe(400);
        expect(res.body.error.code).toBe('validation_failed');
        expect(res.body.error.message).toBe(translator(lang)('errors:validation'));
        expect(Array.isArray(res.body.error.fields)).toBe(true);
        expect(changedTables(before, await fingerprint(t.ctx.db, INVITATIONS))).toEqual([]);
      }),
      { numRuns: runs(40), seed: 7204, endOnFailure: true },
    );
    tally.add('API bodies', 2);
    const tooBig = await request(t.app)
      .post(`/api/v1/rounds/${roundId}/invitations`)
      .set('Authorization', `Bearer ${bearer}`)
      .send({ enterprises: Array.from({ length: 100_001 }, (_, i) => ({ name: `E${i}`, territory, sector: 'C', size: 'small' })) });
    expect(tooBig.status).toBe(413);
    expect(tooBig.body.error.code).toBe('payload_too_large');
    const broken = await request(t.app).post(`/api/v1/rounds/${roundId}/invitations`).set('Authorization', `Bearer ${bearer}`).set('Content-Type', 'application/json').send('{"enterprises": [');
    expect(broken.status).toBe(400);
    expect(broken.body.error.code).toBe('invalid_json');
  });

  it('import ids and list filters: malformed values are refused or ignored, never a server error', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.string({ maxLength: 40 }), fc.constantFrom(...nastyStrings.filter((s) => s.length < 100))), async (id) => {
        tally.add('ids and filters');
        const enc = encodeURIComponent(id) || '%20';
        const base = `/admin/rounds/${roundId}/invitations`;
        const view = await request(t.app).get(`${base}/imports/${enc}`).set('Cookie', admin.cookie);
        expect([400, 404, 409]).toContain(view.status);
        const confirm = await request(t.app).post(`${base}/imports/${enc}/confirm`).set('Cookie', admin.cookie).type('form').send({ _csrf: admin.csrf });
        expect([400, 404, 409]).toContain(confirm.status);
        const list = await request(t.app).get(`${base}?state=${enc}&territory=${enc}&sector=${enc}&size=${enc}&q=${enc}&page=${enc}`).set('Cookie', admin.cookie);
        expect([200, 400]).toContain(list.status);
      }),
      { numRuns: runs(25), seed: 7205 },
    );
  });
});
