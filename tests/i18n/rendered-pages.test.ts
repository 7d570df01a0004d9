import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Parser } from 'htmlparser2';
import { LANGUAGES, loadCatalogues } from '../../src/i18n';
import type { TRole } from '../../src/modules/auth/auth.schemas';
import { createTestApp, loginAs, type TestApp } from '../helpers/app';
import { pageLinks, pattern } from '../forms/walk';

/**
 * Every page a signed-in person reaches from the menu, in Kazakh and in Russian, read as text:
 * no missing-key marker (⟦ns:key⟧), no interpolation marker left unfilled ({{count}}), no raw
 * catalogue key (rounds:title), no command line outside the API help page, and no English title of data that has a Kazakh or Russian one
 * (a territory, an indicator, a questionnaire, a factor, a programme).
 */
const START: Record<TRole, string[]> = {
  admin: ['/start', '/admin/rounds', '/admin/questionnaires', '/admin/territories', '/admin/panels', '/admin/users'],
  researcher: ['/start', '/analysis', '/panels', '/indicators', '/help/api'],
  executor: ['/start', '/programmes'],
  expert: ['/start', '/expert'],
};
/** Pages that show every language side by side on purpose (the questionnaire editor and its comparison). */
const ALL_LANGUAGES = /^\/admin\/questionnaires\/(drafts|\d+\/(edit|compare|builder))/;

/** The page as a reader meets it: text, and the texts of title, alt, aria-label and placeholder; and its text nodes one by one. */
function readable(html: string): { text: string; nodes: Set<string> } {
  let out = '';
  const nodes = new Set<string>();
  let skip = 0;
  const parser = new Parser(
    {
      onopentag(tag, a) {
        if (tag === 'script' || tag === 'style') skip++;
        for (const k of ['title', 'alt', 'aria-label', 'placeholder']) if (a[k]) out += ` ${a[k]} `;
      },
      ontext(t) {
        if (skip) return;
        out += t;
        const node = t.replace(/\s+/g, ' ').trim();
        if (node) nodes.add(node);
      },
      onclosetag(tag) {
        if (tag === 'script' || tag === 'style') skip = Math.max(0, skip - 1);
        out += ' ';
      },
    },
    { decodeEntities: true },
  );
  parser.write(html);
  parser.end();
  return { text: out.replace(/\s+/g, ' '), nodes };
}

describe('rendered pages hold no raw key, marker or untranslated data title', () => {
  let t: TestApp;
  let englishTitles: string[];
  const namespaces = Object.keys(loadCatalogues().kk);
  const rawKey = new RegExp(`(?<![\\p{L}\\w/.-])(${namespaces.join('|')}):[a-zA-Z_][\\w]*(\\.[\\w]+)*`, 'u');

  beforeAll(async () => {
    t = await createTestApp({ seed: 'demo' });
    const sources: Array<[string, string]> = [
      ['territories', 'name'],
      ['indicators', 'name'],
      ['programmes', 'name'],
      ['programme_indicators', 'name'],
      ['questionnaires', 'title'],
      ['questionnaire_categories', 'title'],
      ['questionnaire_items', 'text'],
      ['expert_factors', 'text'],
    ];
    const titles = new Set<string>();
    for (const [table, field] of sources) {
      for (const row of await t.ctx.db(table).select(`${field}_kk as kk`, `${field}_ru as ru`, `${field}_en as en`)) {
        const en = String(row.en ?? '').trim();
        // Only a title that has a translation of its own, long enough not to be a code or a proper name.
        if (en.length >= 12 && /\s/.test(en) && row.kk && row.ru && row.kk !== en && row.ru !== en) titles.add(en);
      }
    }
    englishTitles = [...titles];
  }, 180_000);
  afterAll(() => t?.close());

  it('the title check finds English titles where English is the language asked for (it can fail)', async () => {
    const admin = await loginAs(t, 'admin');
    const factors = await admin.agent.get('/admin/territories').set('Cookie', 'kedergi_lang=en');
    const { nodes } = readable(factors.text);
    expect(englishTitles.filter((title) => nodes.has(title)).length).toBeGreaterThan(0);
  });

  for (const lang of LANGUAGES.filter((l) => l !== 'en')) {
    it(`${lang}: every page reached from each role's menu`, async () => {
      expect(englishTitles.length).toBeGreaterThan(20);
      const problems: string[] = [];
      let pages = 0;
      for (const role of Object.keys(START) as TRole[]) {
        const user = await loginAs(t, role);
        const seen = new Set<string>();
        const patterns = new Set<string>();
        const queue = [...START[role]];
        while (queue.length && pages < 400) {
          const path = queue.shift()!;
          if (seen.has(path) || patterns.has(pattern(path))) continue;
          seen.add(path);
          patterns.add(pattern(path));
          const res = await user.agent.get(path).set('Cookie', `kedergi_lang=${lang}`);
          if (res.status !== 200 || !String(res.headers['content-type']).includes('text/html')) continue;
          pages++;
          for (const link of pageLinks(res.text)) if (!seen.has(link) && !/^\/(r|p)\//.test(link)) queue.push(link);
          const { text, nodes } = readable(res.text);
          const marker = /⟦[^⟧]*⟧|\{\{[^}]*\}\}/.exec(text);
          if (marker) problems.push(`${path}: marker ${marker[0]}`);
          // Command lines belong on the API help page only, not on pages people work in.
          const command = path === '/help/api' ? null : /\b(npm run|npx|curl|cli --)\b/.exec(text);
          if (command) problems.push(`${path}: command-line text "${command[0]}"`);
          const key = rawKey.exec(text);
          if (key) problems.push(`${path}: raw key ${key[0]}`);
          if (!ALL_LANGUAGES.test(path)) {
            // A title shown as it is (a text of its own), not a word inside another text.
            const english = englishTitles.find((title) => nodes.has(title));
            if (english) problems.push(`${path}: English title "${english}"`);
          }
        }
      }
      expect(pages).toBeGreaterThan(30);
      expect(problems).toEqual([]);
    }, 600_000);
  }
});
