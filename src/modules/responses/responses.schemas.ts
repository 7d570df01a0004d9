import { z } from 'zod';
import { ValidationError, parseOrThrow, type FieldError } from '../../errors';
import { LANGUAGES, type Language } from '../../i18n';
import type { InvitationRecord } from '../invitations/invitations.schemas';
import { chosenCodes, conditionHolds, encodeAnswer, parseAnswer, requiredKey, type AnswerColumns, type RawValue } from '../questionnaires/kinds';
import type { FormItem, QuestionnaireForm } from '../questionnaires/questionnaires.form';
import type { TProfileQuestion } from '../questionnaires/questionnaires.schemas';
import { profileAnswerColumns, profileAnswerValue } from '../questionnaires/questionnaires.form';
import type { RoundRecord } from '../rounds/rounds.schemas';

/**
 * The respondent's form is the questionnaires module's (QuestionnairesService.respondentForm):
 * the answering flow reads it, never loads it.
 */
export type { FormCategory, FormItem, QuestionnaireForm } from '../questionnaires/questionnaires.form';
export type TRespondentProfileQuestion = TProfileQuestion;

export interface TerritoryChoice {
  id: number;
  code: string;
  name_kk: string;
  name_ru: string;
  name_en: string;
}

/** The respondent's invitation (invitations module) with its round (rounds module). */
export interface InvitationWithRound extends InvitationRecord {
  round: RoundRecord;
}

export type ProfileValue = string | string[] | number;
export type ProfileAnswers = Record<string, ProfileValue>;

export interface ResponseRecord {
  id: number;
  invitationId: number;
  roundId: number;
  status: 'in_progress' | 'submitted';
  language: Language;
  idempotencyKey: string | null;
  submittedAt: string | null;
  /** Stamped by every save: a submission checks that what it validated is still what is stored; shown on resume. */
  updatedAt: string;
}

export interface StoredAnswer {
  itemId: number;
  columns: AnswerColumns;
  comment: string | null;
}

/** A validated answer of any kind, as its kind stores it. */
export interface AnswerInput {
  columns: AnswerColumns;
  comment: string | null;
}

export const MAX_COMMENT_LENGTH = 2000;

// ---------------------------------------------------------------------------------------------
// Request bodies. The shape is checked by zod (strict: an unknown field refuses the page); the
// values against the questionnaire by the pure validators below, which know the item codes.

const ZCodeKey = z.string().max(60);
/**
 * One question's posted value: a field (a rating, an option code, a number, a text), repeated
 * fields (multi-choice), or fields keyed by option (ranking); what they mean is the kind's.
 */
const ZRawValue = z.union([z.string().max(5000), z.number(), z.null(), z.array(z.string().max(200)).max(100), z.record(ZCodeKey, z.string().max(10))]);

export const ZNav = z.enum(['next', 'back', 'review']);
export type TNav = z.infer<typeof ZNav>;

/** "Other, please specify" texts, by question code. */
const ZOthers = z.record(ZCodeKey, z.string().max(4000));

export const ZPageBody = z.strictObject({
  answers: z.record(ZCodeKey, ZRawValue).optional(),
  others: ZOthers.optional(),
  comments: z.record(ZCodeKey, z.string().max(MAX_COMMENT_LENGTH * 2)).optional(),
  nav: ZNav.optional(),
});
export type TPageBody = z.infer<typeof ZPageBody>;

const ZProfileRaw = z.record(ZCodeKey, z.union([z.string().max(200), z.number(), z.array(z.string().max(200)).max(50), z.null()]));

/** The profile page posts each question under its own code, plus the navigation button. */
export const ZProfileBody = z.object({ nav: ZNav.optional() }).catchall(z.union([z.string().max(200), z.array(z.string().max(200)).max(50)]));

export const ZIdempotencyKey = z.string().trim().regex(/^[A-Za-z0-9_-]{8,100}$/);

export const ZSubmitBody = z.strictObject({ idempotencyKey: ZIdempotencyKey.optional() });

/** The one-request submission used by API clients and load tests (form-encoded or JSON). */
export const ZSubmitAllBody = z.strictObject({
  profile: ZProfileRaw.default({}),
  answers: z.record(ZCodeKey, ZRawValue).default({}),
  others: ZOthers.optional(),
  comments: z.record(ZCodeKey, z.string().max(MAX_COMMENT_LENGTH * 2)).optional(),
  idempotencyKey: ZIdempotencyKey.optional(),
  language: z.enum(LANGUAGES).optional(),
});
export type TSubmitAllBody = z.infer<typeof ZSubmitAllBody>;

export const ZLanguageBody = z.strictObject({ lang: z.enum(LANGUAGES) });

/**
 * A body's collections may hold no more entries than the questionnaire has places for, checked on
 * the raw body before any per-entry validation: 140,000 answer keys must cost one refusal, not
 * 140,000 error lines.
 */
function checkCollectionSizes(body: unknown, limits: Record<string, number>): void {
  const raw = (body && typeof body === 'object' ? body : {}) as Record<string, unknown>;
  for (const [field, max] of Object.entries(limits)) {
    const value = field === '' ? raw : raw[field];
    // A "__proto__" key is dropped by the schema (it names no question), so it does not count.
    const size = value && typeof value === 'object' ? Object.keys(value).filter((k) => k !== '__proto__').length : 0;
    if (size > max) throw new ValidationError([{ path: field || 'profile', key: 'respond:errors.tooManyAnswers', params: { max } }], 'respond:errors.malformed');
  }
}

/** The profile page's answers by question code (the navigation button set aside). */
export type TProfileInput = Omit<z.infer<typeof ZProfileBody>, 'nav'>;

/** POST of the profile page, for a form with `questions` profile questions. */
export function parseProfileBody(body: unknown, questions: number): TProfileInput {
  // The profile questions, plus nav, _csrf and language fields a form may carry.
  checkCollectionSizes(body, { '': questions + 3 });
  const { nav: _nav, ...raw } = parseOrThrow(ZProfileBody, body);
  return raw;
}

/** POST of a category page asking `questions` questions. */
export function parsePageBody(body: unknown, questions: number): TPageBody {
  checkCollectionSizes(body, { answers: questions, others: questions, comments: questions });
  return parseOrThrow(ZPageBody, body);
}

/** POST /respond/submit-all for a form with these items and profile questions. */
export function parseSubmitAllBody(body: unknown, form: Pick<QuestionnaireForm, 'items' | 'profile'>): TSubmitAllBody {
  const items = form.items.length;
  checkCollectionSizes(body, { answers: items, others: items, comments: items, profile: form.profile.length });
  return parseOrThrow(ZSubmitAllBody, body);
}

export const ZCategoryCode = z.string().min(1).max(60).regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/);

// ---------------------------------------------------------------------------------------------
// Pure validation of answers against a questionnaire.

export interface ValidatedAnswers {
  /** Item code -> validated answer; only items the respondent answered. */
  answers: Map<string, AnswerInput>;
  /** Malformed or out-of-range input: the page is refused and nothing is stored. */
  invalid: FieldError[];
  /** Required items left unanswered: marked, the rest is stored. */
  missing: FieldError[];
}

function isBlank(raw: unknown): boolean {
  return raw === undefined || (typeof raw === 'string' && raw.trim() === '');
}

/**
 * Check the answers, "other" texts and comments posted for `items` (one page, or the whole
 * questionnaire). Every posted code must belong to `items`; each value is parsed by its
 * question's kind, which names the reason for a refusal.
 */
export function validateAnswers(
  items: FormItem[],
  rawAnswers: Record<string, RawValue>,
  rawComments: Record<string, string> = {},
  rawOthers: Record<string, string> = {},
): ValidatedAnswers {
  const byCode = new Map(items.map((item) => [item.code, item]));
  const invalid: FieldError[] = [];
  const missing: FieldError[] = [];
  const answers = new Map<string, AnswerInput>();

  for (const code of [...Object.keys(rawAnswers), ...Object.keys(rawOthers)]) {
    if (!byCode.has(code)) invalid.push({ path: `answers.${code}`, key: 'respond:errors.unknownItem', params: { code } });
  }
  for (const code of Object.keys(rawComments)) {
    const item = byCode.get(code);
    if (!item) invalid.push({ path: `comments.${code}`, key: 'respond:errors.unknownItem', params: { code } });
    else if (!item.allowComment && !isBlank(rawComments[code])) invalid.push({ path: `comments.${code}`, key: 'respond:errors.commentNotAllowed' });
    else if ((rawComments[code] ?? '').trim().length > MAX_COMMENT_LENGTH) {
      invalid.push({ path: `comments.${code}`, key: 'respond:errors.commentTooLong', params: { max: MAX_COMMENT_LENGTH, count: MAX_COMMENT_LENGTH } });
    }
  }

  for (const item of items) {
    const commentRaw = rawComments[item.code];
    const comment = isBlank(commentRaw) ? null : commentRaw!.trim().replace(/\r\n/g, '\n');
    const parsed = parseAnswer(item.question, rawAnswers[item.code], rawOthers[item.code]);
    if ('error' in parsed) {
      invalid.push({ path: `answers.${item.code}`, ...parsed.error });
      continue;
    }
    if ('blank' in parsed) {
      if (item.required) missing.push({ path: `answers.${item.code}`, key: requiredKey(item.question) });
      continue;
    }
    answers.set(item.code, { columns: encodeAnswer(item.question, parsed.value), comment: item.allowComment ? comment : null });
  }
  return { answers, invalid, missing };
}

export interface ValidatedProfile {
  profile: ProfileAnswers;
  invalid: FieldError[];
  missing: FieldError[];
}

/**
 * Check the profile answers against the profile questions of the definition. Territories are
 * posted (and stored) by code.
 */
export function validateProfile(
  questions: TRespondentProfileQuestion[],
  territories: TerritoryChoice[],
  raw: Record<string, unknown>,
): ValidatedProfile {
  const invalid: FieldError[] = [];
  const missing: FieldError[] = [];
  const profile: ProfileAnswers = {};
  const known = new Set(questions.map((q) => q.code));
  for (const code of Object.keys(raw)) {
    if (!known.has(code)) invalid.push({ path: `profile.${code}`, key: 'respond:errors.unknownField', params: { code } });
  }

  for (const q of questions) {
    const path = `profile.${q.code}`;
    const value = raw[q.code];
    const list = Array.isArray(value) ? value.filter((v) => !isBlank(v)) : isBlank(value) || value === null ? [] : [value];
    if (list.length === 0) {
      if (q.required) missing.push({ path, key: 'respond:errors.required' });
      continue;
    }
    if (q.type !== 'multi-choice' && list.length > 1) {
      invalid.push({ path, key: 'respond:errors.invalidChoice' });
      continue;
    }
    const first = list[0];
    switch (q.type) {
      case 'choice-from-territories': {
        const territory = territories.find((t) => t.code === first);
        if (!territory) invalid.push({ path, key: 'respond:errors.invalidChoice' });
        else profile[q.code] = territory.code;
        break;
      }
      case 'choice': {
        if (typeof first !== 'string' || !q.options.some((o) => o.code === first)) invalid.push({ path, key: 'respond:errors.invalidChoice' });
        else profile[q.code] = first;
        break;
      }
      case 'multi-choice': {
        const codes = [...new Set(list)];
        if (codes.some((c) => typeof c !== 'string' || !q.options.some((o) => o.code === c))) {
          invalid.push({ path, key: 'respond:errors.invalidChoice' });
          break;
        }
        const exclusive = q.options.find((o) => o.exclusive && codes.includes(o.code));
        if (exclusive && codes.length > 1) {
          // The option's label goes in per language: each catalogue's message picks its own.
          invalid.push({ path, key: 'respond:errors.exclusive', params: { option_kk: exclusive.text.kk, option_ru: exclusive.text.ru, option_en: exclusive.text.en } });
          break;
        }
        // Keep the definition's order, so the stored JSON does not depend on the order of the form fields.
        profile[q.code] = q.options.filter((o) => codes.includes(o.code)).map((o) => o.code);
        break;
      }
      case 'integer': {
        const n = typeof first === 'number' ? first : typeof first === 'string' && /^\s*-?\d{1,9}\s*$/.test(first) ? Number(first) : NaN;
        if (!Number.isInteger(n) || n < q.min || n > q.max) invalid.push({ path, key: 'respond:errors.integer', params: { min: q.min, max: q.max } });
        else profile[q.code] = n;
        break;
      }
    }
  }
  return { profile, invalid, missing };
}

/** The profile answers of a response, read back from the answer rows of the profile items. */
export function profileFromAnswers(form: Pick<QuestionnaireForm, 'profile' | 'profileItemIds'>, answers: ReadonlyMap<number, AnswerColumns>): ProfileAnswers {
  const profile: ProfileAnswers = {};
  for (const q of form.profile) {
    const itemId = form.profileItemIds[q.code];
    const columns = itemId === undefined ? undefined : answers.get(itemId);
    const value = columns ? profileAnswerValue(q.type, columns) : undefined;
    if (value !== undefined) profile[q.code] = value;
  }
  return profile;
}

/** The answer rows of a validated profile: one per answered profile question. */
export function profileAnswerRows(form: Pick<QuestionnaireForm, 'profile' | 'profileItemIds'>, profile: ProfileAnswers): Array<{ itemId: number; columns: AnswerColumns }> {
  return form.profile
    .filter((q) => profile[q.code] !== undefined && form.profileItemIds[q.code] !== undefined)
    .map((q) => ({ itemId: form.profileItemIds[q.code]!, columns: profileAnswerColumns(q.type, profile[q.code]!) }));
}

/**
 * The option codes chosen so far, by question code: what conditions are evaluated on. Only the
 * answers of questions that are asked count: the items are read in page order (a condition
 * refers to an earlier page), so an answer posted for a question its own condition hides does
 * not show the questions that depend on it.
 */
export function chosenOptions(form: QuestionnaireForm, profile: ProfileAnswers, answers: ReadonlyMap<number, AnswerColumns>): Map<string, string[]> {
  const chosen = new Map<string, string[]>();
  for (const [code, value] of Object.entries(profile)) chosen.set(code, Array.isArray(value) ? value : [String(value)]);
  for (const item of form.items) {
    const columns = answers.get(item.id);
    if (!columns || !item.showIf.every((c) => conditionHolds(c, chosen))) continue;
    const codes = chosenCodes(item.question, columns);
    if (codes) chosen.set(item.code, codes);
  }
  return chosen;
}

/** The items asked of a respondent with these answers: those whose conditions hold. */
export function visibleItems(form: QuestionnaireForm, chosen: ReadonlyMap<string, readonly string[]>): FormItem[] {
  return form.items.filter((item) => item.showIf.every((c) => conditionHolds(c, chosen)));
}

/**
 * Required profile questions and items not answered yet; empty means the response may be
 * submitted. `visible`: the items asked (hidden ones are never required); all by default.
 */
export function missingAnswers(form: QuestionnaireForm, profile: ProfileAnswers, answered: Set<number>, visible: FormItem[] = form.items): FieldError[] {
  const out: FieldError[] = [];
  for (const q of form.profile) {
    const v = profile[q.code];
    if (q.required && (v === undefined || (Array.isArray(v) && v.length === 0))) out.push({ path: `profile.${q.code}`, key: 'respond:errors.required' });
  }
  for (const item of visible) {
    if (item.required && !answered.has(item.id)) out.push({ path: `answers.${item.code}`, key: requiredKey(item.question) });
  }
  return out;
}
