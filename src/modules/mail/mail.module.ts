import type { Knex } from 'knex';
import type { Services } from '../../composition';
import type { Config } from '../../config';
import type { AppContext } from '../../context';
import type { Logger } from '../../logger';
import { MailRepository } from './mail.repository';
import { MailSender } from './mail.sender';
import { createSmtpTransport, type MailTransport } from './mail.transport';

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
export function startMailWorker(ctx: AppContext, services: Pick<Services, 'mail'>): (() => Promise<void>) | undefined {
  const sender = mailSender(ctx.db, ctx.config, ctx.logger);
  if (!sender) return undefined;
  sender.start(2000);
  const schedules = setInterval(() => {
    services.mail.runSchedules().catch((err) => ctx.logger.error({ err }, 'reminder schedules failed'));
  }, 60_000);
  schedules.unref();
  return async () => {
    clearInterval(schedules);
    await sender.stop();
  };
}
