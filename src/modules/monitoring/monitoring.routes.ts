import { Router, type Request, type Response } from 'express';
import type { AppContext } from '../../context';
import { asyncHandler, parseOrThrow } from '../../errors';
import { localized, type Language } from '../../i18n';
import { formatChartNumber, renderSvgChart, wrappedAxisLabel, wrappedLines } from '../../lib/charts';
import { writeExcelCsv, ZCsvVariant } from '../../lib/excelCsv';
import { writeCsv, writeXlsx } from '../../lib/spreadsheet';
import { requireRole } from '../../middleware/auth';
import { INVITATION_STATES } from '../invitations/invitations.schemas';
import type { MonitoringService } from './monitoring.service';
import { ZMonitoringQuery, ZRoundId, type RoundProgress, type TerritoryFunnelRow } from './monitoring.schemas';

const NUMBER_LOCALE: Record<Language, string> = { kk: 'kk-KZ', ru: 'ru-RU', en: 'en-GB' };

function territoryLabel(row: TerritoryFunnelRow, lang: Language, unknown: string): string {
  return row.territoryId === null ? unknown : localized(row as unknown as Record<string, unknown>, 'name', lang);
}

/** Horizontal bars: share of the target (or, without targets, of the invited) that has submitted, per territory. */
function territoryChart(progress: RoundProgress, lang: Language, t: (k: string, p?: Record<string, unknown>) => string): string | undefined {
  const rows = progress.byTerritory.filter((r) => r.territoryId !== null && (r.target ?? r.invited) > 0);
  if (rows.length === 0) return undefined;
  const useTarget = rows.some((r) => r.target !== null);
  const names = rows.map((r) => territoryLabel(r, lang, ''));
  const values = rows.map((r) => Math.round(1000 * ((useTarget ? r.targetRate : r.responseRate) ?? 0)) / 10);
  const percent = (v: number) => `${formatChartNumber(v, lang, 1)} %`;
  const description = rows.map((r, i) => `${names[i]}: ${percent(values[i]!)}`).join('; ');
  const row = Math.max(26, Math.max(1, ...names.map((n) => wrappedLines(n, 190, 11))) * 14 + 8);
  return renderSvgChart(
    {
      grid: { left: 200, right: 70, top: 10, bottom: 30 },
      xAxis: { type: 'value', min: 0, max: Math.max(100, ...values), axisLabel: { formatter: (v: number) => percent(v) } },
      yAxis: { type: 'category', data: names, inverse: true, axisLabel: wrappedAxisLabel(190, 11) },
      series: [{ type: 'bar', data: values, itemStyle: { color: '#1f5f8b' }, label: { show: true, position: 'right', formatter: (p: { value: unknown }) => percent(Number(p.value)) } }],
    },
    {
      width: 640,
      height: 50 + rows.length * row,
      lang,
      title: t(useTarget ? 'monitoring:chart.titleTarget' : 'monitoring:chart.titleInvited'),
      description,
    },
  );
}

export function monitoringRoutes(_ctx: AppContext, { monitoring: service }: { monitoring: MonitoringService }): Router {
  const router = Router();
  const staff = requireRole('admin', 'researcher');
  router.use('/admin/rounds/:id/monitoring', staff);
  router.use('/api/v1/rounds/:id/progress', staff);
  router.use('/api/v1/rounds/:id/responses.csv', staff);
  router.use('/api/v1/rounds/:id/responses.xlsx', staff);
  router.use('/api/v1/rounds/:id/responses-codebook.csv', staff);

  const roundOf = (req: Request) => service.getRound(parseOrThrow(ZRoundId, req.params.id));

  const attachment = (res: Response, filename: string, type: string) => {
    res.set('Content-Type', type);
    res.set('Content-Disposition', `attachment; filename="${filename}"`);
    res.set('Cache-Control', 'no-store');
  };

  router.get(
    '/admin/rounds/:id/monitoring',
    asyncHandler(async (req, res) => {
      const round = await roundOf(req);
      const { page } = ZMonitoringQuery.parse(req.query);
      const [progress, nonResponders, questionnaire, territories] = await Promise.all([
        service.progress(round),
        service.nonResponders(round.id, page),
        service.questionnaire(round),
        service.territories(),
      ]);
      const numbers = new Intl.NumberFormat(NUMBER_LOCALE[req.lang]);
      const percent = new Intl.NumberFormat(NUMBER_LOCALE[req.lang], { style: 'percent', maximumFractionDigits: 1 });
      const byId = new Map(territories.map((tr) => [tr.id, tr]));
      const options = (code: string) => {
        const q = questionnaire.definition.profile.find((p) => p.code === code);
        return q && (q.type === 'choice' || q.type === 'multi-choice') ? q.options : [];
      };
      const optionLabel = (code: string) => (value: string | null) => {
        if (value === null) return req.t('monitoring:unknown');
        const o = options(code).find((x) => x.code === value);
        return o ? o.text[req.lang] : value;
      };
      res.render('monitoring/index', {
        title: req.t('monitoring:title'),
        round,
        progress,
        nonResponders,
        page,
        states: INVITATION_STATES,
        chart: territoryChart(progress, req.lang, req.t),
        fmt: (n: number | null) => (n === null ? '–' : numbers.format(n)),
        pct: (n: number | null) => (n === null ? '–' : percent.format(n)),
        barWidth: (n: number | null) => `${Math.min(100, Math.max(0, Math.round((n ?? 0) * 1000) / 10))}%`,
        territoryName: (row: TerritoryFunnelRow) => territoryLabel(row, req.lang, req.t('monitoring:unknown')),
        territoryById: (id: number | null) => {
          const tr = id ? byId.get(id) : undefined;
          return tr ? localized(tr as unknown as Record<string, unknown>, 'name', req.lang) : '';
        },
        sectorLabel: optionLabel('sector'),
        sizeLabel: optionLabel('size'),
      });
    }),
  );

  router.get(
    '/admin/rounds/:id/monitoring/non-responders.csv',
    asyncHandler(async (req, res) => {
      const round = await roundOf(req);
      attachment(res, `round-${round.id}-non-responders.csv`, 'text/csv; charset=utf-8');
      await writeCsv(res, ['name', 'contact', 'territory', 'status'], service.nonResponderRows(round.id, req.lang));
    }),
  );

  router.get(
    '/api/v1/rounds/:id/progress',
    asyncHandler(async (req, res) => {
      const round = await roundOf(req);
      const p = await service.progress(round);
      res.json({
        invited: p.invited,
        opened: p.opened,
        started: p.started,
        submitted: p.submitted,
        target: p.target,
        roundId: p.roundId,
        publicEntries: p.publicEntries,
        responseRate: p.responseRate,
        targetRate: p.targetRate,
        byTerritory: p.byTerritory.map((r) => ({
          territoryId: r.territoryId,
          code: r.code,
          name: r.territoryId === null ? null : { kk: r.name_kk, ru: r.name_ru, en: r.name_en },
          invited: r.invited,
          opened: r.opened,
          started: r.started,
          submitted: r.submitted,
          target: r.target,
          responseRate: r.responseRate,
          targetRate: r.targetRate,
        })),
        bySector: p.bySector.map(({ code, invited, opened, started, submitted, responseRate }) => ({ code, invited, opened, started, submitted, responseRate })),
        bySize: p.bySize.map(({ code, invited, opened, started, submitted, responseRate }) => ({ code, invited, opened, started, submitted, responseRate })),
      });
    }),
  );

  router.get(
    '/api/v1/rounds/:id/responses.csv',
    asyncHandler(async (req, res) => {
      const round = await roundOf(req);
      // Parsed before anything is read, so a bad variant is a 400 and not a half-sent file.
      const { variant } = parseOrThrow(ZCsvVariant, req.query);
      const { header, rows } = await service.responseExport(round);
      // Both files keep the questionnaire's codes as column names: the Excel (ru/kk) variant
      // changes only the separators and the decimal mark, so a formula written for one reads the other.
      if (variant === 'excel') {
        attachment(res, `round-${round.id}-responses-excel.csv`, 'text/csv; charset=utf-8');
        await writeExcelCsv(res, header, rows);
        return;
      }
      attachment(res, `round-${round.id}-responses.csv`, 'text/csv; charset=utf-8');
      await writeCsv(res, header, rows);
    }),
  );

  router.get(
    '/api/v1/rounds/:id/responses-codebook.csv',
    asyncHandler(async (req, res) => {
      const round = await roundOf(req);
      const { header, rows } = await service.codebook(round);
      attachment(res, `round-${round.id}-responses-codebook.csv`, 'text/csv; charset=utf-8');
      await writeCsv(res, header, rows);
    }),
  );

  router.get(
    '/api/v1/rounds/:id/responses.xlsx',
    asyncHandler(async (req, res) => {
      const round = await roundOf(req);
      const data = await service.responseExport(round);
      const codebook = await service.codebook(round);
      attachment(res, `round-${round.id}-responses.xlsx`, 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
      await writeXlsx(res, [
        { name: 'responses', header: data.header, rows: data.rows, widths: data.header.map((h) => (h.endsWith('_comment') ? 30 : Math.max(8, h.length + 2))) },
        { name: 'codebook', header: codebook.header, rows: codebook.rows, widths: [10, 18, 10, 50, 50, 50] },
      ]);
    }),
  );

  return router;
}
