import { z } from 'zod';
import { ValidationError, zodFieldErrors, type FieldError } from '../../errors';
import { LANGUAGES, type Language } from '../../i18n';
import { isEmailAddress } from '../../lib/email';
import { normaliseName } from '../territories/territories.matcher';

/** Effective state of an invitation as administrators see it (see invitationStateSql). */
export const INVITATION_STATES = ['pending', 'opened', 'in_progress', 'submitted', 'expired'] as const;
export const ZInvitationState = z.enum(INVITATION_STATES);
export type TInvitationState = z.infer<typeof ZInvitationState>;

/** One upload (or one API call) may carry this many enterprises. */
export const MAX_ENTERPRISES = 100_000;
/** Uploaded files larger than this are refused before parsing (100k rows of CSV are about 10 MB). */
export const MAX_UPLOAD_BYTES = 40 * 1024 * 1024;
/** How long a parked upload waits for confirmation, and how long links stay downloadable. */
export const IMPORT_TTL_MS = 60 * 60 * 1000;
export const LINK_BATCH_TTL_MS = 30 * 60 * 1000;
/** Links listed on the result page; all of them are in the CSV. */
export const LINKS_SHOWN_ON_PAGE = 1000;
export const INVITATIONS_PAGE_SIZE = 100;

export const ZRoundId = z.coerce.number().int().positive();
/** Ids of parked imports and link batches: 128 random bits in base64url. */
export const ZOpaqueId = z.string().regex(/^[A-Za-z0-9_-]{22}$/);

const emptyToUndefined = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v === null ? undefined : v);

/**
 * One enterprise as typed by a person: territory by code or by name in any language, sector
 * and size by option code or label in any language. Resolution against the territories table
 * and the round's questionnaire happens after this shape check.
 */
export const ZEnterpriseInput = z.strictObject({
  name: z.string().trim().min(1).max(300),
  contact: z.preprocess(emptyToUndefined, z.string().trim().max(300).optional()),
  // The address invitation mail goes to, and the language it is written in (kk when not given).
  email: z.preprocess(emptyToUndefined, z.string().trim().max(320).refine(isEmailAddress, { params: { key: 'invitations:errors.invalidEmail' } }).optional()),
  language: z.preprocess((v) => (typeof v === 'string' ? emptyToUndefined(v.trim().toLowerCase()) : emptyToUndefined(v)), z.enum(LANGUAGES, { message: 'invitations:errors.invalidLanguage' }).optional()),
  territory: z.string().trim().min(1).max(200),
  sector: z.string().trim().min(1).max(200),
  size: z.string().trim().min(1).max(200),
});
export type TEnterpriseInput = z.infer<typeof ZEnterpriseInput>;

/** POST /api/v1/rounds/:id/invitations: all or nothing. */
export const ZCreateInvitationsBody = z.strictObject({
  enterprises: z.array(ZEnterpriseInput).min(1).max(MAX_ENTERPRISES),
});
export type TCreateInvitationsBody = z.infer<typeof ZCreateInvitationsBody>;

/**
 * The API body read row by row: the rows whose shape is valid, with their index, and the shape
 * errors of the others, so that the caller gets every error at once (the rows' territories,
 * sectors and sizes are resolved by the service). An error of the body itself is thrown.
 */
export interface TCreateInvitationsInput {
  rows: Array<{ index: number; enterprise: TEnterpriseInput }>;
  rowErrors: FieldError[];
}

export function parseCreateInvitations(body: unknown): TCreateInvitationsInput {
  const parsed = ZCreateInvitationsBody.safeParse(body);
  const rowErrors: FieldError[] = parsed.success ? [] : zodFieldErrors(parsed.error);
  if (!parsed.success && rowErrors.some((f) => !/^enterprises\.\d+(\.|$)/.test(f.path))) throw new ValidationError(rowErrors);
  if (parsed.success) return { rows: parsed.data.enterprises.map((enterprise, index) => ({ index, enterprise })), rowErrors };
  const items = (body as { enterprises: unknown[] }).enterprises;
  const rows: TCreateInvitationsInput['rows'] = [];
  items.forEach((item, index) => {
    const one = ZEnterpriseInput.safeParse(item);
    if (one.success) rows.push({ index, enterprise: one.data });
  });
  return { rows, rowErrors };
}

/** The paste form: CSV text with a header line. The global form-body limit (200 kB) caps its size. */
export const ZPasteForm = z.strictObject({ text: z.string().max(1_000_000) });
export type TPasteForm = z.infer<typeof ZPasteForm>;

/** The upload form carries no fields besides the file (the CSRF token travels in the URL). */
export const ZUploadForm = z.strictObject({});

/** Filters of the invitation list (query string); anything unparseable is simply not applied. */
export const ZInvitationFilters = z.object({
  state: z.preprocess(emptyToUndefined, ZInvitationState.optional()).catch(undefined),
  territory: z.preprocess(emptyToUndefined, z.coerce.number().int().positive().optional()).catch(undefined),
  sector: z.preprocess(emptyToUndefined, z.string().trim().max(60).optional()).catch(undefined),
  size: z.preprocess(emptyToUndefined, z.string().trim().max(20).optional()).catch(undefined),
  q: z.preprocess(emptyToUndefined, z.string().trim().max(100).optional()).catch(undefined),
  page: z.preprocess(emptyToUndefined, z.coerce.number().int().min(1).max(100_000).default(1)).catch(1),
});
export type TInvitationFilters = z.infer<typeof ZInvitationFilters>;

/** An enterprise after validation and resolution: what becomes an invitations row. */
export interface ResolvedEnterprise {
  line: number;
  name: string;
  contact: string | null;
  email: string | null;
  language: Language | null;
  territoryId: number;
  sector: string;
  size: string;
}

/** A rejected cell of an uploaded row: line number in the file, column, the value, the reason (i18n key). */
export interface BadRow {
  line: number;
  column: string;
  value: string;
  key: string;
  params?: Record<string, unknown>;
}

/** An invitation's own row as the respondent flow needs it: its stored state, not the effective one. */
export interface InvitationRecord {
  id: number;
  roundId: number;
  source: string;
  enterpriseName: string;
  status: TInvitationState;
  expiresAt: string | null;
  /** What the invitation list said about the enterprise: offered to the respondent as answers (prefill). */
  known: { territoryId: number | null; sector: string | null; size: string | null };
}

export interface InvitationListRow {
  id: number;
  name: string;
  contact: string | null;
  territoryId: number | null;
  sector: string | null;
  size: string | null;
  state: TInvitationState;
  source: string;
  createdAt: string;
  openedAt: string | null;
  submittedAt: string | null;
}

/** A created invitation with its plaintext link: exists only in the response that created it. */
export interface CreatedInvitation {
  id: number;
  link: string;
  name: string;
  contact: string | null;
  territoryId: number;
  sector: string;
  size: string;
}

/** An invitation written as history (demo data): its state and the times it reached each stage are given. */
export interface HistoricInvitation {
  tokenHash: string;
  enterpriseName: string;
  territoryId: number | null;
  sector: string | null;
  size: string | null;
  status: TInvitationState;
  createdAt: string;
  openedAt: string | null;
  startedAt: string | null;
  submittedAt: string | null;
  expiresAt: string | null;
}

/** What the mail module needs of an invitation to write to it (the link only when it can be rebuilt). */
export interface InvitationMailTarget {
  id: number;
  name: string;
  email: string;
  language: Language;
  state: TInvitationState;
  /** Whether a link is kept (sealed) for the invitation. */
  hasLink: boolean;
  /** The link, when asked for and it can be read. */
  link: string | undefined;
}

/** One invitation as its own page shows it (mail history comes from the mail module). */
export interface InvitationDetail {
  id: number;
  roundId: number;
  source: string;
  name: string;
  email: string | null;
  language: Language | null;
  state: TInvitationState;
  createdAt: string;
  openedAt: string | null;
  startedAt: string | null;
  submittedAt: string | null;
  withdrawnAt: string | null;
}

/**
 * Who an invited enterprise is, for the rule "one enterprise, one link per round": its territory
 * and its name ignoring case, extra spaces and "ё"/"е". Stored with each listed invitation
 * (invitations.enterprise_key, indexed per round) so an upload looks up only its own keys.
 * Changing the rule needs a migration that recomputes the stored keys.
 */
export function enterpriseKey(name: string, territoryId: number | null): string {
  return `${territoryId ?? ''}|${normaliseName(name)}`;
}
