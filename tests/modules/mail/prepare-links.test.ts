import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiTokenFor, createTestApp, loginAs, type LoggedIn, type TestApp } from '../../helpers/app';
import { startSmtpSink } from '../../helpers/smtp';
import { insertRound } from '../invitations/fixtures';

const inAWeek = () => new Date(Date.now() + 7 * 24 * 3600_000).toISOString();

/**
 * Invitations made before mail existed kept only their link's hash, so their link cannot be
 * mailed. "Prepare for mail" (issue 12) makes each a new link, after a confirmation that says
 * the old links stop working; then they are mailed like any other.
 */
describe('old invitations (link never kept) prepared for mail (real SMTP on loopback)', () => {
  let t: TestApp;
  let admin: LoggedIn;
  let token: string;
  let sink: Awaited<ReturnType<typeof startSmtpSink>>;

  beforeAll(async () => {
    sink = await startSmtpSink();
    t = await createTestApp({
      seed: 'base',
      config: { publicUrl: 'http://kedergi.test', mail: { smtpUrl: sink.url, from: 'Kedergi <survey@kedergi.test>', ratePerMinute: 10_000, batchSize: 50, leaseSeconds: 300 } },
    });
    admin = await loginAs(t, 'admin');
    admin.agent.set('Accept-Language', 'en');
    token = await apiTokenFor(t, 'admin');
  });
  afterAll(async () => {
    await sink.close();
    await t.close();
  });

  it('asks first (counts, old links die, started ones go on), then makes new links that are mailed; old links refused', async () => {
    const roundId = await insertRound(t.ctx, { closes_at: inAWeek() });
    const ent = (name: string, email?: string) => ({ name, territory: 'semey-city', sector: 'A', size: 'small', ...(email ? { email } : {}) });
    const created = await request(t.app)
      .post(`/api/v1/rounds/${roundId}/invitations`)
      .set('Authorization', `Bearer ${token}`)
      .send({ enterprises: [ent('Alpha', 'alpha@example.kz'), ent('Beta', 'beta@example.kz'), ent('Gamma'), ent('Delta', 'delta@example.kz')] });
    expect(created.status, created.text).toBe(201);
    const [alpha, beta, gamma, delta] = created.body.invitations as Array<{ id: number; link: string }>;
    await t.services.invitations.move(beta!.id, 'opened');
    await t.services.invitations.withdraw(roundId, delta!.id, admin.user.id);
    // As the invitations of a round made before mail: the link's hash only.
    await t.ctx.db('invitations').where({ round_id: roundId }).update({ token_sealed: null });
    const hashesBefore = new Map((await t.ctx.db('invitations').where({ round_id: roundId }).select('id', 'token_hash')).map((r) => [r.id, r.token_hash]));

    const page = await admin.agent.get(`/admin/rounds/${roundId}/mail`);
    expect(page.text).toContain('cannot be mailed: 2.');
    expect(page.text).toContain(`action="/admin/rounds/${roundId}/mail/prepare"`);

    const asked = await admin.agent.post(`/admin/rounds/${roundId}/mail/prepare`).type('form').send({ _csrf: admin.csrf });
    expect(asked.status).toBe(200);
    expect(asked.text).toContain('Invitations that get a new link: 2');
    expect(asked.text).toContain('Their old links stop working at once.');
    expect(asked.text).toContain('Of them, opened their link or began answering: 1.');
    expect(asked.text).toContain('name="confirm" value="yes"');
    expect(await t.ctx.db('invitations').where({ round_id: roundId }).whereNotNull('token_sealed').count({ n: '*' }).first().then((r) => Number(r?.n))).toBe(0);
    expect((await request(t.app).get(new URL(alpha!.link).pathname)).status).toBe(303);

    const done = await admin.agent.post(`/admin/rounds/${roundId}/mail/prepare`).type('form').send({ _csrf: admin.csrf, confirm: 'yes' });
    expect(done.status).toBe(303);
    expect(done.headers.location).toBe(`/admin/rounds/${roundId}/mail?prepared=2`);
    expect((await admin.agent.get(done.headers.location)).text).toContain('Invitations given a new link: 2.');
    const after = new Map((await t.ctx.db('invitations').where({ round_id: roundId }).select('id', 'token_hash', 'token_sealed')).map((r) => [r.id, r]));
    for (const inv of [alpha!, beta!]) {
      expect(after.get(inv.id)!.token_sealed).not.toBeNull();
      expect(after.get(inv.id)!.token_hash).not.toBe(hashesBefore.get(inv.id));
      expect((await request(t.app).get(new URL(inv.link).pathname)).status).toBe(410);
    }
    // No address, or withdrawn: left as they were.
    expect(after.get(gamma!.id)!.token_hash).toBe(hashesBefore.get(gamma!.id));
    expect(after.get(delta!.id)!.token_hash).toBe(hashesBefore.get(delta!.id));
    expect((await request(t.app).get(new URL(gamma!.link).pathname)).status).toBe(303);
    // The second invitation is still opened: its state went on with the new link.
    expect((await t.services.invitations.detail(roundId, beta!.id)).state).toBe('opened');

    // Now they are mailed, with links that work.
    const sent = await request(t.app).post(`/api/v1/rounds/${roundId}/mail`).set('Authorization', `Bearer ${token}`).send({ kind: 'invitation' });
    expect(sent.body).toEqual({ queued: 2 });
    const sender = t.services.mailSender()!;
    await sender.drain();
    await sender.stop();
    expect(sink.messages.map((m) => m.to[0]).sort()).toEqual(['alpha@example.kz', 'beta@example.kz']);
    for (const m of sink.messages) {
      const link = /http:\/\/kedergi\.test\/r\/[\w-]+/.exec(String(m.parsed.text))![0];
      expect((await request(t.app).get(new URL(link).pathname)).status).toBe(303);
    }

    // Nothing left to prepare: no question, straight back.
    const again = await admin.agent.post(`/admin/rounds/${roundId}/mail/prepare`).type('form').send({ _csrf: admin.csrf });
    expect(again.status).toBe(303);
    expect(again.headers.location).toBe(`/admin/rounds/${roundId}/mail?prepared=0`);
    expect((await admin.agent.get(`/admin/rounds/${roundId}/mail`)).text).not.toContain(`action="/admin/rounds/${roundId}/mail/prepare"`);
  });
});
