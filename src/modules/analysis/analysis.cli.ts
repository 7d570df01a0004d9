import type { Knex } from 'knex';
import { loadConfig } from '../../config';
import { createDb } from '../../db/knex';
import { AppError } from '../../errors';
import { analysisService } from './analysis.service';

/**
 * `analysis sync ROUND_ID` counts the submitted responses that are not in the analysis cells
 * yet (after a bulk load that bypassed the submit flow); `analysis rebuild ROUND_ID` recounts
 * the round from its answers (after responses were deleted or edited by hand).
 */
/** `given` is a test's open database (left open); otherwise the configured one is opened and closed. */
export async function runAnalysisCommand(kind: 'sync' | 'rebuild', args: string[], given?: Knex): Promise<number> {
  const id = Number(args[0]);
  if (args.length !== 1 || !Number.isInteger(id) || id <= 0) {
    process.stderr.write(`Usage: kedergi analysis ${kind} ROUND_ID\n`);
    return 2;
  }
  const db = given ?? createDb(loadConfig().database);
  try {
    const service = analysisService(db);
    const started = Date.now();
    if (kind === 'rebuild') {
      await service.rebuild(id);
    } else {
      await service.round(id);
      await service.ensureCounted(id);
    }
    const state = await service.countState(id);
    process.stdout.write(`Round ${id}: ${state.counted} submitted responses in the analysis cells (${((Date.now() - started) / 1000).toFixed(1)} s)\n`);
    return 0;
  } catch (e) {
    if (e instanceof AppError && e.status === 404) {
      process.stderr.write(`Round ${id} does not exist\n`);
      return 1;
    }
    throw e;
  } finally {
    if (!given) await db.destroy();
  }
}
