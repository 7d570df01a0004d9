import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ValidationError } from '../../../src/errors';
import { MailRepository } from '../../../src/modules/mail/mail.repository';
import { MailSender, classifySmtpError, retryDelayMs } from '../../../src/modules/mail/mail.sender';
import { MailService } from '../../../src/modules/mail/mail.service';
import { createSmtpTransport } from '../../../src/modules/mail/mail.transport';
import { createTestApp, type TestApp } from '../../helpers/app';
import { startSmtpSink, type SinkVerdict, type SmtpSink } from '../../helpers/smtp';

const SECRET = 'test-secret-0123456789-abcdefghijklmnopqrstuvwxyz';
const FROM = 'Kedergi <survey@kedergi.test>';

describe('mail sender against a real SMTP server on loopback', () => {
  let t: TestApp;
  let repo: MailRepository;
  let service: MailService;
  let verdict: (to: string[], n: number) => SinkVerdict;
  let sink: SmtpSink;

  beforeAll(async () => {
    t = await createTestApp();
    repo = new MailRepository(t.ctx.db);
    service = new MailService(repo, { getRound: async () => { throw new Error('unused'); }, mailTargets: async () => [] }, { secret: SECRET, from: FROM });
    sink = await startSmtpSink((to, n) => verdict(to, n));
  });
  afterAll(async () => {
    await sink.close();
    await t.close();
  });
  beforeEach(async () => {
    verdict = () => ({ accept: true });
    sink.messages.length = 0;
    await t.ctx.db('mail_outbox').delete();
  });

  const sender = (o: Partial<ConstructorParameters<typeof MailSender>[2]> = {}) =>
    new MailSender(repo, createSmtpTransport(sink.url, 3), { secret: SECRET, from: FROM, ratePerMinute: 1000, batchSize: 10, retryBaseMs: 1, ...o });

  const queue = (n: number, to = (i: number) => `person${i}@example.kz`) =>
    service.enqueue(
      Array.from({ length: n }, (_, i) => ({
        messageId: service.newMessageId(),
        kind: 'test' as const,
        recipient: to(i),
        language: 'ru',
        subject: `Тема ${i}`,
        text: `Привет ${i}\n\nhttps://kedergi.test/r/abc${i}`,
      })),
    );

  it('sends a plain text and an HTML part, with the Message-ID fixed at queueing', async () => {
    await queue(2);
    const ids = (await t.ctx.db('mail_outbox').orderBy('id').select('message_id')).map((r) => r.message_id);
    const s = sender();
    await s.drain();
    await s.stop();
    expect(sink.messages).toHaveLength(2);
    const got = sink.messages.map((m) => m.parsed).sort((a, b) => String(a.subject).localeCompare(String(b.subject)));
    expect(got[0]!.subject).toBe('Тема 0');
    expect(got[0]!.text).toContain('Привет 0');
    expect(got[0]!.html).toContain('<p>Привет 0</p>');
    expect(got[0]!.from?.text).toContain('survey@kedergi.test');
    expect(got.map((m) => m.messageId).sort()).toEqual([...ids].sort());
    const rows = await t.ctx.db('mail_outbox').select('status', 'payload', 'sent_at');
    expect(rows.every((r) => r.status === 'sent' && r.payload === null && r.sent_at)).toBe(true);
  });

  it('sends in batches and never more than the per-minute limit', async () => {
    await queue(12);
    const s = sender({ ratePerMinute: 7, batchSize: 3 });
    const first = await s.sendBatch();
    expect(first.claimed).toBe(3);
    const rest = await s.drain();
    await s.stop();
    expect(first.sent + rest.sent).toBe(7);
    expect(rest.limited).toBe(true);
    expect(sink.messages).toHaveLength(7);
    const counts = await repo.countByStatus();
    expect(counts).toMatchObject({ sent: 7, queued: 5 });
  });

  it('retries after a transient 4xx with a later attempt, and sends', async () => {
    await queue(3);
    let refusals = 0;
    verdict = () => (refusals++ < 3 ? { code: 451, message: 'Try again later' } : { accept: true });
    const s = sender({ retryBaseMs: 60_000 });
    const first = await s.drain();
    expect(first.retried).toBe(3);
    const waiting = await t.ctx.db('mail_outbox').select('status', 'attempts', 'last_error', 'next_attempt_at');
    expect(waiting.every((r) => r.status === 'queued' && Number(r.attempts) === 1 && /451|later/i.test(r.last_error))).toBe(true);
    // Not before the backoff has passed ...
    expect(waiting.every((r) => Date.parse(r.next_attempt_at) > Date.now() + 50_000)).toBe(true);
    expect((await s.drain()).claimed).toBe(0);
    // ... and then sent (the clock moved on: the due time is set back).
    await t.ctx.db('mail_outbox').update({ next_attempt_at: new Date(Date.now() - 1000).toISOString() });
    await s.drain();
    await s.stop();
    expect(sink.messages).toHaveLength(3);
    expect((await repo.countByStatus()).sent).toBe(3);
  });

  it('marks a permanent 5xx failure and does not try again', async () => {
    await queue(3, (i) => (i === 1 ? 'nobody@example.kz' : `person${i}@example.kz`));
    verdict = (to) => (to.includes('nobody@example.kz') ? { code: 550, message: 'No such user' } : { accept: true });
    const s = sender();
    await s.drain();
    await new Promise((r) => setTimeout(r, 50));
    const again = await s.drain();
    await s.stop();
    expect(again.claimed).toBe(0);
    const failed = await t.ctx.db('mail_outbox').where({ status: 'failed' });
    expect(failed).toHaveLength(1);
    expect(failed[0].recipient).toBe('nobody@example.kz');
    expect(failed[0].last_error).toMatch(/550|No such user/);
    expect(sink.messages).toHaveLength(2);
  });

  it('gives up a message that keeps failing transiently after the last attempt', async () => {
    await queue(1);
    verdict = () => ({ code: 421, message: 'Busy' });
    const s = sender({ maxAttempts: 2, retryBaseMs: 1 });
    await s.drain();
    await new Promise((r) => setTimeout(r, 20));
    await s.drain();
    await s.stop();
    const [row] = await t.ctx.db('mail_outbox');
    expect(row.status).toBe('failed');
    expect(Number(row.attempts)).toBe(2);
  });

  it('refuses header injection through the subject or the address, queueing nothing', async () => {
    const base = { messageId: service.newMessageId(), kind: 'test' as const, language: 'en', text: 'x' };
    await expect(service.enqueue([{ ...base, recipient: 'a@example.kz', subject: 'Hello\r\nBcc: victim@example.kz' }])).rejects.toBeInstanceOf(ValidationError);
    await expect(service.enqueue([{ ...base, recipient: 'a@example.kz\r\nBcc: victim@example.kz', subject: 'Hello' }])).rejects.toBeInstanceOf(ValidationError);
    expect(Number((await t.ctx.db('mail_outbox').count({ n: '*' }).first())!.n)).toBe(0);
  });

  it('takes over messages whose sender died once their lease has run out', async () => {
    await queue(2);
    const claimed = await repo.claimDue(new Date().toISOString(), 2, new Date(Date.now() + 1000).toISOString());
    expect(claimed).toHaveLength(2);
    // Another sender does not touch them while the lease lasts ...
    expect(await repo.claimDue(new Date().toISOString(), 10, new Date(Date.now() + 60_000).toISOString())).toHaveLength(0);
    await new Promise((r) => setTimeout(r, 1100));
    // ... and sends them once it has run out, with the Message-IDs they were queued with.
    const s = sender();
    expect((await s.drain()).sent).toBe(2);
    await s.stop();
    expect(sink.messages.map((m) => m.parsed.messageId).sort()).toEqual(claimed.map((c) => c.messageId).sort());
  });
});

describe('SMTP error classes and backoff', () => {
  it('treats 5xx as permanent and 4xx or a lost connection as transient', () => {
    expect(classifySmtpError({ responseCode: 550 })).toBe('permanent');
    expect(classifySmtpError({ responseCode: 554 })).toBe('permanent');
    expect(classifySmtpError({ responseCode: 451 })).toBe('transient');
    expect(classifySmtpError({ code: 'ECONNECTION' })).toBe('transient');
  });
  it('doubles the delay each attempt, capped at six hours', () => {
    expect(retryDelayMs(1, 60_000)).toBe(60_000);
    expect(retryDelayMs(3, 60_000)).toBe(240_000);
    expect(retryDelayMs(20, 60_000)).toBe(6 * 3600_000);
  });
});
