import type { Services } from '../../composition';
import type { AppContext } from '../../context';

/**
 * The reminders the schedules make due now: invitation reminders of survey rounds and expert
 * reminders of Delphi panels (the latter need KEDERGI_PUBLIC_URL for the link in them).
 */
export async function runReminderSchedules(ctx: Pick<AppContext, 'config'>, services: Pick<Services, 'mail' | 'experts'>): Promise<{ invitations: number; experts: number }> {
  const invitations = await services.mail.runSchedules();
  const experts = services.mail.enabled && ctx.config.publicUrl ? await services.experts.runReminderSchedules(ctx.config.publicUrl) : 0;
  return { invitations, experts };
}

/**
 * The in-process sender of the server: sends the outbox and, once a minute (when `schedules`),
 * queues the reminders the schedules make due. Registered with the shutdown registry: on
 * SIGTERM it stops taking batches and finishes the one in hand, or gives it up when the deadline
 * nears (its leases then hand the messages to the next run; nothing is lost).
 */
export function startMailWorker(ctx: AppContext, services: Pick<Services, 'mail' | 'mailSender' | 'experts'>, options: { schedules: boolean } = { schedules: true }): void {
  const sender = services.mailSender();
  if (!sender) return;
  sender.start(2000);
  const schedules = options.schedules
    ? setInterval(() => {
        runReminderSchedules(ctx, services).catch((err) => ctx.logger.error({ err }, 'reminder schedules failed'));
      }, 60_000)
    : undefined;
  schedules?.unref();
  ctx.lifecycle.register('mail sender', async (signal) => {
    if (schedules) clearInterval(schedules);
    const givenUp = new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
    await Promise.race([sender.stop(), givenUp]);
  });
}
