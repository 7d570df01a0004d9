import type { Knex } from 'knex';
import type { Config } from '../../src/config';
import { Lifecycle } from '../../src/lifecycle';
import { createLogger } from '../../src/logger';
import { runSeeds } from '../../seeds';
import { loadAnalysis } from './adapters';
import { createRound, loadRound, surveyShape } from './loader';

/**
 * The memory probes' closed round of `n` submitted responses (bench/export-memory.ts,
 * bench/aggregation-memory.ts): found by its title when an earlier probe made it, else made on
 * a migrated database (base content seeded if missing), loaded and counted into the cells.
 */
export async function probeRound(db: Knex, database: Config['database'], dataDir: string, n: number): Promise<number> {
  const existing = await db('rounds').where('title', `probe ${n}`).first<{ id: number } | undefined>('id');
  if (existing) return existing.id;
  const ctx = { db, config: { env: 'production', database, dataDir, demo: false } as never, logger: createLogger('silent'), bcryptRounds: 4, lifecycle: new Lifecycle() };
  if (!(await db('questionnaires').first())) await runSeeds(ctx as never, false);
  const shape = await surveyShape(db);
  const roundId = await createRound(db, shape, `probe ${n}`, 'closed');
  console.log('loaded in', (await loadRound(db, shape, roundId, n)).seconds, 's');
  const analysis = await loadAnalysis();
  if (analysis.sync) await analysis.sync(db, roundId);
  console.log('counted');
  return roundId;
}
