import ExcelJS from 'exceljs';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiTokenFor, binaryParser, createTestApp, loginAs, type LoggedIn, type TestApp } from '../../helpers/app';
import { testDbEngine } from '../../helpers/db';
import { FACTORS, PARAMETERS, adminPost, createPanel, openRoundIdOf, postScores, scoresBy } from './fixtures';

/**
 * Two experts, two Delphi rounds, end to end through the HTTP pages.
 *
 * Round 1 is built so the answer is known exactly: both experts give strength 3 everywhere,
 * expert 1 weight w_i = (i mod 5) + 1, expert 2 weight 6 - w_i. Their rankings of w*s are exact
 * mirror images (ties mirrored too), so every rank sum is n + 1 and W = 0. Consensus: two
 * scores a and b have type-7 IQR |a - b| / 2, so a factor is in consensus when |2 w_i - 6| <= 2,
 * i.e. w_i in {2, 3, 4}: 38 factors, i mod 5 = 0 (w 1) for 8 and = 4 (w 5) for 7, so 23/38.
 * Round 2: both experts give the same scores, so W = 1 exactly (tie-corrected), chi2 = m(n-1)W
 * = 2 * 37 = 74 with 37 df, p = 0.0002886375516967436 (SciPy 1.17 chi2.sf(74, 37)), consensus
 * share 1: the stop rule is met (strong agreement).
 */
describe(`Delphi panel end to end (${testDbEngine})`, () => {
  let t: TestApp;
  let admin: LoggedIn;
  let e1: LoggedIn;
  let e2: LoggedIn;
  let panelId: number;
  const n = FACTORS.length;
  const w1 = (i: number) => (i % 5) + 1;
  const round2 = (i: number) => ({ weight: w1(i), strength: ((i * 2) % 5) + 1 });

  beforeAll(async () => {
    t = await createTestApp({ seed: 'base' });
    [admin, e1, e2] = await Promise.all([loginAs(t, 'admin'), loginAs(t, 'expert'), loginAs(t, 'expert')]);
  });
  afterAll(async () => t.close());

  it('seeds the 22 SWOT, 16 PEST factors and 7 enterprise parameters', async () => {
    expect(n).toBe(38);
    const rows = await t.ctx.db('expert_factors').select('kind').count({ c: '*' }).groupBy('kind');
    expect(Object.fromEntries(rows.map((r) => [r.kind, Number(r.c)]))).toEqual({ swot: 22, pest: 16, enterprise: 7 });
  });

  it('admin forms the panel and opens round 1', async () => {
    panelId = await createPanel(admin, 'Панель: Шығыс Қазақстан');
    await adminPost(admin, `/admin/panels/${panelId}/members`, { userId: e1.user.id });
    await adminPost(admin, `/admin/panels/${panelId}/members`, { userId: e2.user.id });
    await adminPost(admin, `/admin/panels/${panelId}/enterprises`, { enterpriseName: '«Алтай» ЖШС' });
    await adminPost(admin, `/admin/panels/${panelId}/rounds/open-first`);
    const page = await admin.agent.get(`/admin/panels/${panelId}`);
    expect(page.status).toBe(200);
    expect(page.text).toContain(e1.user.email);
    expect(page.text).toContain(e2.user.email);
    expect(page.text).toContain('«Алтай» ЖШС');
    expect(page.text).toContain(`/admin/panels/${panelId}/rounds/close`, { confirm: 'yes' });
  });

  it('each expert sees the panel and scores round 1', async () => {
    const home = await e1.agent.get('/expert');
    expect(home.status).toBe(200);
    expect(home.text).toContain('Панель: Шығыс Қазақстан');

    const roundId = await openRoundIdOf(e1.agent, panelId);
    const enterpriseId = (await t.ctx.db('panel_enterprises').where({ panel_id: panelId }).first()).id;
    const ent = { [`x${enterpriseId}`]: Object.fromEntries(PARAMETERS.map((p, i) => [p.code, (i % 5) + 1])) };
    const r1 = await postScores(e1, panelId, roundId, scoresBy((i) => ({ weight: w1(i), strength: 3 })), ent);
    expect(r1.status, r1.text.slice(0, 500)).toBe(303);
    expect(r1.headers.location).toBe(`/expert/panels/${panelId}?saved=1`);
    const r2 = await postScores(e2, panelId, roundId, scoresBy((i) => ({ weight: 6 - w1(i), strength: 3 })));
    expect(r2.status).toBe(303);

    expect(Number((await t.ctx.db('expert_scores').where({ round_id: roundId }).count({ c: '*' }).first())!.c)).toBe(2 * n);
    expect(Number((await t.ctx.db('enterprise_scores').where({ round_id: roundId }).count({ c: '*' }).first())!.c)).toBe(7);

    // Edits are allowed until the round closes: the form shows the saved values.
    const form = await e1.agent.get(`/expert/panels/${panelId}`);
    expect(form.text).toMatch(/id="f-S1-w-1"[^>]*checked/);
  });

  it('admin closes round 1 (after a confirmation that counts the experts) and opens round 2', async () => {
    const ask = await adminPost(admin, `/admin/panels/${panelId}/rounds/close`, {}, 200);
    expect(ask.text).toContain('name="confirm" value="yes"');
    expect(ask.text).toContain('2 сарапшының 2-сі барлық факторды бағалады'); // екісі: the ending follows the spoken numeral
    expect((await t.ctx.db('delphi_rounds').where({ panel_id: panelId, status: 'open' })).length).toBe(1);
    await adminPost(admin, `/admin/panels/${panelId}/rounds/close`, { confirm: 'yes' });
    await adminPost(admin, `/admin/panels/${panelId}/rounds/open-next`);
    const rounds = await t.ctx.db('delphi_rounds').where({ panel_id: panelId }).orderBy('number');
    expect(rounds.map((r) => [Number(r.number), r.status])).toEqual([
      [1, 'closed'],
      [2, 'open'],
    ]);
  });

  it('in round 2 each expert sees their own previous score beside the panel median and IQR, and revises', async () => {
    const form = await e1.agent.get(`/expert/panels/${panelId}`);
    expect(form.status).toBe(200);
    // S1 (index 0): expert 1 weight 1, expert 2 weight 5 -> median 3, IQR 2 (type 7); strength 3 and 3 -> IQR 0.
    const s1 = form.text.slice(form.text.indexOf('id="f-S1"'), form.text.indexOf('id="f-S2"'));
    expect(s1).toContain('салмағы 1, күші 3'); // the expert's own round-1 score (Kazakh is the default language)
    expect(s1).toContain('Салмағы: медиана 3,0, квартильдер 2,00–4,00 (IQR 2,00)');
    expect(s1).toContain('Күші: медиана 3,0, квартильдер 3,00–3,00 (IQR 0,00)');
    expect(s1).toContain('experts-badge-outside');
    // Round-1 answers are shown, not filled in: one click cannot record them unchanged (that would
    // inflate consensus); keeping one is explicit, per factor or for the section.
    expect(form.text).not.toMatch(/id="f-S1-w-\d"[^>]*checked/);
    expect(s1).toMatch(/name="scores\[S1\]\[keep\]" value="1"/);
    expect(s1).toContain('Алдыңғы бағамды қалдыру (салмағы 1, күші 3)');
    expect(form.text).toContain('name="keepSection" value="1"');
    expect(form.text).toContain(`бағаланды: ${n} фактордың 0`);

    const roundId = await openRoundIdOf(e1.agent, panelId);
    const first = await postScores(e1, panelId, roundId, scoresBy((i) => ({ ...round2(i), reason: i === 0 ? 'Жаңа деректер бойынша' : '' })));
    // Expert 1 moves several factors outside the round-1 range without a reason: saved, and invited to explain.
    expect(first.status).toBe(303);
    const after = await e1.agent.get(first.headers.location);
    expect(after.text).toContain('Сақталды. Осы факторлар бойынша');
    expect(after.text).toMatch(/href="#f-[A-Z]+\d+-r"/);
    const second = await postScores(e2, panelId, roundId, scoresBy((i) => round2(i)));
    expect([200, 303]).toContain(second.status);

    const reason = await t.ctx.db('expert_scores').where({ round_id: roundId, expert_id: e1.user.id }).whereNotNull('reason');
    expect(reason.map((r) => r.reason)).toEqual(['Жаңа деректер бойынша']);
    await adminPost(admin, `/admin/panels/${panelId}/rounds/close`, { confirm: 'yes' });
  });

  it('the agreement API reports W per round with the tie correction, chi-square, p, consensus share', async () => {
    const token = await apiTokenFor(t, 'researcher');
    const res = await request(t.app).get(`/api/v1/panels/${panelId}/agreement`).set('Authorization', `Bearer ${token}`);
    expect(res.status).toBe(200);
    const [a, b] = res.body.rounds;
    expect(res.body.rounds).toHaveLength(2);
    expect(a.round).toBe(1);
    expect(Math.abs(a.kendallW - 0)).toBeLessThan(1e-12);
    expect(Math.abs(a.consensusShare - 23 / 38)).toBeLessThan(1e-12);
    expect(a.stopRuleMet).toBe(false);
    expect(b.round).toBe(2);
    expect(Math.abs(b.kendallW - 1)).toBeLessThan(1e-12);
    expect(Math.abs(b.chiSquare - 74)).toBeLessThan(1e-9);
    expect(b.df).toBe(37);
    expect(Math.abs(b.p - 0.0002886375516967436)).toBeLessThan(1e-9);
    expect(Math.abs(b.deltaW - 1)).toBeLessThan(1e-12);
    expect(b.consensusShare).toBe(1);
    expect(b.stopRuleMet).toBe(true);
  });

  it('the agreement page shows W per round and says the stop rule is met', async () => {
    const res = await admin.agent.get(`/panels/${panelId}/agreement`).set('Cookie', 'kedergi_lang=en');
    expect(res.status).toBe(200);
    expect(res.text).toContain('The stop rule is met in round 2');
    expect(res.text).toMatch(/<td class="num">0\.000<\/td>/); // W of round 1
    expect(res.text).toMatch(/<td class="num">1\.000<\/td>/); // W of round 2
    expect(res.text).toContain('+1.000'); // delta W
    expect(res.text).toContain('<svg');
    expect(res.text).toContain('Жаңа деректер бойынша'); // the reason, shown without the expert's name
    // Two scores 2 apart: IQR 1 by type 7 (consensus), 2 by type 6 (none): the page says so.
    expect(res.text).toContain('(type 6 quartiles: no)');
  });

  it('opening another round after the stop rule is met asks first, says why, and opens nothing unconfirmed', async () => {
    const ask = await admin.agent.post(`/admin/panels/${panelId}/rounds/open-next`).set('Cookie', 'kedergi_lang=en').type('form').send({ _csrf: admin.csrf });
    expect(ask.status).toBe(200);
    expect(ask.text).toContain('Round 2 met the stop rule: agreement is strong (Kendall&#39;s W = 1.00).');
    expect(ask.text).toContain('name="confirm" value="yes"');
    expect((await t.ctx.db('delphi_rounds').where({ panel_id: panelId })).length).toBe(2);
  });

  it('SWOT and PEST follow the round-2 means exactly (hand formula: quadrant total = sum w s / sum w)', async () => {
    const token = await apiTokenFor(t, 'admin');
    const swot = (await request(t.app).get(`/api/v1/panels/${panelId}/swot`).set('Authorization', `Bearer ${token}`)).body;
    expect(swot.round).toBe(2);
    const total = (q: string) => {
      const idx = FACTORS.map((f, i) => ({ f, i })).filter(({ f }) => f.kind === 'swot' && f.grp === q);
      const sw = idx.reduce((a, { i }) => a + round2(i).weight, 0);
      return idx.reduce((a, { i }) => a + round2(i).weight * round2(i).strength, 0) / sw;
    };
    for (const q of ['S', 'W', 'O', 'T']) expect(Math.abs(swot.quadrants[q].total - total(q)), q).toBeLessThan(1e-12);
    expect(Math.abs(swot.position.x - (total('S') - total('W')))).toBeLessThan(1e-12);
    expect(Math.abs(swot.position.y - (total('O') - total('T')))).toBeLessThan(1e-12);
    const x = swot.position.x;
    const y = swot.position.y;
    expect(swot.strategy).toBe(x > 0 ? (y > 0 ? 'SO' : 'ST') : y > 0 ? 'WO' : 'WT');

    const pest = (await request(t.app).get(`/api/v1/panels/${panelId}/pest`).set('Authorization', `Bearer ${token}`)).body;
    for (const g of pest.groups) {
      const idx = FACTORS.map((f, i) => ({ f, i })).filter(({ f }) => f.kind === 'pest' && f.grp === g.group);
      const sw = idx.reduce((a, { i }) => a + round2(i).weight, 0);
      const part = (sign: string) => idx.filter(({ f }) => f.polarity === sign).reduce((a, { i }) => a + round2(i).weight * round2(i).strength, 0) / sw;
      expect(Math.abs(g.positive - part('+'))).toBeLessThan(1e-12);
      expect(Math.abs(g.negative - part('-'))).toBeLessThan(1e-12);
      expect(Math.abs(g.balance - (part('+') - part('-')))).toBeLessThan(1e-12);
    }
    for (const page of ['swot', 'pest']) {
      const res = await admin.agent.get(`/panels/${panelId}/${page}`);
      expect(res.status).toBe(200);
      expect(res.text).toContain('<svg');
      expect(res.text).toContain('role="img"');
    }
  });

  it('renders every page in Kazakh, Russian and English without a missing catalogue key', async () => {
    for (const lang of ['kk', 'ru', 'en']) {
      for (const path of [`/panels/${panelId}/agreement`, `/panels/${panelId}/swot`, `/panels/${panelId}/pest`, `/admin/panels/${panelId}`, '/admin/panels', '/panels']) {
        const res = await admin.agent.get(path).set('Cookie', `kedergi_lang=${lang}`);
        expect(res.status, path).toBe(200);
        expect(res.text, `${lang} ${path}`).not.toContain('⟦');
      }
      for (const path of ['/expert', `/expert/panels/${panelId}`]) {
        const res = await e1.agent.get(path).set('Cookie', `kedergi_lang=${lang}`);
        expect(res.status, path).toBe(200);
        expect(res.text, `${lang} ${path}`).not.toContain('⟦');
      }
    }
  });

  it('exports CSV with BOM and Kazakh text intact, and XLSX that parses back', async () => {
    const csv = await admin.agent.get(`/panels/${panelId}/swot.csv`).buffer(true).parse(binaryParser);
    expect(csv.status).toBe(200);
    expect(csv.headers['content-type']).toContain('text/csv');
    const body = csv.body as Buffer;
    expect([...body.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(body.toString('utf8')).toContain('Пайдалы қазбалардың маңызды әлеуеті');

    const pest = await admin.agent.get(`/panels/${panelId}/pest.csv`).set('Cookie', 'kedergi_lang=en');
    expect(pest.status).toBe(200);
    const lines = pest.text.replace(/^\uFEFF/, '').split('\r\n');
    // Every text field is quoted (issue 13: a separator inside an unquoted field could start a formula).
    expect(lines[0]).toBe('"Row type","Group","Direction","Code","Factor","n","Mean weight w","Mean strength s","Normalised weight v","Score v*s"');
    expect(lines.find((l) => l.includes(',"P+1",'))).toMatch(/^"factor","P","positive","P\+1",/);
    expect(lines.filter((l) => l.startsWith('"group influence",'))).toHaveLength(12);
    expect(pest.text).not.toContain("'+");

    const xlsx = await admin.agent.get(`/panels/${panelId}/agreement.xlsx`).buffer(true).parse(binaryParser);
    expect(xlsx.status).toBe(200);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(xlsx.body as Buffer);
    expect(wb.worksheets).toHaveLength(2);
    const factorsSheet = wb.worksheets[0]!;
    expect(factorsSheet.rowCount).toBe(1 + 2 * n);
    const rounds = wb.worksheets[1]!;
    expect(rounds.getRow(3).getCell(5).value).toBe(1); // W of round 2
  });
});
