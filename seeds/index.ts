import { buildServices, type Services } from '../src/composition';
import type { AppContext } from '../src/context';
import { seedDefaultQuestionnaire } from '../src/modules/questionnaires/questionnaires.seed';
import { seedTerritories } from '../src/modules/territories/territories.seed';
import { seedReferenceIndicators, seedSurveyIndicators } from '../src/modules/indicators/indicators.seed';
import { seedDemoResponses } from '../src/modules/responses/responses.demo';
import { seedDemoPanel, seedExpertFactors } from '../src/modules/experts/experts.seed';
import { seedConceptProgramme } from '../src/modules/programmes/programmes.seed';

/**
 * Seeders run once on an empty database, in order. Base content (territories, the default
 * questionnaire, the expert factor lists, reference indicators) is always loaded; demo
 * content (rounds with synthetic responses, a Delphi panel) only when KEDERGI_DEMO is on.
 * Each seeder must be idempotent: it checks whether its content is already there.
 */
export type Seeder = (ctx: AppContext, services: Services) => Promise<void>;

export const baseSeeders: Seeder[] = [];
export const demoSeeders: Seeder[] = [];

// Territories first: the questionnaire's territory question and every later seeder refer to them.
baseSeeders.push(seedTerritories, seedDefaultQuestionnaire);

// Demo rounds of the barriers questionnaire with synthetic responses (needs the base seeders' content),
// counted into the analysis cells before the seeders that read rankings.
demoSeeders.push(async (ctx, services) => {
  await seedDemoResponses(ctx, services);
  await services.analysisCounter.sweep();
});

// Expert factor lists (SWOT, PEST, enterprise parameters); the demo Delphi panel links to the open demo round, so it runs after the responses.
baseSeeders.push(seedExpertFactors);
demoSeeders.push(seedDemoPanel);

// Reference statistics (all of reference-data/) and the saved table 40 index and table 17 model;
// after the demo responses, the demo rounds' survey indicators.
baseSeeders.push(seedReferenceIndicators);
demoSeeders.push(seedSurveyIndicators);

// The 2026-2035 science-concentration concept as a monitored programme.
baseSeeders.push(seedConceptProgramme);

export async function runSeeds(ctx: AppContext, demo: boolean, services: Services = buildServices(ctx)): Promise<void> {
  for (const seed of baseSeeders) await seed(ctx, services);
  if (demo) for (const seed of demoSeeders) await seed(ctx, services);
}
