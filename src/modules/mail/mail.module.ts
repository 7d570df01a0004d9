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
 * The in-process sender of the server: sends the outbox and, once a minute (when `schedules`),
 * queues the reminders the schedules make due. Registered with the shutdown registry: on
 * SIGTERM it stops taking batches and finishes the one in hand, or gives it up when the deadline
 * nears (its leases then hand the messages to the next run; nothing is lost).
 */
export function startMailWorker(ctx: AppContext, services: Pick<Services, 'mail'>, options: { schedules: boolean } = { schedules: true }): void {
  const sender = mailSender(ctx.db, ctx.config, ctx.logger);
  if (!sender) return;
  sender.start(2000);
  const schedules = options.schedules
    ? setInterval(() => {
        services.mail.runSchedules().catch((err) => ctx.logger.error({ err }, 'reminder schedules failed'));
      }, 60_000)
    : undefined;
  schedules?.unref();
  ctx.lifecycle.register('mail sender', async (signal) => {
    if (schedules) clearInterval(schedules);
    const givenUp = new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
    await Promise.race([sender.stop(), givenUp]);
  });
}
