import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, loginAs, type LoggedIn, type TestApp } from '../helpers/app';
import type { TRole } from '../../src/modules/auth/auth.schemas';
import { badInput, pageLinks, pattern, postForms, summaryOf, type FoundForm } from './walk';

/**
 * Every POST form a signed-in person can reach, walked from the menu with bad input (empty
 * text, letters in numbers, choices not offered). Each answer is a redirect (303), a
 * confirmation step, or the form again with its errors: a summary whose links point at ids on
 * the page, each field named by its label, and no code, path or validator jargon shown.
 */
const START: Record<TRole, string[]> = {
  admin: ['/start', '/admin/rounds', '/admin/questionnaires', '/admin/territories', '/admin/panels', '/admin/users', '/account/password'],
  researcher: ['/start', '/analysis', '/panels', '/indicators'],
  executor: ['/start', '/programmes'],
  expert: ['/start', '/expert'],
};
const SKIP_ACTIONS = /^\/(logout|lang)\b/;
const JARGON = /Expected|received|Invalid input|\$\.|⟦|\{\{|\w+\.\w+\.\w+|\bnan\b|undefined/;

interface Outcome {
  role: TRole;
  page: string;
  action: string;
  status: number;
  kind: 'redirect' | 'confirm' | 'errors' | 'other';
  problems: string[];
}

async function walk(t: TestApp, role: TRole, user: LoggedIn, maxPages = 60): Promise<Outcome[]> {
  const seen = new Set<string>();
  const patterns = new Map<string, number>();
  const formsSeen = new Set<string>();
  const queue = [...START[role]];
  const outcomes: Outcome[] = [];
  let pages = 0;
  while (queue.length && pages < maxPages) {
    const page = queue.shift()!;
    if (seen.has(page)) continue;
    seen.add(page);
    const p = pattern(page);
    if ((patterns.get(p) ?? 0) >= 1) continue;
    patterns.set(p, (patterns.get(p) ?? 0) + 1);
    const res = await user.agent.get(page);
    if (res.status !== 200 || !String(res.headers['content-type']).includes('text/html')) continue;
    pages++;
    for (const link of pageLinks(res.text)) if (!seen.has(link) && !link.startsWith('/r/') && !link.startsWith('/p/')) queue.push(link);
    for (const form of postForms(res.text, page)) {
      const key = pattern(form.action.split('?')[0]!) + ' ' + form.fields.map((f) => f.name).sort().join(',');
      if (SKIP_ACTIONS.test(form.action) || formsSeen.has(key)) continue;
      formsSeen.add(key);
      outcomes.push(await submit(user, role, page, form));
    }
  }
  return outcomes;
}

async function submit(user: LoggedIn, role: TRole, page: string, form: FoundForm): Promise<Outcome> {
  const body = badInput(form);
  let req = user.agent.post(form.action).set('Referer', `http://127.0.0.1${page}`);
  if (form.multipart) for (const [k, v] of Object.entries(body)) req = req.field(k, v);
  else req = req.type('form').send(body);
  const res = await req;
  const outcome: Outcome = { role, page, action: form.action, status: res.status, kind: 'other', problems: [] };
  let html = res.text;
  if (res.status === 303) {
    outcome.kind = 'redirect';
    const location = String(res.headers.location ?? '');
    if (location.split('?')[0] !== page.split('?')[0]) return outcome;
    html = (await user.agent.get(location)).text; // errors carried back to the form's page
    if (!summaryOf(html).present) return outcome;
    outcome.kind = 'errors';
  } else if (res.status === 200 && /name="confirm" value="yes"/.test(html)) {
    outcome.kind = 'confirm';
    return outcome;
  }
  const summary = summaryOf(html);
  if (res.status >= 400 || outcome.kind === 'errors') {
    outcome.kind = 'errors';
    if (!summary.present) outcome.problems.push(`no error summary (status ${res.status})`);
    for (const href of summary.links) {
      if (!href.startsWith('#') || !summary.ids.has(href.slice(1))) outcome.problems.push(`summary link ${href} points at no id`);
    }
    // "Label: message": every linked error names its field.
    for (const text of summary.linkTexts) if (!/^[^:]{2,}: \S/.test(text)) outcome.problems.push(`summary link without a label: ${text}`);
    if (JARGON.test(summary.text)) outcome.problems.push(`summary shows code or jargon: ${summary.text.match(JARGON)![0]}`);
    if (/<code>[\w.[\]$]+<\/code>:/.test(html)) outcome.problems.push('a field named by its code');
  }
  return outcome;
}

describe('every form answers bad input with its errors named by label', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ seed: 'demo' });
  }, 180_000);
  afterAll(() => t?.close());

  for (const role of ['admin', 'researcher', 'executor', 'expert'] as TRole[]) {
    it(`${role}: forms reached from the menu`, async () => {
      const user = await loginAs(t, role);
      const outcomes = await walk(t, role, user);
      console.log(outcomes.map((o) => `${o.status} ${o.kind} ${o.action} ${o.problems.join('; ')}`).join('\n'));
      expect(outcomes.length).toBeGreaterThan(0);
      expect(outcomes.filter((o) => o.kind === 'other').map((o) => `${o.status} ${o.action} from ${o.page}`)).toEqual([]);
      expect(outcomes.filter((o) => o.problems.length).map((o) => `${o.action}: ${o.problems.join('; ')}`)).toEqual([]);
    }, 300_000);
  }
});
