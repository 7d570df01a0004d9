import fs from 'node:fs';
import path from 'node:path';
import type { AppContext } from '../../src/context';
import { projectRoot } from './proc';

export type RankRound = (ctx: AppContext, roundId: number) => Promise<unknown>;

/**
 * The analysis module's ranking computation, called directly (no HTTP), as the issue asks.
 * Loaded lazily so that the rest of the benchmark runs while that module is missing.
 */
export async function loadRankingFunction(): Promise<{ fn?: RankRound; problem?: string }> {
  const file = path.join(projectRoot, 'src', 'modules', 'analysis', 'analysis.service.ts');
  if (!fs.existsSync(file)) return { problem: 'src/modules/analysis/analysis.service.ts does not exist yet' };
  return { problem: 'analysis service adapter not written yet' };
}
