import path from 'node:path';
import ejs from 'ejs';
import { describe, expect, it } from 'vitest';
import { translator } from '../../../src/i18n';
import { viewFormatters } from '../../../src/modules/analysis/analysis.format';
import type { CrossTab } from '../../../src/modules/questionnaires/kinds/choice';
import { viewsDir } from '../../../src/paths';

/**
 * views/analysis/kinds/choice.ejs draws a cross-tabulation as one table in either orientation:
 * the longer of options and groups runs down the page. Each cell must sit at its option and group,
 * with the group's share under the count, the answered counts and (multi-choice) the χ² tests
 * along the right dimension.
 */

const text = (s: string) => ({ kk: `${s} kk`, ru: `${s} ru`, en: s });
const test = (chiSquare: number, p: number) => ({ chiSquare, p, df: 1, cramersV: 0.3, expectedBelow5: 0 });

async function render(kind: 'single-choice' | 'multi-choice', optionCodes: string[], tab: CrossTab): Promise<string> {
  const options = optionCodes.map((code) => ({ code, text: text(`Option ${code}`), count: 0, share: null, low: null, high: null }));
  return ejs.renderFile(path.join(viewsDir, 'analysis', 'kinds', 'choice.ejs'), {
    q: { kind, code: 'Q', n: 0, options, crossTabs: [tab] },
    hid: 'q-Q',
    tx: (t: { en: string }) => t.en,
    t: translator('en'),
    f: viewFormatters('en'),
  });
}

/** The cross-tabulation's table as rows of cell texts (header row first). */
function crossTable(html: string): string[][] {
  const table = /<details class="analysis-crosstab">[\s\S]*?(<table>[\s\S]*?<\/table>)/.exec(html)?.[1];
  if (!table) return [];
  return [...table.matchAll(/<tr[^>]*>([\s\S]*?)<\/tr>/g)].map((row) =>
    [...row[1]!.matchAll(/<t[hd][^>]*>([\s\S]*?)<\/t[hd]>/g)].map((cell) => cell[1]!.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ').trim().replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&')),
  );
}

describe('a choice question cross-tabulated by a breakdown', () => {
  it('runs options down the page when they outnumber the groups, with the answered counts along the bottom and χ² per option on the right', async () => {
    const tab: CrossTab = {
      by: 'sector',
      groups: ['C', 'G', ''],
      counts: [[2, 0, 1], [1, 3, 0], [0, 1, 2], [0, 0, 0]],
      totals: [4, 3, 2],
      tests: [{ option: 'A', test: test(1.5, 0.22) }, { option: 'B', test: test(0.7, 0.4) }, { option: 'D', test: test(5.1, 0.0004) }, { option: 'E', test: null }],
    };
    const rows = crossTable(await render('multi-choice', ['A', 'B', 'D', 'E'], tab));
    expect(rows).toEqual([
      ['Option', 'C', 'G', 'not stated', 'χ² / p'],
      ['Option A', '2 (50%)', '0 (0%)', '1 (50%)', '1.50 / 0.220'],
      ['Option B', '1 (25%)', '3 (100%)', '0 (0%)', '0.70 / 0.400'],
      ['Option D', '0 (0%)', '1 (33%)', '2 (100%)', '5.10 / < 0.001'],
      ['Option E', '0 (0%)', '0 (0%)', '0 (0%)', '–'],
      ['Answered', '4', '3', '2', ''],
    ]);
  });

  it('runs the groups down the page when they outnumber the options, with χ² per option along the bottom', async () => {
    const tab: CrossTab = {
      by: 'size',
      groups: ['micro', 'small', 'medium'],
      counts: [[3, 1, 0], [1, 2, 2]],
      totals: [4, 2, 2],
      tests: [{ option: 'A', test: test(2.25, 0.03) }, { option: 'B', test: null }],
    };
    const rows = crossTable(await render('multi-choice', ['A', 'B'], tab));
    expect(rows).toEqual([
      ['size', 'Option A', 'Option B', 'Answered'],
      ['micro', '3 (75%)', '1 (25%)', '4'],
      ['small', '1 (50%)', '2 (100%)', '2'],
      ['medium', '0 (0%)', '2 (100%)', '2'],
      ['χ² / p', '2.25 / 0.030', '–', ''],
    ]);
  });

  it('has no χ² column or row for a single choice, whose one test is stated under the table', async () => {
    const tab: CrossTab = { by: 'territory', groups: ['north', 'south', 'east'], counts: [[1, 0, 2], [0, 3, 1]], totals: [1, 3, 3], tests: [{ option: null, test: test(4.5, 0.1) }] };
    const html = await render('single-choice', ['A', 'B'], tab);
    expect(crossTable(html)).toEqual([
      ['territory', 'Option A', 'Option B', 'Answered'],
      ['north', '1 (100%)', '0 (0%)', '1'],
      ['south', '0 (0%)', '3 (100%)', '3'],
      ['east', '2 (67%)', '1 (33%)', '3'],
    ]);
    expect(html).toContain('χ²(1) = 4.50, p 0.100, V = 0.30');
  });

  it('marks each row by a row header (option texts keep the body weight) and draws no table for a single stated group', async () => {
    const html = await render('single-choice', ['A', 'B', 'D'], { by: 'sector', groups: ['C', 'G'], counts: [[1, 0], [0, 1], [0, 0]], totals: [1, 1], tests: [{ option: null, test: null }] });
    expect(html).toContain('<th scope="row" class="plain">Option A</th>');
    expect(html).toMatch(/<th scope="row">Answered<\/th>/);
    const lonely = await render('single-choice', ['A', 'B'], { by: 'sector', groups: ['C', ''], counts: [[1, 0], [0, 1]], totals: [1, 1], tests: [{ option: null, test: null }] });
    expect(lonely).not.toContain('analysis-crosstab');
  });
});
