import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Knex } from 'knex';
import { sharedDomainDir } from '../../../src/paths';
import { insertReturningId, nowIso } from '../../../src/db/dialect';
import { insertProfileAnswers, insertProfileItems, type ProfileItems } from '../../helpers/profile';
import { syncRoundCells } from '../../../src/modules/analysis/analysis.service';

/**
 * A small hand-made survey for the analysis tests, inserted directly (the respondent flow is
 * another module): two categories C1 = {A1, A2, A3} and C2 = {B1, B2}, two territories.
 * null = "cannot judge"; a missing key = no answer row at all.
 */
export type Ratings = Record<string, number | null>;

export interface ResponseSpec {
  territory?: 'T1' | 'T2' | null;
  sector?: string | null;
  size?: string | null;
  innovated?: boolean | null;
  status?: 'submitted' | 'in_progress';
  ratings: Ratings;
}

/** The round used by the hand-computed expectations in ranking.test.ts. */
export const SMALL_ROUND: ResponseSpec[] = [
  { territory: 'T1', sector: 'C', size: 'micro', innovated: true, ratings: { A1: 4, A2: 5, A3: 4, B1: 2, B2: null } },
  { territory: 'T1', sector: 'G', size: 'small', innovated: false, ratings: { A1: 3, A2: 4, A3: 3, B1: 1, B2: 2 } },
  { territory: 'T2', sector: 'C', size: 'micro', innovated: true, ratings: { A1: 5, A2: 5, A3: 4, B1: 3, B2: 3 } },
  { territory: 'T2', sector: 'G', size: 'small', innovated: false, ratings: { A1: 2, A2: 3, A3: 2, B1: null, B2: 1 } },
  { territory: 'T2', sector: 'C', size: 'medium', innovated: null, ratings: { A1: 4, A2: 4, A3: 5, B1: 2, B2: 2 } },
  // In progress: never counted.
  { territory: 'T1', sector: 'C', size: 'micro', innovated: true, status: 'in_progress', ratings: { A1: 1, A2: 1, A3: 1, B1: 1, B2: 1 } },
  // No territory, no answer row for A2 (so not complete in C1).
  { territory: null, sector: null, size: null, innovated: null, ratings: { A1: 5, A3: 5, B1: 5, B2: 5 } },
];

export interface SurveyFixture {
  questionnaireId: number;
  itemIds: Record<string, number>;
  territoryIds: Record<'T1' | 'T2', number>;
  territoryCodes: Record<'T1' | 'T2', string>;
  /** The profile questions' items: a response's territory, sector, size and innovation are their answers. */
  profile: ProfileItems;
}

let counter = 0;

export async function createSurvey(db: Knex, texts: Partial<Record<string, string>> = {}): Promise<SurveyFixture> {
  const now = nowIso();
  const tag = `${process.pid}-${++counter}`;
  const territoryIds = {} as Record<'T1' | 'T2', number>;
  for (const [i, code] of (['T1', 'T2'] as const).entries()) {
    territoryIds[code] = await insertReturningId(db, 'territories', {
      code: `${code}-${tag}`,
      name_kk: code === 'T1' ? 'Өскемен' : 'Зайсан ауданы',
      name_ru: code === 'T1' ? 'Усть-Каменогорск' : 'Зайсанский район',
      name_en: code === 'T1' ? 'Oskemen' : 'Zaisan district',
      kind: 'district',
      position: i,
    });
  }
  // A definition in the format of seeds/domain/questionnaire-barriers.json (profile and scale
  // copied from it), with the five test items, so other modules' readers (codebook) accept it.
  const seed = JSON.parse(fs.readFileSync(path.join(sharedDomainDir, 'questionnaire-barriers.json'), 'utf8')) as Record<string, unknown>;
  const definition = {
    code: `TEST-${tag}`,
    title: { kk: 'Сынақ сауалнамасы', ru: 'Тестовая анкета', en: 'Test questionnaire' },
    scale: seed.scale,
    categories: ['C1', 'C2'].map((code) => ({ code, pest: 'E', title: { kk: `${code} санаты`, ru: `Категория ${code}`, en: `Category ${code}` } })),
    items: ['A1', 'A2', 'A3', 'B1', 'B2'].map((code) => ({
      code,
      category: code.startsWith('A') ? 'C1' : 'C2',
      text: { kk: texts[code] ?? `${code} кедергісі: қаржының жетіспеушілігі`, ru: `Барьер ${code}`, en: `Barrier ${code}` },
    })),
    profile: seed.profile,
  };
  const questionnaireId = await insertReturningId(db, 'questionnaires', {
    code: `TEST-${tag}`,
    version: 1,
    title_kk: 'Сынақ сауалнамасы',
    title_ru: 'Тестовая анкета',
    title_en: 'Test questionnaire',
    definition: JSON.stringify(definition),
    created_at: now,
  });
  const categoryIds: Record<string, number> = {};
  for (const [i, code] of ['C1', 'C2'].entries()) {
    categoryIds[code] = await insertReturningId(db, 'questionnaire_categories', {
      questionnaire_id: questionnaireId,
      code,
      position: i + 1,
      title_kk: `${code} санаты`,
      title_ru: `Категория ${code}`,
      title_en: `Category ${code}`,
    });
  }
  const itemIds: Record<string, number> = {};
  for (const [i, code] of ['A1', 'A2', 'A3', 'B1', 'B2'].entries()) {
    itemIds[code] = await insertReturningId(db, 'questionnaire_items', {
      questionnaire_id: questionnaireId,
      category_id: categoryIds[code.startsWith('A') ? 'C1' : 'C2'],
      code,
      position: i + 1,
      text_kk: texts[code] ?? `${code} кедергісі: қаржының жетіспеушілігі`,
      text_ru: `Барьер ${code}`,
      text_en: `Barrier ${code}`,
    });
  }
  const profile = await insertProfileItems(db, questionnaireId, definition.profile as never);
  return { questionnaireId, itemIds, territoryIds, territoryCodes: { T1: `T1-${tag}`, T2: `T2-${tag}` }, profile };
}

export async function createRound(db: Knex, survey: SurveyFixture, title = 'Round', status = 'open'): Promise<number> {
  const now = nowIso();
  return insertReturningId(db, 'rounds', { title, questionnaire_id: survey.questionnaireId, status, audience: 'invitation', created_at: now, updated_at: now });
}

let tokens = 0;

export async function addResponses(db: Knex, survey: SurveyFixture, roundId: number, specs: ResponseSpec[]): Promise<number[]> {
  const now = nowIso();
  const ids: number[] = [];
  for (const spec of specs) {
    const invitationId = await insertReturningId(db, 'invitations', {
      round_id: roundId,
      token_hash: crypto.createHash('sha256').update(`analysis-test-${process.pid}-${++tokens}-${Math.random()}`).digest('hex'),
      enterprise_name: 'Test LLP',
      status: spec.status ?? 'submitted',
      created_at: now,
    });
    const status = spec.status ?? 'submitted';
    const responseId = await insertReturningId(db, 'responses', {
      round_id: roundId,
      invitation_id: invitationId,
      status,
      language: 'kk',
      started_at: now,
      updated_at: now,
      submitted_at: status === 'submitted' ? now : null,
    });
    const answers = Object.entries(spec.ratings).map(([code, value]) => ({ response_id: responseId, item_id: survey.itemIds[code]!, round_id: roundId, value, cannot_judge: value === null }));
    if (answers.length) await db('answers').insert(answers);
    await insertProfileAnswers(db, survey.profile, responseId, roundId, {
      territory: spec.territory ? survey.territoryCodes[spec.territory] : null,
      sector: spec.sector,
      size: spec.size,
      innovated: spec.innovated === true ? ['product'] : spec.innovated === false ? ['none'] : null,
    });
    ids.push(responseId);
  }
  // Rows inserted by hand reach the cells the way a bulk load does (the ranking never counts).
  await syncRoundCells(db, roundId);
  return ids;
}

/** Many random responses at once (for the many-response tests): deterministic ratings. */
export function manyResponses(count: number, seed = 1): ResponseSpec[] {
  let x = seed;
  const next = () => (x = (x * 1103515245 + 12345) % 2147483648) / 2147483648;
  const rating = (bias: number) => (next() < 0.05 ? null : Math.min(5, Math.max(1, Math.round(1 + next() * 4 + bias))));
  return Array.from({ length: count }, (_, i) => ({
    territory: i % 3 === 0 ? 'T1' : 'T2',
    sector: i % 2 === 0 ? 'C' : 'G',
    size: ['micro', 'small', 'medium'][i % 3]!,
    innovated: i % 4 === 0,
    ratings: { A1: rating(1), A2: rating(0.5), A3: rating(0), B1: rating(-0.5), B2: rating(-1) },
  }));
}
