import type { Writable } from 'node:stream';
import { localized, type Language } from '../../i18n';
import { writeXlsx } from '../../lib/spreadsheet';
import type { ProgrammesService } from './programmes.service';

type T = (key: string, params?: Record<string, unknown>) => string;
type Report = Awaited<ReturnType<ProgrammesService['annualReport']>>;

/** Attainment as a percentage with one decimal: the figure the pages, the report and its workbook all show. */
export function attainmentPercent(ratio: number | null): number | null {
  return ratio === null ? null : Math.round(ratio * 1000) / 10;
}

/**
 * The annual report's two tables in one language, shared by the printable page and the XLSX
 * workbook so that both carry exactly the same figures.
 */
export function reportTables(report: Report, lang: Language, t: T) {
  const L = (row: object, field: string) => localized(row as Record<string, unknown>, field, lang);
  const roundName = new Map(report.rounds.map((r) => [r.id, r.title]));
  const panelName = new Map(report.panels.map((p) => [p.id, p.name]));
  const indicators = report.indicators.map(({ view, row }) => ({
    id: view.indicator.id,
    code: view.indicator.code,
    name: L(view.indicator, 'name'),
    unit: L(view.indicator, 'unit'),
    direction: t(`programmes:direction.${view.indicator.direction}`),
    baselineYear: view.indicator.baselineYear,
    baseline: view.indicator.baselineValue,
    target: row.target,
    actual: row.actual?.value ?? null,
    attainment: attainmentPercent(row.attainment),
    status: row.status,
    statusText: t(`programmes:status.${row.status}`),
    finalYear: view.finalYear,
    finalTarget: view.finalTarget,
    attainmentFinal: attainmentPercent(row.attainmentFinal),
    source: row.actual?.source ?? '',
    note: row.actual?.note ?? '',
  }));
  const directionName = new Map(report.directions.map((d) => [d.number, L(d, 'name')]));
  const measures = report.measures.map((m) => ({
    id: m.measure.id,
    number: m.measure.number,
    direction: `${m.measure.directionNumber}. ${directionName.get(m.measure.directionNumber) ?? ''}`,
    name: L(m.measure, 'name'),
    form: L(m.measure, 'form'),
    deadline: L(m.measure, 'deadline'),
    dueDate: m.dueDate,
    bodies: m.bodies.map((b) => (b.byAgreement ? `${b.code} (${t('programmes:byAgreement')})` : b.code)).join(', '),
    status: m.status,
    statusText: t(`programmes:measureStatus.${m.status}`),
    summary: m.report?.summary ?? '',
    completedOn: m.report?.completedOn ?? '',
    evidence: m.evidence.map((e) => {
      switch (e.kind) {
        case 'text':
          return `${t('programmes:evidence.kinds.text')}: ${e.text ?? ''}`;
        case 'link':
          return `${t('programmes:evidence.kinds.link')}: ${e.url ?? ''}${e.text ? ` (${e.text})` : ''}`;
        case 'file':
          return `${t('programmes:evidence.kinds.file')}: ${e.fileName ?? ''}${e.text ? ` (${e.text})` : ''}`;
        case 'round':
          return `${t('programmes:evidence.kinds.round')}: ${roundName.get(e.roundId!) ?? e.roundId}${e.text ? ` (${e.text})` : ''}`;
        case 'panel':
          return `${t('programmes:evidence.kinds.panel')}: ${panelName.get(e.panelId!) ?? e.panelId}${e.text ? ` (${e.text})` : ''}`;
      }
    }),
  }));
  return { indicators, measures };
}

export async function writeReportXlsx(out: Writable, report: Report, lang: Language, t: T): Promise<void> {
  const { indicators, measures } = reportTables(report, lang, t);
  const p = report.programme;
  const y = report.year;
  await writeXlsx(out, [
    {
      name: t('programmes:report.sheetIndicators'),
      header: [
        t('programmes:report.code'),
        t('programmes:report.indicator'),
        t('programmes:report.unit'),
        t('programmes:report.direction'),
        t('programmes:report.baseline', { year: p.baselineYear }),
        t('programmes:report.target', { year: y }),
        t('programmes:report.actual', { year: y }),
        t('programmes:report.attainmentPct', { year: y }),
        t('programmes:report.status'),
        t('programmes:report.target', { year: indicators[0]?.finalYear ?? p.periodTo }),
        t('programmes:report.attainmentFinalPct', { year: indicators[0]?.finalYear ?? p.periodTo }),
        t('programmes:report.source'),
        t('programmes:report.note'),
      ],
      widths: [8, 60, 16, 18, 12, 12, 12, 14, 14, 12, 16, 30, 30],
      rows: indicators.map((r) => [r.code, r.name, r.unit, r.direction, r.baseline, r.target, r.actual, r.attainment, r.statusText, r.finalTarget, r.attainmentFinal, r.source, r.note]),
    },
    {
      name: t('programmes:report.sheetMeasures'),
      header: [
        t('programmes:report.number'),
        t('programmes:report.directionOfPlan'),
        t('programmes:report.measure'),
        t('programmes:report.form'),
        t('programmes:report.deadline'),
        t('programmes:report.dueDate'),
        t('programmes:report.bodies'),
        t('programmes:report.status'),
        t('programmes:report.completedOn'),
        t('programmes:report.summary'),
        t('programmes:report.evidence'),
      ],
      widths: [6, 30, 70, 30, 24, 12, 40, 14, 12, 40, 60],
      rows: measures.map((m) => [m.number, m.direction, m.name, m.form, m.deadline, m.dueDate, m.bodies, m.statusText, m.completedOn, m.summary, m.evidence.join('\n')]),
    },
    {
      name: t('programmes:report.sheetAbout'),
      header: [t('programmes:report.field'), t('programmes:report.value')],
      widths: [30, 100],
      rows: [
        [t('programmes:report.programme'), localized(p as never, 'name', lang)],
        [t('programmes:report.year'), y],
        [t('programmes:report.asOf'), report.today],
        [t('programmes:report.rule'), t('programmes:rule.text', { onTrack: Math.round(p.onTrackMin * 100), atRisk: Math.round(p.atRiskMin * 100) })],
        [t('programmes:report.measureRule'), t('programmes:rule.measures')],
      ],
    },
  ]);
}
