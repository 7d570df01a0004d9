import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../helpers/app';
import { createInvitation, createRound, ensureBaseContent, itemCodesByCategory, someTerritoryCode } from './fixtures';

/**
 * What a respondent reads at the door (issue 15): a first visit offers only "start"; a
 * questionnaire in progress says "continue" and where the answers stand; a submitted link says
 * when it was submitted; and resuming on another device keeps the language chosen when it began.
 */
describe('respondent wording at the start', () => {
  let t: TestApp;
  let roundId: number;
  let publicRoundId: number;
  let territory: string;
  let firstCategory: string;
  let firstCodes: string[];
  const csrfOf = (html: string) => /name="_csrf" value="([^"]+)"/.exec(html)![1]!;

  beforeAll(async () => {
    t = await createTestApp({ seed: 'base' });
    const { questionnaireId } = await ensureBaseContent(t.ctx);
    roundId = await createRound(t.ctx, questionnaireId);
    publicRoundId = await createRound(t.ctx, questionnaireId, { audience: 'public', publicToken: 'public-wording-token-0001' });
    territory = await someTerritoryCode(t.ctx);
    const categories = await itemCodesByCategory(t.ctx, questionnaireId);
    [firstCategory, firstCodes] = [...categories.entries()][0]!;
  });
  afterAll(async () => t.close());

  it("a public link's first visit offers only to start; nothing says continue", async () => {
    void publicRoundId;
    const page = await request(t.app).get('/p/public-wording-token-0001').set('Cookie', 'kedergi_lang=en');
    expect(page.status).toBe(200);
    expect(page.text).toContain('Choose the language of the questionnaire to begin');
    expect(page.text).not.toMatch(/continue where you stopped/i);
    expect(page.text).not.toContain('on this or another device'); // a public link resumes in this browser only
    expect(page.text).toContain('in this browser');
  });

  it('an invitation begun in Russian continues in Russian on another device, and says where it stands', async () => {
    const invitation = await createInvitation(t.ctx, roundId);
    const phone = request.agent(t.app);
    await phone.get(`/r/${invitation.token}`).set('Accept-Language', 'kk');
    const start = await phone.get('/respond');
    expect(start.text).not.toMatch(/Жалғастыру|Продолжить|Continue where/); // not begun: start only
    const csrf = csrfOf(start.text);
    expect((await phone.post('/respond/language').type('form').send({ _csrf: csrf, lang: 'ru' })).status).toBe(303);
    expect((await phone.post('/respond/profile').type('form').send({ _csrf: csrf, nav: 'next', territory, sector: 'C', size: 'small', employees: '12', funding: 'own' })).status).toBe(303);
    const body: Record<string, string> = { _csrf: csrf, nav: 'next' };
    firstCodes.forEach((code) => (body[`answers[${code}]`] = '3'));
    expect((await phone.post(`/respond/page/${firstCategory}`).type('form').send(body)).status).toBe(303);

    // A laptop that never chose a language, set to Kazakh: the link brings back Russian.
    const laptop = request.agent(t.app);
    const exchange = await laptop.get(`/r/${invitation.token}`).set('Accept-Language', 'kk');
    expect(exchange.status).toBe(303);
    const resumed = await laptop.get('/respond').set('Accept-Language', 'kk');
    expect(resumed.text).toContain('<html lang="ru">');
    expect(resumed.text).toContain('Продолжить с того места, где вы остановились');
    expect(resumed.text).toMatch(/ответы сохранены \(до шага \d из \d+, последнее сохранение \d/);
    expect(resumed.text).toContain('Или продолжите на другом языке');
  });
});
