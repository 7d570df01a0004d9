import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import type TestAgent from 'supertest/lib/agent';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrateOne } from '../../../src/db/migrate';
import { chartCacheStats } from '../../../src/lib/charts';
import { apiTokenFor, binaryParser, createTestApp, loginAs, type TestApp } from '../../helpers/app';
import { completeBody, createInvitation, createRound, ensureBaseContent, openLink } from '../responses/fixtures';

/**
 * The ranking page and the report PDF after a submission is counted (issue 18: a page light
 * enough at national scale). Answers of choice and number questions are read from the answer
 * cells, not from the answers; charts are drawn once per state of their numbers. Neither may
 * show yesterday's numbers once the background counter has counted a new submission.
 */
describe('ranking page and report after new submissions are counted', () => {
  let t: TestApp;
  let questionnaireId: number;
  let researcher: TestAgent;
  let token: string;
  let dir: string;

  beforeAll(async () => {
    t = await createTestApp();
    ({ questionnaireId } = await ensureBaseContent(t.ctx));
    researcher = (await loginAs(t, 'researcher')).agent;
    token = await apiTokenFor(t, 'researcher');
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kedergi-page-cache-'));
  });
  afterAll(async () => {
    fs.rmSync(dir, { recursive: true, force: true });
    await t.close();
  });

  /** A whole questionnaire through the respondent's submit-all, with this profile, then counted by the background counter. */
  async function submit(roundId: number, profile: Record<string, unknown> = {}): Promise<void> {
    const { token: link } = await createInvitation(t.ctx, roundId);
    const { agent, csrf } = await openLink(t.app, `/r/${link}`);
    const body = await completeBody(t.ctx, questionnaireId);
    const res = await agent
      .post('/respond/submit-all')
      .set('x-csrf-token', csrf)
      .set('Accept', 'application/json')
      .send({ ...body, profile: { ...body.profile, ...profile } });
    expect(res.status).toBe(201);
    await t.services.analysisCounter.settled();
  }

  const page = async (roundId: number, query = '') => {
    const res = await researcher.get(`/analysis/rounds/${roundId}${query}`);
    expect(res.status).toBe(200);
    return res.text;
  };
  /**
   * Per chart whose text alternative gives n (distribution, means), the largest "n = …": the
   * respondents who rated the most-rated barrier, as each chart was drawn.
   */
  const chartNs = (html: string) =>
    [...html.matchAll(/<desc id="chart-[0-9a-f]{12}-d">([^<]*)<\/desc>/g)]
      .map((m) => [...m[1]!.matchAll(/n = (\d+)/g)].map((x) => Number(x[1])))
      .filter((ns) => ns.length > 0)
      .map((ns) => Math.max(...ns));
  const respondents = (html: string) => Number(/<dd><strong>(\d+)<\/strong><\/dd>/.exec(html)?.[1]);

  it('summarises choice and number answers from the answer cells exactly as from the answers', async () => {
    const roundId = await createRound(t.ctx, questionnaireId);
    await submit(roundId, { sector: 'C', size: 'small', employees: 12, innovated: ['product'], funding: 'own' });
    await submit(roundId, { sector: 'G', size: 'micro', employees: 12, innovated: ['none'], funding: 'loans' });
    await submit(roundId, { sector: 'C', size: 'micro', employees: 250, innovated: ['product', 'process'], funding: 'own' });
    const grouped = (await t.ctx.db('questionnaire_items').where({ questionnaire_id: questionnaireId }).whereIn('kind', ['single-choice', 'multi-choice', 'number', 'ranking']).whereNot('role', 'territory').pluck('id')).map(Number);
    expect(grouped.length).toBeGreaterThan(0);
    // What the ranking used to read: every answer of those questions joined to its counted response.
    const fromAnswers = async (sector?: string) => {
      const q = t.ctx.db('answers as a')
        .join('analysis_counted_responses as m', 'm.response_id', 'a.response_id')
        .where('a.round_id', roundId)
        .whereIn('a.item_id', grouped)
        .groupBy('a.item_id', 'a.choice', 'a.number_value', 'm.territory_id', 'm.sector', 'm.size', 'm.innovated')
        .select('a.item_id', 'a.choice', 'a.number_value', 'm.territory_id', 'm.sector', 'm.size', 'm.innovated', t.ctx.db.raw('COUNT(*) AS n'));
      if (sector) q.where('m.sector', sector);
      const rows = await q;
      return rows
        .map((r: Record<string, unknown>) => `${r.item_id}|${r.choice ?? '∅'}|${r.number_value === null ? '∅' : Number(r.number_value)}|${r.territory_id}|${r.sector}|${r.size}|${r.innovated}|${Number(r.n)}`)
        .sort();
    };
    const fromCells = async (sector?: string) =>
      (await t.services.analysis.repo.answerGroups(roundId, grouped, sector ? { sector } : {}))
        .map((g) => `${g.itemId}|${g.choice ?? '∅'}|${g.numberValue ?? '∅'}|${g.territoryId}|${g.sector}|${g.size}|${g.innovated}|${g.count}`)
        .sort();
    expect(await fromCells()).toEqual(await fromAnswers());
    expect(await fromCells('C')).toEqual(await fromAnswers('C'));
    expect((await fromAnswers()).length).toBeGreaterThan(grouped.length);

    // The API's summaries follow: two of three respondents in sector C, employees 12, 12, 250.
    const body = (await request(t.app).get(`/api/v1/rounds/${roundId}/ranking`).set('Authorization', `Bearer ${token}`)).body as { questions: Array<{ code: string; n: number; summary?: { median: number; max: number } }> };
    const sector = body.questions.find((q) => q.code === 'sector')!;
    expect(sector.n).toBe(3);
    const employees = body.questions.find((q) => q.code === 'employees')!;
    expect(employees.n).toBe(3);
    expect(employees.summary?.median).toBe(12);
    expect(employees.summary?.max).toBe(250);
  });

  it('gives rounds counted before the answer cells existed their cells when it migrates', async () => {
    const roundId = await createRound(t.ctx, questionnaireId);
    await submit(roundId, { sector: 'C', size: 'small', employees: 12, innovated: ['product'], funding: 'own' });
    await submit(roundId, { sector: 'G', size: 'micro', employees: 30, innovated: ['none'], funding: 'loans' });
    const cells = async () =>
      (await t.ctx.db('analysis_answer_cells').where({ round_id: roundId }).select('item_id', 'territory_id', 'sector', 'size', 'innovated', 'missing', 'choice', 'number_value', 'answers'))
        .map((r: Record<string, unknown>) => JSON.stringify({ ...r, number_value: Number(r.number_value), answers: Number(r.answers) }))
        .sort();
    const counted = await cells();
    expect(counted.length).toBeGreaterThan(0);
    await migrateOne(t.ctx.db, 'down', '20261128_2200_analysis_answer_cells');
    expect(await t.ctx.db.schema.hasTable('analysis_answer_cells')).toBe(false);
    await migrateOne(t.ctx.db, 'up', '20261128_2200_analysis_answer_cells');
    expect(await cells()).toEqual(counted);
  });

  it('draws the page charts once per state of the numbers, and anew once a submission is counted', async () => {
    const roundId = await createRound(t.ctx, questionnaireId);
    await submit(roundId);
    await submit(roundId);
    const first = await page(roundId);
    expect(respondents(first)).toBe(2);
    expect(chartNs(first)).toEqual([2, 2]);
    const drawn = chartCacheStats().svg.misses;
    const again = await page(roundId);
    expect(again).toBe(first);
    expect(chartCacheStats().svg.misses).toBe(drawn);

    await submit(roundId, { sector: 'G', employees: 7 });
    const after = await page(roundId);
    expect(respondents(after)).toBe(3);
    expect(chartNs(after)).toEqual([3, 3]);
    expect(chartCacheStats().svg.misses).toBeGreaterThan(drawn);
    // Another filter is another drawing, not the unfiltered one.
    const filtered = await page(roundId, '?sector=G');
    expect(respondents(filtered)).toBe(1);
    // One rating has no interval, so only the distribution states its n.
    expect(chartNs(filtered)).toEqual([1]);
  });

  const pdfText = async (roundId: number) => {
    const res = await request(t.app)
      .get(`/api/v1/rounds/${roundId}/report.pdf?lang=en`)
      .set('Authorization', `Bearer ${token}`)
      .buffer(true)
      .parse(binaryParser);
    expect(res.status).toBe(200);
    const file = path.join(dir, `report-${roundId}-${Date.now()}.pdf`);
    fs.writeFileSync(file, res.body as Buffer);
    return execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' }).replace(/\s+/g, ' ');
  };

  it('reuses the report PDF chart images until a new submission is counted', async () => {
    const roundId = await createRound(t.ctx, questionnaireId);
    await submit(roundId);
    expect(await pdfText(roundId)).toContain('Respondents (n): 1');
    const drawn = chartCacheStats().png.misses;
    expect(drawn).toBeGreaterThan(0);
    expect(await pdfText(roundId)).toContain('Respondents (n): 1');
    expect(chartCacheStats().png.misses).toBe(drawn);

    await submit(roundId);
    expect(await pdfText(roundId)).toContain('Respondents (n): 2');
    expect(chartCacheStats().png.misses).toBeGreaterThan(drawn);
  }, 180_000);
});
