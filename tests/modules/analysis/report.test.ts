import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiTokenFor, binaryParser, createTestApp, type TestApp } from '../../helpers/app';
import { addResponses, createRound, createSurvey, SMALL_ROUND, type SurveyFixture } from './fixtures';

/** The round report PDF opens in poppler's pdftotext with its Kazakh text, filters, n and top barrier. */
const TOP = 'Қаржыға қолжетімділіктің төмендігі: ӘҒҚҢӨҰҮҺІ';

describe('round report PDF', () => {
  let t: TestApp;
  let token: string;
  let survey: SurveyFixture;
  let roundId: number;
  let otherId: number;
  let dir: string;

  beforeAll(async () => {
    t = await createTestApp();
    survey = await createSurvey(t.ctx.db, { A2: TOP });
    roundId = await createRound(t.ctx.db, survey, 'Көктем 2026');
    await addResponses(t.ctx.db, survey, roundId, SMALL_ROUND);
    otherId = await createRound(t.ctx.db, survey, 'Күз 2025', 'closed');
    await addResponses(t.ctx.db, survey, otherId, [{ territory: 'T1', ratings: { A1: 1, A2: 3, B1: 2 } }]);
    token = await apiTokenFor(t, 'researcher');
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kedergi-report-'));
  });
  afterAll(async () => {
    if (!process.env.KEEP_REPORT) fs.rmSync(dir, { recursive: true, force: true });
    await t.close();
  });

  const pdfText = async (query: string) => {
    const res = await request(t.app)
      .get(`/api/v1/rounds/${roundId}/report.pdf${query}`)
      .set('Authorization', `Bearer ${token}`)
      .buffer(true)
      .parse(binaryParser);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/pdf');
    const file = path.join(dir, `report${query.replace(/\W/g, '_')}.pdf`);
    fs.writeFileSync(file, res.body as Buffer);
    expect((res.body as Buffer).subarray(0, 5).toString()).toBe('%PDF-');
    const fonts = execFileSync('pdffonts', [file], { encoding: 'utf8' });
    expect(fonts).toMatch(/DejaVuSans.*yes/); // embedded
    return execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' }).replace(/\s+/g, ' ');
  };

  it('states the Kazakh title, n, the top barrier and the methods', async () => {
    const text = await pdfText('?lang=kk');
    expect(text).toContain('Раунд бойынша есеп');
    expect(text).toContain('Көктем 2026');
    expect(text).toContain('Респонденттер (n): 6');
    expect(text).toContain(`Басты кедергі: ${TOP}`);
    expect(text).toContain('сүзгісіз');
    expect(text).toContain('Холм');
    expect(text).toContain('Әдістер');
  });

  it('states the filters in words and the comparison in Russian', async () => {
    const text = await pdfText(`?lang=ru&territory=${survey.territoryIds.T2}&compare=${otherId}`);
    expect(text).toContain('Отчёт по раунду');
    expect(text).toContain('Территория: Зайсанский район');
    expect(text).toContain('Респондентов (n): 3');
    expect(text).toContain('Күз 2025');
    expect(text).toContain('Изменение');
  });
});
