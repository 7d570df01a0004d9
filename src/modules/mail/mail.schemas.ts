import { z } from 'zod';
import { LANGUAGES } from '../../i18n';
import { isHeaderSafe } from '../../lib/email';

export const MAIL_KINDS = ['invitation', 'reminder', 'expert_round', 'expert_reminder', 'password_reset', 'test'] as const;
export type TMailKind = (typeof MAIL_KINDS)[number];

/** Kinds an administrator writes templates for, per round and language. */
export const TEMPLATE_KINDS = ['invitation', 'reminder'] as const;
export const ZTemplateKind = z.enum(TEMPLATE_KINDS);
export type TTemplateKind = z.infer<typeof ZTemplateKind>;

/** Merge fields of the round templates: enterprise name, personal link, closing date, opt-out link. */
export const MERGE_FIELDS = ['enterprise', 'link', 'closes', 'optout'] as const;

export const MAIL_STATUSES = ['queued', 'sending', 'sent', 'failed', 'bounced'] as const;
export type TMailStatus = (typeof MAIL_STATUSES)[number];

export const ZLanguage = z.enum(LANGUAGES);

export const ZTemplateForm = z.strictObject({
  subject: z
    .string()
    .trim()
    .min(1)
    .max(300)
    .refine(isHeaderSafe, { params: { key: 'mail:errors.headerUnsafe' } }),
  body: z.string().trim().min(1).max(20_000),
});
export type TTemplateForm = z.infer<typeof ZTemplateForm>;

export const ZTemplatePath = z.object({ kind: ZTemplateKind, lang: ZLanguage });

/** POST /api/v1/rounds/:id/mail and the "send now" forms. */
export const ZMailRequest = z.strictObject({ kind: z.enum(['invitation', 'reminder']) });
export type TMailRequest = z.infer<typeof ZMailRequest>;

/** The "remind now" form: the count shown before sending is confirmed back. */
export const ZMailConfirm = z.strictObject({ kind: z.enum(['invitation', 'reminder']), confirm: z.literal('yes') });

// The schedule's shape is shared with the Delphi panels' expert reminders.
export { ZReminderSchedule, type TReminderSchedule } from '../../lib/reminder-schedule';

/** A bounce list: one address per line, or a CSV whose cells are scanned for addresses. */
export const ZBounceForm = z.strictObject({ text: z.string().min(1).max(1_000_000) });

export interface OutboxMessage {
  messageId: string;
  kind: TMailKind;
  recipient: string;
  language: string;
  roundId?: number | null;
  invitationId?: number | null;
  userId?: number | null;
  topic?: string | null;
  subject: string;
  /** The plain text; the HTML part is made from it when the message is sent (see textToHtml). */
  text: string;
  /** Extra headers (List-Unsubscribe). */
  headers?: Record<string, string>;
  /** Which mail this is, when it must be queued once only (see mail_outbox.dedupe_key). */
  dedupeKey?: string;
}

export interface ClaimedMessage {
  id: number;
  messageId: string;
  recipient: string;
  language: string;
  roundId: number | null;
  invitationId: number | null;
  /** Sealed message or merge values; null for round mail whose values are made at send time. */
  payload: string | null;
  attempts: number;
  /** The subject and text with merge fields, and the address links start with (round mail). */
  snapshot?: { subject: string; body: string; baseUrl: string | null };
}

/** One message in an invitation's history. */
export interface MailHistoryEntry {
  kind: TMailKind;
  status: TMailStatus;
  queuedAt: string;
  sentAt: string | null;
  attempts: number;
  error: string | null;
}

export interface StoredTemplate {
  subject: string;
  body: string;
  updatedAt: string | null;
}
