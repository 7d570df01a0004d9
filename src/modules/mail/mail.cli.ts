import type { Knex } from 'knex';
import { loadConfig } from '../../config';
import { createDb } from '../../db/knex';
import { buildServices } from '../../composition';
import { Lifecycle } from '../../lifecycle';
import { createLogger } from '../../logger';
import { runReminderSchedules } from './mail.module';

/**
 * `mail send` (for cron, e.g. every minute): queues the reminders the schedules make due, then
 * sends what the outbox holds until nothing is due or the per-minute limit is reached.
 * `--wait` waits out the limit and goes on until nothing is due. `mail status` prints counts.
 */
export async function runMailCommand(kind: 'send' | 'status', args: string[], given?: Knex): Promise<number> {
  const config = loadConfig();
  const db = given ?? createDb(config.database);
  const logger = createLogger(config.logLevel);
  const services = buildServices({ db, config, logger, bcryptRounds: 12, lifecycle: new Lifecycle() });
  try {
    if (kind === 'status') {
      const counts = await services.mail.counts();
      process.stdout.write(`${config.mail ? 'Mail is on' : 'Mail is off (set SMTP_URL and MAIL_FROM)'}\n${Object.entries(counts).map(([k, v]) => `${k}: ${v}`).join('\n')}\n`);
      return 0;
    }
    const sender = services.mailSender();
    if (!sender) {
      process.stderr.write('Mail is off: set SMTP_URL and MAIL_FROM\n');
      return 1;
    }
    const reminders = await runReminderSchedules({ config }, services);
    const result = await sender.drain({ wait: args.includes('--wait') });
    await sender.stop();
    process.stdout.write(
      `Queued ${reminders.invitations} invitation reminders and ${reminders.experts} expert reminders; sent ${result.sent}, deferred ${result.retried}, failed ${result.failed}${result.limited ? ' (per-minute limit reached)' : ''}\n`,
    );
    return 0;
  } finally {
    if (!given) await db.destroy();
  }
}
