import type { Writable } from 'node:stream';
import type { TFunction } from 'i18next';
import type PDFKit from 'pdfkit';
import { localized, type Language } from '../../i18n';
import { dejaVuSans, dejaVuSansBold } from '../../lib/fonts';
import { formatInterval, formatNumber, formatP, formatPercent, DASH } from './analysis.format';
import type { HonestStatistics } from './analysis.honest';
import { chartPng } from '../../lib/charts';
import type { ReportPanel } from './analysis.export';
import type { RoundRanking } from './analysis.service';

/**
 * The round report as a PDF (pdfkit): title, filters and n, the ranking table with a bar of
 * each mean, categories with Cronbach's alpha (or why it is undefined), differences between
 * territories (Kruskal-Wallis with Holm), the comparison with another round when chosen
 * (Mann-Whitney with Holm), and a methods paragraph, in kk, ru or en. Numbers in the reader's
 * locale; the charts of the report page (means, distribution, heat map, slope) as images, and
 * the SWOT and PEST of every panel linked to the round, marked provisional where they are.
 * The font is DejaVu Sans (Debian fonts-dejavu-core), which has every Kazakh letter
 * (Ә Ғ Қ Ң Ө Ұ Ү Һ І); pdfkit embeds the subset used.
 */

export interface ReportFilterLine {
  label: string;
  value: string;
}

export interface RoundReportInput {
  ranking: RoundRanking;
  honest: HonestStatistics;
  /** The filters as the reader reads them (label: value), empty when none. */
  filters: ReportFilterLine[];
  t: TFunction;
  lang: Language;
  /** The report's charts as SVG (the same as the report page); drawn into the PDF as PNG. */
  charts: { means: string; distribution: string; heatmap: string; slope: string | null };
  /** Expert panels linked to the round, with their SWOT and PEST. */
  panels: ReportPanel[];
}

const A4 = { width: 595.28, height: 841.89 };
const MARGIN = 48;
const WIDTH = A4.width - 2 * MARGIN;

interface Column {
  title: string;
  width: number;
  align?: 'left' | 'right';
}

export async function writeRoundReportPdf(out: Writable, input: RoundReportInput): Promise<void> {
  const { ranking: r, honest, t, lang } = input;
  const num = (v: number | null | undefined, d = 2) => formatNumber(v, d, lang);
  const text = (o: unknown, field: string) => localized(o as Record<string, unknown>, field, lang);
  // pdfkit loads with the first report, not with the server (lib/lazy.ts).
  const PDFDocument = require('pdfkit') as typeof PDFKit;
  const doc = new PDFDocument({ size: 'A4', margin: MARGIN, info: { Title: `${t('analysis:report.title')}: ${text(r.round, 'title')}`, Author: 'Kedergi' }, bufferPages: true });
  doc.registerFont('body', dejaVuSans('PDF report'));
  doc.registerFont('bold', dejaVuSansBold('PDF report'));
  const done = new Promise<void>((resolve, reject) => {
    out.on('finish', resolve);
    out.on('error', reject);
    doc.on('error', reject);
  });
  doc.pipe(out);

  const heading = (s: string) => {
    if (doc.y > A4.height - 160) doc.addPage();
    doc.moveDown(0.8).font('bold').fontSize(13).fillColor('#000').text(s, MARGIN, doc.y, { width: WIDTH });
    doc.moveDown(0.3).font('body').fontSize(9);
  };
  const note = (s: string) => doc.font('body').fontSize(8).fillColor('#444').text(s, MARGIN, doc.y, { width: WIDTH }).fillColor('#000').moveDown(0.3);

  /** A table whose rows wrap their cells and break across pages, header repeated. */
  const table = (columns: Column[], rows: string[][], bars?: Array<number | null>) => {
    const scale = WIDTH / columns.reduce((s, c) => s + c.width, 0);
    const widths = columns.map((c) => c.width * scale);
    const drawRow = (cells: string[], bold: boolean, bar?: number | null) => {
      doc.font(bold ? 'bold' : 'body').fontSize(8);
      const height = Math.max(...cells.map((c, i) => doc.heightOfString(c, { width: widths[i]! - 4 }))) + 4;
      if (doc.y + height > A4.height - MARGIN) {
        doc.addPage();
        if (!bold) drawRow(columns.map((c) => c.title), true);
        doc.font(bold ? 'bold' : 'body').fontSize(8);
      }
      const y = doc.y;
      let x = MARGIN;
      if (bar !== undefined && bar !== null) {
        // The mean on the 1..5 scale as a light bar behind the row.
        doc.save().rect(MARGIN, y, (WIDTH * (bar - 1)) / 4, height).fill('#e3ecf7').restore();
      }
      cells.forEach((c, i) => {
        doc.fillColor('#000').text(c, x + 2, y + 2, { width: widths[i]! - 4, align: columns[i]!.align ?? 'left' });
        x += widths[i]!;
      });
      doc.moveTo(MARGIN, y + height).lineTo(MARGIN + WIDTH, y + height).lineWidth(0.3).strokeColor('#999').stroke();
      doc.x = MARGIN;
      doc.y = y + height;
    };
    drawRow(columns.map((c) => c.title), true);
    rows.forEach((row, i) => drawRow(row, false, bars?.[i]));
    doc.moveDown(0.4);
  };

  /** A chart, drawn by the same renderer as its PNG download, as wide as the text (never wider than drawn). */
  const chart = (svg: string | null) => {
    if (!svg) return;
    const size = /<svg[^>]*\bwidth="(\d+(?:\.\d+)?)"[^>]*\bheight="(\d+(?:\.\d+)?)"/.exec(svg);
    const [w, h] = size ? [Number(size[1]), Number(size[2])] : [720, 400];
    const width = Math.min(WIDTH, w * 0.75);
    const height = (width * h) / w;
    if (doc.y + height > A4.height - MARGIN) doc.addPage();
    // 1.5 times the drawn size: about 160 dpi on the page, and about half the pixels of the 2x download.
    doc.image(chartPng(svg, 1.5), MARGIN, doc.y, { width, height });
    doc.x = MARGIN;
    doc.y += height + 6;
  };
  const warning = (s: string) => doc.font('bold').fontSize(9).fillColor('#8a1c1c').text(s, MARGIN, doc.y, { width: WIDTH }).fillColor('#000').font('body').moveDown(0.3);

  // Title, filters, n.
  doc.font('bold').fontSize(18).text(t('analysis:report.title'), { width: WIDTH });
  doc.font('bold').fontSize(14).text(text(r.round, 'title'), { width: WIDTH });
  doc.moveDown(0.4).font('body').fontSize(10);
  doc.text(input.filters.length ? `${t('analysis:report.filtered')}: ${input.filters.map((f) => `${f.label}: ${f.value}`).join('; ')}` : t('analysis:report.unfiltered'), { width: WIDTH });
  doc.text(t('analysis:report.respondents', { n: num(r.respondents, 0) }), { width: WIDTH });
  if (r.comparison) doc.text(t('analysis:report.comparedWith', { round: r.comparison.round.title }), { width: WIDTH });
  const top = r.items.find((i) => i.rank === 1);
  if (top) doc.moveDown(0.3).font('bold').text(t('analysis:report.topBarrier', { barrier: text(top, 'text'), mean: num(top.mean) }), { width: WIDTH });

  heading(t('analysis:ranking.heading'));
  note(t('analysis:ranking.caption'));
  table(
    [
      { title: t('analysis:ranking.rank'), width: 8, align: 'right' },
      { title: t('analysis:ranking.code'), width: 6 },
      { title: t('analysis:ranking.barrier'), width: 34 },
      { title: 'n', width: 6, align: 'right' },
      { title: t('analysis:ranking.mean'), width: 10, align: 'right' },
      { title: t('analysis:ranking.ci'), width: 14, align: 'right' },
      { title: t('analysis:ranking.top2'), width: 8, align: 'right' },
      { title: t('analysis:ranking.cannotJudge'), width: 12, align: 'right' },
    ],
    r.items.map((i) => [i.rank === null ? DASH : String(i.rank), i.code, text(i, 'text'), num(i.n, 0), num(i.mean), formatInterval(i.ciLow, i.ciHigh, 2, lang), formatPercent(i.top2, lang), num(i.cannotJudge, 0)]),
    r.items.map((i) => i.mean),
  );
  note(t('analysis:report.barNote'));
  chart(input.charts.means);
  chart(input.charts.distribution);

  heading(t('analysis:categories.heading'));
  table(
    [
      { title: t('analysis:ranking.rank'), width: 8, align: 'right' },
      { title: t('analysis:ranking.category'), width: 36 },
      { title: t('analysis:ranking.mean'), width: 8, align: 'right' },
      { title: t('analysis:categories.complete'), width: 12, align: 'right' },
      { title: t('analysis:categories.alpha'), width: 24, align: 'right' },
    ],
    r.categories.map((c) => [
      c.rank === null ? DASH : String(c.rank),
      `${c.code} ${text(c, 'title')}`,
      num(c.mean),
      num(c.completeResponses, 0),
      c.alpha === null && honest.alphaUndefined.has(c.code) ? t(`analysis:honest.alphaUndefined.${honest.alphaUndefined.get(c.code)}`) : num(c.alpha, 3),
    ]),
  );
  note(t('analysis:honest.pooledNote'));

  heading(t('analysis:kw.heading'));
  if (r.filters.territory !== undefined) note(t('analysis:kw.oneTerritory'));
  else {
    table(
      [
        { title: t('analysis:ranking.code'), width: 8 },
        { title: t('analysis:ranking.barrier'), width: 46 },
        { title: 'H', width: 10, align: 'right' },
        { title: 'p', width: 10, align: 'right' },
        { title: t('analysis:honest.pHolm'), width: 12, align: 'right' },
      ],
      r.items.map((i) => {
        const kw = i.kruskalWallis;
        const small = honest.kruskalWallisSmallGroups.has(i.code) ? ' †' : '';
        return [i.code, text(i, 'text'), kw ? num(kw.h, 3) : DASH, kw ? `${formatP(kw.p, lang)}${small}` : DASH, formatP(honest.kruskalWallisHolm.get(i.code), lang)];
      }),
    );
    note(t('analysis:honest.holmNote', { count: honest.kruskalWallisTests }));
    if (honest.kruskalWallisSmallGroups.size) note(t('analysis:honest.smallGroupsLegend', { min: honest.minGroup, count: honest.minGroup }));
  }

  if (r.comparison) {
    const cmp = r.comparison;
    heading(t('analysis:mw.heading'));
    note(t('analysis:mw.caption', { round: text(cmp.round, 'title') }));
    table(
      [
        { title: t('analysis:ranking.code'), width: 8 },
        { title: t('analysis:ranking.barrier'), width: 36 },
        { title: t('analysis:mw.thisMean'), width: 10, align: 'right' },
        { title: t('analysis:mw.otherMean'), width: 10, align: 'right' },
        { title: t('analysis:report.change'), width: 9, align: 'right' },
        { title: 'p', width: 9, align: 'right' },
        { title: t('analysis:honest.pHolm'), width: 10, align: 'right' },
      ],
      cmp.items.map((c) => [
        c.code,
        text(c, 'text'),
        num(c.current.mean),
        num(c.other.mean),
        c.current.mean !== null && c.other.mean !== null ? `${c.current.mean - c.other.mean > 0 ? '+' : ''}${num(c.current.mean - c.other.mean)}` : DASH,
        formatP(c.mannWhitney?.p, lang),
        formatP(honest.mannWhitneyHolm.get(c.code), lang),
      ]),
    );
    note(t('analysis:honest.holmNote', { count: honest.mannWhitneyTests }));
    chart(input.charts.slope);
  }

  heading(t('analysis:report.territoriesHeading'));
  chart(input.charts.heatmap);
  note(t('analysis:heatmap.note', { min: 5, count: 5 }));

  heading(t('analysis:report.panelsHeading'));
  if (!input.panels.length) note(t('analysis:report.noPanel'));
  for (const p of input.panels) {
    doc.moveDown(0.3).font('bold').fontSize(11).text(p.delphiRound !== null ? `${p.name} (${t('experts:results.fromRound', { n: p.delphiRound })})` : p.name, MARGIN, doc.y, { width: WIDTH });
    doc.font('body').fontSize(9).moveDown(0.2);
    for (const n of p.provisionalNotes) warning(`${t('experts:results.provisionalBadge').toUpperCase()}: ${n}`);
    if (!p.swot && !p.pest) note(t('experts:results.noRoundYet'));
    if (p.swot) {
      doc.font('bold').fontSize(10).text(t('analysis:report.swotHeading'), MARGIN, doc.y, { width: WIDTH }).font('body').fontSize(9);
      doc.text(t('analysis:report.swotPosition', { x: num(p.swot.x, 3), y: num(p.swot.y, 3), strategy: p.swot.strategy, strategyText: p.swot.strategyText }), MARGIN, doc.y, { width: WIDTH });
      table(
        [
          { title: t('analysis:report.quadrant'), width: 16 },
          { title: t('experts:factor'), width: 48 },
          { title: 'n', width: 6, align: 'right' },
          { title: 'w', width: 8, align: 'right' },
          { title: 's', width: 8, align: 'right' },
          { title: 'f', width: 10, align: 'right' },
        ],
        p.swot.groups.flatMap((g) => [
          [g.title, '', '', '', '', num(g.total, 3)],
          ...g.rows.map((row) => [g.code, `${row.code} ${row.text}${row.survey ? ` (${t('analysis:report.surveyBarrier')})` : ''}`, num(row.n, 0), num(row.weight), num(row.strength), num(row.score, 3)]),
        ]),
      );
      note(t('analysis:report.swotCaption'));
      chart(p.swot.chart);
    }
    if (p.pest) {
      doc.font('bold').fontSize(10).text(t('analysis:report.pestHeading'), MARGIN, doc.y, { width: WIDTH }).font('body').fontSize(9);
      table(
        [
          { title: t('analysis:report.group'), width: 40 },
          { title: t('experts:pest.positive'), width: 20, align: 'right' },
          { title: t('experts:pest.negative'), width: 20, align: 'right' },
          { title: t('experts:pest.balance'), width: 20, align: 'right' },
        ],
        p.pest.groups.map((g) => [g.title, num(g.positive, 3), num(g.negative, 3), num(g.balance, 3)]),
      );
      note(t('analysis:report.pestCaption'));
      chart(p.pest.chart);
    }
  }

  heading(t('analysis:report.methodsHeading'));
  doc.font('body').fontSize(9).text(t('analysis:report.methods'), { width: WIDTH, align: 'justify' });

  // Page numbers and the round on every page.
  const range = doc.bufferedPageRange();
  for (let i = range.start; i < range.start + range.count; i++) {
    doc.switchToPage(i);
    // Writing inside the bottom margin would make pdfkit start a new page.
    doc.page.margins.bottom = 0;
    doc.font('body').fontSize(7).fillColor('#666').text(`${text(r.round, 'title')} · ${t('analysis:report.page', { page: i + 1, pages: range.count })}`, MARGIN, A4.height - MARGIN + 16, { width: WIDTH, align: 'center', lineBreak: false });
  }
  doc.end();
  await done;
}
