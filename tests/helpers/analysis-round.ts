import { addResponses, createRound, createSurvey, SMALL_ROUND, type SurveyFixture } from '../modules/analysis/fixtures';
import { createTestApp, loginAs, type LoggedIn, type TestApp } from './app';

/** The analysis tests' usual world, ready to read. */
export interface SmallRoundWorld {
  t: TestApp;
  /** The hand-made survey (tests/modules/analysis/fixtures.ts): C1 = {A1, A2, A3}, C2 = {B1, B2}, territories T1 and T2. */
  survey: SurveyFixture;
  /** An open round holding SMALL_ROUND, counted into the cells, whose values the tests compute by hand. */
  roundId: number;
  /** A signed-in researcher (pages and downloads). */
  researcher: LoggedIn;
}

/**
 * An app on a fresh database with the hand-made survey, one round of SMALL_ROUND and a signed-in
 * researcher: the setup the analysis page, chart, heat map, statistics and command-line tests
 * share. `texts` replaces item texts (hostile or long ones); `title` names the round. Close it
 * with `world.t.close()`.
 */
export async function smallRoundWorld(options: { title?: string; texts?: Partial<Record<string, string>> } = {}): Promise<SmallRoundWorld> {
  const t = await createTestApp();
  const survey = await createSurvey(t.ctx.db, options.texts);
  const roundId = await createRound(t.ctx.db, survey, options.title ?? 'Round');
  await addResponses(t.ctx.db, survey, roundId, SMALL_ROUND);
  const researcher = await loginAs(t, 'researcher');
  return { t, survey, roundId, researcher };
}
