import type { Request, RequestHandler, Response, Router } from 'express';
import { z } from 'zod';
import { asyncHandler, parseOrThrow } from '../../errors';
import { LANGUAGES, type Language } from '../../i18n';
import type { CellValue } from '../../lib/spreadsheet';
import type { StatDataset } from '../../lib/statfiles/dataset';
import { writeRScript } from '../../lib/statfiles/r';
import { writeSpssSyntax } from '../../lib/statfiles/spss';
import { writeStataDo } from '../../lib/statfiles/stata';
import { statDataset } from './analysis.dataset';
import { filteredRows, type RoundWorkbookSources } from './analysis.export';
import { ZRankingQuery, ZRoundId } from './analysis.schemas';
import type { AnalysisService } from './analysis.service';

/**
 * GET /api/v1/rounds/:id/responses.sps | .R | .do: the round's submitted responses, filtered
 * like the ranking (territory, sector, size, innovated), as an SPSS/PSPP syntax file with its
 * data, an R script or a Stata do-file, labelled in `lang` (else the reader's language). The
 * values are the raw export's, unaltered (no spreadsheet formula guard: these files are
 * read by statistics packages, not spreadsheets).
 */
export const STAT_FORMATS = {
  sps: { type: 'text/x-spss-syntax; charset=utf-8', write: writeSpssSyntax },
  R: { type: 'text/x-r; charset=utf-8', write: writeRScript },
  do: { type: 'text/x-stata-do; charset=utf-8', write: writeStataDo },
} as const satisfies Record<string, { type: string; write: (d: StatDataset) => string }>;

/** `lang` of the downloads (statistics files, report): the labels' language, else the interface's. */
export const ZLang = z.object({ lang: z.enum(LANGUAGES).optional() });

export function statisticsFileRoutes(router: Router, staff: RequestHandler, analysis: AnalysisService, sources: RoundWorkbookSources): void {
  for (const [extension, format] of Object.entries(STAT_FORMATS)) {
    const path = `/api/v1/rounds/:id/responses.${extension}`;
    router.get(
      path,
      staff,
      asyncHandler(async (req: Request, res: Response) => {
        const id = parseOrThrow(ZRoundId, req.params.id);
        const query = parseOrThrow(ZRankingQuery, req.query);
        const lang: Language = parseOrThrow(ZLang, { lang: req.query.lang }).lang ?? req.lang;
        const ranking = await analysis.ranking(id, query);
        const round = await sources.monitoring.getRound(id);
        const raw = await sources.monitoring.responseExport(round);
        const codebook = await sources.monitoring.codebook(round);
        const territoryCode = ranking.territories.find((x) => x.territory?.id === ranking.filters.territory)?.territory?.code ?? null;
        const rows: CellValue[][] = [];
        for await (const row of filteredRows(raw.rows, ranking.filters, territoryCode)) rows.push([...row]);
        const filters = Object.entries(ranking.filters).map(([k, v]) => `${k}=${v}`).join(', ');
        const title = `${round.title} (round ${round.id}${filters ? `; ${filters}` : ''}; n = ${rows.length})`;
        const body = format.write(statDataset(title, raw.header, rows, codebook.rows, lang));
        res.setHeader('Content-Type', format.type);
        res.setHeader('Content-Disposition', `attachment; filename="round-${id}-responses.${extension}"`);
        res.setHeader('Cache-Control', 'no-store');
        res.send(body);
      }),
    );
  }
}
