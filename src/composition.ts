import type { Knex } from 'knex';
import type { AppContext } from './context';
import { AnalysisRepository } from './modules/analysis/analysis.repository';
import { AnalysisService } from './modules/analysis/analysis.service';
import type { RoundWorkbookSources } from './modules/analysis/analysis.export';
import { AuthService } from './modules/auth/auth.service';
import { PasswordResetService } from './modules/auth/password-reset.service';
import { PasswordResetsRepository } from './modules/auth/password-resets.repository';
import { expertSheetsForRound, panelReportsForRound } from './modules/experts/experts.export';
import { ExpertsRepository } from './modules/experts/experts.repository';
import { ExpertsService, surveyItemMeans } from './modules/experts/experts.service';
import { IndicatorsRepository } from './modules/indicators/indicators.repository';
import { IndicatorsService } from './modules/indicators/indicators.service';
import { InvitationsRepository } from './modules/invitations/invitations.repository';
import { InvitationsService } from './modules/invitations/invitations.service';
import { MailRepository } from './modules/mail/mail.repository';
import { MailSender } from './modules/mail/mail.sender';
import { MailService } from './modules/mail/mail.service';
import { createSmtpTransport } from './modules/mail/mail.transport';
import { MonitoringRepository } from './modules/monitoring/monitoring.repository';
import { MonitoringService } from './modules/monitoring/monitoring.service';
import { programmesPorts } from './modules/programmes/programmes.ports';
import { KnexProgrammesRepository } from './modules/programmes/programmes.repository';
import { ProgrammesService } from './modules/programmes/programmes.service';
import { KnexRateLimitsRepository } from './modules/rate-limits/rate-limits.repository';
import { RateLimitStores } from './modules/rate-limits/rate-limits.service';
import { QuestionnairesRepository } from './modules/questionnaires/questionnaires.repository';
import { QuestionnairesService } from './modules/questionnaires/questionnaires.service';
import { AnalysisCounter } from './modules/analysis/analysis.counter';
import { QuestionnaireDraftsRepository } from './modules/questionnaires/questionnaire-drafts.repository';
import { QuestionnaireDraftsService } from './modules/questionnaires/questionnaire-drafts.service';
import { ResponsesRepository } from './modules/responses/responses.repository';
import { ResponsesService } from './modules/responses/responses.service';
import { RoundsRepository } from './modules/rounds/rounds.repository';
import { RoundsService } from './modules/rounds/rounds.service';
import { TerritoriesRepository } from './modules/territories/territories.repository';
import { TerritoriesService } from './modules/territories/territories.service';
import { KnexUsersRepository } from './modules/users/users.repository';
import { UsersService } from './modules/users/users.service';

/** Every service of the application, each built once; routers and seeders take what they need from here. */
export interface Services {
  users: UsersService;
  auth: AuthService;
  territories: TerritoriesService;
  questionnaires: QuestionnairesService;
  /** The questionnaire builder's drafts (published through `questionnaires`). */
  questionnaireDrafts: QuestionnaireDraftsService;
  indicators: IndicatorsService;
  rounds: RoundsService;
  invitations: InvitationsService;
  mail: MailService;
  /** A new outbox sender (its own pooled SMTP transport), or undefined when mail is off. */
  mailSender: () => MailSender | undefined;
  passwordResets: PasswordResetService;
  responses: ResponsesService;
  monitoring: MonitoringService;
  analysis: AnalysisService;
  experts: ExpertsService;
  programmes: ProgrammesService;
  /** What the analysis workbook takes from monitoring and experts, so that analysis imports neither. */
  roundWorkbook: RoundWorkbookSources;
  /** The database-backed stores of every rate limit (shared by all server processes). */
  rateLimits: RateLimitStores;
  /** Counts submissions into the analysis cells in the background (nudged by each submission). */
  analysisCounter: AnalysisCounter;
}

/**
 * The composition root: repositories from the database, services from repositories and from
 * the services they depend on, in dependency order. The only place (with the CLI and the
 * benchmark entry points) where a service is constructed; modules never build another
 * module's service or repository.
 */
export function buildServices(ctx: AppContext): Services {
  const { db, config } = ctx;
  const users = new UsersService(new KnexUsersRepository(db), ctx.bcryptRounds);
  const auth = new AuthService(users, {
    secret: config.jwtSecret,
    sessionTtlSeconds: config.sessionTtlSeconds,
    sessionMaxAgeSeconds: config.sessionMaxAgeSeconds,
    apiTokenTtlSeconds: config.apiTokenTtlSeconds,
    bcryptRounds: ctx.bcryptRounds,
  });
  const territories = new TerritoriesService(new TerritoriesRepository(db));
  const questionnaires = new QuestionnairesService(new QuestionnairesRepository(db));
  const questionnaireDrafts = new QuestionnaireDraftsService(new QuestionnaireDraftsRepository(db), questionnaires);
  // Survey indicators are published inside the closing transaction: both happen or neither. (The
  // call reaches indicators only when a round closes, after both objects exist.)
  const rounds: RoundsService = new RoundsService(new RoundsRepository(db), questionnaires, territories, (trx, roundId) => indicators.publishRound(roundId, trx), config.jwtSecret);
  // Ratings are aggregated in one place, the analysis cells: publishing a round's indicators asks analysis.
  const analysis = new AnalysisService(new AnalysisRepository(db), rounds, questionnaires, territories);
  const indicators: IndicatorsService = new IndicatorsService(new IndicatorsRepository(db), territories, rounds, questionnaires, (roundId, trx) => analysis.territoryAggregates(roundId, trx));
  const invitations = new InvitationsService(new InvitationsRepository(db), config.jwtSecret, rounds, territories, questionnaires);
  const mail = new MailService(
    new MailRepository(db),
    { getRound: (id) => invitations.getRound(id), mailTargets: (roundId, base, ids, links) => invitations.mailTargets(roundId, base, ids, links) },
    { secret: config.jwtSecret, from: config.mail?.from, publicUrl: config.publicUrl },
  );
  const mailSender = () =>
    config.mail
      ? new MailSender(
          new MailRepository(db),
          createSmtpTransport(config.mail.smtpUrl),
          { secret: config.jwtSecret, from: config.mail.from, ratePerMinute: config.mail.ratePerMinute, batchSize: config.mail.batchSize, leaseMs: config.mail.leaseSeconds * 1000 },
          ctx.logger,
          (messages) => mail.sendTimeValues(messages),
        )
      : undefined;
  const passwordResets = new PasswordResetService(new PasswordResetsRepository(db), users, mail, ctx.logger);
  // Submissions are counted into the analysis cells after their commit, in the background: one
  // pass a second at most per process (a pass costs about ten statements, so under a burst of
  // submissions it stays a small share of the database's work; a ranking shows what is pending).
  const analysisCounter = new AnalysisCounter(analysis, { delayMs: 1000, onError: (err) => ctx.logger.error({ err }, 'counting into the analysis cells failed') });
  const responses = new ResponsesService(new ResponsesRepository(db), invitations, rounds, territories, questionnaires, Date.now, (roundId) => analysisCounter.nudge(roundId));
  const monitoring = new MonitoringService(new MonitoringRepository(db), rounds, questionnaires, territories);
  const experts = new ExpertsService(new ExpertsRepository(db), (roundId, codes) => surveyItemMeans(analysis, roundId, codes), rounds, questionnaires, users, mail.expertNotifier());
  const roundWorkbook: RoundWorkbookSources = {
    monitoring,
    expertSheets: (roundId, t, lang) => expertSheetsForRound(experts, roundId, t, lang),
    reportPanels: (roundId, t, lang) => panelReportsForRound(experts, roundId, t, lang),
  };
  const programmes = new ProgrammesService(new KnexProgrammesRepository(db), programmesPorts({ rounds, experts, territories, users, indicators }));
  const rateLimits = new RateLimitStores(new KnexRateLimitsRepository(db), (err) => ctx.logger.error({ err }, 'writing rate-limit counts failed'));
  ctx.lifecycle.register('rate-limit counts', () => rateLimits.close());
  return { users, auth, territories, questionnaires, questionnaireDrafts, indicators, rounds, invitations, mail, mailSender, passwordResets, responses, monitoring, analysis, experts, programmes, roundWorkbook, rateLimits, analysisCounter };
}

/**
 * The analysis service and what it reads through (rounds, questionnaires, territories) over a
 * database, for the command line and the benchmark, which run without the app's configuration.
 * Nothing here publishes or seals links: a round is only read.
 */
export function buildAnalysisService(db: Knex): AnalysisService {
  const territories = new TerritoriesService(new TerritoriesRepository(db));
  const questionnaires = buildQuestionnairesService(db);
  const rounds = new RoundsService(new RoundsRepository(db), questionnaires, territories, async () => undefined, '');
  return new AnalysisService(new AnalysisRepository(db), rounds, questionnaires, territories);
}

/**
 * The questionnaires service alone over a database, for harnesses that run without the app (the
 * crash harness, the benchmark's loaders): they ask it which items are questions and which are
 * the profile's rather than reading the item rows themselves.
 */
export function buildQuestionnairesService(db: Knex): QuestionnairesService {
  return new QuestionnairesService(new QuestionnairesRepository(db));
}
