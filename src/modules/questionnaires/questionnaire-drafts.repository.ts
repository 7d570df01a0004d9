import type { Knex } from 'knex';
import { insertReturningId, num, nowIso } from '../../db/dialect';
import type { TDraftDefinition } from './questionnaires.drafts';

export interface DraftRow {
  id: number;
  code: string;
  baseQuestionnaireId: number | null;
  definition: TDraftDefinition;
  revision: number;
  updatedAt: string;
}

function toDraft(row: Record<string, unknown>): DraftRow {
  return {
    id: num(row.id),
    code: String(row.code),
    baseQuestionnaireId: row.base_questionnaire_id == null ? null : num(row.base_questionnaire_id),
    definition: JSON.parse(String(row.definition)) as TDraftDefinition,
    revision: num(row.revision),
    updatedAt: String(row.updated_at),
  };
}

/** A preview's stored test answers (question code -> posted value; "others" for "other, please specify" texts). */
export interface TestAnswers {
  answers: Record<string, unknown>;
  others: Record<string, string>;
}

/** What a preview is of: a draft or a published version. */
export type PreviewSubject = { draftId: number } | { questionnaireId: number };

/** The builder's drafts and the preview's test answers (kept apart from responses and answers). */
export class QuestionnaireDraftsRepository {
  constructor(private readonly db: Knex) {}

  async list(): Promise<DraftRow[]> {
    const rows = await this.db('questionnaire_drafts').orderBy('code');
    return rows.map(toDraft);
  }

  async find(id: number): Promise<DraftRow | undefined> {
    const row = await this.db('questionnaire_drafts').where({ id }).first();
    return row ? toDraft(row) : undefined;
  }

  async findByCode(code: string): Promise<DraftRow | undefined> {
    const row = await this.db('questionnaire_drafts').where({ code }).first();
    return row ? toDraft(row) : undefined;
  }

  async insert(code: string, baseQuestionnaireId: number | null, def: TDraftDefinition, actorId: number | null): Promise<number> {
    const now = nowIso();
    return insertReturningId(this.db, 'questionnaire_drafts', {
      code,
      base_questionnaire_id: baseQuestionnaireId,
      definition: JSON.stringify(def),
      revision: 1,
      created_by: actorId,
      updated_by: actorId,
      created_at: now,
      updated_at: now,
    });
  }

  /**
   * Save a change made on `revision`; false when the draft has moved on since (another tab or
   * another administrator), in which case nothing is written.
   */
  async update(id: number, revision: number, def: TDraftDefinition, actorId: number | null): Promise<boolean> {
    const n = await this.db('questionnaire_drafts')
      .where({ id, revision })
      .update({ definition: JSON.stringify(def), revision: revision + 1, updated_by: actorId, updated_at: nowIso() });
    return num(n) === 1;
  }

  async delete(id: number, revision?: number): Promise<boolean> {
    const q = this.db('questionnaire_drafts').where({ id });
    if (revision !== undefined) q.andWhere({ revision });
    return num(await q.delete()) === 1;
  }

  private subject(s: PreviewSubject): { draft_id: number | null; questionnaire_id: number | null; subject: string } {
    return 'draftId' in s
      ? { draft_id: s.draftId, questionnaire_id: null, subject: `draft:${s.draftId}` }
      : { draft_id: null, questionnaire_id: s.questionnaireId, subject: `version:${s.questionnaireId}` };
  }

  async testAnswers(s: PreviewSubject, userId: number): Promise<TestAnswers | undefined> {
    const row = await this.db('questionnaire_test_answers').where({ subject: this.subject(s).subject, user_id: userId }).first();
    return row ? (JSON.parse(String(row.answers)) as TestAnswers) : undefined;
  }

  async saveTestAnswers(s: PreviewSubject, userId: number, language: string, answers: TestAnswers): Promise<void> {
    const key = this.subject(s);
    await this.db('questionnaire_test_answers')
      .insert({ ...key, user_id: userId, language, answers: JSON.stringify(answers), updated_at: nowIso() })
      .onConflict(['subject', 'user_id'])
      .merge(['language', 'answers', 'updated_at']);
  }

  async clearTestAnswers(s: PreviewSubject, userId: number): Promise<void> {
    await this.db('questionnaire_test_answers').where({ subject: this.subject(s).subject, user_id: userId }).delete();
  }
}
