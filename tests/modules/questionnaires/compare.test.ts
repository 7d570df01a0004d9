import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TQuestionnaireDefinition } from '../../../src/modules/questionnaires/questionnaires.schemas';
import { sharedDomainDir } from '../../../src/paths';
import { createTestApp, loginAs, type LoggedIn, type TestApp } from '../../helpers/app';

const seed = (): TQuestionnaireDefinition => JSON.parse(fs.readFileSync(path.join(sharedDomainDir, 'questionnaire-barriers.json'), 'utf8'));

describe('comparing questionnaire versions (admin page)', () => {
  let t: TestApp;
  let admin: LoggedIn;
  let v1: number;
  let v2: number;
  const hostile = '<script>alert("x")</script><img src=x onerror=alert(1)>';
  beforeAll(async () => {
    t = await createTestApp({ seed: 'base' });
    admin = await loginAs(t, 'admin');
    v1 = Number((await t.ctx.db('questionnaires').where({ code: 'SME-BARRIERS', version: 1 }).first()).id);
    const next = seed();
    next.items.find((i) => i.code === 'B05')!.text.ru = hostile;
    next.items = next.items.filter((i) => i.code !== 'B07');
    next.profile = next.profile.map((p) => (p.type === 'choice' && p.code === 'sector' ? { ...p, options: [...p.options, { code: 'SPACE', text: { kk: 'Ғарыш', ru: 'Космос', en: 'Space' } }] } : p));
    const result = await t.services.questionnaires.importDefinition(next, null);
    expect(result.outcome).toBe('created');
    v2 = result.id;
  });
  afterAll(async () => t.close());

  it('shows each change grouped by section, in the reader’s language, hostile text inert', async () => {
    const en = await admin.agent.get(`/admin/questionnaires/compare?to=${v2}`).set('cookie', 'kedergi_lang=en');
    expect(en.status).toBe(200);
    expect(en.text).toContain('From version 1 to version 2');
    expect(en.text).toContain('Questions added: 0; removed: 1; changed: 2.');
    expect(en.text).toContain('Wording changed in Russian');
    expect(en.text).toContain('Option SPACE added');
    expect(en.text).toContain('<ins>Space</ins>');
    expect(en.text).toContain('Profile questions');
    expect(en.text).not.toContain('<script>alert');
    expect(en.text).not.toContain('<img src=x');
    expect(en.text).toContain('&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;');
    expect(en.text).not.toMatch(/⟦/);

    const ru = await admin.agent.get(`/admin/questionnaires/compare?from=${v1}&to=${v2}`).set('cookie', 'kedergi_lang=ru');
    expect(ru.text).toContain('Формулировка изменена на русском языке');
    expect(ru.text).toContain('Вариант SPACE добавлен');
    expect(ru.text).toContain('<ins>Космос</ins>');
    expect(ru.text).not.toMatch(/⟦/);
    const kk = await admin.agent.get(`/admin/questionnaires/compare?from=${v1}&to=${v2}`).set('cookie', 'kedergi_lang=kk');
    expect(kk.text).toContain('Тұжырымы орыс тілінде өзгерді');
    expect(kk.text).not.toMatch(/⟦/);
  });

  it('the first version has nothing to compare with; the same version twice says so', async () => {
    const first = await admin.agent.get(`/admin/questionnaires/compare?to=${v1}`).set('cookie', 'kedergi_lang=en');
    expect(first.status).toBe(200);
    expect(first.text).toContain('This is the first version');
    const same = await admin.agent.get(`/admin/questionnaires/compare?from=${v2}&to=${v2}`).set('cookie', 'kedergi_lang=en');
    expect(same.text).toContain('These are the same version');
  });

  it('the later version’s page links to the comparison; a bad id is refused', async () => {
    const detail = await admin.agent.get(`/admin/questionnaires/${v2}`).set('cookie', 'kedergi_lang=en');
    expect(detail.text).toContain(`/admin/questionnaires/compare?to=${v2}`);
    expect((await admin.agent.get('/admin/questionnaires/compare?to=abc')).status).toBe(400);
    expect((await admin.agent.get('/admin/questionnaires/compare?to=999999')).status).toBe(404);
  });

  it('the service compares a definition that is not stored (a draft) with a version', async () => {
    const draft = seed();
    draft.title.en = 'A draft title';
    const { diff, before, after } = await t.services.questionnaires.compare({ id: v1 }, { definition: draft });
    expect(before.version).toBe(1);
    expect(after).toMatchObject({ id: null, version: null });
    expect(diff.changes).toEqual([{ type: 'text', field: 'title', lang: 'en', before: seed().title.en, after: 'A draft title' }]);
  });
});
