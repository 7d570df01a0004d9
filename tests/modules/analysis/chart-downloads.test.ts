import fs from 'node:fs';
import path from 'node:path';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { binaryParser, type LoggedIn, type TestApp } from '../../helpers/app';
import { smallRoundWorld } from '../../helpers/analysis-round';
import { resultsDir } from '../../helpers/browser';


/** Chart downloads: every chart on a page links to itself as SVG and as a PNG drawn on the server. */
describe('chart downloads', () => {
  let t: TestApp;
  let roundId: number;
  let researcher: LoggedIn;

  beforeAll(async () => {
    ({ t, roundId, researcher } = await smallRoundWorld({ title: 'Көктем 2026' }));
  });
  afterAll(async () => t?.close());

  const links = (html: string) => [...html.matchAll(/<a href="([^"]*[?&]amp;chart=[^"]*|[^"]*\?chart=[^"]*)" download>/g)].map((m) => m[1]!.replace(/&amp;/g, '&'));

  it('links each chart of the ranking page as SVG and PNG, keeping the filters', async () => {
    const page = await researcher.agent.get(`/analysis/rounds/${roundId}?sector=C`).set('cookie', 'kedergi_lang=ru');
    expect(page.status).toBe(200);
    const ids = [...page.text.matchAll(/<svg[^>]* id="(chart-[0-9a-f]{12})" role="img"/g)].map((m) => m[1]);
    expect(ids.length).toBeGreaterThanOrEqual(2);
    const hrefs = links(page.text);
    for (const id of ids) {
      expect(hrefs).toContain(`/analysis/rounds/${roundId}?sector=C&chart=${id}&format=svg`);
      expect(hrefs).toContain(`/analysis/rounds/${roundId}?sector=C&chart=${id}&format=png`);
    }
    const svg = await researcher.agent.get(hrefs.find((h) => h.endsWith('format=svg'))!).set('cookie', 'kedergi_lang=ru').buffer(true).parse(binaryParser);
    expect(svg.status).toBe(200);
    expect(svg.headers['content-type']).toContain('image/svg+xml');
    expect(svg.headers['content-disposition']).toMatch(/^attachment; filename="analysis-rounds-\d+-chart-[0-9a-f]{12}\.svg"$/);
    const text = (svg.body as Buffer).toString('utf8');
    expect(text.startsWith('<?xml')).toBe(true);
    expect(text).toContain('xmlns="http://www.w3.org/2000/svg"');
    // The same drawing as on the page.
    expect(page.text).toContain(text.slice(text.indexOf('<svg'), text.lastIndexOf('</svg>')));

    const png = await researcher.agent.get(hrefs.find((h) => h.endsWith('format=png'))!).set('cookie', 'kedergi_lang=ru').buffer(true).parse(binaryParser);
    expect(png.status).toBe(200);
    expect(png.headers['content-type']).toBe('image/png');
    const body = png.body as Buffer;
    expect(body.subarray(1, 4).toString('latin1')).toBe('PNG');
    const width = body.readUInt32BE(16);
    const svgWidth = Number(/<svg[^>]* width="(\d+)"/.exec(text)?.[1]);
    expect(width).toBe(2 * svgWidth);
    // Kept as a test artefact (test-results/ is not in git) for a look by eye.
    fs.mkdirSync(resultsDir, { recursive: true });
    fs.writeFileSync(path.join(resultsDir, 'chart-download-ru.png'), body);
  });

  it('answers 400 for a bad format or id and 404 for a chart not on the page; signed-out readers are sent to sign in', async () => {
    const page = await researcher.agent.get(`/analysis/rounds/${roundId}`);
    const id = /<svg[^>]* id="(chart-[0-9a-f]{12})"/.exec(page.text)![1];
    expect((await researcher.agent.get(`/analysis/rounds/${roundId}?chart=${id}&format=gif`)).status).toBe(400);
    expect((await researcher.agent.get(`/analysis/rounds/${roundId}?chart=<svg>&format=svg`)).status).toBe(400);
    const missing = await researcher.agent.get(`/analysis/rounds/${roundId}?chart=chart-000000000000&format=svg`);
    expect(missing.status).toBe(404);
    expect(missing.headers['content-type']).toContain('text/html');
    // The chart of another filter is not the chart of this one: a changed page has new ids.
    const anonymous = await request(t.app).get(`/analysis/rounds/${roundId}?chart=${id}&format=svg`);
    expect([302, 303]).toContain(anonymous.status);
  });
});
