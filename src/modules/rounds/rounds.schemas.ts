import { z } from 'zod';
import type { Language } from '../../i18n';
import { ZTitles, titleFormFields, titlesFromForm, type TTitles } from '../../i18n/titles';
import { parseAlmatyLocal } from '../../lib/almaty-time';

export const ROUND_STATUSES = ['draft', 'open', 'closed', 'archived'] as const;
export const ZRoundStatus = z.enum(ROUND_STATUSES);
export type TRoundStatus = z.infer<typeof ZRoundStatus>;

export const AUDIENCES = ['invitation', 'public'] as const;
export const ZAudience = z.enum(AUDIENCES);
export type TAudience = z.infer<typeof ZAudience>;

/**
 * Allowed status changes. A closed round may be reopened (a late reminder wave, a window
 * closed too early); an archived round is final. A draft that will never run is archived.
 */
export const ROUND_TRANSITIONS: Record<TRoundStatus, readonly TRoundStatus[]> = {
  draft: ['open', 'archived'],
  open: ['closed'],
  closed: ['open', 'archived'],
  archived: [],
};

export interface RoundRecord {
  id: number;
  /** The title as written, in `title_lang`; views show `loc(round, 'title')`: the reader's language, or another marked. */
  title: string;
  title_kk: string | null;
  title_ru: string | null;
  title_en: string | null;
  title_lang: string | null;
  questionnaireId: number;
  status: TRoundStatus;
  audience: TAudience;
  hasPublicLink: boolean;
  /** UTC ISO strings; null means no bound on that side. */
  opensAt: string | null;
  closesAt: string | null;
  targetTotal: number | null;
  createdBy: number | null;
  createdAt: string;
  updatedAt: string;
}

export interface RoundListRow extends RoundRecord {
  questionnaireCode: string;
  questionnaireVersion: number;
  questionnaireTitle_kk: string;
  questionnaireTitle_ru: string;
  questionnaireTitle_en: string;
  submitted: number;
}

export interface RoundTarget {
  territoryId: number;
  target: number;
}

/** What the service takes, whichever door (form or API) it came through. */
export interface RoundInput {
  title: string;
  /** The language `title` is written in (the form's); absent: guessed from the text. */
  titleLang?: Language;
  /** Its translations (a language left out shows another one, marked). */
  titles?: TTitles;
  questionnaireId: number;
  audience: TAudience;
  opensAt: string | null;
  closesAt: string | null;
  targetTotal: number | null;
  targets: RoundTarget[];
}

export const ZRoundId = z.coerce.number().int().positive();

const emptyToNull = (v: unknown) => (v === '' || v === undefined || v === null ? null : v);
const ZTitle = z.string().trim().min(1).max(300);
const ZTarget = z.coerce.number().int().min(1).max(1_000_000);

/** A datetime-local value read as Almaty time. */
const ZAlmatyLocal = z.preprocess(
  emptyToNull,
  z
    .string()
    .nullable()
    .transform((v, ctx) => {
      if (v === null) return null;
      const iso = parseAlmatyLocal(v);
      if (!iso) {
        ctx.addIssue({ code: 'custom', params: { key: 'rounds:errors.badDateTime' } });
        return z.NEVER;
      }
      return iso;
    }),
);

/** The admin form. Per-territory targets arrive as targets[t<territoryId>] = "25" (blank = none). */
export const ZRoundForm = z.strictObject({
  title: ZTitle,
  ...titleFormFields('title'),
  questionnaireId: z.coerce.number().int().positive(),
  audience: ZAudience,
  opensAt: ZAlmatyLocal,
  closesAt: ZAlmatyLocal,
  targetTotal: z.preprocess(emptyToNull, ZTarget.nullable()),
  targets: z.record(z.string().regex(/^t\d+$/), z.preprocess(emptyToNull, ZTarget.nullable())).optional(),
});
export type TRoundForm = z.infer<typeof ZRoundForm>;

/** `lang`: the language of the page, in which the form asks for `title` (the other two are its translations). */
export function roundInputFromForm(form: TRoundForm, lang?: Language): RoundInput {
  const targets = Object.entries(form.targets ?? {})
    .filter((entry): entry is [string, number] => entry[1] !== null)
    .map(([key, target]) => ({ territoryId: Number(key.slice(1)), target }));
  const titles = titlesFromForm(form, 'title');
  if (lang) delete titles[lang];
  return {
    title: form.title,
    ...(lang ? { titleLang: lang } : {}),
    titles,
    questionnaireId: form.questionnaireId,
    audience: form.audience,
    opensAt: form.opensAt,
    closesAt: form.closesAt,
    targetTotal: form.targetTotal,
    targets,
  };
}

const ZIsoDateTime = z.iso.datetime({ offset: true }).transform((v) => new Date(v).toISOString());

/** POST /api/v1/rounds. Times are ISO 8601 with a zone ("2026-11-22T09:00:00+05:00"). */
export const ZRoundApiCreate = z.strictObject({
  title: ZTitle,
  /** Translations of the title: { kk, ru, en }, each optional. */
  titles: ZTitles.optional(),
  questionnaireId: z.number().int().positive(),
  audience: ZAudience,
  opensAt: ZIsoDateTime.nullable().optional(),
  closesAt: ZIsoDateTime.nullable().optional(),
  targetTotal: z.number().int().min(1).max(1_000_000).nullable().optional(),
  /** Territory by id, code, or name in any language. */
  targets: z
    .array(z.strictObject({ territory: z.union([z.number().int().positive(), z.string().min(1).max(200)]), target: z.number().int().min(1).max(1_000_000) }))
    .max(500)
    .optional(),
  status: z.enum(['draft', 'open']).optional(),
});
export type TRoundApiCreate = z.infer<typeof ZRoundApiCreate>;

export const ZStatusChange = z.strictObject({ status: ZRoundStatus });

/** A round written as history (demo data): its status and times are given, not reached through transitions. */
export interface HistoricRound {
  title: string;
  questionnaireId: number;
  status: TRoundStatus;
  opensAt: string;
  closesAt: string;
  targetTotal: number;
  targets: RoundTarget[];
  createdAt: string;
  updatedAt: string;
}
