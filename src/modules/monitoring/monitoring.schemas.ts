import { z } from 'zod';
import type { InvitationListRow } from '../invitations/invitations.schemas';

export const DIMENSIONS = ['territory', 'sector', 'size'] as const;
export type Dimension = (typeof DIMENSIONS)[number];

export const ZRoundId = z.coerce.number().int().positive();
export const ZMonitoringQuery = z.object({
  page: z.preprocess((v) => (v === '' ? undefined : v), z.coerce.number().int().min(1).max(100_000).default(1)).catch(1),
});

export const NON_RESPONDERS_PAGE_SIZE = 100;
/**
 * Responses read per query while exporting: bounded memory whatever the size of the round.
 * A page stays alive while its rows drain into the response, long enough for V8 to promote it
 * to the old generation; at 500 the promoted pages piled up faster than the old generation
 * was collected (heap used climbed from 100 to 280 MB over a 200k export, RSS 433 MB), at 100
 * they are collected as they go (heap used 99-142 MB throughout, RSS 292 MB; same export, and
 * faster: 21 s instead of 26 s). Measured with bench/export-memory.ts.
 */
export const EXPORT_PAGE_SIZE = 100;

/**
 * The response funnel. `invited` counts listed enterprises; respondents who came through a
 * public link have their own invitation rows (`publicEntries`) and count as opened from the start.
 */
export interface FunnelCounts {
  invited: number;
  publicEntries: number;
  opened: number;
  started: number;
  submitted: number;
}

export interface FunnelRow extends FunnelCounts {
  target: number | null;
  /** submitted / invited, null without invitations. */
  responseRate: number | null;
  /** submitted / target, null without a target. */
  targetRate: number | null;
}

export interface TerritoryFunnelRow extends FunnelRow {
  territoryId: number | null;
  code: string | null;
  name_kk: string;
  name_ru: string;
  name_en: string;
}

export interface OptionFunnelRow extends FunnelRow {
  code: string | null;
  label: { kk: string; ru: string; en: string } | null;
}

export interface RoundProgress extends FunnelRow {
  roundId: number;
  byTerritory: TerritoryFunnelRow[];
  bySector: OptionFunnelRow[];
  bySize: OptionFunnelRow[];
}

export type NonResponderRow = Pick<InvitationListRow, 'id' | 'name' | 'contact' | 'territoryId' | 'sector' | 'size' | 'state'>;

export interface ResponseExportRow {
  id: number;
  submittedAt: string | null;
  language: string;
}
