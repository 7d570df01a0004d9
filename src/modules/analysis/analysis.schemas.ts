import { z } from 'zod';

/** An empty form field means "no filter". */
const blankToUndefined = (v: unknown) => (v === '' || v === null ? undefined : v);

const ZCode = (max: number) =>
  z.preprocess(
    blankToUndefined,
    z
      .string()
      .trim()
      .max(max)
      .regex(/^[A-Za-z0-9_.-]+$/)
      .optional(),
  );

const ZOptionalId = z.preprocess(blankToUndefined, z.coerce.number().int().positive().max(2 ** 31 - 1).optional());

export const ZRoundId = z.coerce.number().int().positive().max(2 ** 31 - 1);

/**
 * The filters of the ranking page, its exports and GET /api/v1/rounds/:id/ranking (query
 * string; other parameters are ignored). `compare` names a second round for Mann-Whitney.
 */
export const ZRankingQuery = z.object({
  territory: ZOptionalId,
  sector: ZCode(60),
  size: ZCode(20),
  innovated: z.preprocess(blankToUndefined, z.enum(['yes', 'no']).optional()),
  compare: ZOptionalId,
  /** Show only open-text answers containing this. */
  text: z.preprocess(blankToUndefined, z.string().trim().max(100).optional()),
});
export type TRankingQuery = z.infer<typeof ZRankingQuery>;

export interface TRankingFilters {
  territory?: number;
  sector?: string;
  size?: string;
  innovated?: boolean;
}

export function filtersOf(query: TRankingQuery): TRankingFilters {
  const filters: TRankingFilters = {};
  if (query.territory !== undefined) filters.territory = query.territory;
  if (query.sector !== undefined) filters.sector = query.sector;
  if (query.size !== undefined) filters.size = query.size;
  if (query.innovated !== undefined) filters.innovated = query.innovated === 'yes';
  return filters;
}

/** The query string that reproduces the filters (and comparison) in links to exports. */
export function queryStringOf(query: TRankingQuery): string {
  const params = new URLSearchParams();
  for (const key of ['territory', 'sector', 'size', 'innovated', 'compare'] as const) {
    const value = query[key];
    if (value !== undefined) params.set(key, String(value));
  }
  const s = params.toString();
  return s ? `?${s}` : '';
}

/** The heat map of the ranking page: rows are barriers, columns the groups of `heatmap`; `measure` colours the cells. */
export const ZHeatMapQuery = z.object({
  heatmap: z.preprocess(blankToUndefined, z.enum(['territory', 'sector', 'size']).default('territory')),
  measure: z.preprocess(blankToUndefined, z.enum(['mean', 'top2']).default('mean')),
});
export type THeatMapQuery = z.infer<typeof ZHeatMapQuery>;
export type THeatMapBy = THeatMapQuery['heatmap'];
