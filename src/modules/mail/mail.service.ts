import crypto from 'node:crypto';
import { nowIso } from '../../db/dialect';
import { ConflictError, ValidationError, type FieldError } from '../../errors';
import { DEFAULT_LANGUAGE, LANGUAGES, isLanguage, translator, type Language } from '../../i18n';
import type { ExpertNotifier } from '../experts/experts.schemas';
import { isEmailAddress, isHeaderSafe } from '../../lib/email';
import { formatAlmaty } from '../../lib/almaty-time';
import { DEFAULT_REMINDER_SCHEDULE, isReminderDue } from '../../lib/reminder-schedule';
import { sign, verifySignature } from '../../lib/seal';
import type { InvitationMailTarget } from '../invitations/invitations.schemas';
import type { RoundRecord } from '../rounds/rounds.schemas';
import { isRoundAcceptingAnswers } from '../rounds/rounds.service';
import type { MailRepository, OutboxRow, RoundMailTally } from './mail.repository';
import { fillFields, renderMessage, unknownFields } from './mail.render';
import { sealBody, type SendTimeValues } from './mail.sender';
import {
  MERGE_FIELDS,
  type ClaimedMessage,
  type MailHistoryEntry,
  type OutboxMessage,
  type StoredTemplate,
  type TMailKind,
  type TReminderSchedule,
  type TTemplateForm,
  type TTemplateKind,
} from './mail.schemas';

/** What the mail module asks of the invitations module (its service, never its tables). */
export interface InvitationsPort {
  getRound(id: number): Promise<RoundRecord>;
  /** `links`: false when only whether a link is kept matters (no link is unsealed). */
  mailTargets(roundId: number, base: string, ids?: number[], links?: boolean): Promise<InvitationMailTarget[]>;
}

export interface MailSettings {
  secret: string;
  /** Undefined: mail is off. */
  from?: string;
  /** Absolute base of links in mail sent without a request (reminders): KEDERGI_PUBLIC_URL. */
  publicUrl?: string;
}

const OPT_OUT = 'mail-opt-out';
/** Messages inserted at a time (one transaction) while queueing a round. */
const QUEUE_CHUNK = 2000;

/** Who gets what when mail of a kind is asked for a round: the count shown before sending. */
export interface MailPlan {
  kind: 'invitation' | 'reminder';
  recipients: InvitationMailTarget[];
  /** Left out, with why: no link kept, opted out or bounced, already mailed, a reminder still waiting, already answered. */
  skipped: { noLink: number; suppressed: number; alreadySent: number; reminderWaiting: number; answered: number };
}

export class MailService {
  constructor(
    private readonly repo: MailRepository,
    private readonly invitations: InvitationsPort,
    private readonly settings: MailSettings,
  ) {}

  get enabled(): boolean {
    return Boolean(this.settings.from);
  }

  assertEnabled(): void {
    if (!this.enabled) throw new ConflictError('mail_off', 'mail:errors.off');
  }

  /** A Message-ID fixed at queueing time, on the sender's domain. */
  newMessageId(): string {
    const domain = /@([^>\s]+)/.exec(this.settings.from ?? '')?.[1] ?? 'kedergi.local';
    // randomUUID draws from a cached entropy pool: cheap enough for 100 000 messages at once.
    return `<${crypto.randomUUID()}@${domain}>`;
  }

  /**
   * Put messages in the outbox, all or none (a message whose dedupe key is already there is
   * left out; the count says how many went in). Every address must be one valid mailbox and every
   * subject one line: a CR/LF in either would let a name or a subject inject headers.
   */
  async enqueue(messages: OutboxMessage[]): Promise<number> {
    this.assertEnabled();
    const rows = messages.map((m) => this.outboxRow(m));
    return this.repo.transaction((trx) => this.repo.enqueue(rows, nowIso(), trx));
  }

  private outboxRow(m: OutboxMessage): OutboxRow {
    if (!isEmailAddress(m.recipient)) throw new ValidationError([{ path: 'recipient', key: 'mail:errors.invalidAddress', params: { value: m.recipient.slice(0, 100) } }]);
    if (!isHeaderSafe(m.subject)) throw new ValidationError([{ path: 'subject', key: 'mail:errors.headerUnsafe' }]);
    return {
      message_id: m.messageId,
      kind: m.kind,
      recipient: m.recipient.toLowerCase(),
      language: m.language,
      round_id: m.roundId ?? null,
      invitation_id: m.invitationId ?? null,
      user_id: m.userId ?? null,
      topic: m.topic ?? null,
      snapshot_id: null,
      dedupe_key: m.dedupeKey ?? null,
      payload: sealBody(this.settings.secret, { subject: m.subject, text: m.text, lang: m.language, headers: m.headers }),
    };
  }

  // templates

  defaultTemplate(kind: TTemplateKind, lang: Language): { subject: string; body: string } {
    const t = translator(lang);
    return { subject: t(`mail:defaults.${kind}.subject`), body: t(`mail:defaults.${kind}.body`) };
  }

  async template(roundId: number, kind: TTemplateKind, lang: Language): Promise<StoredTemplate & { custom: boolean }> {
    const stored = await this.repo.findTemplate(roundId, kind, lang);
    return stored ? { ...stored, custom: true } : { ...this.defaultTemplate(kind, lang), updatedAt: null, custom: false };
  }

  /** Unknown merge fields are refused, named, beside the field that has them. */
  async saveTemplate(roundId: number, kind: TTemplateKind, lang: Language, input: TTemplateForm, actorId: number): Promise<void> {
    await this.invitations.getRound(roundId);
    const errors: FieldError[] = [];
    for (const field of ['subject', 'body'] as const) {
      const unknown = unknownFields(input[field], MERGE_FIELDS);
      if (unknown.length) errors.push({ path: field, key: 'mail:errors.unknownFields', params: { fields: unknown.map((f) => `{${f}}`).join(', '), allowed: MERGE_FIELDS.map((f) => `{${f}}`).join(', ') } });
    }
    if (/\{\s*link\s*\}/.test(input.subject)) errors.push({ path: 'subject', key: 'mail:errors.linkInSubject' });
    if (errors.length) throw new ValidationError(errors);
    await this.repo.saveTemplate(roundId, kind, lang, input, actorId, nowIso());
  }

  private optOutLink(base: string, invitationId: number): string {
    const value = `i${invitationId}`;
    return `${base}/mail/opt-out/${value}.${sign(this.settings.secret, OPT_OUT, value)}`;
  }

  /** The closing date as each language writes it (formatted once per round, not per message). */
  private closingDates(round: RoundRecord): Map<Language, string> {
    return new Map(LANGUAGES.map((lang) => [lang, round.closesAt ? formatAlmaty(round.closesAt, lang) : translator(lang)('mail:noClosingDate')]));
  }

  private mergeValues(closes: Map<Language, string>, target: Pick<InvitationMailTarget, 'id' | 'name' | 'link'>, lang: Language, base: string): Record<string, string> {
    return { enterprise: target.name, link: target.link ?? '', closes: closes.get(lang)!, optout: this.optOutLink(base, target.id) };
  }

  /** The template filled with sample values (or a real invitation's), as it would be sent. */
  async preview(roundId: number, kind: TTemplateKind, lang: Language, base: string, draft?: { subject: string; body: string }) {
    const round = await this.invitations.getRound(roundId);
    const template = draft ?? (await this.template(roundId, kind, lang));
    const sample = { id: 0, name: translator(lang)('mail:sampleEnterprise'), link: `${base}/r/EXAMPLE-LINK` };
    const values = this.mergeValues(this.closingDates(round), sample, lang, base);
    return renderMessage(template, values, lang) ?? { subject: fillFields(template.subject, values), text: '', html: '' };
  }

  /** The template as the administrator would receive it, sent to their own address. */
  async testSend(roundId: number, kind: TTemplateKind, lang: Language, base: string, to: { email: string; userId: number }): Promise<void> {
    this.assertEnabled();
    const message = await this.preview(roundId, kind, lang, base);
    await this.enqueue([{ messageId: this.newMessageId(), kind: 'test', recipient: to.email, language: lang, roundId, userId: to.userId, ...message }]);
  }

  // round mail: invitations and reminders

  /**
   * Who would get mail of this kind now. Invitation mail: invitations with an address that have
   * not had one yet. Reminders: invitations that had their invitation mail and have not
   * submitted and have no reminder still waiting in the outbox, while the round accepts
   * answers. Opted-out and bounced addresses never.
   */
  async plan(roundId: number, kind: 'invitation' | 'reminder', base: string, ids?: number[]): Promise<MailPlan> {
    return (await this.planWithTally(roundId, kind, base, ids)).plan;
  }

  private async planWithTally(roundId: number, kind: 'invitation' | 'reminder', base: string, ids?: number[]): Promise<{ plan: MailPlan; summary: Map<number, RoundMailTally> }> {
    const round = await this.invitations.getRound(roundId);
    const targets = await this.invitations.mailTargets(roundId, base, ids, false);
    const summary = await this.repo.roundMailSummary(roundId);
    const suppressed = await this.repo.suppressed(targets.map((t) => t.email));
    const plan: MailPlan = { kind, recipients: [], skipped: { noLink: 0, suppressed: 0, alreadySent: 0, reminderWaiting: 0, answered: 0 } };
    const accepting = isRoundAcceptingAnswers(round);
    for (const t of targets) {
      const mailed = summary.get(t.id);
      if (t.state === 'submitted' || t.state === 'expired' || !accepting) plan.skipped.answered++;
      else if (suppressed.has(t.email)) plan.skipped.suppressed++;
      else if (!t.hasLink) plan.skipped.noLink++;
      else if (kind === 'invitation' && mailed && mailed.invitations > 0 && !ids) plan.skipped.alreadySent++;
      // A reminder follows an invitation mail that went out (or is on its way), not one that failed.
      else if (kind === 'reminder' && !(mailed && mailed.invitationsSent > 0)) plan.skipped.alreadySent++;
      // The previous reminder has not gone out yet: another now would land beside it. This also
      // keeps a second "remind now" planned just after the first one committed (a double click
      // answered one after the other) from queueing reminder n+1 for everyone.
      else if (kind === 'reminder' && mailed && mailed.remindersWaiting > 0) plan.skipped.reminderWaiting++;
      else plan.recipients.push(t);
    }
    return { plan, summary };
  }

  /**
   * Queue the mail of a plan, each in its invitation's language, one transaction per chunk of
   * 2,000: other writers (answers being submitted) wait for one chunk, not for the whole round,
   * and the sender can start on the first chunk at once. A message stores no merge values: the
   * sender makes them from the invitation when it sends (sendTimeValues), so queueing a round of
   * 100 000 unseals and seals nothing, and a link reissued in between goes out new. Should
   * queueing stop half-way (a crash, a lost database connection), asking again queues the rest
   * only: every message carries its dedupe key, and those already in the outbox are left out.
   */
  async queueRound(roundId: number, kind: 'invitation' | 'reminder', base: string, ids?: number[]): Promise<number> {
    this.assertEnabled();
    const round = await this.invitations.getRound(roundId);
    const { plan: { recipients }, summary } = await this.planWithTally(roundId, kind, base, ids);
    const templates = new Map<Language, { subject: string; body: string }>();
    for (const lang of LANGUAGES) templates.set(lang, await this.template(roundId, kind, lang));
    const closes = this.closingDates(round);
    const now = nowIso();
    let queued = 0;
    // One snapshot of each language's subject and text (and the address links start with).
    const snapshots = new Map<Language, number>();
    await this.repo.transaction(async (trx) => {
      for (const lang of new Set(recipients.map((t) => t.language))) {
        const template = templates.get(lang)!;
        snapshots.set(lang, await this.repo.createSnapshot(trx, { language: lang, subject: template.subject, body: template.body, baseUrl: base }, now));
      }
    });
    for (let i = 0; i < recipients.length; i += QUEUE_CHUNK) {
      const rows: OutboxRow[] = [];
      for (const t of recipients.slice(i, i + QUEUE_CHUNK)) {
        const tally = summary.get(t.id);
        // An enterprise name that would break the subject line is not queued (header injection);
        // the sender checks again with the name as it is when it sends.
        if (!isHeaderSafe(fillFields(templates.get(t.language)!.subject, { enterprise: t.name, closes: closes.get(t.language)! }))) continue;
        if (!isEmailAddress(t.email)) continue;
        rows.push({
          message_id: this.newMessageId(),
          kind,
          recipient: t.email.toLowerCase(),
          language: t.language,
          round_id: roundId,
          invitation_id: t.id,
          user_id: null,
          topic: null,
          snapshot_id: snapshots.get(t.language)!,
          // The next mail of this kind for this invitation: a second "send" planned from the
          // same tally at the same time (another click, the cron beside the server) has the same
          // key, and the unique index keeps its copy out.
          dedupe_key: kind === 'invitation' ? `i:${t.id}:${(tally?.invitations ?? 0) + 1}` : `r:${t.id}:${(tally?.reminderRows ?? 0) + 1}`,
          payload: null,
        });
      }
      queued += await this.repo.transaction((trx) => this.repo.enqueue(rows, now, trx));
    }
    // Everything was already queued (by a simultaneous send): the snapshots serve no message.
    if (queued === 0 && snapshots.size) {
      await this.repo.transaction(async (trx) => {
        for (const id of snapshots.values()) await this.repo.dropSnapshot(trx, id);
      });
    }
    return queued;
  }

  /**
   * The merge values of round mail queued without them, made as the sender sends: from the
   * invitation as it is now (its name, its current link), the round's closing date in the
   * message's language, the opt-out link. Not sent, with why: an invitation withdrawn or without
   * an address, answered or expired, a round no longer accepting answers, no link kept.
   */
  async sendTimeValues(messages: ClaimedMessage[]): Promise<Map<number, SendTimeValues>> {
    const out = new Map<number, SendTimeValues>();
    const groups = new Map<string, { roundId: number; base: string; messages: ClaimedMessage[] }>();
    for (const m of messages) {
      if (m.roundId === null || m.invitationId === null || m.snapshot?.baseUrl == null) continue;
      const key = `${m.roundId} ${m.snapshot.baseUrl}`;
      const group = groups.get(key) ?? { roundId: m.roundId, base: m.snapshot.baseUrl, messages: [] };
      group.messages.push(m);
      groups.set(key, group);
    }
    for (const { roundId, base, messages: group } of groups.values()) {
      const round = await this.invitations.getRound(roundId).catch(() => undefined);
      const accepting = round !== undefined && isRoundAcceptingAnswers(round);
      const targets = accepting ? new Map((await this.invitations.mailTargets(roundId, base, group.map((m) => m.invitationId!))).map((t) => [t.id, t])) : new Map();
      const closes = round ? this.closingDates(round) : undefined;
      for (const m of group) {
        const t = targets.get(m.invitationId!);
        const lang = isLanguage(m.language) ? m.language : DEFAULT_LANGUAGE;
        if (!accepting) out.set(m.id, { refused: 'the round no longer accepts answers' });
        else if (!t) out.set(m.id, { refused: 'invitation withdrawn or without an address' });
        else if (t.state === 'submitted' || t.state === 'expired') out.set(m.id, { refused: `invitation ${t.state}` });
        else if (!t.link) out.set(m.id, { refused: 'no link kept for the invitation' });
        else {
          const values = this.mergeValues(closes!, t, lang, base);
          out.set(m.id, { values, headers: { 'List-Unsubscribe': `<${values.optout}>` } });
        }
      }
    }
    return out;
  }

  /**
   * The reminder list for a mail merge (mail off, or another channel): invitations with an
   * address that have not submitted, are not withdrawn or expired and have not opted out or
   * bounced, while the round accepts answers, each with its personal link (empty when the link
   * was never kept: prepare them for mail first).
   */
  async reminderList(roundId: number, base: string): Promise<Array<{ name: string; email: string; language: Language; state: string; link: string }>> {
    const round = await this.invitations.getRound(roundId);
    if (!isRoundAcceptingAnswers(round)) return [];
    const targets = (await this.invitations.mailTargets(roundId, base)).filter((t) => t.state !== 'submitted' && t.state !== 'expired');
    const suppressed = await this.repo.suppressed(targets.map((t) => t.email));
    return targets.filter((t) => !suppressed.has(t.email.toLowerCase())).map((t) => ({ name: t.name, email: t.email, language: t.language, state: t.state, link: t.link ?? '' }));
  }

  // reminders on a schedule

  async schedule(roundId: number): Promise<TReminderSchedule> {
    return (await this.repo.findSchedule(roundId)) ?? DEFAULT_REMINDER_SCHEDULE;
  }

  async saveSchedule(roundId: number, input: TReminderSchedule): Promise<void> {
    await this.invitations.getRound(roundId);
    await this.repo.saveSchedule(roundId, input, nowIso());
  }

  /**
   * Queue the reminders that the schedules make due at `now`: to invitations that had their
   * invitation mail at least `afterDays` ago (and their last reminder `everyDays` ago), fewer
   * than `maxCount` reminders so far, not submitted, and never once the round has closed.
   */
  async runSchedules(now = new Date()): Promise<number> {
    if (!this.enabled || !this.settings.publicUrl) return 0;
    let queued = 0;
    for (const s of await this.repo.enabledSchedules()) {
      const round = await this.invitations.getRound(s.roundId).catch(() => undefined);
      if (!round || !isRoundAcceptingAnswers(round, now)) continue;
      const { plan, summary } = await this.planWithTally(s.roundId, 'reminder', this.settings.publicUrl);
      const due = plan.recipients.filter((t) => {
        const m = summary.get(t.id);
        // The latest mail they had is the invitation mail until the first reminder, then the latest reminder.
        return m !== undefined && isReminderDue(s, { count: m.reminders, lastAt: m.lastAt }, m.lastAt, now);
      });
      if (due.length) queued += await this.queueRound(s.roundId, 'reminder', this.settings.publicUrl, due.map((t) => t.id));
    }
    return queued;
  }

  // opt-out and bounces

  /** The invitation an opt-out link names, if the link is genuine. */
  async optOutTarget(token: string): Promise<{ invitationId: number } | undefined> {
    const m = /^i(\d{1,12})\.([A-Za-z0-9_-]{32})$/.exec(token);
    if (!m || !verifySignature(this.settings.secret, OPT_OUT, `i${m[1]}`, m[2]!)) return undefined;
    return { invitationId: Number(m[1]) };
  }

  /**
   * Stop all further mail to the address of the invitation the link was sent for. False only
   * for a link that is not genuine; a genuine one whose invitation has no address (any more)
   * has nothing left to stop.
   */
  async optOut(token: string, lookup: (invitationId: number) => Promise<string | undefined>): Promise<boolean> {
    const target = await this.optOutTarget(token);
    if (!target) return false;
    const address = await lookup(target.invitationId);
    if (address) {
      await this.repo.suppress([address], 'opt_out', null, nowIso());
      await this.repo.dropQueuedTo(address);
    }
    return true;
  }

  /**
   * A bounce list from the relay or the mailbox provider: every address found in the text
   * (one per line, or cells of a CSV). Lines with no address are reported by number.
   */
  async importBounces(text: string): Promise<{ addresses: number; known: number; badLines: number[] }> {
    const addresses: string[] = [];
    const badLines: number[] = [];
    text.split(/\r?\n/).forEach((line, i) => {
      if (!line.trim()) return;
      const found = line.split(/[\s,;<>"]+/).filter((cell) => cell.includes('@'));
      const valid = found.filter(isEmailAddress);
      if (valid.length === 0) {
        // A CSV header line (no @ at all) is not an error.
        if (found.length > 0 || i > 0) badLines.push(i + 1);
        return;
      }
      addresses.push(...valid.map((a) => a.toLowerCase()));
    });
    if (addresses.length === 0) throw new ValidationError([{ path: 'text', key: 'mail:errors.noAddresses' }]);
    const now = nowIso();
    const known = await this.repo.markBounced(addresses, now);
    await this.repo.suppress(addresses, 'bounce', 'bounce list import', now);
    return { addresses: new Set(addresses).size, known, badLines };
  }

  history(invitationIds: number[]): Promise<Map<number, MailHistoryEntry[]>> {
    return this.repo.history(invitationIds);
  }

  counts(roundId?: number) {
    return this.repo.countByStatus({ roundId });
  }

  // mail to users (experts, password reset)

  /** Queue one message to a user, in their language. */
  async toUser(user: { id: number; email: string }, kind: TMailKind, lang: Language, message: { subject: string; text: string }, topic?: string): Promise<void> {
    const rendered = renderMessage({ subject: message.subject, body: message.text }, {}, lang);
    if (!rendered) throw new ValidationError([{ path: 'subject', key: 'mail:errors.headerUnsafe' }]);
    await this.enqueue([{ messageId: this.newMessageId(), kind, recipient: user.email, language: lang, userId: user.id, topic, ...rendered }]);
  }

  /**
   * What the experts module calls when a Delphi round opens or its non-scorers are reminded.
   * Each expert's mail goes in their language preference (else `lang`). Every message has its
   * dedupe key (the round's opening notice once per expert; reminder n once), so a double click
   * or the schedule running beside "remind now" does not mail anyone twice; nor is a reminder
   * queued beside an earlier one still waiting to go out.
   */
  expertNotifier(): ExpertNotifier {
    const send = async (kind: 'expert_round' | 'expert_reminder', input: Parameters<ExpertNotifier['roundOpened']>[0]): Promise<number> => {
      if (!this.enabled) return 0;
      const topic = `delphi:${input.panel.id}:${input.round}`;
      const tally = kind === 'expert_reminder' ? await this.repo.userMailTally(topic, kind) : undefined;
      const messages: OutboxMessage[] = [];
      for (const expert of input.experts) {
        const lang: Language = isLanguage(expert.language) ? expert.language : isLanguage(input.lang) ? input.lang : 'kk';
        const t = translator(lang);
        const key = kind === 'expert_round' ? 'roundOpened' : 'remind';
        const deadline = input.deadlineAt ? formatAlmaty(input.deadlineAt, lang) : t('mail:experts.noDeadline');
        const values = { name: expert.name, panel: input.panel.name, round: input.round, deadline, link: `${input.base}/expert/panels/${input.panel.id}` };
        const rendered = renderMessage({ subject: t(`mail:experts.${key}.subject`, values), body: t(`mail:experts.${key}.body`, values) }, {}, lang);
        if (!rendered || !isEmailAddress(expert.email)) continue;
        // Their previous reminder has not gone out yet (a second click just after the first).
        if (tally?.get(expert.userId)?.waiting) continue;
        const dedupeKey = kind === 'expert_round' ? `eo:${input.panel.id}:${input.round}:${expert.userId}` : `er:${input.panel.id}:${input.round}:${expert.userId}:${(tally?.get(expert.userId)?.rows ?? 0) + 1}`;
        messages.push({ messageId: this.newMessageId(), kind, recipient: expert.email, language: lang, userId: expert.userId, topic, dedupeKey, ...rendered });
      }
      return messages.length ? this.enqueue(messages) : 0;
    };
    return {
      roundOpened: async (input) => void (await send('expert_round', input)),
      remind: (input) => send('expert_reminder', input),
      reminderTally: async (panelId, round) => {
        const tally = await this.repo.userMailTally(`delphi:${panelId}:${round}`, 'expert_reminder');
        return new Map([...tally].map(([userId, t]) => [userId, { count: t.notFailed, lastAt: t.lastAt }]));
      },
    };
  }
}
