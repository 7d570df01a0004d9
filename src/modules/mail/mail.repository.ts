import type { Knex } from 'knex';
import { bool, forUpdateSkipLocked, insertIgnoringConflicts, insertReturningId, num, numOrNull } from '../../db/dialect';
import type { ClaimedMessage, MailHistoryEntry, StoredTemplate, TMailKind, TMailStatus, TReminderSchedule, TTemplateKind } from './mail.schemas';

export interface OutboxRow {
  message_id: string;
  kind: TMailKind;
  recipient: string;
  language: string;
  round_id: number | null;
  invitation_id: number | null;
  user_id: number | null;
  topic: string | null;
  snapshot_id: number | null;
  /** Which mail this is (e.g. i:12:1, the first invitation mail of invitation 12); NULL for one-off mail. */
  dedupe_key: string | null;
  /** Sealed; null for round mail, whose merge values are made when it is sent. */
  payload: string | null;
}

/** What one invitation has had of round mail. */
export interface RoundMailTally {
  /** Invitation mails queued, in any state (one that failed for good is not sent again by itself). */
  invitations: number;
  /** Of them, sent or on their way. */
  invitationsSent: number;
  /** Reminders that did not fail. */
  reminders: number;
  /** Reminder rows in any state: the next reminder's number in its dedupe key. */
  reminderRows: number;
  /** Reminders still waiting to go out (queued, or being sent). */
  remindersWaiting: number;
  /** When the latest went out (or was queued, while it has not): reminder schedules count from it. */
  lastAt: string;
}

/**
 * When a message reached its recipient, or was queued while it has not: a reminder schedule
 * counts its days from the mail they last had, and a reminder that waited days for a relay that
 * was down must not be followed by the next one the moment it goes out.
 */
const LATEST_MAIL_AT = 'coalesce(sent_at, created_at)';

/** The mail module's tables; the only place its knex queries live. */
export class MailRepository {
  constructor(private readonly db: Knex) {}

  transaction<T>(fn: (trx: Knex.Transaction) => Promise<T>): Promise<T> {
    return this.db.transaction(fn);
  }

  async createSnapshot(trx: Knex.Transaction, snapshot: { language: string; subject: string; body: string; baseUrl: string }, now: string): Promise<number> {
    return insertReturningId(trx, 'mail_snapshots', { language: snapshot.language, subject: snapshot.subject, body: snapshot.body, base_url: snapshot.baseUrl, created_at: now });
  }

  /** Queue rows; a row whose dedupe key is already in the outbox is left out. Returns how many went in. */
  async enqueue(rows: OutboxRow[], now: string, trx: Knex.Transaction): Promise<number> {
    return insertIgnoringConflicts(
      trx,
      'mail_outbox',
      rows.map((r) => ({ ...r, status: 'queued', attempts: 0, next_attempt_at: now, created_at: now })),
      'dedupe_key',
    );
  }

  /** A snapshot no message was queued with (everything was already queued by someone else). */
  async dropSnapshot(trx: Knex.Transaction, id: number): Promise<void> {
    await trx('mail_snapshots').where({ id }).delete();
  }

  /**
   * Take up to `limit` due messages for sending: queued ones whose time has come, and ones
   * left "sending" by a process that died (their lease ran out). The lease is written in the
   * same transaction, so two senders never hold the same message.
   */
  async claimDue(now: string, limit: number, leaseUntil: string): Promise<ClaimedMessage[]> {
    if (limit <= 0) return [];
    return this.db.transaction(async (trx) => {
      const rows = await forUpdateSkipLocked(
        trx,
        trx('mail_outbox')
          .where((w) => w.where({ status: 'queued' }).where('next_attempt_at', '<=', now))
          .orWhere((w) => w.where({ status: 'sending' }).where('lease_until', '<', now))
          .orderBy('id')
          .limit(limit)
          .select('id', 'message_id', 'recipient', 'language', 'round_id', 'invitation_id', 'payload', 'attempts', 'snapshot_id'),
      );
      if (rows.length === 0) return [];
      const ids = rows.map((r: Record<string, unknown>) => num(r.id));
      await trx('mail_outbox').whereIn('id', ids).update({ status: 'sending', lease_until: leaseUntil, attempts: trx.raw('attempts + 1') });
      const snapshotIds = [...new Set(rows.map((r: Record<string, unknown>) => r.snapshot_id).filter((v: unknown) => v != null).map(num))];
      const snapshots = new Map(
        (snapshotIds.length ? await trx('mail_snapshots').whereIn('id', snapshotIds).select('id', 'subject', 'body', 'base_url') : []).map((r: Record<string, unknown>) => [
          num(r.id),
          { subject: String(r.subject), body: String(r.body), baseUrl: (r.base_url as string | null) ?? null },
        ]),
      );
      return rows.map((r: Record<string, unknown>) => ({
        id: num(r.id),
        messageId: String(r.message_id),
        recipient: String(r.recipient),
        language: String(r.language),
        roundId: numOrNull(r.round_id),
        invitationId: numOrNull(r.invitation_id),
        payload: (r.payload as string | null) ?? null,
        attempts: num(r.attempts) + 1,
        snapshot: r.snapshot_id == null ? undefined : snapshots.get(num(r.snapshot_id)),
      }));
    });
  }

  /** Accepted by the relay: the sealed body is dropped, only the history stays. */
  async markSent(ids: number[], now: string): Promise<void> {
    if (ids.length === 0) return;
    await this.db('mail_outbox').whereIn('id', ids).where({ status: 'sending' }).update({ status: 'sent', sent_at: now, payload: null, lease_until: null, last_error: null });
  }

  async markRetry(id: number, nextAttemptAt: string, error: string): Promise<void> {
    await this.db('mail_outbox').where({ id, status: 'sending' }).update({ status: 'queued', next_attempt_at: nextAttemptAt, lease_until: null, last_error: error.slice(0, 500) });
  }

  async markFailed(id: number, error: string): Promise<void> {
    await this.db('mail_outbox').where({ id, status: 'sending' }).update({ status: 'failed', payload: null, lease_until: null, last_error: error.slice(0, 500) });
  }

  /** Messages accepted since `since`: the per-minute limit counts these, whichever process sent them. */
  async sentSince(since: string): Promise<number> {
    const row = await this.db('mail_outbox').where('sent_at', '>=', since).count({ n: '*' }).first();
    return num(row?.n);
  }

  /** Earliest time a queued message becomes due, if any. */
  async nextDue(): Promise<string | undefined> {
    const row = await this.db('mail_outbox').where({ status: 'queued' }).min({ t: 'next_attempt_at' }).first();
    return (row?.t as string | null) ?? undefined;
  }

  async countByStatus(filter: { roundId?: number } = {}): Promise<Record<TMailStatus, number>> {
    const q = this.db('mail_outbox').select('status').count({ n: '*' }).groupBy('status');
    if (filter.roundId) q.where({ round_id: filter.roundId });
    const out: Record<TMailStatus, number> = { queued: 0, sending: 0, sent: 0, failed: 0, bounced: 0 };
    for (const r of (await q) as Array<Record<string, unknown>>) out[r.status as TMailStatus] = num(r.n);
    return out;
  }

  async history(invitationIds: number[]): Promise<Map<number, MailHistoryEntry[]>> {
    const out = new Map<number, MailHistoryEntry[]>();
    for (let i = 0; i < invitationIds.length; i += 1000) {
      const rows = await this.db('mail_outbox')
        .whereIn('invitation_id', invitationIds.slice(i, i + 1000))
        .orderBy('id')
        .select('invitation_id', 'kind', 'status', 'created_at', 'sent_at', 'attempts', 'last_error');
      for (const r of rows as Array<Record<string, unknown>>) {
        const id = num(r.invitation_id);
        const list = out.get(id) ?? [];
        list.push({
          kind: r.kind as TMailKind,
          status: r.status as TMailStatus,
          queuedAt: String(r.created_at),
          sentAt: (r.sent_at as string | null) ?? null,
          attempts: num(r.attempts),
          error: (r.last_error as string | null) ?? null,
        });
        out.set(id, list);
      }
    }
    return out;
  }

  /**
   * Per invitation of a round: invitation mails queued (in any state: one that failed for good
   * is not sent again by itself), of them accepted by the relay, reminders that did not fail,
   * and when the latest went out (or was queued, while it has not).
   */
  async roundMailSummary(roundId: number): Promise<Map<number, RoundMailTally>> {
    const rows = await this.db('mail_outbox')
      .where({ round_id: roundId })
      .whereNotNull('invitation_id')
      .whereIn('kind', ['invitation', 'reminder'])
      .groupBy('invitation_id', 'kind', 'status')
      .select('invitation_id', 'kind', 'status')
      .count({ n: '*' })
      .select(this.db.raw(`max(${LATEST_MAIL_AT}) as last`));
    const out = new Map<number, RoundMailTally>();
    for (const r of rows as Array<Record<string, unknown>>) {
      const id = num(r.invitation_id);
      const cur = out.get(id) ?? { invitations: 0, invitationsSent: 0, reminders: 0, reminderRows: 0, remindersWaiting: 0, lastAt: '' };
      const n = num(r.n);
      if (r.kind === 'invitation') {
        cur.invitations += n;
        if (r.status === 'sent' || r.status === 'queued' || r.status === 'sending') cur.invitationsSent += n;
      } else {
        cur.reminderRows += n;
        if (r.status !== 'failed') cur.reminders += n;
        if (r.status === 'queued' || r.status === 'sending') cur.remindersWaiting += n;
      }
      if (String(r.last) > cur.lastAt) cur.lastAt = String(r.last);
      out.set(id, cur);
    }
    return out;
  }

  /** Per user: messages of a kind on a topic (e.g. reminders of one Delphi round), all rows, those that did not fail, those still waiting to go out, and the latest. */
  async userMailTally(topic: string, kind: TMailKind): Promise<Map<number, { rows: number; notFailed: number; waiting: number; lastAt: string }>> {
    const rows = await this.db('mail_outbox')
      .where({ topic, kind })
      .whereNotNull('user_id')
      .groupBy('user_id', 'status')
      .select('user_id', 'status')
      .count({ n: '*' })
      .select(this.db.raw(`max(${LATEST_MAIL_AT}) as last`));
    const out = new Map<number, { rows: number; notFailed: number; waiting: number; lastAt: string }>();
    for (const r of rows as Array<Record<string, unknown>>) {
      const id = num(r.user_id);
      const cur = out.get(id) ?? { rows: 0, notFailed: 0, waiting: 0, lastAt: '' };
      cur.rows += num(r.n);
      if (r.status !== 'failed') cur.notFailed += num(r.n);
      if (r.status === 'queued' || r.status === 'sending') cur.waiting += num(r.n);
      if (String(r.last) > cur.lastAt) cur.lastAt = String(r.last);
      out.set(id, cur);
    }
    return out;
  }

  // templates

  async findTemplate(roundId: number, kind: TTemplateKind, language: string): Promise<StoredTemplate | undefined> {
    const row = await this.db('mail_templates').where({ round_id: roundId, kind, language }).first();
    return row ? { subject: String(row.subject), body: String(row.body), updatedAt: String(row.updated_at) } : undefined;
  }

  async saveTemplate(roundId: number, kind: TTemplateKind, language: string, t: { subject: string; body: string }, actorId: number, now: string): Promise<void> {
    await this.db('mail_templates')
      .insert({ round_id: roundId, kind, language, subject: t.subject, body: t.body, updated_by: actorId, updated_at: now })
      .onConflict(['round_id', 'kind', 'language'])
      .merge(['subject', 'body', 'updated_by', 'updated_at']);
  }

  // reminder schedules

  async findSchedule(roundId: number): Promise<TReminderSchedule | undefined> {
    const row = await this.db('mail_reminder_schedules').where({ round_id: roundId }).first();
    return row ? { enabled: bool(row.enabled), afterDays: num(row.after_days), everyDays: num(row.every_days), maxCount: num(row.max_count) } : undefined;
  }

  async enabledSchedules(): Promise<Array<{ roundId: number } & TReminderSchedule>> {
    const rows = await this.db('mail_reminder_schedules').where({ enabled: true });
    return rows.map((row: Record<string, unknown>) => ({ roundId: num(row.round_id), enabled: true, afterDays: num(row.after_days), everyDays: num(row.every_days), maxCount: num(row.max_count) }));
  }

  async saveSchedule(roundId: number, s: TReminderSchedule, now: string): Promise<void> {
    await this.db('mail_reminder_schedules')
      .insert({ round_id: roundId, enabled: s.enabled, after_days: s.afterDays, every_days: s.everyDays, max_count: s.maxCount, updated_at: now })
      .onConflict('round_id')
      .merge(['enabled', 'after_days', 'every_days', 'max_count', 'updated_at']);
  }

  // suppressions (opt-out, bounces)

  async suppressed(addresses: string[]): Promise<Set<string>> {
    const out = new Set<string>();
    const lower = [...new Set(addresses.map((a) => a.toLowerCase()))];
    for (let i = 0; i < lower.length; i += 1000) {
      const rows = await this.db('mail_suppressions').whereIn('address', lower.slice(i, i + 1000)).select('address');
      for (const r of rows as Array<Record<string, unknown>>) out.add(String(r.address));
    }
    return out;
  }

  async suppress(addresses: string[], reason: 'opt_out' | 'bounce', detail: string | null, now: string): Promise<void> {
    const rows = [...new Set(addresses.map((a) => a.toLowerCase()))].map((address) => ({ address, reason, detail, created_at: now }));
    for (let i = 0; i < rows.length; i += 500) {
      await this.db('mail_suppressions').insert(rows.slice(i, i + 500)).onConflict('address').ignore();
    }
  }

  /**
   * A bounce report names addresses: their latest sent message is marked bounced (the history
   * shows it) and queued ones are given up. Returns how many addresses had mail from us.
   */
  async markBounced(addresses: string[], now: string): Promise<number> {
    let known = 0;
    const lower = [...new Set(addresses.map((a) => a.toLowerCase()))];
    await this.db.transaction(async (trx) => {
      for (const address of lower) {
        const latest = await trx('mail_outbox').where({ recipient: address, status: 'sent' }).orderBy('id', 'desc').first('id');
        if (latest) {
          known++;
          await trx('mail_outbox').where({ id: latest.id }).update({ status: 'bounced', last_error: `bounce reported ${now}` });
        }
        await trx('mail_outbox').where({ recipient: address, status: 'queued' }).update({ status: 'failed', payload: null, last_error: 'address bounced' });
      }
    });
    return known;
  }

  /** Give up queued mail to an address that opted out. */
  async dropQueuedTo(address: string): Promise<void> {
    await this.db('mail_outbox').where({ recipient: address.toLowerCase(), status: 'queued' }).update({ status: 'failed', payload: null, last_error: 'recipient opted out' });
  }
}
