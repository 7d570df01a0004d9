import { parse as parseCsv } from 'csv-parse/sync';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AnswerGroup } from '../../../src/modules/analysis/analysis.repository';
import { fundingSources, innovationLevels } from '../../../src/modules/analysis/analysis.innovation';
import type { FormQuestion, MultiChoiceQuestion } from '../../../src/modules/questionnaires/kinds';
import { EXTENDED_QUESTIONNAIRE_CODE } from '../../../src/modules/questionnaires/questionnaires.seed';
import { apiTokenFor, createTestApp, loginAs, type LoggedIn, type TestApp } from '../../helpers/app';
import { createInvitation, createRound, someTerritoryCode } from '../responses/fixtures';

const text = (s: string) => ({ kk: s, ru: s, en: s });
const innovated: MultiChoiceQuestion & { code: string } = {
  kind: 'multi-choice',
  code: 'innovated',
  text: text('innovated'),
  options: [
    { code: 'product', text: text('Product') },
    { code: 'process', text: text('Process') },
    { code: 'marketing', text: text('Marketing') },
    { code: 'none', exclusive: true, text: text('None') },
  ],
};
const size = { kind: 'single-choice', code: 'size', text: text('size'), options: [{ code: 'micro', text: text('Micro') }, { code: 'small', text: text('Small') }] } as unknown as FormQuestion;
const group = (choice: string, sizeCode: string, count: number, innovatedKey = -1): AnswerGroup => ({ itemId: 1, choice, numberValue: null, territoryId: 0, sector: '', size: sizeCode, innovated: innovatedKey, count });

describe('level of innovation activity by type and size (pure)', () => {
  // 8 respondents answered: micro 2 product+process, 3 none; small 1 marketing, 1 none; size not stated 1 product.
  const levels = innovationLevels(innovated, [group('product process', 'micro', 2), group('none', 'micro', 3), group('marketing', 'small', 1), group('none', 'small', 1), group('product', '', 1)], size);

  it('orders the sizes as the size question does, "not stated" last, and lists any innovation before each type', () => {
    expect(levels.sizes.map((s) => s.code)).toEqual(['micro', 'small', '']);
    expect(levels.rows.map((r) => r.type)).toEqual([null, 'product', 'process', 'marketing']);
  });

  it('counts a respondent once per type chosen, and once for "any"', () => {
    const [any, product, process, marketing] = levels.rows;
    expect(any!.overall).toMatchObject({ respondents: 8, innovating: 4, level: 0.5 });
    // Wilson 95% for 4 of 8, R: prop.test(4, 8, correct = FALSE)$conf.int = 0.2152161 0.7847839
    expect(any!.overall.low).toBeCloseTo(0.2152161, 6);
    expect(any!.overall.high).toBeCloseTo(0.7847839, 6);
    expect(product!.overall).toMatchObject({ innovating: 3, level: 3 / 8 });
    expect(process!.overall).toMatchObject({ innovating: 2, level: 2 / 8 });
    expect(marketing!.overall).toMatchObject({ innovating: 1, level: 1 / 8 });
    expect(any!.bySize.map((l) => [l.innovating, l.respondents])).toEqual([
      [2, 5],
      [1, 2],
      [1, 1],
    ]);
    expect(marketing!.bySize.map((l) => l.level)).toEqual([0, 0.5, 0]);
  });
});

describe('funding sources (pure)', () => {
  const funding = { kind: 'single-choice', code: 'funding', text: text('funding'), options: ['own', 'loans', 'none'].map((c) => ({ code: c, text: text(c) })) } as unknown as FormQuestion;

  it('gives shares among all who answered and among innovating respondents, with Wilson intervals', () => {
    const f = fundingSources(funding, [group('own', 'micro', 2, 1), group('loans', 'small', 1, 1), group('own', 'small', 1, 0), group('none', 'micro', 4, 0), group('none', '', 1, -1)])!;
    expect([f.n, f.nInnovating]).toEqual([9, 3]);
    const own = f.options.find((o) => o.code === 'own')!;
    expect(own.all).toMatchObject({ count: 3, share: 3 / 9 });
    expect(own.innovating).toMatchObject({ count: 2, share: 2 / 3 });
    // R: prop.test(2, 3, correct = FALSE)$conf.int = 0.2076596 0.9385082
    expect(own.innovating.low).toBeCloseTo(0.2076596, 6);
    expect(own.innovating.high).toBeCloseTo(0.9385082, 6);
    expect(f.options.find((o) => o.code === 'none')!.innovating.count).toBe(0);
  });

  it('has nothing to say for a question that is not a choice', () => {
    expect(fundingSources({ kind: 'number', code: 'x', text: text('x'), integer: true } as unknown as FormQuestion, [])).toBeNull();
  });
});

/**
 * The profile answered as ordinary questions feeds the innovation and funding analyses of the
 * extended questionnaire, on the ranking page, in the API and in the CSV exports, and the
 * reasons for not innovating get their page beside the national statistics.
 */
describe('innovation activity, funding sources and the national comparison of a round', () => {
  let t: TestApp;
  let roundId: number;
  let researcher: LoggedIn;
  let token: string;

  const respondents = [
    { size: 'micro', innovated: ['product', 'process'], funding: 'own', reasons: ['B06'] },
    { size: 'micro', innovated: ['none'], funding: 'none', reasons: ['B06', 'B08'] },
    { size: 'small', innovated: ['marketing'], funding: 'loans', reasons: ['B07'] },
    { size: 'small', innovated: ['none'], funding: undefined, reasons: ['B06'] },
    { size: 'medium', innovated: ['product'], funding: 'own', reasons: ['B09'] },
  ];

  beforeAll(async () => {
    t = await createTestApp({ seed: 'base' });
    const questionnaireId = Number((await t.ctx.db('questionnaires').where({ code: EXTENDED_QUESTIONNAIRE_CODE }).first()).id);
    roundId = await createRound(t.ctx, questionnaireId);
    const territory = await someTerritoryCode(t.ctx);
    const ratings = await t.ctx.db('questionnaire_items').where({ questionnaire_id: questionnaireId, kind: 'rating' }).pluck('code');
    for (const [i, r] of respondents.entries()) {
      const invitation = await createInvitation(t.ctx, roundId);
      const agent = request.agent(t.app);
      await agent.get(`/r/${invitation.token}`);
      const csrf = /name="_csrf" value="([^"]+)"/.exec((await agent.get('/respond')).text)![1]!;
      const answers: Record<string, unknown> = Object.fromEntries(ratings.map((c: string) => [c, 3]));
      Object.assign(answers, { R01: r.reasons, S01: ['NONE'], S02: ['CREDIT'], S03: ['GRANTS', 'TAX', 'INFO'] });
      const profile = { territory, sector: 'C', size: r.size, innovated: r.innovated, ...(r.funding ? { funding: r.funding } : {}) };
      const res = await agent.post('/respond/submit-all').set('x-csrf-token', csrf).set('accept', 'application/json').send({ profile, answers, idempotencyKey: `innovation-${i}-${invitation.id}` });
      expect(res.status).toBe(201);
    }
    await t.services.analysisCounter.settled();
    researcher = await loginAs(t, 'researcher');
    token = await apiTokenFor(t, 'researcher');
  });
  afterAll(async () => t.close());

  it('computes the levels by type and size and the funding distribution from the profile answers', async () => {
    const r = await t.services.analysis.ranking(roundId);
    expect(r.respondents).toBe(5);
    const [any, product] = r.innovation!.rows;
    expect(any!.overall).toMatchObject({ respondents: 5, innovating: 3, level: 0.6 });
    expect(product!.overall).toMatchObject({ innovating: 2, level: 0.4 });
    expect(r.innovation!.sizes.map((s) => s.code)).toEqual(['micro', 'small', 'medium']);
    expect(any!.bySize.map((l) => l.level)).toEqual([0.5, 0.5, 1]);
    expect([r.funding!.n, r.funding!.nInnovating]).toEqual([4, 3]);
    expect(r.funding!.options.find((o) => o.code === 'own')).toMatchObject({ all: { count: 2, share: 0.5 }, innovating: { count: 2, share: 2 / 3 } });
    // A filter on a role applies to them like to the ratings.
    const micro = await t.services.analysis.ranking(roundId, { size: 'micro' });
    expect(micro.innovation!.rows[0]!.overall).toMatchObject({ respondents: 2, innovating: 1 });
    const innovators = await t.services.analysis.ranking(roundId, { innovated: 'yes' });
    expect(innovators.respondents).toBe(3);
    expect(innovators.funding!.n).toBe(3);
  });

  it('shows both on the ranking page, links the national comparison, and gives them in the API', async () => {
    const page = await researcher.agent.get(`/analysis/rounds/${roundId}`).set('Accept-Language', 'en');
    expect(page.status).toBe(200);
    expect(page.text).toContain('id="innovation-heading"');
    expect(page.text).toContain('id="funding-heading"');
    expect(page.text).toContain(`/analysis/rounds/${roundId}/national`);
    expect(page.text).toContain(`/analysis/rounds/${roundId}/innovation.csv`);
    const api = await request(t.app).get(`/api/v1/rounds/${roundId}/ranking`).set('Authorization', `Bearer ${token}`);
    expect(api.status).toBe(200);
    expect(api.body.innovation.rows[0].overall).toMatchObject({ respondents: 5, innovating: 3 });
    expect(api.body.funding.options.map((o: { code: string }) => o.code)).toEqual(['own', 'budget', 'loans', 'foreign', 'none']);
  });

  it('exports them as CSV with stable column codes', async () => {
    const innovation = await researcher.agent.get(`/analysis/rounds/${roundId}/innovation.csv`);
    expect(innovation.status).toBe(200);
    const rows = parseCsv(innovation.text.replace(/^\uFEFF/, ''), { columns: true }) as Array<Record<string, string>>;
    expect(Object.keys(rows[0]!)).toEqual(['innovation_type', 'innovation_type_label', 'size', 'n', 'innovating', 'level', 'level_wilson_low', 'level_wilson_high']);
    expect(rows.find((x) => x.innovation_type === 'any' && x.size === 'all')).toMatchObject({ n: '5', innovating: '3', level: '0.6' });
    expect(rows.find((x) => x.innovation_type === 'product' && x.size === 'medium')).toMatchObject({ n: '1', innovating: '1', level: '1' });
    const funding = await researcher.agent.get(`/analysis/rounds/${roundId}/funding.csv`);
    const frows = parseCsv(funding.text.replace(/^\uFEFF/, ''), { columns: true }) as Array<Record<string, string>>;
    expect(frows.find((x) => x.code === 'loans')).toMatchObject({ n: '4', count: '1', share: '0.25', n_innovating: '3', count_innovating: '1' });
  });

  it('compares the reasons for not innovating with the national statistics on a page of its own', async () => {
    const page = await researcher.agent.get(`/analysis/rounds/${roundId}/national`).set('Accept-Language', 'en');
    expect(page.status).toBe(200);
    expect(page.text).toContain('R01: reasons for not innovating');
    expect(page.text).toContain('Spearman');
    expect(page.text).toContain('B06');
    expect(page.text).toContain(`href="/analysis/rounds/${roundId}"`);
    // The filters of the ranking carry over, and bad ones are refused as on the ranking page.
    expect((await researcher.agent.get(`/analysis/rounds/${roundId}/national?size=micro`)).status).toBe(200);
    expect((await researcher.agent.get(`/analysis/rounds/${roundId}/national?size=%3Cb%3E`)).status).toBe(400);
    expect((await researcher.agent.get(`/analysis/rounds/999999/national`)).status).toBe(404);
  });
});
