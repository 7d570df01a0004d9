import { describe, expect, it } from 'vitest';
import { enterpriseWithAddress as ent, useMailTestApp } from '../../helpers/smtp';

/**
 * Two "send invitations" clicks at once (a double click, two administrators, the API beside the
 * page) each plan from the same state: nobody mailed yet. The outbox's unique dedupe key lets
 * only one copy of each mail in, on both engines.
 */
describe('two simultaneous sends queue each mail once (real SMTP on loopback)', () => {
  const fx = useMailTestApp({ batchSize: 100 });
  const { deliver, roundWith, mailThroughApi } = fx;

  async function roundOf(n: number) {
    const enterprises = Array.from({ length: n }, (_, i) => ent(`Enterprise ${i + 1}`, `e${i + 1}-${n}@example.kz`));
    return (await roundWith(enterprises)).roundId;
  }

  const queuedOf = (location: string | undefined) => Number(/queued=(\d+)/.exec(location ?? '')?.[1]);
  const outboxRows = (roundId: number, kind: string) => fx.t.ctx.db('mail_outbox').where({ round_id: roundId, kind }).count({ n: '*' }).first().then((r) => Number(r?.n));

  it('two confirmed "send invitations" posts at once: every invitation mailed once', async () => {
    const roundId = await roundOf(40);
    const post = () => fx.admin.agent.post(`/admin/rounds/${roundId}/mail/send`).type('form').send({ _csrf: fx.admin.csrf, kind: 'invitation', confirm: 'yes' });
    const [a, b] = await Promise.all([post(), post()]);
    expect([a.status, b.status]).toEqual([303, 303]);
    // Together the two answers report each mail once, whichever of them queued it.
    expect(queuedOf(a.headers.location) + queuedOf(b.headers.location)).toBe(40);
    expect(await outboxRows(roundId, 'invitation')).toBe(40);
    await deliver();
    const to = fx.sink.messages.map((m) => m.to[0]);
    expect(to).toHaveLength(40);
    expect(new Set(to).size).toBe(40);
    // No snapshot left behind by the send that queued nothing.
    const orphans = await fx.t.ctx.db('mail_snapshots').whereNotIn('id', fx.t.ctx.db('mail_outbox').whereNotNull('snapshot_id').select('snapshot_id')).count({ n: '*' }).first();
    expect(Number(orphans?.n)).toBe(0);
  });

  it('the page and the API at once, then two "remind now": one invitation mail and one reminder each', async () => {
    const roundId = await roundOf(25);
    const [page, api] = await Promise.all([
      fx.admin.agent.post(`/admin/rounds/${roundId}/mail/send`).type('form').send({ _csrf: fx.admin.csrf, kind: 'invitation', confirm: 'yes' }),
      mailThroughApi(roundId, 'invitation'),
    ]);
    expect(queuedOf(page.headers.location) + api.body.queued).toBe(25);
    expect(await outboxRows(roundId, 'invitation')).toBe(25);
    await deliver();
    const reminders = await Promise.all([1, 2].map(() => mailThroughApi(roundId, 'reminder')));
    expect(reminders[0]!.body.queued + reminders[1]!.body.queued).toBe(25);
    expect(await outboxRows(roundId, 'reminder')).toBe(25);
    // A third click answered after the first two committed, while their reminders still wait
    // in the outbox, queues nothing either.
    expect((await mailThroughApi(roundId, 'reminder')).body.queued).toBe(0);
    const ask = await fx.admin.agent.get(`/admin/rounds/${roundId}/mail/send?kind=reminder`);
    expect(ask.status).toBe(200);
    expect(ask.text).toContain('Өткізілді, алдыңғы еске салу әлі жіберілмеген: 25');
    await deliver();
    // Once those went out, a later, deliberate "remind now" is a second reminder, not a duplicate: it goes in.
    const later = await mailThroughApi(roundId, 'reminder');
    expect(later.body.queued).toBe(25);
    await deliver();
    expect(fx.sink.messages).toHaveLength(75);
  });

  it('the service called twice at once (two server workers, or the cron beside the server) queues once', async () => {
    const roundId = await roundOf(30);
    const results = await Promise.all([1, 2, 3].map(() => fx.t.services.mail.queueRound(roundId, 'invitation', 'http://kedergi.test')));
    expect(results.reduce((a, b) => a + b, 0)).toBe(30);
    expect(await outboxRows(roundId, 'invitation')).toBe(30);
  });
});
