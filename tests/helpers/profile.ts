import type { Knex } from 'knex';
import { insertReturningId } from '../../src/db/dialect';
import { PROFILE_CATEGORY, PROFILE_TITLE, profileAnswerColumns, type ProfileValue } from '../../src/modules/questionnaires/questionnaires.form';
import type { TProfileQuestion } from '../../src/modules/questionnaires/questionnaires.schemas';

/**
 * For fixtures that insert a questionnaire and its responses directly: the profile questions as
 * the questionnaires module writes them (items of the `_profile` category, with their kinds and
 * roles) and a response's profile as the respondent flow stores it (answer rows of those items).
 */

export interface ProfileItems {
  questions: TProfileQuestion[];
  ids: Record<string, number>;
}

const KIND: Record<TProfileQuestion['type'], string> = { 'choice-from-territories': 'single-choice', choice: 'single-choice', 'multi-choice': 'multi-choice', integer: 'number' };
const ROLES = new Set(['territory', 'sector', 'size', 'employees', 'innovated', 'funding']);

export async function insertProfileItems(db: Knex, questionnaireId: number, questions: TProfileQuestion[]): Promise<ProfileItems> {
  const categoryId = await insertReturningId(db, 'questionnaire_categories', {
    questionnaire_id: questionnaireId,
    code: PROFILE_CATEGORY,
    position: 0,
    title_kk: PROFILE_TITLE.kk,
    title_ru: PROFILE_TITLE.ru,
    title_en: PROFILE_TITLE.en,
  });
  const ids: Record<string, number> = {};
  for (const [i, q] of questions.entries()) {
    ids[q.code] = await insertReturningId(db, 'questionnaire_items', {
      questionnaire_id: questionnaireId,
      category_id: categoryId,
      code: q.code,
      kind: KIND[q.type],
      role: q.type === 'choice-from-territories' ? 'territory' : ROLES.has(q.code) ? q.code : null,
      // After the pages' items, so that their positions stay what the fixture gave them.
      position: 1000 + i,
      text_kk: q.text.kk,
      text_ru: q.text.ru,
      text_en: q.text.en,
      allow_cannot_judge: false,
      allow_comment: false,
      required: q.required,
    });
  }
  return { questions, ids };
}

/** A response's profile answers (a territory by its code, options by code, numbers) as answer rows. */
export async function insertProfileAnswers(db: Knex, items: ProfileItems, responseId: number, roundId: number, profile: Record<string, ProfileValue | null | undefined>): Promise<void> {
  const rows = items.questions
    .filter((q) => profile[q.code] !== null && profile[q.code] !== undefined && items.ids[q.code] !== undefined)
    .map((q) => {
      const c = profileAnswerColumns(q.type, profile[q.code]!);
      return { response_id: responseId, item_id: items.ids[q.code], round_id: roundId, value: null, cannot_judge: false, number_value: c.numberValue, choice: c.choice };
    });
  if (rows.length) await db('answers').insert(rows);
}

/** The profile answers stored for a response, by question code: the choice text ("product marketing") or the number. */
export async function storedProfile(db: Knex, responseId: number): Promise<Record<string, string | number>> {
  const rows = await db('answers as a')
    .join('questionnaire_items as i', 'i.id', 'a.item_id')
    .join('questionnaire_categories as c', 'c.id', 'i.category_id')
    .where({ 'a.response_id': responseId, 'c.code': PROFILE_CATEGORY })
    .select('i.code', 'a.choice', 'a.number_value');
  return Object.fromEntries(rows.map((r) => [String(r.code), r.choice ?? Number(r.number_value)]));
}

/** The profile items a questionnaire already has (written by the questionnaires module), with its profile questions. */
export async function profileItemsOf(db: Knex, questionnaireId: number): Promise<ProfileItems> {
  const q = await db('questionnaires').where({ id: questionnaireId }).first('definition');
  const questions = ((JSON.parse(String(q.definition)) as { profile?: TProfileQuestion[] }).profile ?? []) as TProfileQuestion[];
  const rows = await db('questionnaire_items as i')
    .join('questionnaire_categories as c', 'c.id', 'i.category_id')
    .where({ 'i.questionnaire_id': questionnaireId, 'c.code': PROFILE_CATEGORY })
    .select('i.id', 'i.code');
  return { questions, ids: Object.fromEntries(rows.map((r) => [String(r.code), Number(r.id)])) };
}

/** Innovated yes/no as the innovation question's answer: an innovation type, or the exclusive "none". */
export function innovation(innovated: boolean | null | undefined): string[] | null {
  return innovated === true ? ['product'] : innovated === false ? ['none'] : null;
}
