import request from 'supertest';
import type TestAgent from 'supertest/lib/agent';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXTENDED_QUESTIONNAIRE_CODE } from '../../../src/modules/questionnaires/questionnaires.seed';
import { RespondentStop } from '../../../src/modules/responses/responses.service';
import { createTestApp, type TestApp } from '../../helpers/app';
import { createInvitation, createRound, someTerritoryCode } from './fixtures';

interface Statement {
  sql: string;
  txId: string | undefined;
}

/**
 * The one-shot submission path (issue 18): a whole questionnaire of every kind, profile
 * included, stored and submitted in one transaction of at most six statements (BEGIN and
 * COMMIT counted), counted from knex's query events; the step-by-step flow's final submit takes
 * the same path; a replay writes nothing; a refusal inside the transaction leaves nothing.
 */
describe('one-shot submission', () => {
  let t: TestApp;
  let roundId: number;
  let territory: string;
  let ratingCodes: Map<string, string[]>;

  beforeAll(async () => {
    t = await createTestApp({ seed: 'base' });
    const questionnaireId = Number((await t.ctx.db('questionnaires').where({ code: EXTENDED_QUESTIONNAIRE_CODE }).first()).id);
    roundId = await createRound(t.ctx, questionnaireId);
    territory = await someTerritoryCode(t.ctx);
    const rows = await t.ctx
      .db('questionnaire_items as i')
      .join('questionnaire_categories as c', 'c.id', 'i.category_id')
      .where('i.questionnaire_id', questionnaireId)
      .where('i.kind', 'rating')
      .orderBy('i.position')
      .select('i.code', 'c.code as category');
    ratingCodes = new Map();
    for (const r of rows) ratingCodes.set(r.category, [...(ratingCodes.get(r.category) ?? []), r.code]);
  });
  afterAll(async () => t.close());

  /** Every statement knex sends while `fn` runs, with the transaction it belongs to. */
  async function statementsOf<T>(fn: () => Promise<T>): Promise<{ result: T; statements: Statement[] }> {
    const statements: Statement[] = [];
    const listener = (q: { sql: string; __knexTxId?: string }) => statements.push({ sql: q.sql, txId: q.__knexTxId });
    t.ctx.db.client.on('query', listener);
    try {
      return { result: await fn(), statements };
    } finally {
      t.ctx.db.client.removeListener('query', listener);
    }
  }

  /** Writes to the submission's tables (the rate limit and the background counter write others). */
  const isSubmissionWrite = (sql: string) => /^\s*(insert\s+into|update|delete\s+from)\W+(responses|answers|invitations)\b/i.test(sql);
  /** The statements of the one transaction that wrote the submission (there must be exactly one). */
  function writingTransaction(statements: Statement[]): Statement[] {
    const writers = new Set(statements.filter((s) => isSubmissionWrite(s.sql)).map((s) => s.txId));
    expect([...writers]).toHaveLength(1);
    const [txId] = [...writers];
    expect(txId).toBeDefined();
    const trx = statements.filter((s) => s.txId === txId);
    return trx;
  }

  async function open(): Promise<{ agent: TestAgent; csrf: string; invitationId: number }> {
    const invitation = await createInvitation(t.ctx, roundId);
    const agent = request.agent(t.app);
    await agent.get(`/r/${invitation.token}`);
    const start = await agent.get('/respond');
    const csrf = /name="_csrf" value="([^"]+)"/.exec(start.text)![1]!;
    return { agent, csrf, invitationId: invitation.id };
  }

  function wholeQuestionnaire(key: string) {
    const answers: Record<string, unknown> = {};
    for (const codes of ratingCodes.values()) for (const code of codes) answers[code] = 4;
    Object.assign(answers, { S04: 7, A01: 50, A02: 1.5, A03: 'Гранттар', R01: ['B06', 'OTHER'], S01: ['DAMU'], S02: ['CREDIT', 'TAX'], S03: ['TAX', 'CREDIT', 'GRANTS'] });
    return {
      profile: { territory, sector: 'C', size: 'small', employees: 12, innovated: ['product'], funding: 'own' },
      answers,
      others: { R01: 'Үй-жай жоқ' },
      comments: { B01: 'Сұраныс аз' },
      idempotencyKey: key,
    };
  }

  async function stored(invitationId: number) {
    const response = await t.ctx.db('responses').where({ invitation_id: invitationId }).first();
    const answers = response ? await t.ctx.db('answers as a').join('questionnaire_items as i', 'i.id', 'a.item_id').where('a.response_id', response.id).select('i.code', 'a.*') : [];
    const invitation = await t.ctx.db('invitations').where({ id: invitationId }).first();
    return { response, answers: new Map(answers.map((a: Record<string, unknown>) => [String(a.code), a])), invitation };
  }

  it('stores every kind and the profile in one transaction of at most six statements, with one multi-row insert of answers', async () => {
    const { agent, csrf, invitationId } = await open();
    const { result: res, statements } = await statementsOf(() =>
      agent.post('/respond/submit-all').set('x-csrf-token', csrf).set('accept', 'application/json').send(wholeQuestionnaire(`one-shot-${invitationId}`)),
    );
    expect(res.status).toBe(201);
    const trx = writingTransaction(statements);
    expect(trx.length).toBeLessThanOrEqual(6);
    expect(trx.filter((s) => /^\s*insert into\W+answers/i.test(s.sql))).toHaveLength(1);
    // Outside the transaction the request only reads (the session and the form).
    expect(statements.filter((s) => s.txId === undefined && isSubmissionWrite(s.sql))).toEqual([]);

    const { response, answers, invitation } = await stored(invitationId);
    expect(response).toMatchObject({ status: 'submitted', idempotency_key: `one-shot-${invitationId}` });
    // The profile is among the answers, written by the same multi-row INSERT.
    expect(answers.get('sector')!.choice).toBe('C');
    expect(answers.get('size')!.choice).toBe('small');
    expect(Number(answers.get('employees')!.number_value)).toBe(12);
    expect(response.submitted_at).toBe(res.body.submittedAt);
    expect(Number(answers.get('B01')!.value)).toBe(4);
    expect(answers.get('B01')!.comment).toBe('Сұраныс аз');
    expect(Number(answers.get('A02')!.number_value)).toBe(1.5);
    expect(answers.get('R01')).toMatchObject({ choice: 'B06 OTHER', text_value: 'Үй-жай жоқ' });
    expect(answers.get('S03')!.choice).toBe('TAX CREDIT GRANTS');
    expect(invitation).toMatchObject({ status: 'submitted', submitted_at: res.body.submittedAt, started_at: res.body.submittedAt });

    // The replay is answered from the stored row and writes nothing.
    const replay = await statementsOf(() =>
      agent.post('/respond/submit-all').set('x-csrf-token', csrf).set('accept', 'application/json').send(wholeQuestionnaire(`one-shot-${invitationId}`)),
    );
    expect(replay.result.status).toBe(200);
    expect(replay.result.body).toMatchObject({ replay: true, responseId: Number(response.id), submittedAt: res.body.submittedAt });
    expect(replay.statements.filter((s) => isSubmissionWrite(s.sql))).toEqual([]);
    // Another key for the same respondent is a second submission: refused.
    const other = await agent.post('/respond/submit-all').set('x-csrf-token', csrf).set('accept', 'application/json').send(wholeQuestionnaire(`one-shot-other-${invitationId}`));
    expect(other.status).toBe(409);
  });

  it('a whole questionnaire over pages saved earlier replaces them in the same six statements, without reading them first', async () => {
    const { agent, csrf, invitationId } = await open();
    const [category, codes] = [...ratingCodes][0]!;
    const page = await agent.post(`/respond/page/${category}`).type('form').send({ _csrf: csrf, nav: 'next', ...Object.fromEntries(codes.map((c) => [`answers[${c}]`, '1'])) });
    expect(page.status).toBe(303);
    const { result: res, statements } = await statementsOf(() =>
      agent.post('/respond/submit-all').set('x-csrf-token', csrf).set('accept', 'application/json').send(wholeQuestionnaire(`over-pages-${invitationId}`)),
    );
    expect(res.status).toBe(201);
    expect(writingTransaction(statements).length).toBeLessThanOrEqual(6);
    // Every answer is replaced, so the stored ones are not read first.
    expect(statements.filter((s) => /^\s*select\b[\s\S]*\bfrom\W+answers\b/i.test(s.sql))).toEqual([]);
    const { response, answers } = await stored(invitationId);
    expect(response.status).toBe('submitted');
    expect(Number(answers.get(codes[0]!)!.value)).toBe(4);
  });

  it('the step-by-step final submit takes the same path and keeps what the pages saved', async () => {
    const { agent, csrf, invitationId } = await open();
    const post = (path: string, body: Record<string, unknown>) => agent.post(path).type('form').send({ _csrf: csrf, nav: 'next', ...body });
    expect((await post('/respond/profile', { territory, sector: 'G', size: 'micro', innovated: ['product'], funding: 'own' })).status).toBe(303);
    for (const [category, codes] of ratingCodes) {
      if (category === 'SUPPORT') continue;
      expect((await post(`/respond/page/${category}`, Object.fromEntries(codes.map((c) => [`answers[${c}]`, '2'])))).status).toBe(303);
    }
    expect((await post('/respond/page/ACTIVITY', { 'answers[A01]': '3', 'answers[A02]': '2', 'answers[A03]': 'Мәтін' })).status).toBe(303);
    expect((await post('/respond/page/REASONS', { 'answers[R01]': ['B08'] })).status).toBe(303);
    const support = Object.fromEntries((ratingCodes.get('SUPPORT') ?? []).map((c) => [`answers[${c}]`, '3']));
    expect((await post('/respond/page/SUPPORT', { ...support, 'answers[S01]': ['NONE'], 'answers[S02]': ['INFO'], 'answers[S03][INFO]': '1', 'answers[S03][TAX]': '2', 'answers[S03][GRANTS]': '3', 'answers[S04]': '5' })).status).toBe(303);
    const before = await stored(invitationId);

    const { result: submit, statements } = await statementsOf(() => agent.post('/respond/submit').type('form').send({ _csrf: csrf, idempotencyKey: `step-by-step-${invitationId}` }));
    expect(submit.status).toBe(303);
    expect(submit.headers.location).toBe('/respond/done');
    const trx = writingTransaction(statements);
    expect(trx.length).toBeLessThanOrEqual(6);

    const after = await stored(invitationId);
    expect(after.response).toMatchObject({ status: 'submitted', idempotency_key: `step-by-step-${invitationId}` });
    expect([after.answers.get('sector')!.choice, after.answers.get('size')!.choice, after.answers.get('innovated')!.choice]).toEqual(['G', 'micro', 'product']);
    expect(after.invitation.status).toBe('submitted');
    const columns = (a: Record<string, unknown>) => [a.value, a.number_value, a.choice, a.text_value, a.comment].map((v) => (v === null ? null : String(v)));
    expect([...after.answers.keys()].sort()).toEqual([...before.answers.keys()].sort());
    for (const [code, answer] of before.answers) expect(columns(after.answers.get(code)!)).toEqual(columns(answer));
  });

  it('re-checks a step-by-step submission whose answers were saved again after it read them', async () => {
    const { agent, csrf, invitationId } = await open();
    const post = (path: string, body: Record<string, unknown>) => agent.post(path).type('form').send({ _csrf: csrf, nav: 'next', ...body });
    // Not a product innovator: the activity questions are not asked.
    expect((await post('/respond/profile', { territory, sector: 'C', size: 'small', innovated: ['none'], funding: 'own' })).status).toBe(303);
    for (const [category, codes] of ratingCodes) if (category !== 'SUPPORT') expect((await post(`/respond/page/${category}`, Object.fromEntries(codes.map((c) => [`answers[${c}]`, '2'])))).status).toBe(303);
    await post('/respond/page/REASONS', { 'answers[R01]': ['B08'] });
    await post('/respond/page/SUPPORT', { 'answers[S04]': '5', 'answers[S01]': ['NONE'], 'answers[S02]': ['INFO'], 'answers[S03][INFO]': '1', 'answers[S03][TAX]': '2', 'answers[S03][GRANTS]': '3' });
    const stale = await t.services.responses.openSession(invitationId);
    expect(t.services.responses.missing(stale)).toEqual([]);

    // Another tab changes an answer after the submit read the response.
    await new Promise((resolve) => setTimeout(resolve, 5)); // a later updated_at
    expect((await post(`/respond/page/${[...ratingCodes.keys()][0]}`, { [`answers[B01]`]: '5' })).status).toBe(303);

    const result = await t.services.responses.submit(stale, `stale-${invitationId}`, 'kk');
    expect(result.replay).toBe(false);
    const after = await stored(invitationId);
    expect(after.response.status).toBe('submitted');
    expect(Number(after.answers.get('B01')!.value)).toBe(5);
  });

  it('a refusal inside the transaction (the invitation expired meanwhile) leaves nothing of the submission', async () => {
    const { invitationId } = await open();
    const session = await t.services.responses.openSession(invitationId);
    await t.services.invitations.move(invitationId, 'expired');
    await expect(t.services.responses.submitAll(session, wholeQuestionnaire(`expired-${invitationId}`), 'kk')).rejects.toBeInstanceOf(RespondentStop);
    const { response, answers, invitation } = await stored(invitationId);
    expect(response).toBeUndefined();
    expect(answers.size).toBe(0);
    expect(invitation.status).toBe('expired');
  });
});
