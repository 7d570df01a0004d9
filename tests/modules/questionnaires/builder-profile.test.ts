import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TProfileQuestion } from '../../../src/modules/questionnaires/questionnaires.schemas';
import { createTestApp, loginAs, type LoggedIn, type TestApp } from '../../helpers/app';

/**
 * The profile questions of the original format in the builder: their wording (three languages),
 * their options' wording, whether they must be answered and a number's limits are edited through
 * pages without JavaScript; their codes, types and option codes (what roles, invitation lists,
 * filters and monitoring targets rely on) stay.
 */
describe('questionnaire builder: the profile of the original format', () => {
  let t: TestApp;
  let admin: LoggedIn;
  let draftId: number;
  const base = () => `/admin/questionnaires/drafts/${draftId}`;
  const draft = async () => t.ctx.db('questionnaire_drafts').where({ id: draftId }).first();
  const profile = async (code: string) => (JSON.parse((await draft()).definition).profile as TProfileQuestion[]).find((p) => p.code === code)!;
  const post = async (path: string, fields: Record<string, unknown>) =>
    admin.agent.post(path).set('Cookie', 'kedergi_lang=en').type('form').send({ _csrf: admin.csrf, revision: Number((await draft()).revision), ...fields });
  const get = (path: string) => admin.agent.get(path).set('Cookie', 'kedergi_lang=en');

  beforeAll(async () => {
    t = await createTestApp({ seed: 'base' });
    admin = await loginAs(t, 'admin');
    const v = (await t.services.questionnaires.latestByCode('SME-BARRIERS'))!;
    draftId = (await t.services.questionnaireDrafts.startFrom(v.id, admin.user.id)).id;
  });
  afterAll(async () => t?.close());

  it('lists the profile questions on the draft page, each with its own edit page', async () => {
    const page = await get(base());
    for (const code of ['territory', 'sector', 'size', 'employees', 'innovated', 'funding']) expect(page.text).toContain(`href="${base()}/profile/${code}"`);
    const sector = await get(`${base()}/profile/sector`);
    expect(sector.status).toBe(200);
    expect(sector.text).toContain('name="text.kk"');
    expect(sector.text).toContain('name="options.9.text.en"'); // OTHER, the tenth option
    expect(sector.text).not.toContain('name="code"');
    expect(sector.text).not.toContain('name="options.0.code"');
    expect((await get(`${base()}/profile/nothing`)).status).toBe(400);
  });

  it('saves new wording for the question and its options and keeps every code', async () => {
    const before = await profile('sector');
    if (before.type !== 'choice') throw new Error('sector is a choice');
    const fields: Record<string, unknown> = { 'text.kk': 'Негізгі сала', 'text.ru': 'Основная отрасль', 'text.en': 'Main sector', required: 'on', code: 'renamed', 'options.0.code': 'Z' };
    before.options.forEach((o, i) => Object.assign(fields, { [`options.${i}.text.kk`]: o.text.kk, [`options.${i}.text.ru`]: o.text.ru, [`options.${i}.text.en`]: i === 2 ? 'Factories' : o.text.en }));
    const res = await post(`${base()}/profile/sector`, fields);
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe(`${base()}?saved=1#profile-sector`);
    const after = await profile('sector');
    if (after.type !== 'choice') throw new Error('sector is a choice');
    expect(after.text).toEqual({ kk: 'Негізгі сала', ru: 'Основная отрасль', en: 'Main sector' });
    expect(after.options.map((o) => o.code)).toEqual(before.options.map((o) => o.code));
    expect(after.options[2]!.text).toEqual({ ...before.options[2]!.text, en: 'Factories' });
    expect(Object.keys(after)).toEqual(Object.keys(before)); // the exchange format's key order is kept
  });

  it('makes a question optional and changes a number limit; an unreadable limit is refused beside its field and nothing is saved', async () => {
    const text = (await profile('employees')).text;
    const words = { 'text.kk': text.kk, 'text.ru': text.ru, 'text.en': text.en };
    const revision = Number((await draft()).revision);
    const bad = await post(`${base()}/profile/employees`, { ...words, required: 'on', min: 'two', max: '100' });
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('href="#f-min"');
    expect(bad.text).toContain('value="two"'); // shown again as typed
    expect(Number((await draft()).revision)).toBe(revision);
    const blank = await post(`${base()}/profile/employees`, { ...words, min: '', max: '100' });
    expect(blank.status).toBe(400);
    expect(Number((await draft()).revision)).toBe(revision);

    expect((await post(`${base()}/profile/employees`, { ...words, min: '1', max: '100' })).status).toBe(303);
    expect(await profile('employees')).toMatchObject({ type: 'integer', required: false, min: 1, max: 100 });
  });

  it('finds and mends a missing translation of the profile: the filter shows it and publishing waits for it', async () => {
    const size = await profile('size');
    if (size.type !== 'choice') throw new Error('size is a choice');
    const fields: Record<string, unknown> = { 'text.kk': size.text.kk, 'text.ru': size.text.ru, 'text.en': '', required: 'on' };
    size.options.forEach((o, i) => Object.assign(fields, { [`options.${i}.text.kk`]: o.text.kk, [`options.${i}.text.ru`]: o.text.ru, [`options.${i}.text.en`]: o.text.en }));
    expect((await post(`${base()}/profile/size`, fields)).status).toBe(303);
    const lacking = await get(`${base()}?missing=en`);
    expect(lacking.text).toContain('id="profile-size"');
    expect(lacking.text).not.toContain('id="profile-sector"');
    const page = await get(base());
    expect(page.text).toContain(`href="${base()}/profile/size"`);
    expect(page.text).not.toContain(`action="${base()}/publish"`);

    expect((await post(`${base()}/profile/size`, { ...fields, 'text.en': 'Enterprise size' })).status).toBe(303);
    expect((await get(base())).text).toContain(`action="${base()}/publish"`);
  });

  it('publishes the edited profile as the next version; the roles stay with the same questions', async () => {
    const res = await post(`${base()}/publish`, {});
    expect(res.status).toBe(303);
    const v2 = (await t.services.questionnaires.latestByCode('SME-BARRIERS'))!;
    expect(v2.version).toBe(2);
    const q = await t.services.questionnaires.getQuestionnaire(v2.id);
    expect(q.profileQuestions.find((p) => p.code === 'sector')).toMatchObject({ role: 'sector', text: { en: 'Main sector' } });
    expect(q.profileQuestions.find((p) => p.code === 'employees')).toMatchObject({ role: 'employees', required: false, min: 1, max: 100 });
    const { profile: items } = await t.services.questionnaires.versionItems(v2.id);
    expect(items.map((i) => [i.code, i.role])).toEqual([
      ['territory', 'territory'],
      ['sector', 'sector'],
      ['size', 'size'],
      ['employees', 'employees'],
      ['innovated', 'innovated'],
      ['funding', 'funding'],
    ]);
  });
});
