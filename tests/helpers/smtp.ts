import type { AddressInfo } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import request from 'supertest';
import { afterAll, beforeAll, beforeEach, expect } from 'vitest';
import type { BatchResult } from '../../src/modules/mail/mail.sender';
import { insertRound } from '../modules/invitations/fixtures';
import { apiTokenFor, createTestApp, loginAs, type LoggedIn, type TestApp } from './app';

export interface SinkMessage {
  raw: string;
  parsed: ParsedMail;
  to: string[];
}

/** What the sink answers to one message's DATA: accept, or refuse with an SMTP reply code. */
export type SinkVerdict = { accept: true } | { code: number; message: string };

/**
 * A real SMTP server on loopback (smtp-server) that keeps what it receives, parsed with
 * mailparser. `decide` lets a test refuse messages with 4xx or 5xx replies.
 */
export async function startSmtpSink(decide: (to: string[], count: number) => SinkVerdict = () => ({ accept: true }), options: { delayMs?: number } = {}): Promise<{
  url: string;
  port: number;
  messages: SinkMessage[];
  refused: number;
  close(): Promise<void>;
  waitFor(n: number, timeoutMs?: number): Promise<void>;
}> {
  const messages: SinkMessage[] = [];
  const state = { refused: 0 };
  let seen = 0;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    size: 10 * 1024 * 1024,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const to = session.envelope.rcptTo.map((r) => r.address);
        const verdict = decide(to, ++seen);
        if (!('accept' in verdict)) {
          state.refused++;
          const err = new Error(verdict.message) as Error & { responseCode: number };
          err.responseCode = verdict.code;
          return callback(err);
        }
        const raw = Buffer.concat(chunks).toString('utf8');
        const delay = new Promise((r) => setTimeout(r, options.delayMs ?? 0));
        delay.then(() => simpleParser(raw)).then(
          (parsed) => {
            messages.push({ raw, parsed, to });
            callback();
          },
          (err: Error) => callback(err),
        );
      });
    },
  });
  // A client that drops its connection (a sender killed mid-batch, a pool closed) is not an error of the test.
  server.on('error', () => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as AddressInfo).port;
  return {
    url: `smtp://127.0.0.1:${port}`,
    port,
    messages,
    get refused() {
      return state.refused;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
    async waitFor(n, timeoutMs = 20_000) {
      const until = Date.now() + timeoutMs;
      while (messages.length < n) {
        if (Date.now() > until) throw new Error(`expected ${n} messages, got ${messages.length}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
  };
}

export type SmtpSink = Awaited<ReturnType<typeof startSmtpSink>>;

/** Send everything queued, as the in-process sender or the cron command would, and stop the sender. */
export async function deliverAll(t: TestApp): Promise<BatchResult> {
  const sender = t.services.mailSender();
  if (!sender) throw new Error('mail is off in this test app');
  const result = await sender.drain();
  await sender.stop();
  return result;
}

/** An enterprise row of an invitations import through the API, with an address (and a language if given). */
export const enterpriseWithAddress = (name: string, email: string, language?: string) => ({ name, email, territory: 'semey-city', sector: 'A', size: 'small', ...(language ? { language } : {}) });

export const inAWeek = () => new Date(Date.now() + 7 * 24 * 3600_000).toISOString();

export interface MailTestApp {
  t: TestApp;
  sink: SmtpSink;
  /** An administrator signed in through the login form (pages in `pageLanguage`). */
  admin: LoggedIn;
  /** An administrator's API bearer token. */
  token: string;
  deliver(): Promise<BatchResult>;
  /** A round of the base questionnaire closing at `closesAt` (a week from now by default), its invitations made through the API. */
  roundWith(enterprises: Array<Record<string, string>>, closesAt?: string | null): Promise<{ roundId: number; links: Array<{ id: number; link: string; name: string }> }>;
  /** `POST /api/v1/rounds/:id/mail` with the administrator's token: queue the round's mail of a kind. */
  mailThroughApi(roundId: number, kind: 'invitation' | 'reminder'): Promise<request.Response>;
}

/**
 * The setup of the round-mail tests, registered as the hooks of the calling `describe`: a real
 * SMTP sink on loopback, an app with the base seed whose mail goes to it and whose links start
 * with http://kedergi.test, an administrator signed in and an API token. The sink forgets what
 * it received before each test. Read the fields inside tests and hooks (they are set in beforeAll).
 */
export function useMailTestApp(options: { batchSize?: number; pageLanguage?: string } = {}): MailTestApp {
  let state: Omit<MailTestApp, 'deliver' | 'roundWith'> | undefined;
  const get = () => {
    if (!state) throw new Error('useMailTestApp: read the fixture inside a test or hook');
    return state;
  };
  beforeAll(async () => {
    const sink = await startSmtpSink();
    const t = await createTestApp({
      seed: 'base',
      config: { publicUrl: 'http://kedergi.test', mail: { smtpUrl: sink.url, from: 'Kedergi <survey@kedergi.test>', ratePerMinute: 10_000, batchSize: options.batchSize ?? 50, leaseSeconds: 300 } },
    });
    const admin = await loginAs(t, 'admin');
    if (options.pageLanguage) admin.agent.set('Accept-Language', options.pageLanguage);
    state = { t, sink, admin, token: await apiTokenFor(t, 'admin') };
  });
  afterAll(async () => {
    await state?.sink.close();
    await state?.t.close();
  });
  beforeEach(() => {
    if (state) state.sink.messages.length = 0;
  });
  return {
    get t() {
      return get().t;
    },
    get sink() {
      return get().sink;
    },
    get admin() {
      return get().admin;
    },
    get token() {
      return get().token;
    },
    deliver: () => deliverAll(get().t),
    async roundWith(enterprises, closesAt = inAWeek()) {
      const { t, token } = get();
      const roundId = await insertRound(t.ctx, { closes_at: closesAt });
      const res = await request(t.app).post(`/api/v1/rounds/${roundId}/invitations`).set('Authorization', `Bearer ${token}`).send({ enterprises });
      expect(res.status, res.text).toBe(201);
      return { roundId, links: res.body.invitations as Array<{ id: number; link: string; name: string }> };
    },
    mailThroughApi: (roundId, kind) => {
      const { t, token } = get();
      return request(t.app).post(`/api/v1/rounds/${roundId}/mail`).set('Authorization', `Bearer ${token}`).send({ kind });
    },
  };
}
