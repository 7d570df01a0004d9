import { z } from 'zod';
import { titleFormFields } from '../../i18n/titles';

/* ---------- seed file (seeds/domain/expert-factors.json) ---------- */

const ZText = z.object({ kk: z.string().min(1), ru: z.string().min(1), en: z.string().min(1) });
export const ZExpertFactorsFile = z.object({
  swot: z.array(z.object({ code: z.string().min(1).max(12), quadrant: z.enum(['S', 'W', 'O', 'T']), text: ZText })).min(1),
  pest: z.array(z.object({ code: z.string().min(1).max(12), group: z.enum(['P', 'E', 'S', 'T']), polarity: z.enum(['+', '-']), text: ZText })).min(1),
  enterpriseParameters: z.array(z.object({ code: z.string().min(1).max(12), text: ZText })).min(1),
});
export type TExpertFactorsFile = z.infer<typeof ZExpertFactorsFile>;

/* ---------- rows ---------- */

export type FactorKind = 'swot' | 'pest' | 'enterprise';

export interface ExpertFactor {
  id: number;
  kind: FactorKind;
  code: string;
  /** S/W/O/T for SWOT, P/E/S/T for PEST, null for enterprise parameters. */
  grp: string | null;
  polarity: '+' | '-' | null;
  position: number;
  text_kk: string;
  text_ru: string;
  text_en: string;
}

export interface Panel {
  id: number;
  /** The name as written, in `name_lang`; views show `loc(panel, 'name')`. */
  name: string;
  name_kk: string | null;
  name_ru: string | null;
  name_en: string | null;
  name_lang: string | null;
  surveyRoundId: number | null;
  createdAt: string;
}

export interface PanelMember {
  userId: number;
  email: string;
  name: string;
  disabled: boolean;
  /** The expert's language preference (their mail goes in it); null: not chosen. */
  language?: string | null;
}

export interface PanelEnterprise {
  id: number;
  name: string;
  position: number;
}

export interface PanelBarrier {
  itemCode: string;
  quadrant: 'W' | 'T';
  weight: number | null;
}

export type DelphiStatus = 'open' | 'closed';

export interface DelphiRound {
  id: number;
  panelId: number;
  number: number;
  status: DelphiStatus;
  openedAt: string;
  closedAt: string | null;
  deadlineAt: string | null;
}

/** How far each expert is in the open Delphi round (the panel page). */
export interface ExpertProgress {
  userId: number;
  scored: number;
  lastScoredAt: string | null;
}

/**
 * Who is told what about a Delphi round; the mail module implements it. Each expert's mail goes
 * in their language preference, else in `lang`.
 */
export interface ExpertNotifier {
  roundOpened(input: { panel: Panel; round: number; deadlineAt: string | null; experts: PanelMember[]; base: string; lang: string }): Promise<void>;
  /** Returns how many reminders were queued (one already queued by a simultaneous run is not queued again). */
  remind(input: { panel: Panel; round: number; deadlineAt: string | null; experts: PanelMember[]; base: string; lang: string }): Promise<number>;
  /** Reminders each expert has had for this round (failed ones not counted), and when the latest went out (or was queued, while it has not). */
  reminderTally(panelId: number, round: number): Promise<Map<number, { count: number; lastAt: string | null }>>;
}

export interface ScoreRow {
  roundId: number;
  expertId: number;
  factorId: number;
  weight: number;
  strength: number;
  reason: string | null;
}

export interface EnterpriseScoreRow {
  roundId: number;
  expertId: number;
  enterpriseId: number;
  parameterId: number;
  score: number;
}

/* ---------- input ---------- */

export const ZPanelId = z.coerce.number().int().positive();
export const ZUserId = z.coerce.number().int().positive();

const ZOptionalId = z.preprocess((v) => (v === '' ? undefined : v), z.coerce.number().int().positive().optional());

export const ZPanelForm = z.strictObject({
  name: z.string().trim().min(1).max(200),
  ...titleFormFields('name'),
  surveyRoundId: ZOptionalId,
});
export type TPanelForm = z.infer<typeof ZPanelForm>;

export const ZAddMember = z.strictObject({ userId: ZUserId });
export type TAddMember = z.infer<typeof ZAddMember>;

export const ZAddEnterprise = z.strictObject({ enterpriseName: z.string().trim().min(1).max(200) });
export type TAddEnterprise = z.infer<typeof ZAddEnterprise>;

export const ZAttachBarrier = z.strictObject({
  itemCode: z.string().trim().min(1).max(60),
  quadrant: z.enum(['W', 'T']),
  weight: z.preprocess((v) => (v === '' ? undefined : v), z.coerce.number().min(1).max(5).optional()),
});
export type TAttachBarrier = z.infer<typeof ZAttachBarrier>;

export const ZBarrierCode = z.string().trim().min(1).max(60);
export const ZEnterpriseId = z.coerce.number().int().positive();

/**
 * The scoring form's sections, in the order an expert meets them: the SWOT quadrants, the PEST
 * groups, then the enterprises. Each is shown and saved on its own page.
 */
export const SCORE_SECTIONS = ['swot-S', 'swot-W', 'swot-O', 'swot-T', 'pest-P', 'pest-E', 'pest-S', 'pest-T', 'enterprises'] as const;
export type TScoreSection = (typeof SCORE_SECTIONS)[number];

export const ZScoreSectionQuery = z.enum(SCORE_SECTIONS);

/** The section a factor belongs to. */
export function sectionOf(factor: { kind: string; grp: string | null }): TScoreSection {
  return factor.kind === 'enterprise' ? 'enterprises' : (`${factor.kind}-${factor.grp}` as TScoreSection);
}

/** A 1-5 radio answer; an unanswered radio group sends nothing or ''. */
const ZScore = z.preprocess((v) => (v === '' ? undefined : v), z.coerce.number().int().min(1).max(5).optional());

/**
 * The scoring form. Field names are `scores[<factor code>][weight|strength|reason]` and
 * `ent[x<enterprise id>][<parameter code>]` (the "x" keeps qs from turning ids into array
 * indexes). Codes are checked against the factor list in the service.
 */
export const ZScoreForm = z.strictObject({
  roundId: z.coerce.number().int().positive(),
  /** The section the page showed (absent: the whole form at once, as API-like clients send it). */
  section: z.enum(SCORE_SECTIONS).optional(),
  /** "Keep my previous scores" for the section's factors left unanswered (Delphi rounds after the first). */
  keepSection: z.literal('1').optional(),
  scores: z
    .record(
      z.string().max(12),
      z.strictObject({ weight: ZScore, strength: ZScore, reason: z.string().trim().max(2000).optional(), keep: z.literal('1').optional() }),
    )
    .optional(),
  ent: z.record(z.string().regex(/^x\d{1,9}$/), z.record(z.string().max(12), ZScore)).optional(),
});
export type TScoreForm = z.infer<typeof ZScoreForm>;

/**
 * A posted scoring form shown again after a refusal: what the expert typed, read leniently
 * (anything that is not text is dropped; the refusal itself comes from ZScoreForm).
 */
const ZTyped = z.string().max(10_000).optional().catch(undefined);
export const ZScoreFormDraft = z
  .object({
    scores: z.record(z.string().max(12), z.object({ weight: ZTyped, strength: ZTyped, reason: ZTyped }).catch({})).catch({}),
    ent: z.record(z.string().max(12), z.record(z.string().max(12), ZTyped).catch({})).catch({}),
  })
  .catch({ scores: {}, ent: {} });
export type TScoreFormDraft = z.infer<typeof ZScoreFormDraft>;

/** ?round=N on the results pages. */
export const ZRoundQuery = z.object({ round: z.preprocess((v) => (v === '' ? undefined : v), z.coerce.number().int().positive().optional()) });
