import crypto from 'node:crypto';
import ExcelJS from 'exceljs';
import { parse as parseCsv } from 'csv-parse/sync';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashToken } from '../../../src/lib/tokens';
import { translator } from '../../../src/i18n';
import { apiTokenFor, binaryParser, createTestApp, loginAs, type LoggedIn, type TestApp } from '../../helpers/app';
import { dumpAllText, insertRound, linksIn, tokenOf, territoryId } from './fixtures';

/** Encode text as Windows-1251 (Node has a decoder but no encoder for it); Cyrillic А..я, Ё, ё only. */
function cp1251(text: string): Buffer {
  const bytes: number[] = [];
  for (const ch of text) {
    const c = ch.codePointAt(0)!;
    if (c < 0x80) bytes.push(c);
    else if (c >= 0x410 && c <= 0x44f) bytes.push(c - 0x410 + 0xc0);
    else if (c === 0x401) bytes.push(0xa8);
    else if (c === 0x451) bytes.push(0xb8);
    else if (c === 0xab) bytes.push(0xab);
    else if (c === 0xbb) bytes.push(0xbb);
    else throw new Error(`not in the test encoder: ${ch}`);
  }
  return Buffer.from(bytes);
}

async function invitationCount(t: TestApp, roundId: number): Promise<number> {
  const row = await t.ctx.db('invitations').where({ round_id: roundId }).count({ n: '*' }).first();
  return Number(row?.n);
}

describe('invitations', () => {
  let t: TestApp;
  let admin: LoggedIn;
  beforeAll(async () => {
    t = await createTestApp({ seed: 'base' });
    admin = await loginAs(t, 'admin');
  });
  afterAll(async () => t.close());

  /**
   * Post/redirect/get: an import that creates links redirects (303) to its batch page, whose first
   * view shows the links once; these helpers follow that redirect and check a reload shows none.
   */
  const followBatch = async (res: request.Response) => {
    if (res.status !== 303 || !String(res.headers.location).includes('/batches/')) return res;
    const page = await admin.agent.get(res.headers.location);
    const reload = await admin.agent.get(res.headers.location);
    expect(reload.status).toBe(200);
    expect(reload.text).not.toContain('/r/');
    return page;
  };
  const paste = async (roundId: number, text: string) =>
    followBatch(await admin.agent.post(`/admin/rounds/${roundId}/invitations/paste`).type('form').send({ _csrf: admin.csrf, text }));
  const upload = async (roundId: number, buffer: Buffer, filename: string) =>
    followBatch(await admin.agent.post(`/admin/rounds/${roundId}/invitations/upload?_csrf=${admin.csrf}`).attach('file', buffer, filename));

  it('imports a pasted list, shows each link once, and stores only the token hashes', async () => {
    const roundId = await insertRound(t.ctx);
    const text = [
      'name,contact,territory,sector,size',
      'ТОО «Алтай Агро»,info@altai.kz,Алтай ауданы,A,small',
      'ИП Сейтқали,+7 777 000 00 00,semey-city,Trade,micro',
      '"Өскемен Тех, ЖШС",,Усть-Каменогорск,c,Medium',
    ].join('\n');
    const res = await paste(roundId, text);
    expect(res.status).toBe(200);
    expect(res.headers['cache-control']).toContain('no-store');
    const links = linksIn(res.text);
    expect(links).toHaveLength(3);
    // 128 bits: 16 random bytes in base64url are 22 characters.
    for (const link of links) expect(Buffer.from(tokenOf(link), 'base64url')).toHaveLength(16);

    const rows = await t.ctx.db('invitations').where({ round_id: roundId }).orderBy('id');
    expect(rows.map((r) => r.enterprise_name)).toEqual(['ТОО «Алтай Агро»', 'ИП Сейтқали', 'Өскемен Тех, ЖШС']);
    expect(rows.map((r) => r.sector)).toEqual(['A', 'G', 'C']);
    expect(rows.map((r) => r.size)).toEqual(['small', 'micro', 'medium']);
    expect(Number(rows[1].territory_id)).toBe(await territoryId(t.ctx, 'semey-city'));
    expect(Number(rows[2].territory_id)).toBe(await territoryId(t.ctx, 'oskemen-city'));
    expect(rows[2].contact).toBeNull();
    expect(rows.map((r) => r.token_hash).sort()).toEqual(links.map((l) => hashToken(tokenOf(l))).sort());

    const everything = await dumpAllText(t.ctx);
    expect(everything).toContain('ИП Сейтқали'); // the dump does see the rows
    expect(everything).toContain(hashToken(tokenOf(links[0]!)));
    for (const link of links) expect(everything).not.toContain(tokenOf(link));

    // The list page does not show links again.
    const list = await admin.agent.get(`/admin/rounds/${roundId}/invitations`);
    expect(list.status).toBe(200);
    expect(list.text).toContain('ИП Сейтқали');
    expect(linksIn(list.text)).toHaveLength(0);
  });

  it('lets the mail-merge CSV be downloaded exactly once, with the same links', async () => {
    const roundId = await insertRound(t.ctx);
    const res = await paste(roundId, 'name;territory;sector;size\nFirst;Ridder city;J;micro\n=HYPERLINK("x");kurchatov-city;M;small\n');
    expect(res.status).toBe(200);
    const shown = linksIn(res.text);
    const form = /action="(\/admin\/rounds\/\d+\/invitations\/links\/[A-Za-z0-9_-]{22})"/.exec(res.text);
    expect(form).not.toBeNull();
    const download = await admin.agent.post(form![1]!).type('form').send({ _csrf: admin.csrf }).buffer(true).parse(binaryParser);
    expect(download.status).toBe(200);
    expect(download.headers['content-type']).toContain('text/csv');
    const body = download.body as Buffer;
    expect(body.subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
    const records = parseCsv(body.toString('utf8').slice(1), { columns: true }) as Array<Record<string, string>>;
    // supertest starts a server per request, so hosts differ; the tokens must not.
    expect(records.map((r) => tokenOf(r.link!)).sort()).toEqual(shown.map(tokenOf).sort());
    for (const r of records) expect(r.link).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/r\/[A-Za-z0-9_-]{22}$/);
    expect(records.map((r) => r.name)).toEqual(['First', `'=HYPERLINK("x")`]);
    expect(records[0]).toMatchObject({ contact: '', sector: 'J', size: 'micro' });

    const again = await admin.agent.post(form![1]!).type('form').send({ _csrf: admin.csrf });
    expect(again.status).toBe(409);
    const batchId = form![1]!.split('/').pop();
    expect(await t.ctx.db('invitation_link_batches').where({ id: batchId }).first()).toBeUndefined();
  });

  it('downloads each invitation\'s kept link: a reissued one with its new link, a withdrawn one left out; the batch stores ids, not links', async () => {
    const roundId = await insertRound(t.ctx);
    const res = await paste(roundId, 'name,territory,sector,size\nAlpha,Ridder city,J,micro\nBeta,Ridder city,J,micro\nGamma,Ridder city,J,micro\n');
    const path = /action="(\/admin\/rounds\/\d+\/invitations\/links\/([A-Za-z0-9_-]{22}))"/.exec(res.text)!;
    const ids = (await t.ctx.db('invitations').where({ round_id: roundId }).orderBy('id').select('id')).map((r) => Number(r.id));
    // What the batch keeps names the invitations and no link (each link is kept sealed with its invitation).
    const batch = await t.ctx.db('invitation_link_batches').where({ id: path[2] }).first();
    expect(JSON.parse(String(batch.payload))).toEqual({ runs: [[ids[0], ids[2]]] });
    for (const link of linksIn(res.text)) expect(String(batch.payload)).not.toContain(tokenOf(link));

    const fresh = await t.services.invitations.reissue(roundId, ids[0]!, admin.user.id, 'http://x');
    await t.services.invitations.withdraw(roundId, ids[1]!, admin.user.id);
    const download = await admin.agent.post(path[1]!).type('form').send({ _csrf: admin.csrf }).buffer(true).parse(binaryParser);
    expect(download.status).toBe(200);
    const records = parseCsv((download.body as Buffer).toString('utf8').slice(1), { columns: true }) as Array<Record<string, string>>;
    expect(records.map((r) => r.name)).toEqual(['Alpha', 'Gamma']);
    expect(tokenOf(records[0]!.link!)).toBe(tokenOf(fresh));
    // Each link opens its own invitation.
    for (const [i, r] of records.entries()) {
      expect(Number((await t.ctx.db('invitations').where({ token_hash: hashToken(tokenOf(r.link!)) }).first()).id)).toBe(ids[i * 2]);
    }
  });

  it('still hands out, once, a link batch stored by a version before the id runs', async () => {
    const roundId = await insertRound(t.ctx);
    const res = await paste(roundId, 'name,territory,sector,size\nOld one,Ridder city,J,micro\nOld two,Ridder city,J,micro\n');
    const path = /action="(\/admin\/rounds\/\d+\/invitations\/links\/([A-Za-z0-9_-]{22}))"/.exec(res.text)!;
    const shown = linksIn(res.text).map(tokenOf);
    const ids = (await t.ctx.db('invitations').where({ round_id: roundId }).orderBy('id').select('id', 'token_hash'));
    const pairs = ids.map((r) => [Number(r.id), shown.find((tok) => hashToken(tok) === r.token_hash)!] as [number, string]);
    // The sealed payload earlier versions wrote (invitations.links.ts reads it for LINK_BATCH_TTL_MS after an upgrade).
    const key = Buffer.from(crypto.hkdfSync('sha256', t.ctx.config.jwtSecret, 'kedergi', 'invitation-link-batch-v1', 32));
    const iv = crypto.randomBytes(12);
    const cipher = crypto.createCipheriv('aes-256-gcm', key, iv);
    const body = Buffer.concat([cipher.update(JSON.stringify(pairs), 'utf8'), cipher.final()]);
    await t.ctx.db('invitation_link_batches').where({ id: path[2] }).update({ payload: Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64') });
    const download = await admin.agent.post(path[1]!).type('form').send({ _csrf: admin.csrf }).buffer(true).parse(binaryParser);
    expect(download.status).toBe(200);
    const records = parseCsv((download.body as Buffer).toString('utf8').slice(1), { columns: true }) as Array<Record<string, string>>;
    expect(records.map((r) => [r.name, tokenOf(r.link!)])).toEqual([['Old one', pairs[0]![1]], ['Old two', pairs[1]![1]]]);
    expect((await admin.agent.post(path[1]!).type('form').send({ _csrf: admin.csrf })).status).toBe(409);
  });

  it('another administrator cannot take someone else\'s links', async () => {
    const roundId = await insertRound(t.ctx);
    const res = await paste(roundId, 'name,territory,sector,size\nOne,Zaisan district,A,micro\n');
    const path = /action="(\/admin\/rounds\/\d+\/invitations\/links\/[A-Za-z0-9_-]{22})"/.exec(res.text)![1]!;
    const other = await loginAs(t, 'admin');
    const stolen = await other.agent.post(path).type('form').send({ _csrf: other.csrf });
    expect(stolen.status).toBe(409);
    const mine = await admin.agent.post(path).type('form').send({ _csrf: admin.csrf });
    expect(mine.status).toBe(200);
  });

  it('reads UTF-8 CSV with a BOM and Windows-1251 CSV with semicolons', async () => {
    const roundId = await insertRound(t.ctx);
    const bom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('name,territory,sector,size\nҚазақ Сүт,Ұлан ауданы,A,small\n', 'utf8')]);
    expect((await upload(roundId, bom, 'list.csv')).status).toBe(200);

    const legacy = cp1251('Название;Контакт;Район;Отрасль;Размер\nТОО «Ёлка»;ёлка@mail.kz;Уланский район;Торговля;Малое (до 100 человек)\n');
    const res = await upload(roundId, legacy, 'excel-export.csv');
    expect(res.status).toBe(200);
    const rows = await t.ctx.db('invitations').where({ round_id: roundId }).orderBy('id');
    expect(rows.map((r) => r.enterprise_name)).toEqual(['Қазақ Сүт', 'ТОО «Ёлка»']);
    expect(rows[1]).toMatchObject({ contact: 'ёлка@mail.kz', sector: 'G', size: 'small' });
  });

  it('reads an XLSX workbook', async () => {
    const roundId = await insertRound(t.ctx);
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet('Кәсіпорындар');
    ws.addRow(['Атауы', 'Байланыс', 'Аумақ', 'Сала', 'Көлемі']);
    ws.addRow(['Әйгерім ЖК', 'aigerim@example.kz', 'Үржар ауданы', 'Ауыл, орман және балық шаруашылығы', 'Микро (15 адамға дейін)']);
    ws.addRow([]);
    ws.addRow([{ richText: [{ text: 'Ғалым ' }, { text: 'ЖШС' }] }, 12345, 'Katon-Karagai district', 'I', 'SMALL']);
    const buffer = Buffer.from(await wb.xlsx.writeBuffer());
    const res = await upload(roundId, buffer, 'list.xlsx');
    expect(res.status).toBe(200);
    const rows = await t.ctx.db('invitations').where({ round_id: roundId }).orderBy('id');
    expect(rows.map((r) => [r.enterprise_name, r.contact, r.sector, r.size])).toEqual([
      ['Әйгерім ЖК', 'aigerim@example.kz', 'A', 'micro'],
      ['Ғалым ЖШС', '12345', 'I', 'small'],
    ]);
  });

  it('refuses unreadable files with a clear message and imports nothing', async () => {
    const roundId = await insertRound(t.ctx);
    const garbage = Buffer.from([0x4e, 0x61, 0x6d, 0x65, 0x0a, 0x81, 0x83, 0x88, 0x8a, 0x8c, 0x8d, 0x8e, 0x8f, 0x90, 0x98, 0x0a]);
    const res = await upload(roundId, garbage, 'list.csv');
    expect(res.status).toBe(400);
    expect(res.text).toContain('id="upload-error"');
    const mojibake = Buffer.from('name,territory,sector,size\nÐ¢ÐžÐž ÐÐ»ÑÐ°Ð¹,altai-district,A,small\n', 'utf8');
    const res2 = await upload(roundId, mojibake, 'list.csv');
    expect(res2.status).toBe(400);
    const xls = Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1, 0, 0, 0]);
    expect((await upload(roundId, xls, 'old.xls')).status).toBe(400);
    const noHeader = await paste(roundId, 'Foo,Bar\nx,y\n');
    expect(noHeader.status).toBe(400);
    expect(noHeader.text).toContain('id="paste-error"');
    expect(await invitationCount(t, roundId)).toBe(0);
  });

  it('reports every bad row with its line number, imports nothing, then imports only the good rows on confirmation', async () => {
    const roundId = await insertRound(t.ctx);
    const text = [
      'name,contact,territory,sector,size',
      'Good one,,Abai district,A,micro', // line 2
      ',,Abai district,A,micro', // line 3: no name
      'Bad territory,,Atlantis,A,micro', // line 4
      'Good two,,ridder-city,G,small', // line 5
      '',
      'Bad both,,Semey,Space travel,gigantic', // line 7: sector and size
    ].join('\n');
    const res = await paste(roundId, text);
    expect(res.status).toBe(303);
    expect(await invitationCount(t, roundId)).toBe(0);
    const preview = await admin.agent.get(res.headers.location!);
    expect(preview.status).toBe(200);
    const cells = [...preview.text.matchAll(/<tr><td class="num">(\d+)<\/td><td><code>(\w+)<\/code><\/td>/g)].map((m) => `${m[1]}:${m[2]}`);
    expect(cells).toEqual(['3:name', '4:territory', '7:sector', '7:size']);
    expect(preview.text).toContain('Atlantis');

    const errorsCsv = await admin.agent.get(`${res.headers.location}/errors.csv`);
    expect(errorsCsv.status).toBe(200);
    expect((parseCsv(errorsCsv.text.replace(/^\ufeff/, ''), { columns: true }) as Array<Record<string, string>>).map((r) => r.line)).toEqual(['3', '4', '7', '7']);

    const confirmPath = /action="([^"]+\/confirm)"/.exec(preview.text)![1]!;
    const confirmed = await followBatch(await admin.agent.post(confirmPath).type('form').send({ _csrf: admin.csrf }));
    expect(confirmed.status).toBe(200);
    expect(linksIn(confirmed.text)).toHaveLength(2);
    const names = (await t.ctx.db('invitations').where({ round_id: roundId }).orderBy('id')).map((r) => r.enterprise_name);
    expect(names).toEqual(['Good one', 'Good two']);

    // A replayed confirmation imports nothing more.
    const replay = await admin.agent.post(confirmPath).type('form').send({ _csrf: admin.csrf });
    expect(replay.status).toBe(409);
    expect(await invitationCount(t, roundId)).toBe(2);
    expect(await dumpAllText(t.ctx)).not.toContain(tokenOf(linksIn(confirmed.text)[0]!));
  });

  it('leaves out enterprises listed twice in the file or already invited to the round, whatever their case and spacing', async () => {
    const roundId = await insertRound(t.ctx);
    // A round of 5,200 invitations: the ones named again are found among them, whatever their case and spacing.
    const first = ['name,territory,sector,size', ...Array.from({ length: 5200 }, (_, i) => `Enterprise ${i},Abai district,A,micro`)].join('\n');
    expect((await upload(roundId, Buffer.from(first), 'first.csv')).status).toBe(200);
    expect(await invitationCount(t, roundId)).toBe(5200);
    const text = [
      'name,territory,sector,size',
      'New one,Abai district,A,micro', // line 2
      'ENTERPRISE   5150,Abai district,A,micro', // line 3: invited already, other case and spacing
      'new  ONE,Abai district,G,small', // line 4: line 2 again
      'Enterprise 7,Ridder city,A,micro', // line 5: same name, other territory: not a duplicate
      'Enterprise 3,abai district,A,micro', // line 6: invited already
    ].join('\n');
    const res = await paste(roundId, text);
    expect(res.status).toBe(303);
    const preview = await admin.agent.get(res.headers.location!);
    const rows = [...preview.text.matchAll(/<tr><td class="num">(\d+)<\/td><td><code>(\w+)<\/code><\/td>/g)].map((m) => `${m[1]}:${m[2]}`);
    expect(rows).toEqual(['3:name', '4:name', '6:name']);
    const errorsCsv = parseCsv((await admin.agent.get(`${res.headers.location}/errors.csv`)).text.replace(/^\ufeff/, ''), { columns: true }) as Array<Record<string, string>>;
    const kk = translator('kk');
    expect(errorsCsv.map((r) => [r.line, r.reason])).toEqual([
      ['3', kk('invitations:errors.duplicateInRound')],
      ['4', kk('invitations:errors.duplicateInFile', { line: 2 })],
      ['6', kk('invitations:errors.duplicateInRound')],
    ]);
    const confirmPath = /action="([^"]+\/confirm)"/.exec(preview.text)![1]!;
    await followBatch(await admin.agent.post(confirmPath).type('form').send({ _csrf: admin.csrf }));
    const added = (await t.ctx.db('invitations').where({ round_id: roundId }).orderBy('id', 'desc').limit(2)).map((r) => r.enterprise_name);
    expect(added.sort()).toEqual(['Enterprise 7', 'New one']);
  }, 60_000);

  it('leaves out an enterprise already invited to the round (same name ignoring case, spaces and ё, same territory), and only that one', async () => {
    const roundId = await insertRound(t.ctx);
    const first = await paste(roundId, 'name,contact,territory,sector,size\n«Ёлка Тех» ЖШС,,Abai district,A,micro\nOther,,Abai district,A,micro\n');
    expect(linksIn(first.text)).toHaveLength(2);
    const text = [
      'name,contact,territory,sector,size',
      '«елка  тех» жшс,,Abai district,A,micro', // line 2: the first one again
      '«Ёлка Тех» ЖШС,,ridder-city,A,micro', // line 3: same name, another territory: another enterprise
      'New one,,Abai district,A,micro', // line 4
    ].join('\n');
    const res = await paste(roundId, text);
    expect(res.status).toBe(303);
    const preview = await admin.agent.get(res.headers.location!);
    const cells = [...preview.text.matchAll(/<tr><td class="num">(\d+)<\/td><td><code>(\w+)<\/code><\/td>/g)].map((m) => `${m[1]}:${m[2]}`);
    expect(cells).toEqual(['2:name']);
    expect(preview.text).toContain(translator('kk')('invitations:errors.duplicateInRound'));
    const confirmPath = /action="([^"]+\/confirm)"/.exec(preview.text)![1]!;
    const confirmed = await followBatch(await admin.agent.post(confirmPath).type('form').send({ _csrf: admin.csrf }));
    expect(linksIn(confirmed.text)).toHaveLength(2);
    expect(await invitationCount(t, roundId)).toBe(4);
    // In another round the same enterprise is new.
    const other = await insertRound(t.ctx);
    expect(linksIn((await paste(other, 'name,contact,territory,sector,size\n«Ёлка Тех» ЖШС,,Abai district,A,micro\n')).text)).toHaveLength(1);
  });

  it('discards a parked upload on cancel', async () => {
    const roundId = await insertRound(t.ctx);
    const res = await paste(roundId, 'name,territory,sector,size\nA,Nowhere,A,micro\nB,Abai district,A,micro\n');
    const importPath = res.headers.location!;
    const cancel = await admin.agent.post(`${importPath}/cancel`).type('form').send({ _csrf: admin.csrf });
    expect(cancel.status).toBe(303);
    expect((await admin.agent.post(`${importPath}/confirm`).type('form').send({ _csrf: admin.csrf })).status).toBe(409);
    expect(await invitationCount(t, roundId)).toBe(0);
  });

  it('refuses invitations to a closed round', async () => {
    const roundId = await insertRound(t.ctx, { status: 'closed' });
    const res = await paste(roundId, 'name,territory,sector,size\nA,Abai district,A,micro\n');
    expect(res.status).toBe(409);
    expect(await invitationCount(t, roundId)).toBe(0);
  });

  it('lists invitations with their states and filters them', async () => {
    const roundId = await insertRound(t.ctx);
    await paste(roundId, 'name,territory,sector,size\nAlpha,Abai district,A,micro\nBeta,Ridder city,G,small\nGamma,Ridder city,G,small\n');
    const [alpha, beta] = await t.ctx.db('invitations').where({ round_id: roundId }).orderBy('id');
    await t.ctx.db('invitations').where({ id: alpha.id }).update({ status: 'opened', opened_at: new Date().toISOString() });
    await t.ctx.db('invitations').where({ id: beta.id }).update({ expires_at: '2000-01-01T00:00:00.000Z' });

    const opened = await admin.agent.get(`/admin/rounds/${roundId}/invitations?state=opened`);
    expect(opened.text).toContain('Alpha');
    expect(opened.text).not.toContain('Gamma');
    const expired = await admin.agent.get(`/admin/rounds/${roundId}/invitations?state=expired`);
    expect(expired.text).toContain('Beta');
    expect(expired.text).not.toContain('Alpha');
    const ridder = await admin.agent.get(`/admin/rounds/${roundId}/invitations?territory=${await territoryId(t.ctx, 'ridder-city')}&q=amm`);
    expect(ridder.text).toContain('Gamma');
    expect(ridder.text).not.toContain('Beta');
    // Nonsense filters are ignored rather than failing the page.
    expect((await admin.agent.get(`/admin/rounds/${roundId}/invitations?state=bogus&page=-3`)).status).toBe(200);
  });

  describe('API', () => {
    let token: string;
    beforeAll(async () => {
      token = await apiTokenFor(t, 'admin');
    });

    it('creates invitations and returns absolute links once', async () => {
      const roundId = await insertRound(t.ctx);
      const res = await request(t.app)
        .post(`/api/v1/rounds/${roundId}/invitations`)
        .set('Authorization', `Bearer ${token}`)
        .send({
          enterprises: [
            { name: 'Api One', territory: 'ABAI-DISTRICT', sector: 'a', size: 'micro', contact: 'one@example.kz' },
            { name: 'Api Two', territory: 'Абайский район', sector: 'Торговля', size: 'Малое (до 100 человек)' },
          ],
        });
      expect(res.status).toBe(201);
      expect(res.body.invitations).toHaveLength(2);
      for (const inv of res.body.invitations) {
        expect(inv).toEqual({ id: expect.any(Number), link: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/r\/[A-Za-z0-9_-]{22}$/), name: expect.any(String) });
        const row = await t.ctx.db('invitations').where({ id: inv.id }).first();
        expect(row.token_hash).toBe(hashToken(tokenOf(inv.link)));
      }
    });

    it('is all or nothing and names every bad field', async () => {
      const roundId = await insertRound(t.ctx);
      const res = await request(t.app)
        .post(`/api/v1/rounds/${roundId}/invitations`)
        .set('Authorization', `Bearer ${token}`)
        .send({
          enterprises: [
            { name: 'Fine', territory: 'abai-district', sector: 'A', size: 'micro' },
            { name: 'Lost', territory: 'Atlantis', sector: 'A', size: 'micro' },
            { name: '', territory: 'abai-district', sector: 'A', size: 'huge' },
            { name: 'Extra', territory: 'abai-district', sector: 'A', size: 'micro', vip: true },
          ],
        });
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('validation_failed');
      expect(res.body.error.fields.map((f: { path: string }) => f.path).sort()).toEqual(
        ['enterprises.1.territory', 'enterprises.2.name', 'enterprises.3'],
      );
      expect(await invitationCount(t, roundId)).toBe(0);
    });

    it('requires an administrator', async () => {
      const roundId = await insertRound(t.ctx);
      const body = { enterprises: [{ name: 'X', territory: 'abai-district', sector: 'A', size: 'micro' }] };
      expect((await request(t.app).post(`/api/v1/rounds/${roundId}/invitations`).send(body)).status).toBe(401);
      const researcher = await apiTokenFor(t, 'researcher');
      expect((await request(t.app).post(`/api/v1/rounds/${roundId}/invitations`).set('Authorization', `Bearer ${researcher}`).send(body)).status).toBe(403);
      expect((await request(t.app).post(`/api/v1/rounds/999999/invitations`).set('Authorization', `Bearer ${token}`).send(body)).status).toBe(404);
      expect(await invitationCount(t, roundId)).toBe(0);
    });
  });

  it('keeps anonymous visitors, experts and researchers out of the invitation pages', async () => {
    const roundId = await insertRound(t.ctx);
    const anon = await request(t.app).get(`/admin/rounds/${roundId}/invitations`);
    expect(anon.status).toBe(303);
    expect(anon.headers.location).toContain('/login');
    for (const role of ['expert', 'researcher'] as const) {
      const user = await loginAs(t, role);
      expect((await user.agent.get(`/admin/rounds/${roundId}/invitations/new`)).status).toBe(403);
      const post = await user.agent.post(`/admin/rounds/${roundId}/invitations/paste`).type('form').send({ _csrf: user.csrf, text: 'name,territory,sector,size\nA,abai-district,A,micro' });
      expect(post.status).toBe(403);
    }
    expect(await invitationCount(t, roundId)).toBe(0);
  });
});
