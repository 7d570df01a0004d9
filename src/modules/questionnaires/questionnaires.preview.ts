import type { FieldError } from '../../errors';
import { conditionHolds, parseAnswer, displayAnswer, type KindQuestion, type RawValue, type TLocalizedText } from './kinds';
import type { TestAnswers } from './questionnaire-drafts.repository';
import { normaliseDefinition, PROFILE_CATEGORY, type NormalisedQuestion, type TerritoryOption } from './questionnaires.form';
import type { TQuestionnaireDefinition } from './questionnaires.schemas';

/**
 * The preview's test mode, as pure functions: the pages a respondent would see (the profile,
 * then one per section), which questions the answers given so far show, and the posted answers
 * checked by each kind as on a real respondent page. Test answers live apart from responses
 * (questionnaire_test_answers), so nothing here can reach a count, an analysis or an export.
 */

export interface PreviewPage {
  code: string;
  title: TLocalizedText | null;
  questions: NormalisedQuestion[];
}

/** Every page with its questions; a question taking its options from the territory directory gets them here. */
export function previewPages(def: TQuestionnaireDefinition, territories: TerritoryOption[]): PreviewPage[] {
  const all = normaliseDefinition(def).map((n) =>
    n.optionsFrom === 'territories' && n.question.kind === 'single-choice'
      ? { ...n, question: { ...n.question, options: territories.map((t) => ({ code: t.code, text: { kk: t.name_kk, ru: t.name_ru, en: t.name_en } })) } as KindQuestion }
      : n,
  );
  const pages: PreviewPage[] = [];
  const profile = all.filter((n) => n.categoryCode === PROFILE_CATEGORY);
  if (profile.length) pages.push({ code: PROFILE_CATEGORY, title: null, questions: profile });
  for (const c of def.categories) pages.push({ code: c.code, title: c.title, questions: all.filter((n) => n.categoryCode === c.code) });
  return pages;
}

function parsed(n: NormalisedQuestion, answers: TestAnswers): unknown {
  const raw = answers.answers[n.question.code];
  if (raw === undefined) return undefined;
  const result = parseAnswer(n.question, raw as RawValue, answers.others[n.question.code]);
  return 'value' in result ? result.value : undefined;
}

/** The option codes chosen so far, by question: what conditions are evaluated on. */
export function chosenOptions(pages: PreviewPage[], answers: TestAnswers): Map<string, string[]> {
  const chosen = new Map<string, string[]>();
  for (const n of pages.flatMap((p) => p.questions)) {
    if (n.question.kind !== 'single-choice' && n.question.kind !== 'multi-choice') continue;
    const value = parsed(n, answers) as { option?: string; options?: string[] } | undefined;
    if (value) chosen.set(n.question.code, value.options ?? (value.option ? [value.option] : []));
  }
  return chosen;
}

/** The pages asked of a respondent with these answers, each with only its shown questions; a page left empty is skipped. */
export function visiblePages(pages: PreviewPage[], answers: TestAnswers): PreviewPage[] {
  const chosen = chosenOptions(pages, answers);
  return pages.map((p) => ({ ...p, questions: p.questions.filter((n) => n.showIf.every((c) => conditionHolds(c, chosen))) })).filter((p) => p.questions.length > 0);
}

/** The form field of a question on its page: the profile page names fields by code, the others answers[code]. */
export function fieldPath(page: PreviewPage, code: string): string {
  return page.code === PROFILE_CATEGORY ? `profile.${code}` : `answers.${code}`;
}

/**
 * The page's posted answers, checked by each kind; blank required answers are reported only when
 * `requireAll` (going forward), as on a respondent's page. Answers of other pages are kept.
 */
export function readPage(page: PreviewPage, body: Record<string, unknown>, previous: TestAnswers, requireAll: boolean): { answers: TestAnswers; errors: FieldError[] } {
  const answers: TestAnswers = { answers: { ...previous.answers }, others: { ...previous.others } };
  const errors: FieldError[] = [];
  const posted = (page.code === PROFILE_CATEGORY ? body : (body.answers ?? {})) as Record<string, unknown>;
  const others = (body.others ?? {}) as Record<string, unknown>;
  for (const n of page.questions) {
    const code = n.question.code;
    const raw = posted[code] as RawValue;
    const other = typeof others[code] === 'string' ? (others[code] as string) : undefined;
    delete answers.answers[code];
    delete answers.others[code];
    const result = parseAnswer(n.question, raw, other);
    if ('error' in result) {
      errors.push({ path: fieldPath(page, code), ...result.error });
      // Kept as typed, so the page shows it again beside its message.
      if (raw !== undefined) answers.answers[code] = raw;
      if (other) answers.others[code] = other;
    } else if ('blank' in result) {
      if (requireAll && n.required) errors.push({ path: fieldPath(page, code), key: n.question.kind === 'rating' ? 'respond:errors.requiredItem' : 'respond:errors.required' });
    } else {
      answers.answers[code] = raw;
      if (other) answers.others[code] = other;
    }
  }
  return { answers, errors };
}

/** The test answers shown back, question by question, as the review page would. */
export function testSummary(pages: PreviewPage[], answers: TestAnswers, lang: 'kk' | 'ru' | 'en'): Array<{ code: string; text: TLocalizedText; shown: string | null }> {
  return visiblePages(pages, answers).flatMap((p) =>
    p.questions.map((n) => {
      const value = parsed(n, answers);
      return { code: n.question.code, text: n.question.text, shown: value === undefined ? null : displayAnswer(n.question, value, lang) };
    }),
  );
}
