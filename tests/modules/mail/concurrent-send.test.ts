import request from 'supertest';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { apiTokenFor, createTestApp, loginAs, type LoggedIn, type TestApp } from '../../helpers/app';
import { startSmtpSink } from '../../helpers/smtp';
import { insertRound } from '../invitations/fixtures';

const FROM = 'Kedergi <survey@kedergi.test>';
const inAWeek = () => new Date(Date.now() + 7 * 24 * 3600_000).toISOString();

/**
 * Two "send invitations" clicks at once (a double click, two administrators, the API beside the
 * page) each plan from the same state: nobody mailed yet. The outbox's unique dedupe key lets
 * only one copy of each mail in, on both engines.
 */
describe('two simultaneous sends queue each mail once (real SMTP on loopback)', () => {
  let t: TestApp;
  let admin: LoggedIn;
  let token: string;
  let sink: Awaited<ReturnType<typeof startSmtpSink>>;

  beforeAll(async () => {
    sink = await startSmtpSink();
    t = await createTestApp({
      seed: 'base',
      config: { publicUrl: 'http://kedergi.test', mail: { smtpUrl: sink.url, from: FROM, ratePerMinute: 10_000, batchSize: 100, leaseSeconds: 300 } },
    });
    admin = await loginAs(t, 'admin');
    token = await apiTokenFor(t, 'admin');
  });
  afterAll(async () => {
    await sink.close();
    await t.close();
  });
  beforeEach(() => {
    sink.messages.length = 0;
  });

  async function roundOf(n: number) {
    const roundId = await insertRound(t.ctx, { closes_at: inAWeek() });
    const enterprises = Array.from({ length: n }, (_, i) => ({ name: `Enterprise ${i + 1}`, email: `e${i + 1}-${roundId}@example.kz`, territory: 'semey-city', sector: 'A', size: 'small' }));
    const res = await request(t.app).post(`/api/v1/rounds/${roundId}/invitations`).set('Authorization', `Bearer ${token}`).send({ enterprises });
    expect(res.status, res.text).toBe(201);
    return roundId;
  }

  const queuedOf = (location: string | undefined) => Number(/queued=(\d+)/.exec(location ?? '')?.[1]);
  const outboxRows = (roundId: number, kind: string) => t.ctx.db('mail_outbox').where({ round_id: roundId, kind }).count({ n: '*' }).first().then((r) => Number(r?.n));

  async function deliver() {
    const sender = t.services.mailSender()!;
    await sender.drain();
    await sender.stop();
  }

  it('two confirmed "send invitations" posts at once: every invitation mailed once', async () => {
    const roundId = await roundOf(40);
    const post = () => admin.agent.post(`/admin/rounds/${roundId}/mail/send`).type('form').send({ _csrf: admin.csrf, kind: 'invitation', confirm: 'yes' });
    const [a, b] = await Promise.all([post(), post()]);
    expect([a.status, b.status]).toEqual([303, 303]);
    // Together the two answers report each mail once, whichever of them queued it.
    expect(queuedOf(a.headers.location) + queuedOf(b.headers.location)).toBe(40);
    expect(await outboxRows(roundId, 'invitation')).toBe(40);
    await deliver();
    const to = sink.messages.map((m) => m.to[0]);
    expect(to).toHaveLength(40);
    expect(new Set(to).size).toBe(40);
    // No snapshot left behind by the send that queued nothing.
    const orphans = await t.ctx.db('mail_snapshots').whereNotIn('id', t.ctx.db('mail_outbox').whereNotNull('snapshot_id').select('snapshot_id')).count({ n: '*' }).first();
    expect(Number(orphans?.n)).toBe(0);
  });

  it('the page and the API at once, then two "remind now": one invitation mail and one reminder each', async () => {
    const roundId = await roundOf(25);
    const [page, api] = await Promise.all([
      admin.agent.post(`/admin/rounds/${roundId}/mail/send`).type('form').send({ _csrf: admin.csrf, kind: 'invitation', confirm: 'yes' }),
      request(t.app).post(`/api/v1/rounds/${roundId}/mail`).set('Authorization', `Bearer ${token}`).send({ kind: 'invitation' }),
    ]);
    expect(queuedOf(page.headers.location) + api.body.queued).toBe(25);
    expect(await outboxRows(roundId, 'invitation')).toBe(25);
    await deliver();
    const reminders = await Promise.all([1, 2].map(() => request(t.app).post(`/api/v1/rounds/${roundId}/mail`).set('Authorization', `Bearer ${token}`).send({ kind: 'reminder' })));
    expect(reminders[0]!.body.queued + reminders[1]!.body.queued).toBe(25);
    expect(await outboxRows(roundId, 'reminder')).toBe(25);
    // A later, deliberate "remind now" is a second reminder, not a duplicate: it goes in.
    const later = await request(t.app).post(`/api/v1/rounds/${roundId}/mail`).set('Authorization', `Bearer ${token}`).send({ kind: 'reminder' });
    expect(later.body.queued).toBe(25);
    await deliver();
    expect(sink.messages).toHaveLength(75);
  });

  it('the service called twice at once (two server workers, or the cron beside the server) queues once', async () => {
    const roundId = await roundOf(30);
    const results = await Promise.all([1, 2, 3].map(() => t.services.mail.queueRound(roundId, 'invitation', 'http://kedergi.test')));
    expect(results.reduce((a, b) => a + b, 0)).toBe(30);
    expect(await outboxRows(roundId, 'invitation')).toBe(30);
  });
});
