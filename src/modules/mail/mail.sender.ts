import type { Logger } from '../../logger';
import { isHeaderSafe } from '../../lib/email';
import { seal, unseal } from '../../lib/seal';
import { fillFields, textToHtml } from './mail.render';
import type { MailRepository } from './mail.repository';
import type { ClaimedMessage } from './mail.schemas';
import type { MailTransport } from './mail.transport';

export const OUTBOX_SEAL = 'mail-outbox';

/**
 * The sealed part of an outbox row: a whole message (one-off mail: tests, expert notices,
 * password resets), or only the merge values of a message whose subject and text are in its
 * snapshot (round mail queued before values were made at send time). The HTML part is never
 * stored: it is made from the text when the message is sent (a pure function of it).
 */
export type MessageBody =
  | { subject: string; text: string; lang: string; headers?: Record<string, string> }
  | { values: Record<string, string>; lang: string; headers?: Record<string, string> };

export const sealBody = (secret: string, body: MessageBody) => seal(secret, OUTBOX_SEAL, JSON.stringify(body));

/**
 * Round mail is queued with no values (issue 12: queueing 100 000 then seals nothing): the mail
 * module makes them when the message is sent, from the invitation as it is then, or says why
 * the message is not to be sent (withdrawn, answered, no link kept).
 */
export type SendTimeValues = { values: Record<string, string>; headers?: Record<string, string> } | { refused: string };
export type SendTimeValuesResolver = (messages: ClaimedMessage[]) => Promise<Map<number, SendTimeValues>>;

export interface OpenedMessage {
  subject: string;
  text: string;
  lang: string;
  headers?: Record<string, string>;
}

/** The message's merge values sealed in its row, or made at send time (`late`). */
function valuesOf(secret: string, message: Pick<ClaimedMessage, 'payload' | 'language'>, late: SendTimeValues | undefined): MessageBody | { refused: string } | undefined {
  if (!message.payload) return late && ('refused' in late ? late : { values: late.values, lang: message.language, headers: late.headers });
  const json = unseal(secret, OUTBOX_SEAL, message.payload);
  return json ? (JSON.parse(json) as MessageBody) : undefined;
}

/**
 * The message to send; `refused` with why it is not to be sent; undefined when the row cannot be
 * read (tampered, another secret, snapshot missing).
 */
export function openMessage(secret: string, message: Pick<ClaimedMessage, 'payload' | 'snapshot' | 'language'>, late?: SendTimeValues): OpenedMessage | { refused: string } | undefined {
  const body = valuesOf(secret, message, late);
  if (!body || 'refused' in body) return body;
  if (!('values' in body)) return body;
  if (!message.snapshot) return undefined;
  const subject = fillFields(message.snapshot.subject, body.values);
  // A name that would break the subject onto two lines is never sent (header injection).
  if (!isHeaderSafe(subject)) return { refused: 'subject would span two lines' };
  return { subject, text: fillFields(message.snapshot.body, body.values).replace(/\r\n?/g, '\n'), lang: body.lang, headers: body.headers };
}

export interface SenderOptions {
  secret: string;
  from: string;
  ratePerMinute: number;
  batchSize: number;
  /** Messages handed to the relay at once (pooled connections). */
  concurrency?: number;
  /** How long a claimed message stays with this process before another may take it over. */
  leaseMs?: number;
  /** First retry after a transient failure; doubles each attempt, capped at six hours. */
  retryBaseMs?: number;
  /** Attempts before a message that keeps failing transiently is given up. */
  maxAttempts?: number;
}

export interface BatchResult {
  claimed: number;
  sent: number;
  retried: number;
  failed: number;
  /** True when the per-minute limit stopped this batch from taking more. */
  limited: boolean;
}

/**
 * 4xx replies (mailbox busy, greylisting, too many connections) and lost connections are
 * transient: try again later. 5xx replies (no such user, relay refused, message refused) are
 * permanent: trying again would get the same answer.
 */
export function classifySmtpError(err: unknown): 'transient' | 'permanent' {
  const code = typeof err === 'object' && err !== null ? (err as { responseCode?: unknown }).responseCode : undefined;
  return typeof code === 'number' && code >= 500 && code < 600 ? 'permanent' : 'transient';
}

export function retryDelayMs(attempts: number, baseMs: number): number {
  return Math.min(6 * 3600_000, baseMs * 2 ** Math.max(0, attempts - 1));
}

function describe(err: unknown): string {
  if (typeof err !== 'object' || err === null) return String(err);
  const e = err as { responseCode?: number; response?: string; code?: string; message?: string };
  return (e.response ?? e.message ?? e.code ?? 'error').replace(/\s+/g, ' ').slice(0, 500);
}

/**
 * Sends what the outbox holds, in batches, under a per-minute limit counted in the database
 * (so it holds across processes and restarts). A message is claimed with a lease before it
 * is handed to the relay and marked sent as soon as the relay accepts it; a process killed in
 * between leaves only those few "sending" rows, which another run takes over once their lease
 * has run out and sends again with the same Message-ID (a receiving system can tell the copy).
 */
export class MailSender {
  private readonly concurrency: number;
  private readonly leaseMs: number;
  private readonly retryBaseMs: number;
  private readonly maxAttempts: number;
  private pendingSent: number[] = [];
  private flushing?: Promise<void>;
  private timer?: NodeJS.Timeout;
  private running?: Promise<unknown>;
  private stopped = false;

  constructor(
    private readonly repo: MailRepository,
    private readonly transport: MailTransport,
    private readonly options: SenderOptions,
    private readonly logger?: Logger,
    /** Makes the values of round mail queued without them (MailService.sendTimeValues). */
    private readonly resolveValues?: SendTimeValuesResolver,
  ) {
    this.concurrency = options.concurrency ?? 5;
    this.leaseMs = options.leaseMs ?? 5 * 60_000;
    this.retryBaseMs = options.retryBaseMs ?? 60_000;
    this.maxAttempts = options.maxAttempts ?? 8;
  }

  /** How many more messages the per-minute limit allows right now. */
  async allowance(now = Date.now()): Promise<number> {
    const sent = await this.repo.sentSince(new Date(now - 60_000).toISOString());
    return Math.max(0, this.options.ratePerMinute - sent);
  }

  /** Claim and send one batch. */
  async sendBatch(): Promise<BatchResult> {
    const now = Date.now();
    const allowed = await this.allowance(now);
    const take = Math.min(this.options.batchSize, allowed);
    const batch = await this.repo.claimDue(new Date(now).toISOString(), take, new Date(now + this.leaseMs).toISOString());
    const result: BatchResult = { claimed: batch.length, sent: 0, retried: 0, failed: 0, limited: take < this.options.batchSize };
    // One look-up for the whole batch (a few queries for up to 500 messages), not one per message.
    const late = this.resolveValues ? await this.resolveValues(batch.filter((m) => m.payload === null)) : new Map<number, SendTimeValues>();
    let next = 0;
    const worker = async () => {
      while (next < batch.length) {
        const message = batch[next++]!;
        const outcome = await this.sendOne(message, late.get(message.id));
        result[outcome]++;
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.concurrency, batch.length) }, worker));
    return result;
  }

  private async sendOne(message: ClaimedMessage, late: SendTimeValues | undefined): Promise<'sent' | 'retried' | 'failed'> {
    const body = openMessage(this.options.secret, message, late);
    if (!body || 'refused' in body) {
      await this.repo.markFailed(message.id, body ? `not sent: ${body.refused}` : 'message unreadable (sealed under another secret?)');
      return 'failed';
    }
    try {
      await this.transport.sendMail({
        from: this.options.from,
        to: message.recipient,
        subject: body.subject,
        text: body.text,
        html: textToHtml(body.text, body.lang),
        messageId: message.messageId,
        headers: body.headers,
      });
    } catch (err) {
      const error = describe(err);
      if (classifySmtpError(err) === 'permanent' || message.attempts >= this.maxAttempts) {
        this.logger?.warn({ outboxId: message.id, error }, 'mail given up');
        await this.repo.markFailed(message.id, error);
        return 'failed';
      }
      this.logger?.info({ outboxId: message.id, error, attempts: message.attempts }, 'mail deferred');
      await this.repo.markRetry(message.id, new Date(Date.now() + retryDelayMs(message.attempts, this.retryBaseMs)).toISOString(), error);
      return 'retried';
    }
    await this.recordSent(message.id);
    return 'sent';
  }

  /**
   * Group commit: messages accepted while an UPDATE is running are marked together by the
   * next one. Each worker waits for its own mark before taking another message, so at most
   * `concurrency` accepted messages are ever unrecorded.
   */
  private recordSent(id: number): Promise<void> {
    this.pendingSent.push(id);
    if (!this.flushing) {
      this.flushing = (async () => {
        try {
          while (this.pendingSent.length) await this.repo.markSent(this.pendingSent.splice(0), new Date().toISOString());
        } finally {
          this.flushing = undefined;
        }
      })();
    }
    return this.flushing;
  }

  /**
   * Send batches until nothing is due or the minute's allowance is spent (the cron command).
   * With `wait`, waits out the limit instead and goes on until the outbox has nothing due.
   */
  async drain(options: { wait?: boolean; maxBatches?: number } = {}): Promise<BatchResult> {
    const total: BatchResult = { claimed: 0, sent: 0, retried: 0, failed: 0, limited: false };
    for (let i = 0; i < (options.maxBatches ?? Infinity) && !this.stopped; i++) {
      const r = await this.sendBatch();
      total.claimed += r.claimed;
      total.sent += r.sent;
      total.retried += r.retried;
      total.failed += r.failed;
      if (r.claimed === 0) {
        if (!r.limited || !options.wait) {
          total.limited = r.limited;
          return total;
        }
        await new Promise((resolve) => setTimeout(resolve, 1000));
      }
    }
    return total;
  }

  /** The in-process sender: a batch every `intervalMs` while there is something to send. */
  start(intervalMs = 5000): void {
    this.stopped = false;
    const tick = async () => {
      try {
        this.running = this.drain({ maxBatches: 100 });
        await this.running;
      } catch (err) {
        this.logger?.error({ err }, 'mail sender failed; will try again');
      } finally {
        this.running = undefined;
        if (!this.stopped) this.timer = setTimeout(() => void tick(), intervalMs);
      }
    };
    this.timer = setTimeout(() => void tick(), 0);
  }

  /** Stop taking batches and wait for the one in hand; the transport is closed. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running?.catch(() => undefined);
    await this.flushing;
    this.transport.close();
  }
}
