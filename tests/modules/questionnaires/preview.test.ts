import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, loginAs, type LoggedIn, type TestApp } from '../../helpers/app';

/**
 * Preview and test mode: a draft or a version as a respondent sees it, in any language, with
 * conditions working between pages; test answers never reach results or exports.
 */
describe('questionnaire preview and test mode', () => {
  let t: TestApp;
  let admin: LoggedIn;
  let draftId: number;
  const text = (s: string) => ({ kk: `${s} kk`, ru: `${s} ru`, en: `${s} en` });

  beforeAll(async () => {
    t = await createTestApp({ seed: 'demo' });
    admin = await loginAs(t, 'admin');
    const drafts = t.services.questionnaireDrafts;
    const actor = admin.user.id;
    draftId = await drafts.create({ code: 'T-PREVIEW', title: text('Preview'), scaleMin: 1, scaleMax: 3 }, actor);
    let rev = 1;
    const change = async (c: Parameters<typeof drafts.change>[2]) => drafts.change(draftId, rev++, c, actor);
    for (const code of ['S1', 'S2', 'S3']) await change({ type: 'saveSection', at: null, section: { code, title: text(`Section ${code}`) } });
    const yesNo = [{ code: 'yes', text: text('Yes') }, { code: 'no', text: text('No') }];
    await change({ type: 'saveQuestion', at: null, question: { code: 'C1', category: 'S1', kind: 'single-choice', text: text('Do you export'), options: yesNo }, readErrors: [] });
    await change({ type: 'saveQuestion', at: null, question: { code: 'M1', category: 'S2', kind: 'multi-choice', text: text('Where to'), options: [{ code: 'cn', text: text('China') }, { code: 'ru', text: text('Russia') }], showIf: { question: 'C1', anyOf: ['yes'] } }, readErrors: [] });
    await change({ type: 'saveQuestion', at: null, question: { code: 'T1', category: 'S3', kind: 'text', text: text('Anything else'), maxLength: 100, required: false }, readErrors: [] });
  });
  afterAll(async () => t.close());

  const frame = (page = '', lang = 'en') => `/admin/questionnaires/drafts/${draftId}/preview/frame?lang=${lang}${page ? `&page=${page}` : ''}`;

  it('shows the draft in a frame at phone width, in the chosen language, with the respondent views', async () => {
    const outer = await admin.agent.get(`/admin/questionnaires/drafts/${draftId}/preview?lang=ru&device=phone`);
    expect(outer.status).toBe(200);
    expect(outer.text).toContain('class="preview-stage preview-phone"');
    expect(outer.text).toContain(`src="/admin/questionnaires/drafts/${draftId}/preview/frame?lang=ru"`);

    const first = await admin.agent.get(frame('', 'ru'));
    expect(first.status).toBe(200);
    expect(first.text).toContain('Do you export ru');
    expect(first.text).toContain('Section S1 ru');
    expect(first.text).toContain('class="respond-progress"');
    expect(first.text).toContain('test-mode');
    // Framed only by the app's own pages.
    expect(first.headers['content-security-policy']).toContain("frame-ancestors 'self'");
  });

  it('checks answers as a respondent page does and applies conditions between pages', async () => {
    const blank = await admin.agent.post(frame('S1')).type('form').send({ _csrf: admin.csrf, nav: 'next' });
    expect(blank.status).toBe(400);
    expect(blank.text).toContain('href="#answers-C1"');

    const no = await admin.agent.post(frame('S1')).type('form').send({ _csrf: admin.csrf, nav: 'next', 'answers[C1]': 'no' });
    expect(no.status).toBe(303);
    expect(no.headers.location).toBe(frame('S3')); // S2 holds only M1, shown to exporters

    const yes = await admin.agent.post(frame('S1')).type('form').send({ _csrf: admin.csrf, nav: 'next', 'answers[C1]': 'yes' });
    expect(yes.headers.location).toBe(frame('S2'));
    const s2 = await admin.agent.get(frame('S2'));
    expect(s2.text).toContain('Where to en');
    expect((await admin.agent.post(frame('S2')).type('form').send({ _csrf: admin.csrf, nav: 'next', 'answers[M1]': ['cn'] })).headers.location).toBe(frame('S3'));
    const end = await admin.agent.post(frame('S3')).type('form').send({ _csrf: admin.csrf, nav: 'next', 'answers[T1]': '' });
    expect(end.headers.location).toBe(frame('_done'));
    const done = await admin.agent.get(frame('_done'));
    expect(done.text).toContain('China en');

    // Starting again forgets the test answers.
    expect((await admin.agent.post(`/admin/questionnaires/drafts/${draftId}/preview/frame/restart?lang=en`).type('form').send({ _csrf: admin.csrf })).status).toBe(303);
    expect(await t.ctx.db('questionnaire_test_answers').where({ draft_id: draftId }).first()).toBeUndefined();
  });

  it('never counts test answers of a version in results or exports', async () => {
    const round = await t.ctx.db('rounds as r').join('responses as s', 's.round_id', 'r.id').whereNotNull('s.submitted_at').select('r.id', 'r.questionnaire_id').first();
    expect(round).toBeDefined();
    const q = await t.services.questionnaires.getQuestionnaire(Number(round.questionnaire_id));
    const researcher = await loginAs(t, 'researcher');
    const snapshot = async () => ({
      items: (await researcher.agent.get(`/analysis/rounds/${round.id}/items.csv`)).text,
      responses: (await admin.agent.get(`/api/v1/rounds/${round.id}/responses.csv`)).text,
      page: (await researcher.agent.get(`/analysis/rounds/${round.id}`)).status,
      rows: Number((await t.ctx.db('answers').count({ n: '*' }).first())!.n),
    });
    const before = await snapshot();
    expect(before.items.split('\n').length).toBeGreaterThan(2);

    // Answer every page of the version in test mode, always choosing the same rating.
    const base = `/admin/questionnaires/${q.id}/preview/frame?lang=kk`;
    let location = base;
    for (let step = 0; step < 30 && !location.endsWith('page=_done'); step++) {
      const page = await admin.agent.get(location);
      expect(page.status).toBe(200);
      const action = /<form method="post" action="([^"]+\/preview\/frame\?[^"]+)"/.exec(page.text)![1]!.replace(/&amp;/g, '&');
      const fields: Record<string, unknown> = { _csrf: admin.csrf, nav: 'next' };
      for (const m of page.text.matchAll(/name="(answers\[[^\]]+\])" value="(\d+)"/g)) fields[m[1]!] ??= m[2];
      for (const m of page.text.matchAll(/<select id="[^"]+" name="([^"]+)"[^>]*>\s*<option value="">[^<]*<\/option>\s*<option value="([^"]+)"/g)) fields[m[1]!] ??= m[2];
      for (const m of page.text.matchAll(/type="radio" id="[^"]+" name="([^"]+)" value="([^"]+)"/g)) fields[m[1]!] ??= m[2];
      for (const m of page.text.matchAll(/name="([a-z]+)" type="text" inputmode="numeric"/g)) fields[m[1]!] ??= '10';
      for (const m of page.text.matchAll(/type="checkbox" id="[^"]+" name="([^"]+)" value="([^"]+)"/g)) fields[m[1]!] ??= m[2];
      const res = await admin.agent.post(action).type('form').send(fields);
      expect(res.status, res.text.slice(0, 3000)).toBe(303);
      location = res.headers.location!;
    }
    expect(location.endsWith('page=_done')).toBe(true);
    expect(await t.ctx.db('questionnaire_test_answers').where({ questionnaire_id: q.id }).first()).toBeDefined();

    expect(await snapshot()).toEqual(before);
  });
});
