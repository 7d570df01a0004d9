import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, loginAs, type LoggedIn, type TestApp } from '../../helpers/app';

/**
 * The questionnaire builder through its pages (supertest, forms as a browser without JavaScript
 * posts them): drafts, every kind, conditions, translations, errors beside fields, confirmation
 * before deleting, publishing a new immutable version.
 */
describe('questionnaire builder', () => {
  let t: TestApp;
  let admin: LoggedIn;
  let draftId: number;
  const base = () => `/admin/questionnaires/drafts/${draftId}`;

  const revision = async () => Number((await t.ctx.db('questionnaire_drafts').where({ id: draftId }).first()).revision);
  const definition = async () => JSON.parse((await t.ctx.db('questionnaire_drafts').where({ id: draftId }).first()).definition);
  const post = async (path: string, fields: Record<string, unknown>) =>
    admin.agent.post(path).type('form').send({ _csrf: admin.csrf, revision: await revision(), ...fields });
  /** The discard button's POST in a language (without `confirm`, it only asks). */
  const discardIn = async (lang: 'kk' | 'ru' | 'en', fields: Record<string, unknown> = {}) =>
    admin.agent.post(`${base()}/discard`).set('Cookie', `kedergi_lang=${lang}`).type('form').send({ _csrf: admin.csrf, revision: await revision(), ...fields });
  const text = (prefix: string, kk: string, ru = `${kk} ru`, en = `${kk} en`) => ({ [`${prefix}.kk`]: kk, [`${prefix}.ru`]: ru, [`${prefix}.en`]: en });

  beforeAll(async () => {
    t = await createTestApp({ seed: 'base' });
    admin = await loginAs(t, 'admin');
  });
  afterAll(async () => t.close());

  it('is for administrators only', async () => {
    const researcher = await loginAs(t, 'researcher');
    expect((await researcher.agent.get('/admin/questionnaires/drafts')).status).toBe(403);
  });

  it('creates a questionnaire; a code already in use is refused beside its field', async () => {
    const taken = await admin.agent.post('/admin/questionnaires/drafts').type('form').send({ _csrf: admin.csrf, code: 'SME-BARRIERS', 'title.kk': 'X', 'title.ru': '', 'title.en': '', scaleMin: '1', scaleMax: '5' });
    expect(taken.status).toBe(400);
    expect(taken.text).toContain('href="#f-code"');
    expect(await t.ctx.db('questionnaire_drafts').count({ n: '*' }).first()).toMatchObject({ n: expect.anything() });
    expect(Number((await t.ctx.db('questionnaire_drafts').count({ n: '*' }).first())!.n)).toBe(0);

    const backwards = await admin.agent.post('/admin/questionnaires/drafts').type('form').send({ _csrf: admin.csrf, code: 'T-BUILD', 'title.kk': 'X', 'title.ru': '', 'title.en': '', scaleMin: '5', scaleMax: '1' });
    expect(backwards.status).toBe(400);
    expect(backwards.text).toContain('href="#f-scaleMax"');

    const res = await admin.agent.post('/admin/questionnaires/drafts').type('form').send({ _csrf: admin.csrf, code: 'T-BUILD', 'title.kk': 'Сынақ', 'title.ru': '', 'title.en': '', scaleMin: '1', scaleMax: '4' });
    expect(res.status).toBe(303);
    draftId = Number(/drafts\/(\d+)$/.exec(res.headers.location!)![1]);
    const page = await admin.agent.get(base());
    expect(page.status).toBe(200);
    // The title lacks ru and en; each of the four scale labels lacks all three; no section yet.
    expect(page.text).toContain('missing-translation');
    expect(page.text).not.toContain(`action="${base()}/publish"`);
  });

  it('edits the title and the scale in three languages side by side', async () => {
    expect((await post(`${base()}/title`, { ...text('title', 'Сынақ', 'Тест', 'Test') })).status).toBe(303);
    const labels = Object.assign({}, ...[1, 2, 3, 4].map((p) => text(`scale.labels.${p}`, `L${p}`)));
    const res = await post(`${base()}/scale`, { 'scale.min': '1', 'scale.max': '4', ...labels, ...text('scale.notApplicable', 'Білмеймін', 'Не знаю', 'Cannot judge') });
    expect(res.status).toBe(303);
    const def = await definition();
    expect(def.title).toEqual({ kk: 'Сынақ', ru: 'Тест', en: 'Test' });
    expect(def.scale.labels['3']).toEqual({ kk: 'L3', ru: 'L3 ru', en: 'L3 en' });
    expect(def.scale.notApplicable.en).toBe('Cannot judge');
  });

  it('adds sections and a question of every kind, with options, limits and a condition', async () => {
    expect((await post(`${base()}/sections`, { code: 'S1', ...text('title', 'Бірінші'), pest: 'E' })).status).toBe(303);
    expect((await post(`${base()}/sections`, { code: 'S2', ...text('title', 'Екінші') })).status).toBe(303);
    const q = (kind: string, code: string, category: string, fields: Record<string, unknown>) =>
      post(`${base()}/questions`, { kind, code, category, ...text('text', `${code} мәтіні`), required: 'on', ...fields });
    expect((await q('rating', 'R1', 'S1', { allowCannotJudge: 'on', allowComment: 'on', referenceMean: '2,5' })).status).toBe(303);
    expect((await q('single-choice', 'C1', 'S1', { 'options.0.code': 'yes', ...text('options.0.text', 'Иә', 'Да', 'Yes'), 'options.1.code': '', ...text('options.1.text', 'Жоқ', 'Нет', 'No'), 'options.2.code': '', 'options.2.text.kk': '', 'options.2.text.ru': '', 'options.2.text.en': '' })).status).toBe(303);
    expect((await q('multi-choice', 'M1', 'S2', { 'options.0.code': 'a', ...text('options.0.text', 'A'), 'options.1.code': 'none', 'options.1.exclusive': 'on', ...text('options.1.text', 'Ешқайсы'), 'other.code': 'other', ...text('other.text', 'Басқа'), maxChoices: '2', 'showIf.question': 'C1', 'showIf.option': ['C1/yes'] })).status).toBe(303);
    expect((await q('ranking', 'K1', 'S2', { 'options.0.code': 'x', ...text('options.0.text', 'X'), 'options.1.code': 'y', ...text('options.1.text', 'Y'), 'options.2.code': 'z', ...text('options.2.text', 'Z'), pick: '2' })).status).toBe(303);
    expect((await q('number', 'N1', 'S2', { integer: 'on', min: '0', max: '1000', ...text('unit', 'адам', 'чел.', 'people') })).status).toBe(303);
    expect((await q('text', 'T1', 'S2', { maxLength: '300', multiline: 'on', required: undefined })).status).toBe(303);

    const def = await definition();
    expect(def.categories.map((c: { code: string }) => c.code)).toEqual(['S1', 'S2']);
    expect(def.questions.map((x: { kind: string }) => x.kind)).toEqual(['rating', 'single-choice', 'multi-choice', 'ranking', 'number', 'text']);
    const byCode = Object.fromEntries(def.questions.map((x: { code: string }) => [x.code, x]));
    expect(byCode.R1).toMatchObject({ referenceMean: 2.5 });
    expect(byCode.R1.allowCannotJudge).toBeUndefined(); // absent = offered
    // A blank option code gets the next free number; the blank third row is not an option.
    expect(byCode.C1.options.map((o: { code: string }) => o.code)).toEqual(['yes', '1']);
    expect(byCode.M1).toMatchObject({ maxChoices: 2, showIf: { question: 'C1', anyOf: ['yes'] }, other: { code: 'other' } });
    expect(byCode.M1.options[1]).toMatchObject({ code: 'none', exclusive: true });
    expect(byCode.K1.pick).toBe(2);
    expect(byCode.N1).toMatchObject({ integer: true, min: 0, max: 1000, unit: { en: 'people' } });
    expect(byCode.T1).toMatchObject({ maxLength: 300, multiline: true, required: false });

    const page = await admin.agent.get(base());
    expect(page.text).toContain(`action="${base()}/publish"`); // all translated, nothing wrong
  });

  it('refuses a bad change with the message beside the field, named by its label, and saves nothing', async () => {
    const before = await revision();
    const res = await admin.agent
      .post(`${base()}/questions/K1`)
      .set('Cookie', 'kedergi_lang=ru')
      .type('form')
      .send({ _csrf: admin.csrf, revision: before, code: 'K1', category: 'S2', ...text('text', 'K1'), 'options.0.code': 'x', ...text('options.0.text', 'X'), 'options.1.code': 'x', ...text('options.1.text', 'Y'), pick: 'три' });
    expect(res.status).toBe(400);
    // Summary links to each field, by its label in Russian; the message is beside the field too.
    expect(res.text).toContain('href="#f-pick"');
    expect(res.text).toContain('Сколько вариантов упорядочить');
    expect(res.text).toContain('id="f-pick-error"');
    expect(res.text).toContain('value="три"'); // what was typed is shown again
    // Once the shape is right, the kind's own checks (duplicate option codes) speak.
    const dup = await admin.agent
      .post(`${base()}/questions/K1`)
      .set('Cookie', 'kedergi_lang=en')
      .type('form')
      .send({ _csrf: admin.csrf, revision: before, code: 'K1', category: 'S2', ...text('text', 'K1'), 'options.0.code': 'x', ...text('options.0.text', 'X'), 'options.1.code': 'x', ...text('options.1.text', 'Y'), pick: '2' });
    expect(dup.status).toBe(400);
    expect(dup.text).toContain('href="#f-options-1-code"');
    expect(dup.text).toContain('Option 2 — Code');
    expect(await revision()).toBe(before);
    expect((await definition()).questions.find((x: { code: string }) => x.code === 'K1').pick).toBe(2);
  });

  it('refuses a condition on a later question', async () => {
    const res = await post(`${base()}/questions/C1`, { code: 'C1', category: 'S1', ...text('text', 'C1'), required: 'on', 'options.0.code': 'yes', ...text('options.0.text', 'Y'), 'options.1.code': '1', ...text('options.1.text', 'N'), 'showIf.question': 'M1', 'showIf.option': ['M1/a'] });
    expect(res.status).toBe(400);
    expect(res.text).toContain('href="#f-showIf-question"');
  });

  it('marks missing translations and filters what lacks one', async () => {
    expect((await post(`${base()}/questions/N1`, { code: 'N1', category: 'S2', 'text.kk': 'Қызметкерлер саны', 'text.ru': '', 'text.en': 'Employees', required: 'on', integer: 'on', min: '0', max: '1000' })).status).toBe(303);
    const all = await admin.agent.get(base());
    expect(all.text).toContain('id="question-R1"');
    const lacking = await admin.agent.get(`${base()}?missing=ru`);
    expect(lacking.text).toContain('id="question-N1"');
    expect(lacking.text).not.toContain('id="question-R1"');
    expect(lacking.text).not.toContain(`action="${base()}/publish"`);
    const none = await admin.agent.get(`${base()}?missing=en`);
    expect(none.text).not.toContain('id="question-N1"');
    expect((await post(`${base()}/questions/N1`, { code: 'N1', category: 'S2', ...text('text', 'Қызметкерлер саны'), required: 'on', integer: 'on', min: '0', max: '1000' })).status).toBe(303);
  });

  it('moves sections and questions up and down', async () => {
    expect((await post(`${base()}/questions/T1/move`, { direction: 'up' })).status).toBe(303);
    let def = await definition();
    expect(def.questions.map((x: { code: string }) => x.code)).toEqual(['R1', 'C1', 'M1', 'K1', 'T1', 'N1']);
    expect((await post(`${base()}/sections/S2/move`, { direction: 'up' })).status).toBe(303);
    def = await definition();
    expect(def.categories.map((c: { code: string }) => c.code)).toEqual(['S2', 'S1']);
    // M1 now depends on a question asked after it: the draft says so and cannot be published.
    const page = await admin.agent.get(base());
    expect(page.text).not.toContain(`action="${base()}/publish"`);
    expect(page.text).toContain(`${base()}/questions/M1#f-showIf-question`);
    expect((await post(`${base()}/sections/S2/move`, { direction: 'down' })).status).toBe(303);
  });

  it('moves options up and down on every kind with options, saving the question, without breaking conditions', async () => {
    const codesOf = async (code: string) => (await definition()).questions.find((x: { code: string }) => x.code === code).options.map((o: { code: string }) => o.code);
    // The ranking question's page: each filled row has its two buttons, the first cannot go up, the last cannot go down.
    const page = await admin.agent.get(`${base()}/questions/K1`).set('cookie', 'kedergi_lang=en');
    expect(page.text).toMatch(/name="then" value="option-up-0"[^>]*disabled/);
    expect(page.text).toMatch(/name="then" value="option-down-2"[^>]*disabled/);
    expect(page.text).not.toMatch(/name="then" value="option-up-1"[^>]*disabled/);
    expect(page.text).toContain('aria-label="Move Option 2 up"');
    expect(page.text).not.toContain('value="option-up-3"'); // a spare row has none

    // Ranking: z (row 3, after a blank row) moves up past the blank to before y; the edit typed beside it is kept.
    const ranking = {
      code: 'K1', category: 'S2', ...text('text', 'K1 жаңа'), required: 'on', pick: '2',
      'options.0.code': 'x', ...text('options.0.text', 'X'), 'options.1.code': 'y', ...text('options.1.text', 'Y'),
      'options.2.code': '', 'options.2.text.kk': '', 'options.2.text.ru': '', 'options.2.text.en': '',
      'options.3.code': 'z', ...text('options.3.text', 'Z'),
    };
    const moved = await post(`${base()}/questions/K1`, { ...ranking, then: 'option-up-3' });
    expect(moved.status).toBe(303);
    expect(moved.headers.location).toBe(`${base()}/questions/K1?moved=1#f-options`);
    expect(await codesOf('K1')).toEqual(['x', 'z', 'y']);
    const k1 = (await definition()).questions.find((x: { code: string }) => x.code === 'K1');
    expect(k1.text.kk).toBe('K1 жаңа');
    expect(k1.options[1].text).toEqual({ kk: 'Z', ru: 'Z ru', en: 'Z en' });
    expect((await admin.agent.get(moved.headers.location!).set('cookie', 'kedergi_lang=en')).text).toContain('The option was moved');

    // Multiple choice: the exclusive "none" goes up and stays exclusive; "other" stays last.
    const multi = {
      code: 'M1', category: 'S2', ...text('text', 'M1 мәтіні'), required: 'on', maxChoices: '2', 'showIf.question': 'C1', 'showIf.option': ['C1/yes'],
      'options.0.code': 'a', ...text('options.0.text', 'A'), 'options.1.code': 'none', 'options.1.exclusive': 'on', ...text('options.1.text', 'Ешқайсы'),
      'other.code': 'other', ...text('other.text', 'Басқа'),
    };
    expect((await post(`${base()}/questions/M1`, { ...multi, then: 'option-up-1' })).status).toBe(303);
    const m1 = (await definition()).questions.find((x: { code: string }) => x.code === 'M1');
    expect(m1.options.map((o: { code: string; exclusive?: boolean }) => [o.code, o.exclusive === true])).toEqual([['none', true], ['a', false]]);
    expect(m1.other.code).toBe('other');

    // Single choice: "yes" goes down; M1's condition names C1/yes by code and still holds.
    const single = { code: 'C1', category: 'S1', ...text('text', 'C1 мәтіні'), required: 'on', 'options.0.code': 'yes', ...text('options.0.text', 'Иә', 'Да', 'Yes'), 'options.1.code': '1', ...text('options.1.text', 'Жоқ', 'Нет', 'No') };
    expect((await post(`${base()}/questions/C1`, { ...single, then: 'option-down-0' })).status).toBe(303);
    expect(await codesOf('C1')).toEqual(['1', 'yes']);
    expect((await definition()).questions.find((x: { code: string }) => x.code === 'M1').showIf).toMatchObject({ question: 'C1' });
    expect((await admin.agent.get(base())).text).not.toContain(`${base()}/questions/M1#f-showIf`);

    // At the top already: saved as it is. With a bad edit, or from a stale page: refused, nothing moved.
    expect((await post(`${base()}/questions/C1`, { ...single, 'options.0.code': '1', 'options.1.code': 'yes', ...text('options.0.text', 'Жоқ', 'Нет', 'No'), ...text('options.1.text', 'Иә', 'Да', 'Yes'), then: 'option-up-0' })).status).toBe(303);
    expect(await codesOf('C1')).toEqual(['1', 'yes']);
    const before = await definition();
    const bad = await post(`${base()}/questions/K1`, { ...ranking, pick: 'two', then: 'option-down-0' });
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('href="#f-pick"');
    const stale = await admin.agent.post(`${base()}/questions/K1`).type('form').send({ _csrf: admin.csrf, revision: (await revision()) - 1, ...ranking, then: 'option-down-0' });
    expect(stale.status).toBe(409);
    expect(await definition()).toEqual(before);
  });

  it('asks before deleting a question, then deletes it', async () => {
    const before = await revision();
    const ask = await post(`${base()}/questions/K1/delete`, {});
    expect(ask.status).toBe(200);
    expect(ask.text).toContain('name="confirm" value="yes"');
    expect(await revision()).toBe(before);
    expect((await post(`${base()}/questions/K1/delete`, { confirm: 'yes' })).status).toBe(303);
    expect((await definition()).questions.some((x: { code: string }) => x.code === 'K1')).toBe(false);
  });

  it('refuses a change made on a page opened before another change', async () => {
    const stale = (await revision()) - 1;
    const res = await admin.agent.post(`${base()}/questions/T1/move`).type('form').send({ _csrf: admin.csrf, revision: stale, direction: 'down' });
    expect(res.status).toBe(409);
    expect((await definition()).questions.map((x: { code: string }) => x.code)).toEqual(['R1', 'C1', 'M1', 'T1', 'N1']);
  });

  it('keeps hostile text inert', async () => {
    expect((await post(`${base()}/questions/T1`, { code: 'T1', category: 'S2', ...text('text', '<script>alert(1)</script>'), maxLength: '300' })).status).toBe(303);
    const page = await admin.agent.get(base());
    expect(page.text).not.toContain('<script>alert(1)</script>');
    expect(page.text).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
  });

  it('publishes the draft as version 1 of a new questionnaire, through the import path', async () => {
    const res = await post(`${base()}/publish`, {});
    expect(res.status).toBe(303);
    const q = await t.services.questionnaires.latestByCode('T-BUILD');
    expect(q).toMatchObject({ version: 1 });
    expect(res.headers.location).toBe(`/admin/questionnaires/${q!.id}?saved=created`);
    const published = await t.services.questionnaires.getQuestionnaire(q!.id);
    expect(published.questions.map((x) => x.kind)).toEqual(['rating', 'single-choice', 'multi-choice', 'text', 'number']);
    expect(await t.ctx.db('questionnaire_drafts').where({ id: draftId }).first()).toBeUndefined();
  });

  it('never changes a version a round uses: publishing an edit makes the next version', async () => {
    const v1 = (await t.services.questionnaires.latestByCode('SME-BARRIERS'))!;
    await t.services.rounds.create({ title: 'On v1', questionnaireId: v1.id, audience: 'invitation', opensAt: null, closesAt: null, targetTotal: null, targets: [] }, admin.user.id);
    const before = await t.ctx.db('questionnaires').where({ id: v1.id }).first();
    const itemsBefore = await t.ctx.db('questionnaire_items').where({ questionnaire_id: v1.id }).orderBy('id');

    const start = await admin.agent.post(`/admin/questionnaires/${v1.id}/draft`).type('form').send({ _csrf: admin.csrf });
    expect(start.status).toBe(303);
    draftId = Number(/drafts\/(\d+)$/.exec(start.headers.location!)![1]);
    // Starting again continues the same draft.
    const again = await admin.agent.post(`/admin/questionnaires/${v1.id}/draft`).type('form').send({ _csrf: admin.csrf });
    expect(again.headers.location).toBe(start.headers.location);

    // An item of the original format is edited as a rating question and stays an item.
    const b01 = (await definition()).items[0];
    expect((await post(`${base()}/questions/B01`, { code: 'B01', category: b01.category, ...text('text', 'Жаңа мәтін', 'Новый текст', 'New wording'), required: 'on', allowCannotJudge: 'on', allowComment: 'on', referenceMean: String(b01.referenceMean ?? '') })).status).toBe(303);
    expect((await definition()).items[0].text.en).toBe('New wording');
    expect((await definition()).questions ?? []).toEqual([]);

    // What changed, before publishing: the item's wording, language by language.
    const changes = await admin.agent.get(`${base()}/changes`).set('Cookie', 'kedergi_lang=en');
    expect(changes.status).toBe(200);
    expect(changes.text).toContain('New wording');
    expect(changes.text).toContain('<ins>');

    const res = await post(`${base()}/publish`, {});
    expect(res.status).toBe(303);
    const v2 = (await t.services.questionnaires.latestByCode('SME-BARRIERS'))!;
    expect(v2.version).toBe(v1.version + 1);
    expect(JSON.parse(v2.definition).items[0].text.en).toBe('New wording');
    // The round's version is byte for byte what it was.
    expect(await t.ctx.db('questionnaires').where({ id: v1.id }).first()).toEqual(before);
    expect(await t.ctx.db('questionnaire_items').where({ questionnaire_id: v1.id }).orderBy('id')).toEqual(itemsBefore);
  });

  it('discards a draft back to the published version after a page that says how many changes are lost', async () => {
    const v = (await t.services.questionnaires.latestByCode('SME-BARRIERS'))!;
    const versionsBefore = await t.ctx.db('questionnaires').where({ code: 'SME-BARRIERS' }).orderBy('id');
    const start = await admin.agent.post(`/admin/questionnaires/${v.id}/draft`).type('form').send({ _csrf: admin.csrf });
    draftId = Number(/drafts\/(\d+)$/.exec(start.headers.location!)![1]);
    const page = await admin.agent.get(base()).set('Cookie', 'kedergi_lang=en');
    expect(page.text).toContain(`Discard the draft (back to version ${v.version})`);

    // Nothing changed yet: nothing is lost.
    const none = await discardIn('en');
    expect(none.status).toBe(200);
    expect(none.text).toContain(`The draft says the same as version ${v.version}: no change is lost.`);
    expect(none.text).toContain('0 edits were saved');

    // Six saves, eight changes against the version as the comparison counts them: B02 reworded
    // twice (one changed question), B03 deleted, a section with one new question, and the title
    // rewritten in three languages with its source note left out (four changes to the questionnaire).
    const item = async (code: string) => (await definition()).items.find((i: { code: string }) => i.code === code);
    const reword = async (wording: string) => {
      const b02 = await item('B02');
      return post(`${base()}/questions/B02`, { code: 'B02', category: b02.category, ...text('text', wording), required: 'on', allowCannotJudge: 'on', allowComment: 'on', referenceMean: String(b02.referenceMean ?? '') });
    };
    expect((await reword('Бірінші')).status).toBe(303);
    expect((await reword('Екінші')).status).toBe(303);
    expect((await post(`${base()}/questions/B03/delete`, { confirm: 'yes' })).status).toBe(303);
    expect((await post(`${base()}/sections`, { code: 'EXTRA', ...text('title', 'Қосымша') })).status).toBe(303);
    expect((await post(`${base()}/questions`, { kind: 'text', code: 'X1', category: 'EXTRA', ...text('text', 'Тағы не?'), maxLength: '200' })).status).toBe(303);
    expect((await post(`${base()}/title`, { ...text('title', 'Жаңа атау', 'Новое название', 'New title') })).status).toBe(303);
    const changed = await definition();

    const ask = await discardIn('en');
    expect(ask.status).toBe(200);
    expect(ask.text).toContain('name="confirm" value="yes"');
    expect(ask.text).toContain(`8 changes against version ${v.version} are lost.`);
    expect(ask.text).toContain('Questions added: 1; removed: 1; changed: 1. Sections changed: 1.');
    expect(ask.text).toContain('4 of them are to the title, source or scale.');
    expect(ask.text).toContain('6 edits were saved in the draft since it was started.');
    expect(ask.text).toContain(`you are taken back to version ${v.version}`);
    const ru = await discardIn('ru');
    expect(ru.text).toContain(`Теряются 8 изменений относительно версии ${v.version}.`);
    expect(ru.text).toContain('сохранено 6 правок');
    const kk = await discardIn('kk');
    expect(kk.text).toContain(`${v.version}-нұсқамен салыстырғанда жоғалатын өзгерістер: 8.`);
    // Asking changed nothing.
    expect(await definition()).toEqual(changed);

    // Confirmed on a page opened before another save: refused, nothing discarded.
    const asked = await revision();
    expect((await reword('Үшінші')).status).toBe(303);
    const stale = await post(`${base()}/discard`, { confirm: 'yes', revision: asked });
    expect(stale.status).toBe(409);
    expect(await t.ctx.db('questionnaire_drafts').where({ id: draftId }).first()).toBeDefined();

    // Confirmed: the draft is gone, the published version is shown, and every version is as it was.
    const done = await post(`${base()}/discard`, { confirm: 'yes' });
    expect(done.status).toBe(303);
    expect(done.headers.location).toBe(`/admin/questionnaires/${v.id}?saved=discarded`);
    expect((await admin.agent.get(done.headers.location!).set('Cookie', 'kedergi_lang=en')).text).toContain(`The draft of SME-BARRIERS was discarded; this is its published version ${v.version}.`);
    expect(await t.ctx.db('questionnaire_drafts').where({ id: draftId }).first()).toBeUndefined();
    expect(await t.ctx.db('questionnaires').where({ code: 'SME-BARRIERS' }).orderBy('id')).toEqual(versionsBefore);
    // Editing again starts from the published version.
    const again = await admin.agent.post(`/admin/questionnaires/${v.id}/draft`).type('form').send({ _csrf: admin.csrf });
    draftId = Number(/drafts\/(\d+)$/.exec(again.headers.location!)![1]);
    expect(await definition()).toEqual(JSON.parse(v.definition));
    expect((await post(`${base()}/discard`, { confirm: 'yes' })).status).toBe(303);
  });

  it('discards a draft of a questionnaire never published, saying what of it is lost', async () => {
    const created = await admin.agent.post('/admin/questionnaires/drafts').type('form').send({ _csrf: admin.csrf, code: 'T-GONE', 'title.kk': 'Жоқ', 'title.ru': '', 'title.en': '', scaleMin: '1', scaleMax: '5' });
    draftId = Number(/drafts\/(\d+)$/.exec(created.headers.location!)![1]);
    expect((await post(`${base()}/sections`, { code: 'S1', ...text('title', 'Бөлім') })).status).toBe(303);
    expect((await post(`${base()}/questions`, { kind: 'text', code: 'Q1', category: 'S1', ...text('text', 'Сұрақ'), maxLength: '100' })).status).toBe(303);
    expect((await post(`${base()}/questions`, { kind: 'text', code: 'Q2', category: 'S1', ...text('text', 'Тағы'), maxLength: '100' })).status).toBe(303);
    const ask = await discardIn('en');
    expect(ask.text).toContain('Lost with it: sections 1, questions 2.');
    expect(ask.text).toContain('This questionnaire was never published, so nothing of it remains.');
    expect(ask.text).toContain('3 edits were saved');
    const done = await post(`${base()}/discard`, { confirm: 'yes' });
    expect(done.status).toBe(303);
    expect(done.headers.location).toBe('/admin/questionnaires/drafts?discarded=T-GONE');
    expect((await admin.agent.get(done.headers.location!).set('Cookie', 'kedergi_lang=en')).text).toContain('The draft of T-GONE was discarded.');
    expect(await t.ctx.db('questionnaire_drafts').where({ code: 'T-GONE' }).first()).toBeUndefined();
    expect(await t.ctx.db('questionnaires').where({ code: 'T-GONE' }).first()).toBeUndefined();
    // A code in the address that is not a code is not echoed.
    expect((await admin.agent.get('/admin/questionnaires/drafts?discarded=%3Cb%3Ex').set('Cookie', 'kedergi_lang=en')).text).not.toContain('was discarded');
  });
});
