import type { Router } from 'express';
import type { Services } from '../composition';
import type { AppContext } from '../context';
import { analysisRoutes } from './analysis/analysis.routes';
import { expertsRoutes } from './experts/experts.routes';
import { healthRoutes } from './health/health.routes';
import { homeRoutes } from './home/home.routes';
import { indicatorsRoutes } from './indicators/indicators.routes';
import { invitationsRoutes } from './invitations/invitations.routes';
import { mailRoutes } from './mail/mail.routes';
import { monitoringRoutes } from './monitoring/monitoring.routes';
import { programmesRoutes } from './programmes/programmes.routes';
import { questionnaireBuilderRoutes } from './questionnaires/questionnaire-builder.routes';
import { questionnairesRoutes } from './questionnaires/questionnaires.routes';
import { responsesRoutes } from './responses/responses.routes';
import { roundsRoutes } from './rounds/rounds.routes';
import { territoriesRoutes } from './territories/territories.routes';
import { usersRoutes } from './users/users.routes';

/**
 * Feature routers, mounted at the root in this order after authentication and CSRF. Each takes
 * the services it needs from the composition root (src/composition.ts) and builds none itself.
 */
export const featureRoutes: Array<(ctx: AppContext, services: Services) => Router> = [
  healthRoutes,
  // Early: respondents are most of the requests of a round, and express tries the routes of every
  // router mounted before (some 130 layers otherwise). No other router claims /r, /p or /respond.
  responsesRoutes,
  homeRoutes,
  usersRoutes,
  territoriesRoutes,
  // Before questionnaires: /admin/questionnaires/drafts is not a version id.
  questionnaireBuilderRoutes,
  questionnairesRoutes,
  // Before rounds: its /admin/rounds gate admits administrators only, and monitoring is for researchers too.
  monitoringRoutes,
  roundsRoutes,
  invitationsRoutes,
  // After invitations: its /admin/rounds/:id/invitations/new must win over the mail router's /:invitationId.
  mailRoutes,
  analysisRoutes,
  expertsRoutes,
  indicatorsRoutes,
  programmesRoutes,
];
