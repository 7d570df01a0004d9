import fs from 'node:fs';
import path from 'node:path';
import type { Knex } from 'knex';
import type { AppContext } from '../../src/context';
import { projectRoot } from './proc';

export type RankRound = (ctx: Pick<AppContext, 'db'>, roundId: number) => Promise<unknown>;
export type SyncRoundCells = (db: Knex, roundId: number) => Promise<void>;

interface AnalysisModule {
  rankRound?: RankRound;
  syncRoundCells?: SyncRoundCells;
}

/**
 * The analysis module's functions, called directly (no HTTP): `rankRound` is the ranking
 * computation the issue asks to time; `syncRoundCells` counts bulk-loaded responses into the
 * pre-aggregated cells, as the submit transaction does for each response in normal use.
 * Loaded lazily so that the rest of the benchmark still runs if the module breaks.
 */
export async function loadAnalysis(): Promise<{ rank?: RankRound; sync?: SyncRoundCells; problem?: string }> {
  const file = path.join(projectRoot, 'src', 'modules', 'analysis', 'analysis.service.ts');
  if (!fs.existsSync(file)) return { problem: 'src/modules/analysis/analysis.service.ts does not exist' };
  try {
    const mod = (await import(file)) as AnalysisModule;
    const problems = [!mod.rankRound && 'rankRound', !mod.syncRoundCells && 'syncRoundCells'].filter(Boolean);
    return { rank: mod.rankRound, sync: mod.syncRoundCells, problem: problems.length ? `analysis.service.ts exports no ${problems.join(', ')}` : undefined };
  } catch (e) {
    return { problem: `analysis.service.ts failed to load: ${e instanceof Error ? e.message : String(e)}` };
  }
}
