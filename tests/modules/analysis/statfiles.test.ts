import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiTokenFor, createTestApp, type TestApp } from '../../helpers/app';
import { addResponses, createRound, createSurvey, SMALL_ROUND } from './fixtures';

/**
 * The SPSS syntax and R script of a round's responses, run in Debian's GNU PSPP and R: they
 * load, carry the Kazakh labels, keep "cannot judge" apart, and give the item means the
 * ranking API gives (also under a filter). Stata cannot be installed here: its do-file is
 * checked against Stata's syntax rules (see stata test below).
 */
const ITEMS = ['A1', 'A2', 'A3', 'B1', 'B2'];
const TRICKY = 'Банк "несиесі" – O\'Brien\'s 100 % қолжетімсіз; ӘҒҚҢӨҰҮҺІ әғқңөұүһі';
const TOL = 10; // decimal places: both sides compute a mean of small integers in double precision

describe('statistics-package files of a round', () => {
  let t: TestApp;
  let token: string;
  let roundId: number;
  let dir: string;

  beforeAll(async () => {
    t = await createTestApp();
    const survey = await createSurvey(t.ctx.db, { A1: TRICKY });
    roundId = await createRound(t.ctx.db, survey, 'Көктем 2026');
    await addResponses(t.ctx.db, survey, roundId, SMALL_ROUND);
    token = await apiTokenFor(t, 'researcher');
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kedergi-stat-'));
  });
  afterAll(async () => {
    fs.rmSync(dir, { recursive: true, force: true });
    await t.close();
  });

  const get = (url: string) => request(t.app).get(url).set('Authorization', `Bearer ${token}`);
  const apiMeans = async (query: string) => {
    const res = await get(`/api/v1/rounds/${roundId}/ranking${query}`);
    expect(res.status).toBe(200);
    return Object.fromEntries(res.body.items.map((i: { code: string; mean: number | null }) => [i.code, i.mean]));
  };
  const download = async (ext: string, query: string) => {
    const res = await get(`/api/v1/rounds/${roundId}/responses.${ext}${query}`).buffer(true).parse((r, cb) => {
      const chunks: Buffer[] = [];
      r.on('data', (c: Buffer) => chunks.push(c));
      r.on('end', () => cb(null, Buffer.concat(chunks).toString('utf8')));
    });
    expect(res.status).toBe(200);
    expect(res.headers['content-disposition']).toContain(`round-${roundId}-responses.${ext}`);
    const file = path.join(dir, `r${ext}${query.replace(/\W/g, '_')}.${ext}`);
    fs.writeFileSync(file, res.body as string);
    return file;
  };

  for (const query of ['?lang=kk', '?lang=kk&sector=C']) {
    it(`PSPP runs the .sps and its means equal the API's (${query})`, async () => {
      const file = await download('sps', query);
      const means = path.join(dir, `pspp-means${query.replace(/\W/g, '_')}.txt`);
      const listing = path.join(dir, 'pspp.csv');
      const extra = [
        'DISPLAY DICTIONARY.',
        'COMPUTE one = 1.',
        `AGGREGATE OUTFILE=* /BREAK=one /${ITEMS.map((c) => `m_${c} = MEAN(${c})`).join(' /')}.`,
        `FORMATS ${ITEMS.map((c) => `m_${c}`).join(' ')} (F24.14).`,
        `WRITE OUTFILE='${means}' /${ITEMS.map((c) => `m_${c}`).join(' ')}.`,
        'EXECUTE.',
      ].join('\n');
      fs.writeFileSync(file.replace(/\.sps$/, '-run.sps'), `${fs.readFileSync(file, 'utf8')}\n${extra}\n`);
      execFileSync('pspp', ['-o', listing, file.replace(/\.sps$/, '-run.sps')], { stdio: 'pipe' });
      const got = fs.readFileSync(means, 'utf8').trim().split(/\s+/).map(Number);
      const want = await apiMeans(query);
      ITEMS.forEach((code, i) => (want[code] === null ? expect(Number.isNaN(got[i]!) || got[i] === undefined).toBe(true) : expect(got[i]).toBeCloseTo(want[code], TOL)));
      const dictionary = fs.readFileSync(listing, 'utf8');
      expect(dictionary).toContain('ӘҒҚҢӨҰҮҺІ әғқңөұүһі'); // the Kazakh variable label, every Kazakh letter intact
      expect(dictionary).toContain('Өскемен'); // a territory's value label
      expect(dictionary).toContain('-99'); // "cannot judge" declared as user-missing
    });
  }

  for (const query of ['?lang=kk', '?lang=ru&sector=C&innovated=yes']) {
    it(`R sources the .R script and its means equal the API's (${query})`, async () => {
      const file = await download('R', query);
      const script = [
        `source(${JSON.stringify(file)}, encoding = "UTF-8")`,
        `cat(sprintf("%.15g", sapply(c(${ITEMS.map((c) => `"${c}"`).join(', ')}), function(v) mean(responses[[v]], na.rm = TRUE))), sep = "\\n")`,
        'cat(levels(responses$territory), sep = "\\n")',
        'cat(attr(responses$A1, "label"), "\\n")',
        'cat(names(attr(responses$A1, "labels")), sep = "\\n")',
      ].join('\n');
      const out = execFileSync('Rscript', ['-e', script], { encoding: 'utf8', env: { ...process.env, LANG: 'C.UTF-8', LC_ALL: 'C.UTF-8' } }).split('\n');
      const want = await apiMeans(query);
      ITEMS.forEach((code, i) => (want[code] === null ? expect(out[i]).toBe('NaN') : expect(Number(out[i])).toBeCloseTo(want[code], TOL)));
      const rest = out.slice(ITEMS.length).join('\n');
      expect(rest).toContain(query.includes('ru') ? 'Усть-Каменогорск' : 'Өскемен');
      if (query.includes('kk')) expect(rest).toContain(TRICKY);
    });
  }

  it('writes a Stata do-file that keeps to Stata syntax', async () => {
    const text = fs.readFileSync(await download('do', '?lang=kk'), 'utf8');
    const lines = text.trimEnd().split('\n');
    const input = lines.findIndex((l) => l.startsWith('input '));
    const end = lines.indexOf('end');
    expect(input).toBeGreaterThan(0);
    const declared = lines[input]!.slice('input '.length).match(/(long|double|str\d+) (\w+)/g)!;
    expect(declared.length).toBe(lines[input]!.split(' ').length / 2 - 0.5);
    for (const d of declared) {
      const [storage, name] = d.split(' ') as [string, string];
      expect(name).toMatch(/^[A-Za-z_][A-Za-z0-9_]{0,31}$/);
      if (storage.startsWith('str')) expect(Number(storage.slice(3))).toBeLessThanOrEqual(2045);
    }
    // One data line per submitted response, as many fields as variables (quoted texts count as one).
    const data = lines.slice(input + 1, end);
    expect(data.length).toBe(6);
    const field = /`"(?:(?!"').)*"'|"[^"]*"|\S+/g;
    for (const row of data) expect(row.match(field)!.length).toBe(declared.length);
    for (const l of lines.slice(end + 1)) {
      expect(l).toMatch(/^(label variable \w+ `".*"'|label define \w+ .+, replace|label values \w+ \w+|mvdecode \w+, mv\(-?\d+=\.[a-z]\)|generate long \w+ = \.|replace \w+ = \d+ if \w+ == `".*"'|compress)$/);
      expect(l.length).toBeLessThan(65536);
    }
    for (const m of text.matchAll(/label variable \w+ `"(.*)"'/g)) expect([...m[1]!].length).toBeLessThanOrEqual(80);
    expect(text).toContain('mvdecode A1, mv(-99=.a)');
    expect(text).toMatch(/label define A1 1 `".+"' .* \.a `".+"', replace/);
  });

  it('refuses an unknown language and hides the files from anonymous visitors', async () => {
    expect((await get(`/api/v1/rounds/${roundId}/responses.sps?lang=de`)).status).toBe(400);
    expect((await request(t.app).get(`/api/v1/rounds/${roundId}/responses.R`)).status).toBe(401);
  });
});
