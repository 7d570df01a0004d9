import { Writable } from 'node:stream';
import jwt from 'jsonwebtoken';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app';
import { insertReturningId, nowIso } from '../../src/db/dialect';
import { createLogger } from '../../src/logger';
import { ISSUER } from '../../src/modules/auth/auth.tokens';
import { KnexUsersRepository } from '../../src/modules/users/users.repository';
import { UsersService } from '../../src/modules/users/users.service';
import { sign } from '../../src/lib/seal';
import { generateLinkToken, hashToken } from '../../src/lib/tokens';
import { createTestApp, createUser, type TestApp } from '../helpers/app';
import {
  anonymousActor,
  changedTables,
  fingerprint,
  listRoutes,
  mapLimit,
  median,
  newCsrfToken,
  respondentActor,
  routeKey,
  sessionActor,
  sessionActorFor,
  type Actor,
  type RouteEntry,
} from '../helpers/security';

/**
 * Who may call what. Every route of the live app must have an entry here: a new route fails
 * this file until someone has decided (and a reviewer has seen) who may reach it.
 *
 * Policies:
 *  - public:     anyone, signed in or not
 *  - respondent: only with a respondent cookie (from an invitation or public link); no staff account helps
 *  - anyUser:    any signed-in account (admin, researcher, expert)
 *  - expert:     expert accounts only (administrators included? no: they have their own pages)
 *  - staff:      administrators and researchers
 *  - admin:      administrators only
 *  - programme:  administrators, researchers and executors of reporting bodies (programme monitoring;
 *                which measures and indicators an executor may change is checked per object)
 */
type Policy = 'public' | 'respondent' | 'anyUser' | 'expert' | 'staff' | 'admin' | 'programme';
type ActorName = 'anonymous' | 'respondent' | 'expert' | 'researcher' | 'admin' | 'disabled' | 'executor';

interface Fixture {
  questionnaireId: number;
  territoryId: number;
  territoryCode: string;
  roundOpen: number;
  roundPublic: number;
  roundScratch: number;
  publicToken: string;
  pendingToken: string;
  pendingInvitation: number;
  optOutToken: string;
  importView: string;
  importConfirm: string;
  importCancel: string;
  batchId: string;
  targetUser: number;
  panelA: number;
  panelB: number;
  panelScratch: number;
  scratchMember: number;
  scratchEnterprise: number;
  indicatorDataset: number;
  indicator: number;
  indicatorModel: number;
  /** Imports are their uploader's alone (issue 13), so each admitted actor gets one of their own. */
  indicatorImport: Record<'researcher' | 'admin', string>;
  /** One per admitted actor: the first discard or delete would leave the second nothing to act on. */
  indicatorImportDiscard: Record<'researcher' | 'admin', string>;
  indicatorModelToDelete: Record<'researcher' | 'admin', number>;
  indicatorTerritory: number;
  category: string;
  /** The seeded concept; a copy without a regional table for the administrator's load (two loads at once would race on territory codes). */
  programme: number;
  programmeNoRegions: number;
  programmeNoRegionsIndicator: number;
  programmeIndicator: number;
  /** Measure 2 (ҒЖБМ, АЭА): the executor's body АЭА executes it. */
  programmeMeasure: number;
  programmeEvidence: number;
  programmeDuty: number;
  programmeBody: number;
  /** An actuals file staged for its overwrite confirmation: its uploader's alone, so one per admitted actor. */
  programmeActualsImport: Record<'researcher' | 'admin' | 'executor', number>;
  /** A builder draft of a new questionnaire (its forms refuse an empty body: no revision). */
  builderDraft: number;
  /** XLSForms read on the admin page and waiting for confirmation: one to show, one to confirm or cancel. */
  xlsformImport: number;
  xlsformImportToConfirm: number;
}

interface Rule {
  policy: Policy;
  /** The concrete URL with real ids of the fixture (default: the route path itself). */
  url?: (f: Fixture, actor: ActorName) => string;
  /** Body of the request (POST); sent as JSON on /api/, form-encoded elsewhere. Default: empty. */
  body?: (f: Fixture) => Record<string, unknown>;
  /** Why the rule is what it is, when that is not obvious. */
  note?: string;
}

const r = (policy: Policy, url?: Rule['url'], body?: Rule['body'], note?: string): Rule => ({ policy, url, body, note });

const POLICY: Record<string, Rule> = {
  // foundation
  'GET /login': r('public'),
  'POST /login': r('public'),
  'POST /logout': r('public', undefined, undefined, 'signing out without a session is harmless'),
  'GET /account/password': r('anyUser'),
  'GET /start': r('anyUser'),
  'GET /help/api': r('staff'),
  'POST /account/password': r('anyUser'),
  'POST /api/v1/auth/token': r('public'),
  'GET /password/forgot': r('public'),
  'POST /password/forgot': r('public', undefined, undefined, 'the same answer for every address'),
  'GET /password/reset': r('public'),
  'POST /password/reset': r('public', undefined, undefined, 'the single-use token is the only key'),
  'GET /api/v1/me': r('anyUser'),
  'GET /healthz': r('public'),
  'GET /readyz': r('public'),
  'GET /': r('public'),
  'POST /lang': r('public'),
  // users
  'GET /admin/users': r('admin'),
  'POST /admin/users': r('admin'),
  'POST /admin/users/:id/role': r('admin', (f) => `/admin/users/${f.targetUser}/role`),
  'POST /admin/users/:id/disable': r('admin', (f) => `/admin/users/${f.targetUser}/disable`),
  'POST /admin/users/:id/enable': r('admin', (f) => `/admin/users/${f.targetUser}/enable`),
  'POST /admin/users/:id/reset-password': r('admin', (f) => `/admin/users/${f.targetUser}/reset-password`),
  // territories
  'GET /admin/territories': r('admin'),
  'POST /admin/territories': r('admin'),
  'GET /admin/territories/:id/edit': r('admin', (f) => `/admin/territories/${f.territoryId}/edit`),
  'POST /admin/territories/:id': r('admin', (f) => `/admin/territories/${f.territoryId}`),
  'GET /api/v1/territories': r('staff'),
  // questionnaires: version comparison and XLSForm exchange (issue 11)
  'GET /admin/questionnaires/compare': r('admin', (f) => `/admin/questionnaires/compare?to=${f.questionnaireId}`),
  'POST /admin/questionnaires/import-xlsform': r('admin', undefined, undefined, 'without a file: a 400 form error'),
  'GET /admin/questionnaires/import-xlsform/:importId': r('admin', (f) => `/admin/questionnaires/import-xlsform/${f.xlsformImport}`),
  'POST /admin/questionnaires/import-xlsform/:importId/confirm': r('admin', (f) => `/admin/questionnaires/import-xlsform/${f.xlsformImportToConfirm}/confirm`, undefined, 'a second time: 303, no longer waiting'),
  'POST /admin/questionnaires/import-xlsform/:importId/cancel': r('admin', (f) => `/admin/questionnaires/import-xlsform/${f.xlsformImportToConfirm}/cancel`),
  'GET /admin/questionnaires/:id/export.xlsx': r('admin', (f) => `/admin/questionnaires/${f.questionnaireId}/export.xlsx`),
  'GET /api/v1/questionnaires/:id/xlsform': r('staff', (f) => `/api/v1/questionnaires/${f.questionnaireId}/xlsform`),
  'POST /api/v1/questionnaires/xlsform': r('admin', undefined, undefined, 'without a file: a 400 error'),
  // questionnaires
  'GET /admin/questionnaires': r('admin'),
  'POST /admin/questionnaires/import': r('admin'),
  'GET /admin/questionnaires/:id': r('admin', (f) => `/admin/questionnaires/${f.questionnaireId}`),
  'GET /admin/questionnaires/:id/export.json': r('admin', (f) => `/admin/questionnaires/${f.questionnaireId}/export.json`),
  'GET /admin/questionnaires/:id/edit': r('admin', (f) => `/admin/questionnaires/${f.questionnaireId}/edit`),
  'POST /admin/questionnaires/:id/edit': r('admin', (f) => `/admin/questionnaires/${f.questionnaireId}/edit`),
  'GET /api/v1/questionnaires': r('staff'),
  'GET /api/v1/questionnaires/:id': r('staff', (f) => `/api/v1/questionnaires/${f.questionnaireId}`),
  'POST /api/v1/questionnaires': r('admin'),
  // questionnaire builder
  'GET /admin/questionnaires/drafts': r('admin'),
  'POST /admin/questionnaires/drafts': r('admin'),
  'POST /admin/questionnaires/:id/draft': r('admin', (f) => `/admin/questionnaires/${f.questionnaireId}/draft`),
  'GET /admin/questionnaires/drafts/:draftId': r('admin', (f) => `/admin/questionnaires/drafts/${f.builderDraft}`),
  'GET /admin/questionnaires/drafts/:draftId/changes': r('admin', (f) => `/admin/questionnaires/drafts/${f.builderDraft}/changes`),
  'GET /admin/questionnaires/drafts/:draftId/title': r('admin', (f) => `/admin/questionnaires/drafts/${f.builderDraft}/title`),
  'POST /admin/questionnaires/drafts/:draftId/title': r('admin', (f) => `/admin/questionnaires/drafts/${f.builderDraft}/title`),
  'GET /admin/questionnaires/drafts/:draftId/scale': r('admin', (f) => `/admin/questionnaires/drafts/${f.builderDraft}/scale`),
  'POST /admin/questionnaires/drafts/:draftId/scale': r('admin', (f) => `/admin/questionnaires/drafts/${f.builderDraft}/scale`),
  'GET /admin/questionnaires/drafts/:draftId/sections/new': r('admin', (f) => `/admin/questionnaires/drafts/${f.builderDraft}/sections/new`),
  'POST /admin/questionnaires/drafts/:draftId/sections': r('admin', (f) => `/admin/questionnaires/drafts/${f.builderDraft}/sections`),
  'GET /admin/questionnaires/drafts/:draftId/sections/:code': r('admin', (f) => `/admin/questionnaires/drafts/${f.builderDraft}/sections/S1`),
  'POST /admin/questionnaires/drafts/:draftId/sections/:code': r('admin', (f) => `/admin/questionnaires/drafts/${f.builderDraft}/sections/S1`),
  'POST /admin/questionnaires/drafts/:draftId/sections/:code/move': r('admin', (f) => `/admin/questionnaires/drafts/${f.builderDraft}/sections/S1/move`),
  'POST /admin/questionnaires/drafts/:draftId/sections/:code/delete': r('admin', (f) => `/admin/questionnaires/drafts/${f.builderDraft}/sections/S1/delete`),
  'GET /admin/questionnaires/drafts/:draftId/questions/new': r('admin', (f) => `/admin/questionnaires/drafts/${f.builderDraft}/questions/new?kind=rating`),
  'POST /admin/questionnaires/drafts/:draftId/questions': r('admin', (f) => `/admin/questionnaires/drafts/${f.builderDraft}/questions`),
  'GET /admin/questionnaires/drafts/:draftId/questions/:code': r('admin', (f) => `/admin/questionnaires/drafts/${f.builderDraft}/questions/Q1`),
  'POST /admin/questionnaires/drafts/:draftId/questions/:code': r('admin', (f) => `/admin/questionnaires/drafts/${f.builderDraft}/questions/Q1`),
  'POST /admin/questionnaires/drafts/:draftId/questions/:code/move': r('admin', (f) => `/admin/questionnaires/drafts/${f.builderDraft}/questions/Q1/move`),
  'POST /admin/questionnaires/drafts/:draftId/questions/:code/delete': r('admin', (f) => `/admin/questionnaires/drafts/${f.builderDraft}/questions/Q1/delete`),
  'GET /admin/questionnaires/drafts/:draftId/profile/:code': r('admin', (f) => `/admin/questionnaires/drafts/${f.builderDraft}/profile/sector`),
  'POST /admin/questionnaires/drafts/:draftId/profile/:code': r('admin', (f) => `/admin/questionnaires/drafts/${f.builderDraft}/profile/sector`),
  'POST /admin/questionnaires/drafts/:draftId/publish': r('admin', (f) => `/admin/questionnaires/drafts/${f.builderDraft}/publish`),
  'POST /admin/questionnaires/drafts/:draftId/discard': r('admin', (f) => `/admin/questionnaires/drafts/${f.builderDraft}/discard`),
  'GET /admin/questionnaires/drafts/:id/preview': r('admin', (f) => `/admin/questionnaires/drafts/${f.builderDraft}/preview`),
  'GET /admin/questionnaires/drafts/:id/preview/frame': r('admin', (f) => `/admin/questionnaires/drafts/${f.builderDraft}/preview/frame`),
  'POST /admin/questionnaires/drafts/:id/preview/frame': r('admin', (f) => `/admin/questionnaires/drafts/${f.builderDraft}/preview/frame?page=S1`),
  'POST /admin/questionnaires/drafts/:id/preview/frame/restart': r('admin', (f) => `/admin/questionnaires/drafts/${f.builderDraft}/preview/frame/restart`),
  'GET /admin/questionnaires/:id/preview': r('admin', (f) => `/admin/questionnaires/${f.questionnaireId}/preview`),
  'GET /admin/questionnaires/:id/preview/frame': r('admin', (f) => `/admin/questionnaires/${f.questionnaireId}/preview/frame`),
  'POST /admin/questionnaires/:id/preview/frame': r('admin', (f) => `/admin/questionnaires/${f.questionnaireId}/preview/frame?page=MARKET`),
  'POST /admin/questionnaires/:id/preview/frame/restart': r('admin', (f) => `/admin/questionnaires/${f.questionnaireId}/preview/frame/restart`),
  // rounds
  'GET /admin/rounds': r('admin'),
  'GET /admin/rounds/new': r('admin'),
  'POST /admin/rounds': r('admin'),
  'GET /admin/rounds/:id': r('admin', (f) => `/admin/rounds/${f.roundOpen}`),
  'GET /admin/rounds/:id/edit': r('admin', (f) => `/admin/rounds/${f.roundOpen}/edit`),
  'POST /admin/rounds/:id': r('admin', (f) => `/admin/rounds/${f.roundScratch}`),
  'POST /admin/rounds/:id/status': r('admin', (f) => `/admin/rounds/${f.roundScratch}/status`),
  'POST /admin/rounds/:id/public-link': r('admin', (f) => `/admin/rounds/${f.roundScratch}/public-link`),
  'GET /api/v1/rounds': r('staff'),
  'GET /api/v1/rounds/:id': r('staff', (f) => `/api/v1/rounds/${f.roundOpen}`),
  'POST /api/v1/rounds': r('admin'),
  'POST /api/v1/rounds/:id/status': r('admin', (f) => `/api/v1/rounds/${f.roundScratch}/status`),
  // invitations
  'GET /admin/rounds/:id/invitations': r('admin', (f) => `/admin/rounds/${f.roundOpen}/invitations`),
  'GET /admin/rounds/:id/invitations/new': r('admin', (f) => `/admin/rounds/${f.roundOpen}/invitations/new`),
  'POST /admin/rounds/:id/invitations/paste': r('admin', (f) => `/admin/rounds/${f.roundOpen}/invitations/paste`),
  'POST /admin/rounds/:id/invitations/upload': r('admin', (f) => `/admin/rounds/${f.roundOpen}/invitations/upload`),
  'GET /admin/rounds/:id/invitations/imports/:importId': r('admin', (f) => `/admin/rounds/${f.roundOpen}/invitations/imports/${f.importView}`),
  'GET /admin/rounds/:id/invitations/imports/:importId/errors.csv': r('admin', (f) => `/admin/rounds/${f.roundOpen}/invitations/imports/${f.importView}/errors.csv`),
  'POST /admin/rounds/:id/invitations/imports/:importId/confirm': r('admin', (f) => `/admin/rounds/${f.roundOpen}/invitations/imports/${f.importConfirm}/confirm`),
  'POST /admin/rounds/:id/invitations/imports/:importId/cancel': r('admin', (f) => `/admin/rounds/${f.roundOpen}/invitations/imports/${f.importCancel}/cancel`),
  'GET /admin/rounds/:id/invitations/batches/:batchId': r('admin', (f) => `/admin/rounds/${f.roundOpen}/invitations/batches/${f.batchId}`),
  'POST /admin/rounds/:id/invitations/links/:batchId': r('admin', (f) => `/admin/rounds/${f.roundOpen}/invitations/links/${f.batchId}`),
  'POST /api/v1/rounds/:id/invitations': r('admin', (f) => `/api/v1/rounds/${f.roundOpen}/invitations`),
  // mail (mail is off in this app: sending answers 409, which still proves admission)
  'GET /admin/rounds/:id/mail': r('admin', (f) => `/admin/rounds/${f.roundOpen}/mail`),
  'GET /admin/rounds/:id/mail/send': r('admin', (f) => `/admin/rounds/${f.roundOpen}/mail/send?kind=reminder`),
  'POST /admin/rounds/:id/mail/send': r('admin', (f) => `/admin/rounds/${f.roundOpen}/mail/send`),
  'POST /admin/rounds/:id/mail/schedule': r('admin', (f) => `/admin/rounds/${f.roundOpen}/mail/schedule`),
  'GET /admin/rounds/:id/mail/templates/:kind/:lang': r('admin', (f) => `/admin/rounds/${f.roundOpen}/mail/templates/invitation/ru`),
  'POST /admin/rounds/:id/mail/templates/:kind/:lang': r('admin', (f) => `/admin/rounds/${f.roundOpen}/mail/templates/invitation/ru`),
  'POST /admin/rounds/:id/mail/templates/:kind/:lang/test': r('admin', (f) => `/admin/rounds/${f.roundOpen}/mail/templates/invitation/ru/test`),
  'GET /admin/rounds/:id/invitations/:invitationId': r('admin', (f) => `/admin/rounds/${f.roundOpen}/invitations/${f.pendingInvitation}`),
  'POST /admin/rounds/:id/invitations/:invitationId/resend': r('admin', (f) => `/admin/rounds/${f.roundOpen}/invitations/${f.pendingInvitation}/resend`),
  // Without confirm=yes these only ask: nothing changes.
  'POST /admin/rounds/:id/invitations/:invitationId/reissue': r('admin', (f) => `/admin/rounds/${f.roundOpen}/invitations/${f.pendingInvitation}/reissue`),
  'POST /admin/rounds/:id/invitations/:invitationId/withdraw': r('admin', (f) => `/admin/rounds/${f.roundOpen}/invitations/${f.pendingInvitation}/withdraw`),
  'GET /admin/mail': r('admin'),
  'POST /admin/mail/bounces': r('admin'),
  'GET /mail/opt-out/:token': r('public', (f) => `/mail/opt-out/${f.optOutToken}`, undefined, 'the signed link in a mail is the only key; no account'),
  'POST /mail/opt-out/:token': r('public', (f) => `/mail/opt-out/${f.optOutToken}`),
  'POST /api/v1/rounds/:id/mail': r('admin', (f) => `/api/v1/rounds/${f.roundOpen}/mail`),
  'GET /api/v1/rounds/:id/invitations': r('admin', (f) => `/api/v1/rounds/${f.roundOpen}/invitations`),
  // monitoring
  // Researchers too: the monitoring router is mounted before the rounds router's administrators-only /admin/rounds gate.
  'GET /admin/rounds/:id/monitoring': r('staff', (f) => `/admin/rounds/${f.roundOpen}/monitoring`),
  'GET /admin/rounds/:id/monitoring/non-responders.csv': r('staff', (f) => `/admin/rounds/${f.roundOpen}/monitoring/non-responders.csv`),
  'GET /api/v1/rounds/:id/progress': r('staff', (f) => `/api/v1/rounds/${f.roundOpen}/progress`),
  'GET /api/v1/rounds/:id/responses.csv': r('staff', (f) => `/api/v1/rounds/${f.roundOpen}/responses.csv`),
  'GET /api/v1/rounds/:id/responses-codebook.csv': r('staff', (f) => `/api/v1/rounds/${f.roundOpen}/responses-codebook.csv`),
  'GET /api/v1/rounds/:id/responses.xlsx': r('staff', (f) => `/api/v1/rounds/${f.roundOpen}/responses.xlsx`),
  // respondents
  'GET /r/:token': r('public', (f) => `/r/${f.pendingToken}`),
  'GET /p/:token': r('public', (f) => `/p/${f.publicToken}`),
  'POST /p/:token': r('public', (f) => `/p/${f.publicToken}`, () => ({ lang: 'kk' }), 'beginning a public questionnaire is open to anyone with the link'),
  'GET /respond': r('respondent'),
  'POST /respond/language': r('respondent'),
  'GET /respond/profile': r('respondent'),
  'POST /respond/profile': r('respondent'),
  'GET /respond/page/:code': r('respondent', (f) => `/respond/page/${f.category}`),
  'POST /respond/page/:code': r('respondent', (f) => `/respond/page/${f.category}`),
  'GET /respond/review': r('respondent'),
  'POST /respond/submit': r('respondent'),
  'GET /respond/done': r('respondent'),
  'POST /respond/submit-all': r('respondent'),
  // expert panels: administration
  'GET /admin/panels': r('admin'),
  'POST /admin/panels': r('admin'),
  'GET /admin/panels/:id': r('admin', (f) => `/admin/panels/${f.panelA}`),
  'POST /admin/panels/:id': r('admin', (f) => `/admin/panels/${f.panelScratch}`),
  'POST /admin/panels/:id/members': r('admin', (f) => `/admin/panels/${f.panelScratch}/members`),
  'POST /admin/panels/:id/members/:userId/remove': r('admin', (f) => `/admin/panels/${f.panelScratch}/members/${f.scratchMember}/remove`),
  'POST /admin/panels/:id/enterprises': r('admin', (f) => `/admin/panels/${f.panelScratch}/enterprises`),
  'POST /admin/panels/:id/enterprises/:enterpriseId/remove': r('admin', (f) => `/admin/panels/${f.panelScratch}/enterprises/${f.scratchEnterprise}/remove`),
  'POST /admin/panels/:id/barriers': r('admin', (f) => `/admin/panels/${f.panelScratch}/barriers`),
  'POST /admin/panels/:id/barriers/:code/remove': r('admin', (f) => `/admin/panels/${f.panelScratch}/barriers/B01/remove`),
  'POST /admin/panels/:id/rounds/open-first': r('admin', (f) => `/admin/panels/${f.panelScratch}/rounds/open-first`),
  'POST /admin/panels/:id/rounds/close': r('admin', (f) => `/admin/panels/${f.panelScratch}/rounds/close`),
  'POST /admin/panels/:id/rounds/open-next': r('admin', (f) => `/admin/panels/${f.panelScratch}/rounds/open-next`),
  'POST /admin/panels/:id/rounds/remind': r('admin', (f) => `/admin/panels/${f.panelScratch}/rounds/remind`),
  // issue 12 (session 3): expert reminder schedule, language preference, old invitations made mailable
  'POST /admin/panels/:id/reminders': r('admin', (f) => `/admin/panels/${f.panelScratch}/reminders`),
  'GET /account': r('anyUser'),
  'POST /account/language': r('anyUser'),
  'POST /admin/users/:id/language': r('admin', (f) => `/admin/users/${f.targetUser}/language`),
  'POST /admin/rounds/:id/mail/prepare': r('admin', (f) => `/admin/rounds/${f.roundOpen}/mail/prepare`),
  'GET /admin/rounds/:id/mail/reminder-list.csv': r('admin', (f) => `/admin/rounds/${f.roundOpen}/mail/reminder-list.csv`),
  // expert panels: results
  'GET /panels': r('staff'),
  'GET /panels/:id/agreement': r('staff', (f) => `/panels/${f.panelA}/agreement`),
  'GET /panels/:id/swot': r('staff', (f) => `/panels/${f.panelA}/swot`),
  'GET /panels/:id/pest': r('staff', (f) => `/panels/${f.panelA}/pest`),
  'GET /panels/:id/swot.csv': r('staff', (f) => `/panels/${f.panelA}/swot.csv`),
  'GET /panels/:id/swot.xlsx': r('staff', (f) => `/panels/${f.panelA}/swot.xlsx`),
  'GET /panels/:id/pest.csv': r('staff', (f) => `/panels/${f.panelA}/pest.csv`),
  'GET /panels/:id/pest.xlsx': r('staff', (f) => `/panels/${f.panelA}/pest.xlsx`),
  'GET /panels/:id/agreement.csv': r('staff', (f) => `/panels/${f.panelA}/agreement.csv`),
  'GET /panels/:id/agreement.xlsx': r('staff', (f) => `/panels/${f.panelA}/agreement.xlsx`),
  'GET /api/v1/panels/:id/agreement': r('staff', (f) => `/api/v1/panels/${f.panelA}/agreement`),
  'GET /api/v1/panels/:id/swot': r('staff', (f) => `/api/v1/panels/${f.panelA}/swot`),
  'GET /api/v1/panels/:id/pest': r('staff', (f) => `/api/v1/panels/${f.panelA}/pest`),
  // experts
  'GET /expert': r('expert'),
  'GET /expert/panels/:id': r('expert', (f) => `/expert/panels/${f.panelA}`),
  'POST /expert/panels/:id': r('expert', (f) => `/expert/panels/${f.panelA}`),
  // indicators and models
  'POST /api/v1/models/fit': r('staff'),
  'POST /api/v1/models/composite': r('staff'),
  'POST /api/v1/models/derive': r('staff'),
  'POST /api/v1/models/scenario': r('staff'),
  'GET /indicators': r('staff'),
  'GET /indicators/datasets/new': r('staff'),
  'POST /indicators/datasets': r('staff'),
  'GET /indicators/datasets/:id': r('staff', (f) => `/indicators/datasets/${f.indicatorDataset}`),
  'GET /indicators/datasets/:id/edit': r('staff', (f) => `/indicators/datasets/${f.indicatorDataset}/edit`),
  'POST /indicators/datasets/:id': r('staff', (f) => `/indicators/datasets/${f.indicatorDataset}`),
  'POST /indicators/datasets/:id/import': r('staff', (f) => `/indicators/datasets/${f.indicatorDataset}/import`),
  'GET /indicators/imports/:id': r('staff', (f, a) => `/indicators/imports/${f.indicatorImport[a === 'admin' ? 'admin' : 'researcher']}`),
  'POST /indicators/imports/:id/confirm': r('staff', (f, a) => `/indicators/imports/${f.indicatorImport[a === 'admin' ? 'admin' : 'researcher']}/confirm`),
  'POST /indicators/imports/:id/discard': r('staff', (f, a) => `/indicators/imports/${f.indicatorImportDiscard[a === 'admin' ? 'admin' : 'researcher']}/discard`),
  'GET /indicators/indicators/:id/edit': r('staff', (f) => `/indicators/indicators/${f.indicator}/edit`),
  'GET /indicators/scenario': r('staff'),
  'POST /indicators/scenario': r('staff'),
  'POST /indicators/datasets/:id/derived': r('staff', (f) => `/indicators/datasets/${f.indicatorDataset}/derived`),
  'GET /indicators/datasets/:id/values.csv': r('staff', (f) => `/indicators/datasets/${f.indicatorDataset}/values.csv`),
  'POST /indicators/indicators/:id': r('staff', (f) => `/indicators/indicators/${f.indicator}`),
  'GET /indicators/datasets/:id/models': r('staff', (f) => `/indicators/datasets/${f.indicatorDataset}/models`),
  'POST /indicators/datasets/:id/models': r('staff', (f) => `/indicators/datasets/${f.indicatorDataset}/models`),
  'GET /indicators/composite': r('staff'),
  'POST /indicators/composite': r('staff'),
  'GET /indicators/models/:id': r('staff', (f) => `/indicators/models/${f.indicatorModel}`),
  'GET /indicators/models/:id/spec.json': r('staff', (f) => `/indicators/models/${f.indicatorModel}/spec.json`),
  'GET /indicators/models/:id/result.json': r('staff', (f) => `/indicators/models/${f.indicatorModel}/result.json`),
  'POST /indicators/models/:id/forecast': r('staff', (f) => `/indicators/models/${f.indicatorModel}/forecast`),
  'POST /indicators/models/:id/title': r('staff', (f) => `/indicators/models/${f.indicatorModel}/title`),
  'POST /indicators/models/:id/delete': r('staff', (f, a) => `/indicators/models/${f.indicatorModelToDelete[a === 'admin' ? 'admin' : 'researcher']}/delete`),
  'GET /indicators/territories/:id': r('staff', (f) => `/indicators/territories/${f.indicatorTerritory}`),
  'GET /indicators/rounds': r('staff'),
  // One round per admitted actor: two first publications of one round at once are a race of their own (bad-input.indicators).
  'POST /indicators/rounds/:id/publish': r('staff', (f, a) => `/indicators/rounds/${a === 'admin' ? f.roundPublic : f.roundOpen}/publish`),
  'GET /indicators/calculators': r('staff'),
  // analysis
  'GET /analysis': r('staff'),
  'GET /analysis/rounds/:id': r('staff', (f) => `/analysis/rounds/${f.roundOpen}`),
  'GET /analysis/rounds/:id/items.csv': r('staff', (f) => `/analysis/rounds/${f.roundOpen}/items.csv`),
  'GET /analysis/rounds/:id/categories.csv': r('staff', (f) => `/analysis/rounds/${f.roundOpen}/categories.csv`),
  'GET /analysis/rounds/:id/workbook.xlsx': r('staff', (f) => `/analysis/rounds/${f.roundOpen}/workbook.xlsx`),
  // issue 10 (s3-i10-storage): innovation activity, funding sources, the national-statistics comparison
  'GET /analysis/rounds/:id/innovation.csv': r('staff', (f) => `/analysis/rounds/${f.roundOpen}/innovation.csv`),
  'GET /analysis/rounds/:id/funding.csv': r('staff', (f) => `/analysis/rounds/${f.roundOpen}/funding.csv`),
  'GET /analysis/rounds/:id/national': r('staff', (f) => `/analysis/rounds/${f.roundOpen}/national`),
  'GET /analysis/rounds/:id/report': r('staff', (f) => `/analysis/rounds/${f.roundOpen}/report`),
  'GET /api/v1/rounds/:id/ranking': r('staff', (f) => `/api/v1/rounds/${f.roundOpen}/ranking`),
  'GET /api/v1/rounds/:id/responses.sps': r('staff', (f) => `/api/v1/rounds/${f.roundOpen}/responses.sps`),
  'GET /api/v1/rounds/:id/responses.R': r('staff', (f) => `/api/v1/rounds/${f.roundOpen}/responses.R`),
  'GET /api/v1/rounds/:id/responses.do': r('staff', (f) => `/api/v1/rounds/${f.roundOpen}/responses.do`),
  'GET /api/v1/rounds/:id/report.pdf': r('staff', (f) => `/api/v1/rounds/${f.roundOpen}/report.pdf`),
  // programmes
  'GET /api/v1/programmes': r('programme'),
  'GET /api/v1/programmes/:id': r('programme', (f) => `/api/v1/programmes/${f.programme}`),
  'GET /programmes': r('programme'),
  'GET /programmes/import': r('admin'),
  'POST /programmes/import': r('admin', undefined, undefined, 'without a file: a 400 form error'),
  'GET /programmes/:id/export.json': r('staff', (f) => `/programmes/${f.programme}/export.json`),
  'GET /programmes/:id': r('programme', (f) => `/programmes/${f.programme}`),
  'GET /programmes/:id/indicators/:indicatorId': r('programme', (f) => `/programmes/${f.programme}/indicators/${f.programmeIndicator}`),
  'POST /programmes/:id/indicators/:indicatorId/actuals': r('programme', (f) => `/programmes/${f.programme}/indicators/${f.programmeIndicator}/actuals`, undefined, "the executor's body is assigned to this indicator"),
  'POST /programmes/:id/indicators/:indicatorId/targets': r('admin', (f) => `/programmes/${f.programmeNoRegions}/indicators/${f.programmeNoRegionsIndicator}/targets`, undefined, 'the copy: the concept\'s targets stay as seeded'),
  'POST /programmes/:id/rule': r('admin', (f) => `/programmes/${f.programmeNoRegions}/rule`),
  'POST /programmes/:id/indicators/:indicatorId/bodies': r('admin', (f) => `/programmes/${f.programme}/indicators/${f.programmeIndicator}/bodies`, (f) => ({ bodyIds: String(f.programmeBody) })),
  'GET /programmes/:id/actuals/import': r('programme', (f) => `/programmes/${f.programme}/actuals/import`),
  'POST /programmes/:id/actuals/import': r('programme', (f) => `/programmes/${f.programme}/actuals/import`, undefined, 'without a file: a 400 form error'),
  'GET /programmes/:id/actuals/imports/:importId': r('programme', (f, a) => `/programmes/${f.programme}/actuals/imports/${f.programmeActualsImport[a === 'researcher' || a === 'executor' ? a : 'admin']}`),
  'POST /programmes/:id/actuals/imports/:importId/confirm': r('programme', (f, a) => `/programmes/${f.programme}/actuals/imports/${f.programmeActualsImport[a === 'researcher' || a === 'executor' ? a : 'admin']}/confirm`, undefined, 'without confirm=yes: back to the confirmation page, nothing written'),
  'POST /programmes/:id/actuals/imports/:importId/discard': r('programme', (f, a) => `/programmes/${f.programme}/actuals/imports/${f.programmeActualsImport[a === 'researcher' || a === 'executor' ? a : 'admin']}/discard`, undefined, 'without confirm=yes: the confirmation page, nothing discarded'),
  'GET /programmes/:id/measures': r('programme', (f) => `/programmes/${f.programme}/measures`),
  'GET /programmes/:id/measures/:measureId': r('programme', (f) => `/programmes/${f.programme}/measures/${f.programmeMeasure}`),
  'POST /programmes/:id/measures/:measureId/report': r('programme', (f) => `/programmes/${f.programme}/measures/${f.programmeMeasure}/report`, undefined, "measure 2 is the executor's body's"),
  'POST /programmes/:id/measures/:measureId/evidence': r('programme', (f) => `/programmes/${f.programme}/measures/${f.programmeMeasure}/evidence`),
  'GET /programmes/:id/evidence/:evidenceId': r('programme', (f) => `/programmes/${f.programme}/evidence/${f.programmeEvidence}`),
  'GET /programmes/:id/calendar': r('programme', (f) => `/programmes/${f.programme}/calendar`),
  'POST /programmes/:id/calendar/submissions': r('programme', (f) => `/programmes/${f.programme}/calendar/submissions`, (f) => ({ dutyId: f.programmeDuty, year: 2026, bodyId: f.programmeBody, submittedOn: '2027-03-20' })),
  'GET /programmes/:id/report': r('programme', (f) => `/programmes/${f.programme}/report?year=2026`),
  'GET /programmes/:id/report.xlsx': r('programme', (f) => `/programmes/${f.programme}/report.xlsx?year=2026`),
  'GET /programmes/:id/executors': r('admin', (f) => `/programmes/${f.programme}/executors`),
  'POST /programmes/:id/executors': r('admin', (f) => `/programmes/${f.programme}/executors`),
  'GET /programmes/:id/regions': r('staff', (f) => `/programmes/${f.programme}/regions`),
  'POST /programmes/:id/regions/load': r('staff', (f, a) => `/programmes/${a === 'admin' ? f.programmeNoRegions : f.programme}/regions/load`),
  'POST /programmes/:id/regions/index': r('staff', (f) => `/programmes/${f.programmeNoRegions}/regions/index`, undefined, 'no regional dataset: 409'),
  'POST /programmes/:id/regions/settlements': r('staff', (f) => `/programmes/${f.programme}/regions/settlements`),
  'POST /programmes/:id/regions/evidence': r('staff', (f) => `/programmes/${f.programme}/regions/evidence`),
};

/** Routes whose success would end the actor's session or destroy a fixture: checked after all others. */
const LAST = ['POST /indicators/models/:id/delete', 'POST /logout'];

const ACTORS: ActorName[] = ['anonymous', 'respondent', 'expert', 'researcher', 'admin', 'disabled', 'executor'];
const SIGNED_IN: ActorName[] = ['expert', 'researcher', 'admin', 'executor'];

function allowed(policy: Policy, actor: ActorName): boolean {
  switch (policy) {
    case 'public':
      return true;
    case 'respondent':
      return actor === 'respondent';
    case 'anyUser':
      return SIGNED_IN.includes(actor);
    case 'expert':
      return actor === 'expert';
    case 'staff':
      return actor === 'researcher' || actor === 'admin';
    case 'admin':
      return actor === 'admin';
    case 'programme':
      return actor === 'researcher' || actor === 'admin' || actor === 'executor';
  }
}

const isApi = (url: string) => url.startsWith('/api/');

interface Outcome {
  status: number;
  location?: string;
  json?: { error?: { code?: string } };
}

/** What a refusal must look like for this actor and route. Returns a reason when `got` is not it. */
function refusalProblem(policy: Policy, actor: ActorName, method: string, url: string, got: Outcome): string | undefined {
  const anonymousLike = !SIGNED_IN.includes(actor);
  if (policy === 'respondent') {
    return got.status === 401 ? undefined : `expected 401 (no respondent session), got ${got.status}`;
  }
  if (anonymousLike) {
    if (isApi(url)) return got.status === 401 && got.json?.error?.code === 'unauthorized' ? undefined : `expected 401 JSON unauthorized, got ${got.status} ${JSON.stringify(got.json)}`;
    if (method === 'GET') {
      const want = `/login?next=${encodeURIComponent(url)}`;
      return got.status === 303 && got.location === want ? undefined : `expected 303 to ${want}, got ${got.status} ${got.location ?? ''}`;
    }
    return got.status === 401 ? undefined : `expected 401, got ${got.status}`;
  }
  if (isApi(url)) return got.status === 403 && got.json?.error?.code === 'forbidden' ? undefined : `expected 403 JSON forbidden, got ${got.status} ${JSON.stringify(got.json)}`;
  return got.status === 403 ? undefined : `expected 403, got ${got.status}`;
}

function admissionProblem(got: Outcome): string | undefined {
  if ([401, 403, 404, 405].includes(got.status) || got.status >= 500) return `expected to be let in, got ${got.status}`;
  if (got.status >= 300 && got.status < 400 && got.location?.startsWith('/login')) return `expected to be let in, got a redirect to ${got.location}`;
  return undefined;
}

async function send(t: TestApp, actor: Actor, method: string, url: string, body: Record<string, unknown> | undefined, auth: 'cookie' | { bearer: string } = 'cookie'): Promise<Outcome> {
  let req = method === 'GET' ? request(t.app).get(url) : request(t.app).post(url);
  if (auth === 'cookie') {
    req = req.set('Cookie', actor.cookie);
    if (method !== 'GET') req = req.set('x-csrf-token', actor.csrf);
  } else {
    req = req.set('Authorization', `Bearer ${auth.bearer}`);
  }
  if (method !== 'GET') req = isApi(url) ? req.send(body ?? {}) : req.type('form').send(body ?? {});
  const res = await req;
  let json: Outcome['json'];
  if (String(res.headers['content-type'] ?? '').includes('application/json')) json = res.body;
  return { status: res.status, location: res.headers.location, json };
}

/* ------------------------------------------------------------------------------------------ */

const CSV_HEADER = 'name,contact,territory,sector,size';

async function pasteInvitations(t: TestApp, admin: Actor, roundId: number, csv: string) {
  return request(t.app)
    .post(`/admin/rounds/${roundId}/invitations/paste`)
    .set('Cookie', admin.cookie)
    .type('form')
    .send({ _csrf: admin.csrf, text: csv });
}

async function adminPost(t: TestApp, admin: Actor, url: string, body: Record<string, unknown> = {}) {
  const res = await request(t.app).post(url).set('Cookie', admin.cookie).type('form').send({ _csrf: admin.csrf, ...body });
  if (res.status >= 400) throw new Error(`${url}: ${res.status} ${res.text.slice(0, 300)}`);
  return res;
}

async function insertRound(t: TestApp, questionnaireId: number, spec: { title: string; status: string; audience: 'invitation' | 'public'; publicToken?: string }) {
  const now = nowIso();
  return insertReturningId(t.ctx.db, 'rounds', {
    title: spec.title,
    questionnaire_id: questionnaireId,
    status: spec.status,
    audience: spec.audience,
    public_token_hash: spec.publicToken ? hashToken(spec.publicToken) : null,
    created_at: now,
    updated_at: now,
  });
}

async function insertInvitation(t: TestApp, roundId: number, spec: { status?: string; expiresAt?: string | null; name?: string } = {}) {
  const token = generateLinkToken();
  const id = await insertReturningId(t.ctx.db, 'invitations', {
    round_id: roundId,
    token_hash: hashToken(token),
    source: 'list',
    enterprise_name: spec.name ?? 'ЖШС «Тексеру»',
    status: spec.status ?? 'pending',
    expires_at: spec.expiresAt ?? null,
    submitted_at: spec.status === 'submitted' ? nowIso() : null,
    created_at: nowIso(),
  });
  return { id, token };
}

describe('authorization matrix', () => {
  let t: TestApp;
  let f: Fixture;
  const actors = {} as Record<ActorName, Actor>;
  let expertB: Actor;
  let secondAdmin: Actor;
  let routes: RouteEntry[];

  beforeAll(async () => {
    t = await createTestApp({ seed: 'base' });
    const db = t.ctx.db;
    actors.anonymous = anonymousActor();
    actors.admin = await sessionActor(t, 'admin');
    actors.researcher = await sessionActor(t, 'researcher');
    actors.expert = await sessionActor(t, 'expert');
    actors.executor = await sessionActor(t, 'executor');
    expertB = await sessionActor(t, 'expert', 'expert of panel B');
    secondAdmin = await sessionActor(t, 'admin', 'second admin');
    // A disabled administrator whose cookie is still within its lifetime: disabling alone (no token-version bump) must lock them out.
    actors.disabled = await sessionActor(t, 'admin', 'disabled');
    await db('users').where({ id: actors.disabled.user!.id }).update({ disabled: true });
    const admin = actors.admin;

    const q = await db('questionnaires').where({ code: 'SME-BARRIERS' }).orderBy('version', 'desc').first();
    const territory = await db('territories').whereNot({ kind: 'region' }).orderBy('id').first();
    const category = await db('questionnaire_categories').where({ questionnaire_id: q.id }).whereNot('code', '_profile').orderBy('position').first();
    const publicToken = generateLinkToken();
    const roundOpen = await insertRound(t, q.id, { title: 'Matrix open round', status: 'open', audience: 'invitation' });
    const roundPublic = await insertRound(t, q.id, { title: 'Matrix public round', status: 'open', audience: 'public', publicToken });
    const roundScratch = await insertRound(t, q.id, { title: 'Matrix scratch round', status: 'draft', audience: 'public', publicToken: generateLinkToken() });
    const respondentInvitation = await insertInvitation(t, roundOpen);
    const pending = await insertInvitation(t, roundOpen);
    actors.respondent = await respondentActor(t.app, `/r/${respondentInvitation.token}`);
    for (const a of ACTORS) actors[a].name = a;

    // Parked imports (a bad row keeps a list for confirmation) and a link batch (all rows good).
    const good = `Good LLP,,${territory.code},C,small`;
    const parked = async () => {
      const res = await pasteInvitations(t, admin, roundOpen, [CSV_HEADER, good, 'Bad LLP,,Nowhere at all,C,small'].join('\n'));
      const id = /\/imports\/([A-Za-z0-9_-]{22})$/.exec(res.headers.location ?? '')?.[1];
      if (!id) throw new Error(`paste did not park an import: ${res.status}`);
      return id;
    };
    const [importView, importConfirm, importCancel] = [await parked(), await parked(), await parked()];
    const imported = await pasteInvitations(t, admin, roundOpen, [CSV_HEADER, good].join('\n'));
    const batchId = /\/batches\/([A-Za-z0-9_-]{22})$/.exec(imported.headers.location ?? '')?.[1];
    if (!batchId) throw new Error(`no link batch on the result page: ${imported.status}`);

    // Panels: A (the expert's), B (another expert's), scratch (for the administrator's destructive actions).
    const panel = async (name: string, member: number, opts: { enterprise?: string; barrier?: boolean; open?: boolean } = {}) => {
      const res = await adminPost(t, admin, '/admin/panels', { name, surveyRoundId: roundOpen });
      const id = Number(/\/admin\/panels\/(\d+)/.exec(res.headers.location ?? '')?.[1]);
      await adminPost(t, admin, `/admin/panels/${id}/members`, { userId: member });
      if (opts.enterprise) await adminPost(t, admin, `/admin/panels/${id}/enterprises`, { enterpriseName: opts.enterprise });
      if (opts.barrier) await adminPost(t, admin, `/admin/panels/${id}/barriers`, { itemCode: 'B01', quadrant: 'W' });
      if (opts.open) await adminPost(t, admin, `/admin/panels/${id}/rounds/open-first`);
      return id;
    };
    const scratchMember = await createUser(t.ctx, 'expert');
    const panelA = await panel('Panel A', actors.expert.user!.id, { enterprise: 'Enterprise A', barrier: true, open: true });
    const panelB = await panel('Panel B', expertB.user!.id, { enterprise: 'Enterprise B', open: true });
    const panelScratch = await panel('Scratch panel', scratchMember.id, { enterprise: 'Scratch enterprise', barrier: true });
    const scratchEnterprise = await db('panel_enterprises').where({ panel_id: panelScratch }).first();

    // Indicators: a dataset and model from the base seed, an import parked for preview and one to discard.
    const dataset = await db('indicator_datasets').orderBy('id').first();
    const indicator = await db('indicators').orderBy('id').first();
    const model = await db('indicator_models').orderBy('id').first();
    const indicatorTerritory = await db('indicator_values').whereNotNull('territory_id').first();
    const indicatorImport = async (owner: Actor = admin) => {
      const csv = `territory,indicator,period,value\n${territory.code},X1,2020,1.5\n`;
      const res = await request(t.app)
        .post(`/indicators/datasets/${dataset.id}/import?_csrf=${owner.csrf}`)
        .set('Cookie', owner.cookie)
        .attach('file', Buffer.from(csv), 'values.csv');
      const id = /\/indicators\/imports\/([^/?#]+)/.exec(res.headers.location ?? '')?.[1];
      return id ?? 'no-import';
    };

    // An XLSForm read on the admin page, waiting for the administrator's confirmation.
    const xlsformImport = async () => {
      const staged = await t.services.questionnaires.getQuestionnaire(q.id);
      return t.services.questionnaires.stageImport({ definition: { ...staged.definition, code: 'MATRIX-XLSFORM' }, warnings: [] }, 'matrix.xlsx', admin.user!.id);
    };

    // A builder draft with a section S1 and a rating question Q1.
    const builderDraft = async () => {
      const drafts = t.services.questionnaireDrafts;
      const text = { kk: 'Матрица', ru: 'Матрица', en: 'Matrix' };
      const id = await drafts.create({ code: 'MATRIX-DRAFT', title: text, scaleMin: 1, scaleMax: 5 }, admin.user!.id);
      await drafts.change(id, 1, { type: 'saveSection', at: null, section: { code: 'S1', title: text } }, admin.user!.id);
      await drafts.change(id, 2, { type: 'saveQuestion', at: null, question: { code: 'Q1', category: 'S1', kind: 'rating', text }, readErrors: [] }, admin.user!.id);
      return id;
    };

    const copyModel = async () => {
      const { id: _id, ...row } = model;
      return insertReturningId(db, 'indicator_models', { ...row, title: 'Model to delete' });
    };

    // Programmes: the executor reports for АЭА, which executes measure 2 and is assigned indicator T1.
    const programme = await db('programmes').where({ code: 'kz-science-territories-2026-2035' }).first();
    const body = await db('programme_bodies').where({ programme_id: programme.id, code: 'АЭА' }).first();
    const indicatorT1 = await db('programme_indicators').where({ programme_id: programme.id, code: 'T1' }).first();
    const measure2 = await db('programme_measures').where({ programme_id: programme.id, number: 2 }).first();
    await t.services.programmes.setExecutorBodies({ id: admin.user!.id, role: 'admin' }, programme.id, actors.executor.user!.id, [body.id]);
    await t.services.programmes.setIndicatorBodies({ id: admin.user!.id, role: 'admin' }, programme.id, indicatorT1.id, [body.id]);
    await t.services.programmes.addEvidence({ id: admin.user!.id, role: 'admin' }, programme.id, measure2.id, { kind: 'file', year: 2026, file: { name: 'protocol.pdf', type: 'application/pdf', data: Buffer.from('%PDF-1.4 matrix') } });
    const evidence = await db('programme_evidence').where({ measure_id: measure2.id }).first();
    const spec = await t.services.programmes.exportSpec(programme.id);
    const programmeNoRegions = await t.services.programmes.importSpec({ ...spec, code: 'matrix-copy', regionalBaseline: undefined });
    const duty = await db('programme_duties').where({ programme_id: programme.id, code: 'R1' }).first();
    // T1 2026 stored, then a file replacing it staged by each admitted actor (the executor's body is assigned T1).
    await t.services.programmes.enterActual({ id: admin.user!.id, role: 'admin' }, programme.id, indicatorT1.id, { year: 2026, value: 1, source: undefined, note: undefined });
    const stageActuals = async (who: Actor, role: 'admin' | 'researcher' | 'executor') => {
      const staged = await t.services.programmes.importActuals({ id: who.user!.id, role }, programme.id, { name: 'actuals.csv', buffer: Buffer.from('indicator,year,value\nT1,2026,2\n') });
      if (!('stagedId' in staged)) throw new Error('expected a staged actuals import');
      return staged.stagedId;
    };

    f = {
      questionnaireId: q.id,
      territoryId: territory.id,
      territoryCode: territory.code,
      roundOpen,
      roundPublic,
      roundScratch,
      publicToken,
      pendingToken: pending.token,
      pendingInvitation: pending.id,
      optOutToken: `i${pending.id}.${sign(t.ctx.config.jwtSecret, 'mail-opt-out', `i${pending.id}`)}`,
      importView,
      importConfirm,
      importCancel,
      batchId,
      targetUser: (await createUser(t.ctx, 'researcher')).id,
      panelA,
      panelB,
      panelScratch,
      scratchMember: scratchMember.id,
      scratchEnterprise: scratchEnterprise.id,
      indicatorDataset: dataset?.id ?? 0,
      indicator: indicator?.id ?? 0,
      indicatorModel: model?.id ?? 0,
      indicatorImport: { researcher: await indicatorImport(actors.researcher), admin: await indicatorImport() },
      indicatorImportDiscard: { researcher: await indicatorImport(actors.researcher), admin: await indicatorImport() },
      indicatorModelToDelete: { researcher: await copyModel(), admin: await copyModel() },
      indicatorTerritory: indicatorTerritory?.territory_id ?? territory.id,
      category: category.code,
      programme: programme.id,
      programmeNoRegions,
      programmeNoRegionsIndicator: (await db('programme_indicators').where({ programme_id: programmeNoRegions, code: 'T1' }).first()).id,
      programmeIndicator: indicatorT1.id,
      programmeMeasure: measure2.id,
      programmeEvidence: evidence.id,
      programmeDuty: duty.id,
      programmeBody: body.id,
      programmeActualsImport: { admin: await stageActuals(admin, 'admin'), researcher: await stageActuals(actors.researcher, 'researcher'), executor: await stageActuals(actors.executor, 'executor') },
      builderDraft: await builderDraft(),
      xlsformImport: await xlsformImport(),
      xlsformImportToConfirm: await xlsformImport(),
    };
    routes = listRoutes(t.app);
  });
  afterAll(async () => t?.close());

  it('has a reviewed policy for every route of the live app (and no stale entries)', () => {
    const keys = routes.map(routeKey);
    const missing = keys.filter((k) => !POLICY[k]);
    expect(missing, 'routes without an entry in POLICY (decide who may call them)').toEqual([]);
    const stale = Object.keys(POLICY).filter((k) => !keys.includes(k));
    expect(stale, 'POLICY entries for routes that no longer exist').toEqual([]);
    expect(new Set(keys).size, 'a route registered twice').toBe(keys.length);
  });

  it('lets in exactly the actors the policy names, on every route (session cookies)', async () => {
    const problems: string[] = [];
    const ordered = [...routes.filter((x) => !LAST.includes(routeKey(x))), ...LAST.flatMap((k) => routes.filter((x) => routeKey(x) === k))];
    // Routes without a rule fail the test above; here they are left out rather than guessed.
    const cases = ordered.filter((route) => POLICY[routeKey(route)]).flatMap((route) => ACTORS.map((name) => ({ route, name, rule: POLICY[routeKey(route)]! })));
    const check = async ({ route, name, rule }: (typeof cases)[number]) => {
      const url = rule.url ? rule.url(f, name) : route.path;
      const got = await send(t, actors[name], route.method, url, rule.body?.(f));
      const problem = allowed(rule.policy, name) ? admissionProblem(got) : refusalProblem(rule.policy, name, route.method, url, got);
      if (problem) problems.push(`${route.method} ${url} as ${name} (${rule.policy}): ${problem}`);
    };
    // Refusals and GETs change nothing that another check depends on, so they may overlap.
    const refused = cases.filter((c) => !allowed(c.rule.policy, c.name));
    const admitted = cases.filter((c) => allowed(c.rule.policy, c.name));
    await mapLimit([...refused, ...admitted.filter((c) => c.route.method === 'GET')], 8, check);
    // Admitted POSTs act on separate fixture objects (scratch round, scratch panel, one import or model
    // per actor), so four at a time; the ones in LAST (signing out) strictly after all others.
    const posts = admitted.filter((c) => c.route.method !== 'GET');
    await mapLimit(posts.filter((c) => !LAST.includes(routeKey(c.route))), 4, check);
    for (const c of posts.filter((c) => LAST.includes(routeKey(c.route)))) await check(c);
    // Signing out (last of all) revoked the sessions: sign the same people in again for the tests below.
    for (const name of SIGNED_IN) actors[name] = await sessionActorFor(t.app, actors[name].user!, name);
    console.log(`authorization matrix: ${ordered.length} routes x ${ACTORS.length} actors = ${cases.length} checks (${admitted.length} admitted, ${refused.length} refused)`);
    expect(problems).toEqual([]);
    expect(cases.length).toBe(routes.filter((route) => POLICY[routeKey(route)]).length * ACTORS.length);
    // 160+ routes x 7 actors: about 50 s on PostgreSQL alone, more beside another test file on two cores.
  }, 180_000);

  it('applies the same policy to Bearer tokens on every API route (none, disabled and revoked tokens refused)', async () => {
    const token = async (actor: Actor) => {
      const res = await request(t.app).post('/api/v1/auth/token').send({ email: actor.user!.email, password: actor.user!.password });
      return res.body.token as string;
    };
    const bearers = {
      admin: await token(secondAdmin),
      researcher: await token(actors.researcher),
      expert: await token(expertB),
    };
    const disabledUser = await createUser(t.ctx, 'admin');
    const disabledToken = (await request(t.app).post('/api/v1/auth/token').send({ email: disabledUser.email, password: disabledUser.password })).body.token as string;
    await t.ctx.db('users').where({ id: disabledUser.id }).update({ disabled: true });
    const revokedUser = await createUser(t.ctx, 'admin');
    const revokedToken = (await request(t.app).post('/api/v1/auth/token').send({ email: revokedUser.email, password: revokedUser.password })).body.token as string;
    await t.ctx.db('users').where({ id: revokedUser.id }).increment('token_version', 1);

    const problems: string[] = [];
    let checks = 0;
    const apiRoutes = routes.filter((x) => x.path.startsWith('/api/') && POLICY[routeKey(x)]);
    for (const route of apiRoutes) {
      const rule = POLICY[routeKey(route)]!;
      const callers: Array<[ActorName, string | undefined]> = [
        ['anonymous', undefined],
        ['disabled', disabledToken],
        ['disabled', revokedToken],
        ['expert', bearers.expert],
        ['researcher', bearers.researcher],
        ['admin', bearers.admin],
      ];
      for (const [name, bearer] of callers) {
        const url = rule.url ? rule.url(f, name) : route.path;
        const got = bearer ? await send(t, actors.anonymous, route.method, url, rule.body?.(f), { bearer }) : await send(t, { name, cookie: '', csrf: '' }, route.method, url, rule.body?.(f));
        checks++;
        // A bad Bearer token is refused outright, even on public API routes.
        const problem =
          bearer && name === 'disabled'
            ? got.status === 401
              ? undefined
              : `expected 401 for a disabled/revoked token, got ${got.status}`
            : allowed(rule.policy, name)
              ? admissionProblem(got)
              : refusalProblem(rule.policy, name, route.method, url, got);
        if (problem) problems.push(`${route.method} ${url} bearer ${name}: ${problem}`);
      }
    }
    console.log(`authorization matrix (Bearer): ${apiRoutes.length} API routes x 6 callers = ${checks} checks`);
    expect(problems).toEqual([]);
  });

  it('refuses every state-changing HTML form and cookie-authenticated API call without a valid CSRF token, and changes nothing', async () => {
    const posts = routes.filter((x) => x.method !== 'GET' && routeKey(x) !== 'POST /api/v1/auth/token' && POLICY[routeKey(x)]);
    const who = (policy: Policy): Actor =>
      ({ public: actors.anonymous, respondent: actors.respondent, anyUser: actors.researcher, expert: actors.expert, staff: actors.researcher, admin: actors.admin, programme: actors.executor })[policy];
    const before = await fingerprint(t.ctx.db);
    const problems: string[] = [];
    let checks = 0;
    for (const route of posts) {
      const rule = POLICY[routeKey(route)]!;
      const actor = who(rule.policy);
      const url = rule.url ? rule.url(f, actor.name as ActorName) : route.path;
      const body = rule.body?.(f) ?? {};
      const attempts: Array<[string, () => Promise<request.Response>]> = [
        ['no token', () => request(t.app).post(url).set('Cookie', actor.cookie).type('form').send(body)],
        ['wrong token', () => request(t.app).post(url).set('Cookie', actor.cookie).type('form').send({ ...body, _csrf: newCsrfToken() })],
        ['wrong header', () => request(t.app).post(url).set('Cookie', actor.cookie).set('x-csrf-token', newCsrfToken()).send(body)],
        ['token without its cookie', () => request(t.app).post(url).set('Cookie', actor.cookie.replace(/kedergi_csrf=[^;]+;?\s*/, '')).type('form').send({ ...body, _csrf: actor.csrf })],
        ['cross-site origin', () => request(t.app).post(url).set('Cookie', actor.cookie).set('Origin', 'https://evil.example').set('x-csrf-token', actor.csrf).type('form').send(body)],
        ['cross-site fetch', () => request(t.app).post(url).set('Cookie', actor.cookie).set('Sec-Fetch-Site', 'cross-site').set('x-csrf-token', actor.csrf).type('form').send(body)],
      ];
      await Promise.all(
        attempts.map(async ([label, attempt]) => {
          const res = await attempt();
          checks++;
          if (res.status !== 403) problems.push(`${route.method} ${url} as ${actor.name}, ${label}: ${res.status}`);
        }),
      );
    }
    const after = await fingerprint(t.ctx.db);
    console.log(`CSRF: ${posts.length} POST routes x 6 forgeries = ${checks} checks`);
    expect(problems).toEqual([]);
    expect(changedTables(before, after), 'tables changed by refused requests').toEqual([]);
  });

  it('CSRF positive control: the same requests with the token do change things', async () => {
    const before = await t.ctx.db('territories').count({ n: '*' }).first();
    const ok = await request(t.app)
      .post('/admin/territories')
      .set('Cookie', actors.admin.cookie)
      .type('form')
      .send({ _csrf: actors.admin.csrf, code: 'csrf-control', name_kk: 'Бақылау', name_ru: 'Контроль', name_en: 'Control', kind: 'district' });
    expect(ok.status).toBe(303);
    const after = await t.ctx.db('territories').count({ n: '*' }).first();
    expect(Number(after!.n)).toBe(Number(before!.n) + 1);
  });

  /* ---------------- object level: whose object is it? ---------------- */

  const expertBody = async (panelId: number, opts: { roundId?: number; enterpriseId?: number } = {}) => {
    const round = await t.ctx.db('delphi_rounds').where({ panel_id: panelId, status: 'open' }).first();
    const factor = await t.ctx.db('expert_factors').where({ kind: 'swot' }).orderBy('position').first();
    const parameter = await t.ctx.db('expert_factors').where({ kind: 'enterprise' }).orderBy('position').first();
    const enterprise = opts.enterpriseId ?? (await t.ctx.db('panel_enterprises').where({ panel_id: panelId }).first()).id;
    return {
      roundId: opts.roundId ?? round.id,
      scores: { [factor.code]: { weight: '4', strength: '5', reason: 'object-level probe' } },
      ent: { [`x${enterprise}`]: { [parameter.code]: '3' } },
    };
  };
  const expertPost = (actor: Actor, panelId: number, body: Record<string, unknown>) =>
    request(t.app).post(`/expert/panels/${panelId}`).set('Cookie', actor.cookie).type('form').send({ ...body, _csrf: actor.csrf });
  const scoreTables = ['expert_scores', 'enterprise_scores', 'delphi_rounds', 'panel_members'];

  it("an expert of panel A can neither read nor write panel B, nor smuggle B's round or enterprise into A", async () => {
    const expertA = actors.expert;
    const home = await request(t.app).get('/expert').set('Cookie', expertA.cookie);
    expect(home.status).toBe(200);
    expect(home.text).toContain('Panel A');
    expect(home.text).not.toContain('Panel B');

    const before = await fingerprint(t.ctx.db, scoreTables);
    // Not a member: the panel does not exist as far as this expert can tell.
    expect((await request(t.app).get(`/expert/panels/${f.panelB}`).set('Cookie', expertA.cookie)).status).toBe(404);
    expect((await expertPost(expertA, f.panelB, await expertBody(f.panelB))).status).toBe(404);
    // B's open Delphi round or B's enterprise inside a post to A.
    const bRound = (await t.ctx.db('delphi_rounds').where({ panel_id: f.panelB, status: 'open' }).first()).id;
    expect((await expertPost(expertA, f.panelA, await expertBody(f.panelA, { roundId: bRound }))).status).toBe(409);
    const bEnterprise = (await t.ctx.db('panel_enterprises').where({ panel_id: f.panelB }).first()).id;
    expect((await expertPost(expertA, f.panelA, await expertBody(f.panelA, { enterpriseId: bEnterprise }))).status).toBe(400);
    expect(changedTables(before, await fingerprint(t.ctx.db, scoreTables))).toEqual([]);

    // Positive control: the same body for the expert's own panel is stored, under the expert's own id only.
    const own = await expertPost(expertA, f.panelA, await expertBody(f.panelA));
    expect(own.status).toBe(303);
    const rows = await t.ctx.db('expert_scores').whereIn('round_id', t.ctx.db('delphi_rounds').where({ panel_id: f.panelA }).select('id'));
    expect(rows.length).toBeGreaterThan(0);
    expect(new Set(rows.map((x: { expert_id: number }) => Number(x.expert_id)))).toEqual(new Set([actors.expert.user!.id]));
    // B's own expert cannot see A's page either.
    expect((await request(t.app).get(`/expert/panels/${f.panelA}`).set('Cookie', expertB.cookie)).status).toBe(404);
  });

  it("a respondent cookie reaches only its own invitation: another respondent's answers are neither shown nor writable, forged cookies are refused", async () => {
    const other = await respondentActor(t.app, `/p/${f.publicToken}`, 'public respondent');
    const items = await t.ctx.db('questionnaire_items as i')
      .join('questionnaire_categories as c', 'c.id', 'i.category_id')
      .where('i.questionnaire_id', f.questionnaireId)
      .andWhere('c.code', f.category)
      .select('i.code');
    const secret = 'Құпия пікір of the other respondent';
    const saved = await request(t.app)
      .post(`/respond/page/${f.category}`)
      .set('Cookie', other.cookie)
      .type('form')
      .send({ _csrf: other.csrf, nav: 'back', answers: { [items[0].code]: '4' }, comments: { [items[0].code]: secret } });
    expect(saved.status).toBe(303);
    for (const path of ['/respond/review', `/respond/page/${f.category}`, '/respond/profile', '/respond']) {
      const res = await request(t.app).get(path).set('Cookie', actors.respondent.cookie);
      expect(res.status, path).toBe(200);
      expect(res.text, path).not.toContain('Құпия пікір');
    }
    const mine = await request(t.app).get(`/respond/page/${f.category}`).set('Cookie', other.cookie);
    expect(mine.text).toContain('Құпия пікір');

    // Cookies for the other respondent's invitation that were not issued by the server.
    const otherInvitation = await t.ctx.db('invitations').where({ round_id: f.roundPublic }).orderBy('id', 'desc').first();
    const sign = (claims: object, options: jwt.SignOptions, secret = t.ctx.config.jwtSecret) =>
      jwt.sign({ tv: 0, orig: Math.floor(Date.now() / 1000), ...claims }, secret, { algorithm: 'HS256', issuer: ISSUER, ...options });
    const sub = String(otherInvitation.id);
    const mineToken = /kedergi_respondent=([^;]+)/.exec(actors.respondent.cookie)![1]!;
    const [h, p, sig] = mineToken.split('.');
    const swapped = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(p!, 'base64url').toString()), sub })).toString('base64url');
    const none = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url');
    const forged: Array<[string, string]> = [
      ['payload swapped, old signature', `${h}.${swapped}.${sig}`],
      ['alg none', `${none}.${swapped}.`],
      ['another secret', sign({}, { subject: sub, audience: 'kedergi-respondent', expiresIn: 600 }, 'not-the-server-secret-not-the-server-secret')],
      ['expired', sign({}, { subject: sub, audience: 'kedergi-respondent', expiresIn: -10 })],
      ['staff session audience', sign({}, { subject: sub, audience: 'kedergi-web', expiresIn: 600 })],
      ['API audience', sign({}, { subject: sub, audience: 'kedergi-api', expiresIn: 600 })],
      ['not a token', 'undefined'],
    ];
    const before = await fingerprint(t.ctx.db, ['responses', 'answers', 'invitations']);
    for (const [label, token] of forged) {
      const cookie = `kedergi_csrf=${actors.respondent.csrf}; kedergi_respondent=${token}`;
      const read = await request(t.app).get(`/respond/page/${f.category}`).set('Cookie', cookie);
      expect(read.status, label).toBe(401);
      expect(read.text, label).not.toContain('Құпия пікір');
      const write = await request(t.app)
        .post(`/respond/page/${f.category}`)
        .set('Cookie', cookie)
        .type('form')
        .send({ _csrf: actors.respondent.csrf, nav: 'back', answers: { [items[0].code]: '1' }, comments: { [items[0].code]: 'overwritten' } });
      expect(write.status, label).toBe(401);
    }
    expect(changedTables(before, await fingerprint(t.ctx.db, ['responses', 'answers', 'invitations']))).toEqual([]);
    // A respondent cookie is no staff session, and a staff session is no respondent cookie.
    expect((await request(t.app).get('/api/v1/me').set('Cookie', `kedergi_session=${mineToken}`)).status).toBe(401);
    const session = /kedergi_session=([^;]+)/.exec(actors.admin.cookie)![1]!;
    expect((await request(t.app).get('/respond').set('Cookie', `kedergi_respondent=${session}`)).status).toBe(401);
  });

  it("an administrator cannot see, confirm, cancel or download another administrator's parked import or link batch, nor reach them through another round", async () => {
    const admin = actors.admin;
    const good = `Owner LLP,,${f.territoryCode},C,small`;
    const parkedRes = await pasteInvitations(t, admin, f.roundOpen, [CSV_HEADER, good, 'Bad LLP,,Atlantis,C,small'].join('\n'));
    const importId = /\/imports\/([A-Za-z0-9_-]{22})$/.exec(parkedRes.headers.location ?? '')![1]!;
    const batchRes = await pasteInvitations(t, admin, f.roundOpen, [CSV_HEADER, good].join('\n'));
    const batchId = /\/batches\/([A-Za-z0-9_-]{22})$/.exec(batchRes.headers.location ?? '')![1]!;
    const base = `/admin/rounds/${f.roundOpen}/invitations`;
    // Another administrator's view of the batch page shows no link and no download.
    const foreignView = await request(t.app).get(`${base}/batches/${batchId}`).set('Cookie', secondAdmin.cookie);
    expect(foreignView.text).not.toContain('/r/');
    expect(foreignView.text).not.toContain(`/links/${batchId}`);
    const elsewhere = `/admin/rounds/${f.roundPublic}/invitations`;
    const before = await fingerprint(t.ctx.db, ['invitations', 'invitation_imports', 'invitation_link_batches']);
    const attempts: Array<[Actor, 'GET' | 'POST', string]> = [
      [secondAdmin, 'GET', `${base}/imports/${importId}`],
      [secondAdmin, 'GET', `${base}/imports/${importId}/errors.csv`],
      [secondAdmin, 'POST', `${base}/imports/${importId}/confirm`],
      [secondAdmin, 'POST', `${base}/imports/${importId}/cancel`],
      [secondAdmin, 'POST', `${base}/links/${batchId}`],
      [admin, 'GET', `${elsewhere}/imports/${importId}`],
      [admin, 'POST', `${elsewhere}/imports/${importId}/confirm`],
      [admin, 'POST', `${elsewhere}/links/${batchId}`],
    ];
    for (const [actor, method, url] of attempts) {
      const res = method === 'GET' ? await request(t.app).get(url).set('Cookie', actor.cookie) : await request(t.app).post(url).set('Cookie', actor.cookie).type('form').send({ _csrf: actor.csrf });
      expect(res.status, `${actor.name} ${method} ${url}`).toBe(409);
      expect(res.text).not.toContain('/r/');
    }
    expect(changedTables(before, await fingerprint(t.ctx.db, ['invitations', 'invitation_imports', 'invitation_link_batches']))).toEqual([]);
    // The owner still has both: the refusals did not consume them.
    const links = await request(t.app).post(`${base}/links/${batchId}`).set('Cookie', admin.cookie).type('form').send({ _csrf: admin.csrf });
    expect(links.status).toBe(200);
    expect(links.text).toMatch(/\/r\/[A-Za-z0-9_-]{22}/);
    expect((await request(t.app).get(`${base}/imports/${importId}`).set('Cookie', admin.cookie)).status).toBe(200);
  });

  it("an executor changes only its own bodies' measures and indicators: another body's measure, indicator or submission is refused and nothing changes", async () => {
    const ex = actors.executor;
    const programme = f.programme;
    const measure1 = await t.ctx.db('programme_measures').where({ programme_id: programme, number: 1 }).first(); // ҚР ҰҒА only
    const indicatorT2 = await t.ctx.db('programme_indicators').where({ programme_id: programme, code: 'T2' }).first(); // no body assigned
    const other = await t.ctx.db('programme_bodies').where({ programme_id: programme, code: 'ҚР ҰҒА' }).first();
    const tables = ['programme_measure_reports', 'programme_evidence', 'programme_actuals', 'programme_submissions', 'programme_history'];
    const before = await fingerprint(t.ctx.db, tables);
    const post = (url: string, body: Record<string, unknown>) => request(t.app).post(url).set('Cookie', ex.cookie).type('form').send({ _csrf: ex.csrf, ...body });
    const tries: Array<[string, Record<string, unknown>]> = [
      [`/programmes/${programme}/measures/${measure1.id}/report`, { year: 2026, status: 'done', summary: 'not mine' }],
      [`/programmes/${programme}/measures/${measure1.id}/evidence`, { kind: 'text', text: 'not mine' }],
      [`/programmes/${programme}/indicators/${indicatorT2.id}/actuals`, { year: 2026, value: '30' }],
      [`/programmes/${programme}/calendar/submissions`, { dutyId: f.programmeDuty, year: 2026, bodyId: other.id, submittedOn: '2027-03-01' }],
      [`/programmes/${programme}/executors`, { userId: ex.user!.id, bodyIds: String(other.id) }],
      [`/programmes/${programme}/indicators/${indicatorT2.id}/bodies`, { bodyIds: String(f.programmeBody) }],
      [`/programmes/${programme}/indicators/${f.programmeIndicator}/targets`, { baselineValue: '1', direction: 'higher', 'targets[y2026]': '0' }],
      [`/programmes/${programme}/rule`, { onTrackMin: '10', atRiskMin: '5' }],
    ];
    for (const [url, body] of tries) expect((await post(url, body)).status, url).toBe(403);
    // Through another programme's id the executor's measure is not found either.
    expect((await post(`/programmes/${f.programmeNoRegions}/measures/${f.programmeMeasure}/report`, { year: 2026, status: 'done' })).status).toBe(404);
    expect(changedTables(before, await fingerprint(t.ctx.db, tables))).toEqual([]);
    // Control: its own body's measure is accepted.
    expect((await post(`/programmes/${programme}/measures/${f.programmeMeasure}/report`, { year: 2026, status: 'in_progress', summary: 'draft sent' })).status).toBe(303);
  });

  /* ---------------- privilege escalation ---------------- */

  it('refuses role grants and mass assignment by anyone but an administrator, and ignores account fields outside the form', async () => {
    const researcher = actors.researcher;
    const me = researcher.user!.id;
    const before = await fingerprint(t.ctx.db, ['users']);
    const tries: Array<[Actor, string, Record<string, unknown>]> = [
      [researcher, `/admin/users/${me}/role`, { role: 'admin' }],
      [researcher, '/admin/users', { email: 'escalate@example.kz', name: 'E', role: 'admin', password: 'a-long-password-1' }],
      [actors.expert, `/admin/users/${actors.admin.user!.id}/disable`, {}],
      [actors.expert, `/admin/users/${actors.admin.user!.id}/reset-password`, {}],
      [researcher, `/admin/users/${secondAdmin.user!.id}/role`, { role: 'expert' }],
    ];
    for (const [actor, url, body] of tries) {
      const res = await request(t.app).post(url).set('Cookie', actor.cookie).type('form').send({ ...body, _csrf: actor.csrf });
      expect(res.status, url).toBe(403);
    }
    expect(changedTables(before, await fingerprint(t.ctx.db, ['users']))).toEqual([]);

    // The own-password form takes only its three fields: role, disabled, token version or another id are not applied.
    const adminBefore = await t.ctx.db('users').where({ id: actors.admin.user!.id }).first();
    const newPassword = 'a-fresh-password-42';
    const res = await request(t.app)
      .post('/account/password')
      .set('Cookie', researcher.cookie)
      .type('form')
      .send({ _csrf: researcher.csrf, current: researcher.user!.password, password: newPassword, confirm: newPassword, role: 'admin', disabled: '0', token_version: '1', id: String(actors.admin.user!.id), email: 'taken@example.kz' });
    expect(res.status).toBe(303);
    const row = await t.ctx.db('users').where({ id: me }).first();
    expect(row.role).toBe('researcher');
    expect(row.email).toBe(researcher.user!.email);
    expect(await t.ctx.db('users').where({ id: actors.admin.user!.id }).first()).toEqual(adminBefore);
    researcher.user!.password = newPassword;
    actors.researcher = await sessionActorFor(t.app, researcher.user!, 'researcher');

    // Creation forms and API bodies are strict: an extra privileged field refuses the whole request.
    const admin = actors.admin;
    const extra: Array<[string, Record<string, unknown>, string]> = [
      ['/admin/users', { email: 'mass1@example.kz', name: 'M', role: 'expert', token_version: '99' }, 'users'],
      ['/admin/users', { email: 'mass2@example.kz', name: 'M', role: 'expert', disabled: '1' }, 'users'],
      ['/admin/territories', { code: 'mass-t', name_kk: 'А', name_ru: 'А', name_en: 'A', kind: 'district', id: '1' }, 'territories'],
      ['/admin/panels', { name: 'Mass panel', created_by: String(actors.expert.user!.id) }, 'panels'],
      ['/api/v1/rounds', { title: 'Mass', questionnaireId: f.questionnaireId, audience: 'public', public_token_hash: 'a'.repeat(64) }, 'rounds'],
      ['/api/v1/rounds', { title: 'Mass', questionnaireId: f.questionnaireId, audience: 'invitation', createdBy: actors.expert.user!.id }, 'rounds'],
      [`/api/v1/rounds/${f.roundOpen}/invitations`, { enterprises: [{ name: 'X', territory: f.territoryCode, sector: 'C', size: 'small', status: 'submitted' }] }, 'invitations'],
    ];
    for (const [url, body, table] of extra) {
      const tableBefore = await fingerprint(t.ctx.db, [table]);
      const req = request(t.app).post(url).set('Cookie', admin.cookie).set('x-csrf-token', admin.csrf);
      const out = url.startsWith('/api/') ? await req.send(body) : await req.type('form').send(body);
      expect(out.status, `${url} ${Object.keys(body).join(',')}`).toBe(400);
      expect(changedTables(tableBefore, await fingerprint(t.ctx.db, [table])), url).toEqual([]);
    }
  });

  it('keeps at least one active administrator when two demote or disable each other at the same moment', async () => {
    // The single-administrator case (demote or disable yourself) is in tests/modules/users.test.ts.
    // Here two administrators race; each request alone is allowed. 20 attempts: on PostgreSQL's
    // READ COMMITTED both transactions can count two administrators before either commits.
    const solo = await createTestApp({ seed: 'none' });
    try {
      const users = new UsersService(new KnexUsersRepository(solo.ctx.db), 4);
      let none = 0;
      for (let i = 0; i < 20; i++) {
        await solo.ctx.db('users').update({ role: 'researcher' });
        const a = await createUser(solo.ctx, 'admin');
        const b = await createUser(solo.ctx, 'admin');
        await Promise.allSettled([users.changeRole(a.id, b.id, 'expert'), users.setDisabled(b.id, a.id, true)]);
        const left = await solo.ctx.db('users').where({ role: 'admin', disabled: false }).count({ n: '*' }).first();
        if (Number(left!.n) === 0) none++;
      }
      expect(none, 'attempts that left no active administrator').toBe(0);
    } finally {
      await solo.close();
    }
  });

  /* ---------------- sessions and tokens ---------------- */

  it('treats forged, none-algorithm, expired and wrong-audience session cookies as no session at all', async () => {
    // The same attacks on Bearer tokens, and revocation by logout and password change, are in tests/modules/auth.test.ts.
    const user = actors.admin.user!;
    const row = await t.ctx.db('users').where({ id: user.id }).first();
    const now = Math.floor(Date.now() / 1000);
    const sign = (options: jwt.SignOptions, secret = t.ctx.config.jwtSecret, claims: object = {}) =>
      jwt.sign({ tv: Number(row.token_version), orig: now, ...claims }, secret, { algorithm: 'HS256', issuer: ISSUER, subject: String(user.id), ...options });
    const real = /kedergi_session=([^;]+)/.exec(actors.researcher.cookie)![1]!;
    const [h, p, s] = real.split('.');
    const promoted = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(p!, 'base64url').toString()), sub: String(user.id) })).toString('base64url');
    const none = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url');
    const cookies: Array<[string, string]> = [
      ['researcher token re-pointed at an administrator', `${h}.${promoted}.${s}`],
      ['alg none', `${none}.${promoted}.`],
      ['HS256 with another secret', sign({ audience: 'kedergi-web', expiresIn: 600 }, 'another-secret-another-secret-another')],
      ['expired', sign({ audience: 'kedergi-web', expiresIn: -5 })],
      ['API token as a cookie', sign({ audience: 'kedergi-api', expiresIn: 600 })],
      ['respondent token as a cookie', sign({ audience: 'kedergi-respondent', expiresIn: 600 })],
      ['older token version', sign({ audience: 'kedergi-web', expiresIn: 600 }, undefined, { tv: Number(row.token_version) - 1 })],
      ['no issuer', jwt.sign({ tv: Number(row.token_version), orig: now }, t.ctx.config.jwtSecret, { algorithm: 'HS256', subject: String(user.id), audience: 'kedergi-web', expiresIn: 600 })],
    ];
    for (const [label, cookie] of cookies) {
      const page = await request(t.app).get('/admin/users').set('Cookie', `kedergi_session=${cookie}`);
      expect(page.status, label).toBe(303);
      expect(page.headers.location, label).toBe('/login?next=%2Fadmin%2Fusers');
      // The bad cookie is cleared rather than kept.
      expect(String(page.headers['set-cookie']), label).toMatch(/kedergi_session=;/);
      expect((await request(t.app).get('/api/v1/me').set('Cookie', `kedergi_session=${cookie}`)).status, label).toBe(401);
    }
    // Control: a correctly signed cookie with the current version does get in.
    expect((await request(t.app).get('/admin/users').set('Cookie', `kedergi_session=${sign({ audience: 'kedergi-web', expiresIn: 600 })}`)).status).toBe(200);
  });

  it('only ever redirects to local paths after login and language choice', async () => {
    const evil = ['//evil.example/', '/\\evil.example', 'https://evil.example/', '/\t/evil.example', '\t//evil.example', 'javascript:alert(1)', '/%2F%2Fevil.example', '  //evil.example'];
    const anon = actors.anonymous;
    const user = await createUser(t.ctx, 'researcher');
    for (const next of evil) {
      const login = await request(t.app)
        .post('/login')
        .set('Cookie', anon.cookie)
        .type('form')
        .send({ _csrf: anon.csrf, email: user.email, password: user.password, next });
      const lang = await request(t.app).post('/lang').set('Cookie', anon.cookie).type('form').send({ _csrf: anon.csrf, lang: 'ru', next });
      const signedIn = await request(t.app).get(`/login?next=${encodeURIComponent(next)}`).set('Cookie', actors.researcher.cookie);
      for (const [label, res] of [['login', login], ['lang', lang], ['login page when signed in', signedIn]] as const) {
        const location = String(res.headers.location ?? '');
        expect(res.status, `${label} ${JSON.stringify(next)}`).toBe(303);
        // A browser strips tabs and newlines and reads a backslash as a slash, so normalise as it would.
        const asBrowser = location.replace(/[\t\n\r]/g, '').replace(/\\/g, '/');
        expect(asBrowser, `${label} ${JSON.stringify(next)} -> ${location}`).toMatch(/^\/(?!\/)/);
      }
    }
  });

  it('invitation and public link tokens are 128-bit random, unknown and expired ones get the same answer in similar time, and a used one only says it was submitted', async () => {
    // Unguessable: 22 base64url characters = 16 random bytes; no repeats and no biased bit in 2000 tokens.
    const tokens = Array.from({ length: 2000 }, () => generateLinkToken());
    expect(new Set(tokens).size).toBe(tokens.length);
    const ones = new Array<number>(128).fill(0);
    for (const token of tokens) {
      expect(token).toMatch(/^[A-Za-z0-9_-]{22}$/);
      const bytes = Buffer.from(token, 'base64url');
      expect(bytes.length).toBe(16);
      for (let bit = 0; bit < 128; bit++) ones[bit]! += (bytes[bit >> 3]! >> (7 - (bit & 7))) & 1;
    }
    // Each bit is 1 with probability 1/2: 2000 draws stay within 0.5 ± 0.05 (more than 4 SD) for a fair source.
    for (const count of ones) expect(Math.abs(count / tokens.length - 0.5)).toBeLessThan(0.05);

    const used = await insertInvitation(t, f.roundOpen, { status: 'submitted' });
    const expired = await insertInvitation(t, f.roundOpen, { expiresAt: '2020-01-01T00:00:00.000Z' });
    const otherAudienceToken = generateLinkToken();
    await t.ctx.db('rounds').where({ id: f.roundOpen }).update({ public_token_hash: hashToken(otherAudienceToken) });
    const cases: Record<string, Array<[string, () => string]>> = {
      '/r/': [
        ['unknown', () => `/r/${generateLinkToken()}`],
        ['expired', () => `/r/${expired.token}`],
      ],
      '/p/': [
        ['unknown', () => `/p/${generateLinkToken()}`],
        ['invitation round', () => `/p/${otherAudienceToken}`],
        ['malformed', () => `/p/${generateLinkToken().slice(0, 10)}'"<x>`],
      ],
    };
    const normalise = (html: string) => html.replace(/value="[A-Za-z0-9_-]{43}"/g, 'value="CSRF"');
    const TRIES = 30;
    const summary: string[] = [];
    for (const [prefix, kinds] of Object.entries(cases)) {
      const times = new Map<string, number[]>(kinds.map(([k]) => [k, []]));
      const answers = new Map<string, Set<string>>(kinds.map(([k]) => [k, new Set()]));
      // Interleaved so that a slow moment of the machine hits every kind alike.
      for (let i = 0; i < TRIES; i++) {
        for (const [kind, url] of kinds) {
          const started = process.hrtime.bigint();
          const res = await request(t.app).get(url());
          times.get(kind)!.push(Number(process.hrtime.bigint() - started) / 1e6);
          answers.get(kind)!.add(`${res.status} ${res.headers['set-cookie'] ? 'cookie' : ''} ${normalise(res.text)}`);
          expect(res.headers['set-cookie'] ?? []).not.toEqual(expect.arrayContaining([expect.stringContaining('kedergi_respondent=')]));
        }
      }
      const distinct = new Set([...answers.values()].flatMap((s) => [...s]));
      expect(distinct.size, `${prefix}: every kind must get the very same page`).toBe(1);
      expect([...distinct][0]!.startsWith('410 ')).toBe(true);
      const medians = kinds.map(([k]) => median(times.get(k)!));
      summary.push(`${prefix} ${kinds.map(([k], i) => `${k} ${medians[i]!.toFixed(1)} ms`).join(', ')}`);
      expect(Math.max(...medians) / Math.min(...medians), `${prefix} median times ${medians.join(', ')}`).toBeLessThan(3);
    }
    // A used link tells its holder when the answers arrived (issue 15): only someone holding the
    // 128-bit link sees that, so it reveals nothing guessable. It opens no session and shows no answer.
    const usedPage = await request(t.app).get(`/r/${used.token}`);
    expect(usedPage.status).toBe(200);
    expect(usedPage.headers['set-cookie'] ?? []).not.toEqual(expect.arrayContaining([expect.stringContaining('kedergi_respondent=')]));
    expect(usedPage.text).not.toMatch(/<form[^>]*action="\/(r|respond|p)\//i);
    expect(usedPage.text).not.toContain(used.token);
    console.log(`link tokens: ${TRIES} tries per kind; medians ${summary.join('; ')}`);
  });

  it('link tokens and session cookies never reach the request log, and the cookies are HttpOnly and SameSite', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _enc, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const logged = createApp({ ...t.ctx, logger: createLogger('info', sink) });
    const invitation = await insertInvitation(t, f.roundOpen);
    const link = await request(logged).get(`/r/${invitation.token}`);
    expect(link.status).toBe(303);
    const publicLink = await request(logged).get(`/p/${f.publicToken}`);
    expect(publicLink.status).toBe(200);
    const begun = await request(logged).post(`/p/${f.publicToken}`).set('Cookie', actors.anonymous.cookie).type('form').send({ _csrf: actors.anonymous.csrf });
    expect(begun.status).toBe(303);
    await request(logged).get(`/r/${invitation.token}/../x`);
    // Routing ignores case, so the masking must too (issue 13: /R/ and /P/ escaped it).
    expect((await request(logged).get(`/R/${invitation.token}`)).status).toBe(303);
    expect((await request(logged).get(`/P/${f.publicToken}`)).status).toBe(200);
    const login = await request(logged)
      .post('/login')
      .set('Cookie', actors.anonymous.cookie)
      .type('form')
      .send({ _csrf: actors.anonymous.csrf, email: actors.expert.user!.email, password: actors.expert.user!.password });
    const all = lines.join('');
    expect(all).toContain('/r/[token]');
    for (const secret of [invitation.token, f.publicToken, actors.expert.user!.password]) expect(all).not.toContain(secret);
    const cookies = [...((link.headers['set-cookie'] as unknown as string[]) ?? []), ...((login.headers['set-cookie'] as unknown as string[]) ?? [])];
    for (const name of ['kedergi_respondent', 'kedergi_session', 'kedergi_csrf']) {
      const cookie = cookies.find((c) => c.startsWith(`${name}=`));
      expect(cookie, name).toBeTruthy();
      expect(cookie, name).toMatch(/; HttpOnly/i);
      expect(cookie, name).toMatch(/; SameSite=Lax/i);
      expect(all).not.toContain(cookie!.split(';')[0]!.split('=')[1]!);
    }
  });
});
