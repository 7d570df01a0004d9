import type { KindQuestion, QuestionKind, TCondition, TLocalizedText, TQuestionRole, TScale } from './kinds';
import { PROFILE_CATEGORY, normaliseDefinition } from './questionnaires.form';
import type { TQuestionnaireDefinition } from './questionnaires.schemas';

/**
 * What changed between two questionnaire definitions, question by question and language by
 * language. Pure: no database, no catalogue. Every change has a `type` that names its message
 * (questionnaires:diff.change.<type>) and carries the texts it is about, so a page shows it in
 * the reader's language and the other languages' edits stay visible as their own lines.
 *
 * Questions and sections are matched by code (codes name answers and export columns, so a
 * question that keeps its code is the same question). A rating in the original `items` and a
 * rating in `questions` compare alike: both go through the one normalisation the form uses.
 */

export const DIFF_LANGUAGES = ['kk', 'ru', 'en'] as const;
export type DiffLanguage = (typeof DIFF_LANGUAGES)[number];

export type DiffChange =
  /** A text changed in one language; `field` says which text (the title, a question's wording, a unit...). */
  | { type: 'text'; field: 'title' | 'wording' | 'unit' | 'cannotJudge'; lang: DiffLanguage; before: string | null; after: string | null }
  | { type: 'code'; before: string; after: string }
  | { type: 'source'; before: string | null; after: string | null }
  | { type: 'kind'; before: QuestionKind; after: QuestionKind }
  /** A question that now lives in another section. */
  | { type: 'section'; before: string; after: string }
  /** A question or section that keeps its section but changed place among the others. */
  | { type: 'moved'; before: number; after: number }
  | { type: 'required'; before: boolean; after: boolean }
  | { type: 'comment'; before: boolean; after: boolean }
  | { type: 'cannotJudgeOffered'; before: boolean; after: boolean }
  | { type: 'role'; before: TQuestionRole | null; after: TQuestionRole | null }
  | { type: 'referenceMean'; before: number | null; after: number | null }
  | { type: 'pest'; before: string | null; after: string | null }
  | { type: 'condition'; before: TCondition | null; after: TCondition | null }
  | { type: 'optionsFrom'; before: string | null; after: string | null }
  | { type: 'optionAdded'; option: string; text: TLocalizedText }
  | { type: 'optionRemoved'; option: string; text: TLocalizedText }
  | { type: 'optionText'; option: string; lang: DiffLanguage; before: string; after: string }
  | { type: 'optionExclusive'; option: string; before: boolean; after: boolean }
  | { type: 'optionsReordered'; before: string[]; after: string[] }
  /** "Other, please specify": `option` is its code. */
  | { type: 'otherAdded'; option: string; text: TLocalizedText }
  | { type: 'otherRemoved'; option: string; text: TLocalizedText }
  | { type: 'scaleRange'; before: { min: number; max: number }; after: { min: number; max: number } }
  | { type: 'scaleLabel'; point: number; lang: DiffLanguage; before: string | null; after: string | null }
  /** A numeric or yes/no limit: number bounds, integer only, text length, ranking depth, at most n choices, multi-line. */
  | { type: 'limit'; limit: 'min' | 'max' | 'integer' | 'maxLength' | 'pick' | 'maxChoices' | 'multiline' | 'otherMaxLength'; before: number | boolean | null; after: number | boolean | null };

export type DiffChangeType = DiffChange['type'];

export interface QuestionDiff {
  code: string;
  kind: QuestionKind;
  /** The wording after the change (before, for a removed question). */
  text: TLocalizedText;
  status: 'added' | 'removed' | 'changed';
  changes: DiffChange[];
}

export interface SectionDiff {
  /** A category code, or PROFILE_CATEGORY for the profile questions. */
  code: string;
  /** Null for the profile, which has no title of its own. */
  title: TLocalizedText | null;
  status: 'added' | 'removed' | 'changed' | 'unchanged';
  /** Changes of the section itself (title, place, PEST, condition). */
  changes: DiffChange[];
  /** Only the questions that changed. */
  questions: QuestionDiff[];
}

export interface DefinitionDiff {
  /** Changes of the questionnaire itself: code, title, source, the shared scale. */
  changes: DiffChange[];
  /** Sections in the order of the later definition, removed ones after; only sections with a change. */
  sections: SectionDiff[];
  counts: { added: number; removed: number; changed: number; sections: number };
  /** True when the two definitions ask the same questions in the same way. */
  same: boolean;
}

interface FlatQuestion {
  question: KindQuestion;
  section: string;
  required: boolean;
  role: TQuestionRole | null;
  allowComment: boolean;
  referenceMean: number | null;
  optionsFrom: string | null;
  /** Its own condition (the section's is reported on the section). */
  condition: TCondition | null;
  /** Its own scale when it has one; null when it uses the questionnaire's (reported once, at the top). */
  ownScale: TScale | null;
}

interface FlatSection {
  code: string;
  title: TLocalizedText | null;
  pest: string | null;
  condition: TCondition | null;
}

function flatten(def: TQuestionnaireDefinition): { questions: FlatQuestion[]; sections: FlatSection[] } {
  const own = new Map((def.questions ?? []).map((q) => [q.code, q]));
  const questions = normaliseDefinition(def).map((n): FlatQuestion => {
    const raw = own.get(n.question.code);
    return {
      question: n.question,
      section: n.categoryCode,
      required: n.required,
      role: n.role,
      allowComment: n.allowComment,
      referenceMean: n.referenceMean,
      optionsFrom: n.optionsFrom,
      condition: raw?.showIf ?? null,
      ownScale: raw?.kind === 'rating' ? (raw.scale ?? null) : null,
    };
  });
  const sections: FlatSection[] = [
    ...(def.profile.length ? [{ code: PROFILE_CATEGORY, title: null, pest: null, condition: null }] : []),
    ...def.categories.map((c) => ({ code: c.code, title: c.title, pest: c.pest ?? null, condition: c.showIf ?? null })),
  ];
  return { questions, sections };
}

function textChanges(field: Extract<DiffChange, { type: 'text' }>['field'], before: TLocalizedText | null | undefined, after: TLocalizedText | null | undefined): DiffChange[] {
  const out: DiffChange[] = [];
  for (const lang of DIFF_LANGUAGES) {
    const b = before?.[lang] ?? null;
    const a = after?.[lang] ?? null;
    if (b !== a) out.push({ type: 'text', field, lang, before: b, after: a });
  }
  return out;
}

function sameCondition(a: TCondition | null, b: TCondition | null): boolean {
  if (!a || !b) return a === b;
  return a.question === b.question && a.anyOf.length === b.anyOf.length && a.anyOf.every((c, i) => c === b.anyOf[i]);
}

/** Scale changes: its range, each point's label per language, the "cannot judge" label per language. */
export function scaleChanges(before: TScale, after: TScale): DiffChange[] {
  const out: DiffChange[] = [];
  if (before.min !== after.min || before.max !== after.max) out.push({ type: 'scaleRange', before: { min: before.min, max: before.max }, after: { min: after.min, max: after.max } });
  const points = [...new Set([...Object.keys(before.labels), ...Object.keys(after.labels)].map(Number))].sort((x, y) => x - y);
  for (const point of points) {
    for (const lang of DIFF_LANGUAGES) {
      const b = before.labels[String(point)]?.[lang] ?? null;
      const a = after.labels[String(point)]?.[lang] ?? null;
      if (b !== a) out.push({ type: 'scaleLabel', point, lang, before: b, after: a });
    }
  }
  out.push(...textChanges('cannotJudge', before.notApplicable, after.notApplicable));
  return out;
}

interface AnyOption {
  code: string;
  text: TLocalizedText;
  exclusive?: boolean;
}

function optionChanges(before: AnyOption[], after: AnyOption[]): DiffChange[] {
  const out: DiffChange[] = [];
  const was = new Map(before.map((o) => [o.code, o]));
  const now = new Map(after.map((o) => [o.code, o]));
  for (const o of before) if (!now.has(o.code)) out.push({ type: 'optionRemoved', option: o.code, text: o.text });
  for (const o of after) {
    const old = was.get(o.code);
    if (!old) {
      out.push({ type: 'optionAdded', option: o.code, text: o.text });
      continue;
    }
    for (const lang of DIFF_LANGUAGES) {
      if (old.text[lang] !== o.text[lang]) out.push({ type: 'optionText', option: o.code, lang, before: old.text[lang], after: o.text[lang] });
    }
    if (Boolean(old.exclusive) !== Boolean(o.exclusive)) out.push({ type: 'optionExclusive', option: o.code, before: Boolean(old.exclusive), after: Boolean(o.exclusive) });
  }
  const keptBefore = before.map((o) => o.code).filter((c) => now.has(c));
  const keptAfter = after.map((o) => o.code).filter((c) => was.has(c));
  if (keptBefore.some((c, i) => c !== keptAfter[i])) out.push({ type: 'optionsReordered', before: keptBefore, after: keptAfter });
  return out;
}

function otherChanges(before: { code: string; text: TLocalizedText; maxLength?: number } | undefined, after: typeof before): DiffChange[] {
  if (!before && !after) return [];
  if (!before) return [{ type: 'otherAdded', option: after!.code, text: after!.text }];
  if (!after) return [{ type: 'otherRemoved', option: before.code, text: before.text }];
  if (before.code !== after.code) return [{ type: 'otherRemoved', option: before.code, text: before.text }, { type: 'otherAdded', option: after.code, text: after.text }];
  const out: DiffChange[] = [];
  for (const lang of DIFF_LANGUAGES) {
    if (before.text[lang] !== after.text[lang]) out.push({ type: 'optionText', option: after.code, lang, before: before.text[lang], after: after.text[lang] });
  }
  if ((before.maxLength ?? null) !== (after.maxLength ?? null)) out.push({ type: 'limit', limit: 'otherMaxLength', before: before.maxLength ?? null, after: after.maxLength ?? null });
  return out;
}

function limit(name: Extract<DiffChange, { type: 'limit' }>['limit'], before: number | boolean | null | undefined, after: number | boolean | null | undefined): DiffChange[] {
  const b = before ?? null;
  const a = after ?? null;
  return b === a ? [] : [{ type: 'limit', limit: name, before: b, after: a }];
}

/** What the kind itself defines: options, scale, limits. Both questions are of the same kind. */
function kindChanges(b: KindQuestion, a: KindQuestion, bFlat: FlatQuestion, aFlat: FlatQuestion): DiffChange[] {
  if (b.kind === 'rating' && a.kind === 'rating') {
    const out: DiffChange[] = [];
    // A question that uses the questionnaire's scale follows it; that change is reported once, at the top.
    if (bFlat.ownScale || aFlat.ownScale) out.push(...scaleChanges(b.scale, a.scale));
    if (b.allowCannotJudge !== a.allowCannotJudge) out.push({ type: 'cannotJudgeOffered', before: b.allowCannotJudge, after: a.allowCannotJudge });
    return out;
  }
  if (b.kind === 'single-choice' && a.kind === 'single-choice') {
    // Options from the territory directory are not the definition's; only the source is compared.
    const options = bFlat.optionsFrom || aFlat.optionsFrom ? [] : optionChanges(b.options, a.options);
    return [...options, ...otherChanges(b.other, a.other)];
  }
  if (b.kind === 'multi-choice' && a.kind === 'multi-choice') {
    return [...optionChanges(b.options, a.options), ...otherChanges(b.other, a.other), ...limit('maxChoices', b.maxChoices, a.maxChoices)];
  }
  if (b.kind === 'ranking' && a.kind === 'ranking') return [...optionChanges(b.options, a.options), ...limit('pick', b.pick, a.pick)];
  if (b.kind === 'number' && a.kind === 'number') {
    return [...limit('integer', b.integer, a.integer), ...limit('min', b.min, a.min), ...limit('max', b.max, a.max), ...textChanges('unit', b.unit, a.unit)];
  }
  if (b.kind === 'text' && a.kind === 'text') return [...limit('maxLength', b.maxLength, a.maxLength), ...limit('multiline', Boolean(b.multiline), Boolean(a.multiline))];
  return [];
}

function questionChanges(b: FlatQuestion, a: FlatQuestion): DiffChange[] {
  const out: DiffChange[] = [];
  if (b.question.kind !== a.question.kind) out.push({ type: 'kind', before: b.question.kind, after: a.question.kind });
  if (b.section !== a.section) out.push({ type: 'section', before: b.section, after: a.section });
  out.push(...textChanges('wording', b.question.text, a.question.text));
  if (b.required !== a.required) out.push({ type: 'required', before: b.required, after: a.required });
  if (b.allowComment !== a.allowComment) out.push({ type: 'comment', before: b.allowComment, after: a.allowComment });
  if (b.role !== a.role) out.push({ type: 'role', before: b.role, after: a.role });
  if (b.referenceMean !== a.referenceMean) out.push({ type: 'referenceMean', before: b.referenceMean, after: a.referenceMean });
  if (b.optionsFrom !== a.optionsFrom) out.push({ type: 'optionsFrom', before: b.optionsFrom, after: a.optionsFrom });
  if (!sameCondition(b.condition, a.condition)) out.push({ type: 'condition', before: b.condition, after: a.condition });
  if (b.question.kind === a.question.kind) out.push(...kindChanges(b.question, a.question, b, a));
  return out;
}

/**
 * Indexes (into `codes`) of one longest strictly increasing subsequence of `ranks`: the elements
 * that kept their relative order. Patience sorting, O(n log n).
 */
function longestIncreasing(ranks: number[]): Set<number> {
  const tails: number[] = [];
  const previous: number[] = new Array(ranks.length).fill(-1);
  for (let i = 0; i < ranks.length; i++) {
    let lo = 0;
    let hi = tails.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (ranks[tails[mid]!]! < ranks[i]!) lo = mid + 1;
      else hi = mid;
    }
    if (lo > 0) previous[i] = tails[lo - 1]!;
    tails[lo] = i;
  }
  const kept = new Set<number>();
  for (let i = tails.length ? tails[tails.length - 1]! : -1; i >= 0; i = previous[i]!) kept.add(i);
  return kept;
}

/**
 * Of the codes present in both lists, those that changed place relative to the others: the
 * fewest that, moved, turn the old order into the new one. Returns code -> [old index, new index]
 * (1-based positions in each list).
 */
function movedCodes(before: string[], after: string[]): Map<string, [number, number]> {
  const oldIndex = new Map(before.map((c, i) => [c, i]));
  const common = after.filter((c) => oldIndex.has(c));
  const kept = longestIncreasing(common.map((c) => oldIndex.get(c)!));
  const out = new Map<string, [number, number]>();
  common.forEach((c, i) => {
    if (!kept.has(i)) out.set(c, [oldIndex.get(c)! + 1, after.indexOf(c) + 1]);
  });
  return out;
}

/** Compare two definitions; `before` is the earlier version (or the last published one), `after` the later (or the draft). */
export function diffDefinitions(before: TQuestionnaireDefinition, after: TQuestionnaireDefinition): DefinitionDiff {
  const changes: DiffChange[] = [];
  if (before.code !== after.code) changes.push({ type: 'code', before: before.code, after: after.code });
  changes.push(...textChanges('title', before.title, after.title));
  // The source note is one text for all languages.
  if ((before.source ?? null) !== (after.source ?? null)) changes.push({ type: 'source', before: before.source ?? null, after: after.source ?? null });
  changes.push(...scaleChanges(before.scale, after.scale));

  const b = flatten(before);
  const a = flatten(after);
  const bQuestions = new Map(b.questions.map((q) => [q.question.code, q]));
  const aQuestions = new Map(a.questions.map((q) => [q.question.code, q]));
  const bSections = new Map(b.sections.map((s) => [s.code, s]));
  const aSections = new Map(a.sections.map((s) => [s.code, s]));

  const sectionOrder = movedCodes(
    b.sections.map((s) => s.code),
    a.sections.map((s) => s.code),
  );
  const diffs = new Map<string, SectionDiff>();
  const sectionDiff = (code: string): SectionDiff => {
    let d = diffs.get(code);
    if (!d) {
      const old = bSections.get(code);
      const now = aSections.get(code);
      const sectionChanges: DiffChange[] = [];
      if (old && now) {
        sectionChanges.push(...textChanges('title', old.title, now.title));
        const moved = sectionOrder.get(code);
        if (moved) sectionChanges.push({ type: 'moved', before: moved[0], after: moved[1] });
        if (old.pest !== now.pest) sectionChanges.push({ type: 'pest', before: old.pest, after: now.pest });
        if (!sameCondition(old.condition, now.condition)) sectionChanges.push({ type: 'condition', before: old.condition, after: now.condition });
      }
      d = {
        code,
        title: (now ?? old)?.title ?? null,
        status: !old ? 'added' : !now ? 'removed' : sectionChanges.length ? 'changed' : 'unchanged',
        changes: sectionChanges,
        questions: [],
      };
      diffs.set(code, d);
    }
    return d;
  };
  for (const s of [...a.sections, ...b.sections]) sectionDiff(s.code);

  // Order within a section: among the questions that stay in the same section.
  const inSection = (qs: FlatQuestion[], section: string, other: Map<string, FlatQuestion>) =>
    qs.filter((q) => q.section === section && other.get(q.question.code)?.section === section).map((q) => q.question.code);
  const movedWithin = new Map<string, [number, number]>();
  for (const s of a.sections) {
    for (const [code, places] of movedCodes(inSection(b.questions, s.code, aQuestions), inSection(a.questions, s.code, bQuestions))) movedWithin.set(code, places);
  }

  const counts = { added: 0, removed: 0, changed: 0, sections: 0 };
  for (const q of a.questions) {
    const old = bQuestions.get(q.question.code);
    if (!old) {
      sectionDiff(q.section).questions.push({ code: q.question.code, kind: q.question.kind, text: q.question.text, status: 'added', changes: [] });
      counts.added++;
      continue;
    }
    const qChanges = questionChanges(old, q);
    const moved = movedWithin.get(q.question.code);
    if (moved) qChanges.splice(0, 0, { type: 'moved', before: moved[0], after: moved[1] });
    if (qChanges.length) {
      sectionDiff(q.section).questions.push({ code: q.question.code, kind: q.question.kind, text: q.question.text, status: 'changed', changes: qChanges });
      counts.changed++;
    }
  }
  for (const q of b.questions) {
    if (aQuestions.has(q.question.code)) continue;
    sectionDiff(q.section).questions.push({ code: q.question.code, kind: q.question.kind, text: q.question.text, status: 'removed', changes: [] });
    counts.removed++;
  }

  const sections = [...diffs.values()].filter((d) => d.status !== 'unchanged' || d.questions.length > 0);
  counts.sections = sections.filter((d) => d.status !== 'unchanged').length;
  return { changes, sections, counts, same: changes.length === 0 && sections.length === 0 };
}

/** Section code -> title for naming sections in a comparison (the later title wins; the profile has none). */
export function sectionTitles(before: TQuestionnaireDefinition, after: TQuestionnaireDefinition): Map<string, TLocalizedText | null> {
  const out = new Map<string, TLocalizedText | null>([[PROFILE_CATEGORY, null]]);
  for (const c of [...before.categories, ...after.categories]) out.set(c.code, c.title);
  return out;
}
