import type { Knex } from 'knex';
import type { Config } from '../../config';
import type { Logger } from '../../logger';
import { invitationLinksService, invitationsService } from '../invitations/invitations.service';
import { MailRepository } from './mail.repository';
import { MailSender } from './mail.sender';
import { MailService } from './mail.service';
import { createSmtpTransport, type MailTransport } from './mail.transport';

/** The mail service of an app or CLI process, built from the configuration. */
export function mailService(db: Knex, config: Config): MailService {
  const invitations = invitationsService(db, config.jwtSecret);
  const links = invitationLinksService(db, config.jwtSecret);
  return new MailService(
    new MailRepository(db),
    { getRound: (id) => invitations.getRound(id), mailTargets: (roundId, base, ids) => links.mailTargets(roundId, base, ids) },
    { secret: config.jwtSecret, from: config.mail?.from, publicUrl: config.publicUrl },
  );
}

/** The sender, when mail is configured; `transport` replaces SMTP in tests. */
export function mailSender(db: Knex, config: Config, logger?: Logger, transport?: MailTransport): MailSender | undefined {
  if (!config.mail) return undefined;
  return new MailSender(
    new MailRepository(db),
    transport ?? createSmtpTransport(config.mail.smtpUrl),
    {
      secret: config.jwtSecret,
      from: config.mail.from,
      ratePerMinute: config.mail.ratePerMinute,
      batchSize: config.mail.batchSize,
      leaseMs: config.mail.leaseSeconds * 1000,
    },
    logger,
  );
}

/**
 * The in-process sender of the server: sends the outbox and, once a minute, queues the
 * reminders the schedules make due. Returns a stop function for shutdown.
 */
export function startMailWorker(db: Knex, config: Config, logger: Logger): (() => Promise<void>) | undefined {
  const sender = mailSender(db, config, logger);
  if (!sender) return undefined;
  const service = mailService(db, config);
  sender.start(2000);
  const schedules = setInterval(() => {
    service.runSchedules().catch((err) => logger.error({ err }, 'reminder schedules failed'));
  }, 60_000);
  schedules.unref();
  return async () => {
    clearInterval(schedules);
    await sender.stop();
  };
}
