import type { NextFunction, Request, Response } from 'express';
import { z } from 'zod';
import { NotFoundError, parseOrThrow } from '../errors';
import { chartPng, chartSvgFile, findChart } from '../lib/charts';

/**
 * Every chart can be downloaded as SVG or PNG from the page that shows it: the page's own URL
 * with `chart=<id>&format=svg|png`. The page is rendered exactly as for reading (same route,
 * same sign-in and role checks, same filters) and the chart with that id is cut out of it, so
 * the file is by construction the chart the reader sees; the PNG is drawn on the server
 * (lib/charts.ts chartPng). The two parameters are taken off the URL before the route runs, so
 * no page's query parsing has to know about them.
 *
 * Views print the links with `chartDownloads(svg)` (a local this middleware sets).
 */
const ZChartDownload = z.object({
  chart: z.string().regex(/^chart-[0-9a-f]{12}$/),
  format: z.enum(['svg', 'png']),
});

const CHART_ID = /\bid="(chart-[0-9a-f]{12})"/;

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** The page's URL asking for one chart in one format. */
function downloadUrl(originalUrl: string, id: string, format: 'svg' | 'png'): string {
  const url = new URL(originalUrl, 'http://page.invalid');
  url.searchParams.delete('chart');
  url.searchParams.delete('format');
  url.searchParams.set('chart', id);
  url.searchParams.set('format', format);
  return url.pathname + url.search;
}

type RenderCallback = (err: Error | null, html?: string) => void;

export function chartDownloads(req: Request, res: Response, next: NextFunction): void {
  res.locals.chartDownloads = (svg: string | null | undefined) => {
    const id = svg ? CHART_ID.exec(svg)?.[1] : undefined;
    if (!id) return '';
    const link = (format: 'svg' | 'png') =>
      `<a href="${escapeHtml(downloadUrl(req.originalUrl, id, format))}" download>${escapeHtml(req.t(`common:chartDownload.${format}`))}</a>`;
    return `<p class="chart-downloads no-print">${escapeHtml(req.t('common:chartDownload.label'))} ${link('svg')} · ${link('png')}</p>`;
  };
  if (req.method !== 'GET' || (req.query.chart === undefined && req.query.format === undefined)) return next();

  const { chart: id, format } = parseOrThrow(ZChartDownload, { chart: req.query.chart, format: req.query.format });
  const url = new URL(req.url, 'http://page.invalid');
  url.searchParams.delete('chart');
  url.searchParams.delete('format');
  req.url = url.pathname + url.search;

  const render = res.render.bind(res) as (view: string, options: object, callback?: RenderCallback) => void;
  // A route's own render callback is not called: the answer is the file, sent here.
  res.render = ((view: string, options?: object | RenderCallback) => {
    // Once only: an error page rendered after this (no such chart, say) renders as a page.
    res.render = render as Response['render'];
    const locals = typeof options === 'function' ? {} : (options ?? {});
    render(view, locals, (err, html) => {
      if (err) return next(err);
      const svg = findChart(html ?? '', id);
      if (!svg) return next(new NotFoundError());
      const name = `${url.pathname.replace(/^\/+|\/+$/g, '').replace(/[^A-Za-z0-9_-]+/g, '-') || 'page'}-${id}.${format}`;
      res.setHeader('Content-Disposition', `attachment; filename="${name}"`);
      res.setHeader('Cache-Control', 'no-store');
      if (format === 'svg') res.type('image/svg+xml; charset=utf-8').send(chartSvgFile(svg));
      else res.type('image/png').send(chartPng(svg));
    });
  }) as Response['render'];
  next();
}
