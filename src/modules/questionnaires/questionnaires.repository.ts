import type { Knex } from 'knex';
import { bool, insertReturningId, num, numOrNull, nowIso } from '../../db/dialect';
import { StagedUploads, stagedColumns, type StagedUpload } from '../../db/staging';
import { PROFILE_CATEGORY, PROFILE_TITLE, normaliseDefinition } from './questionnaires.form';
import type {
  QuestionnaireCategoryRow,
  QuestionnaireItemRow,
  QuestionnaireSummary,
  TQuestionnaireDefinition,
} from './questionnaires.schemas';

export interface QuestionnaireRow {
  id: number;
  code: string;
  version: number;
  title_kk: string;
  title_ru: string;
  title_en: string;
  definition: string;
  createdAt: string;
}

function toRow(row: Record<string, unknown>): QuestionnaireRow {
  return {
    id: num(row.id),
    code: String(row.code),
    version: num(row.version),
    title_kk: String(row.title_kk),
    title_ru: String(row.title_ru),
    title_en: String(row.title_en),
    definition: String(row.definition),
    createdAt: String(row.created_at),
  };
}

type Db = Knex | Knex.Transaction;

export interface StagedImportRow extends StagedUpload {
  fileName: string;
  definition: unknown;
  warnings: unknown;
}

export class QuestionnairesRepository {
  private readonly staged: StagedUploads;
  constructor(private readonly db: Knex) {
    this.staged = new StagedUploads(db, 'questionnaire_imports');
  }

  transaction<T>(fn: (trx: Knex.Transaction) => Promise<T>): Promise<T> {
    return this.db.transaction(fn);
  }

  async list(): Promise<QuestionnaireSummary[]> {
    const items = this.db('questionnaire_items as qi')
      .join('questionnaire_categories as qc', 'qc.id', 'qi.category_id')
      .whereNot('qc.code', PROFILE_CATEGORY)
      .select('qi.questionnaire_id')
      .count({ n: '*' })
      .groupBy('qi.questionnaire_id')
      .as('i');
    const rounds = this.db('rounds').select('questionnaire_id').count({ n: '*' }).groupBy('questionnaire_id').as('r');
    const rows = await this.db('questionnaires as q')
      .leftJoin(items, 'i.questionnaire_id', 'q.id')
      .leftJoin(rounds, 'r.questionnaire_id', 'q.id')
      .select('q.id', 'q.code', 'q.version', 'q.title_kk', 'q.title_ru', 'q.title_en', 'q.created_at', 'i.n as item_count', 'r.n as round_count')
      .orderBy([{ column: 'q.code' }, { column: 'q.version', order: 'desc' }]);
    return rows.map((row: Record<string, unknown>) => ({
      id: num(row.id),
      code: String(row.code),
      version: num(row.version),
      title_kk: String(row.title_kk),
      title_ru: String(row.title_ru),
      title_en: String(row.title_en),
      createdAt: String(row.created_at),
      itemCount: num(row.item_count),
      roundCount: num(row.round_count),
    }));
  }

  async findById(id: number, db: Db = this.db): Promise<QuestionnaireRow | undefined> {
    const row = await db('questionnaires').where({ id }).first();
    return row ? toRow(row) : undefined;
  }

  async findLatestByCode(code: string, db: Db = this.db): Promise<QuestionnaireRow | undefined> {
    const row = await db('questionnaires').where({ code }).orderBy('version', 'desc').first();
    return row ? toRow(row) : undefined;
  }

  /* ---- XLSForm imports waiting for the administrator's confirmation ---- */

  /** Stores a read XLSForm until it is confirmed; expired ones go first. */
  async stageImport(input: { fileName: string; definition: unknown; warnings: unknown; createdBy: number }): Promise<number> {
    return this.staged.stage({ file_name: input.fileName, definition: JSON.stringify(input.definition), warnings: JSON.stringify(input.warnings) }, input.createdBy);
  }

  async findStagedImport(id: number): Promise<StagedImportRow | undefined> {
    const row = await this.staged.row(id);
    if (!row) return undefined;
    return { ...stagedColumns(row), fileName: String(row.file_name), definition: JSON.parse(String(row.definition)), warnings: JSON.parse(String(row.warnings)) };
  }

  /** False when it was no longer there (a second click, another tab). */
  async deleteStagedImport(id: number): Promise<boolean> {
    return this.staged.drop(id);
  }

  async countRoundsUsing(id: number, db: Db = this.db): Promise<number> {
    const row = await db('rounds').where({ questionnaire_id: id }).count({ n: '*' }).first();
    return num(row?.n);
  }

  async categories(questionnaireId: number, db: Db = this.db): Promise<QuestionnaireCategoryRow[]> {
    const rows = await db('questionnaire_categories').where({ questionnaire_id: questionnaireId }).orderBy('position');
    return rows.map((row: Record<string, unknown>) => ({
      id: num(row.id),
      code: String(row.code),
      pest: row.pest == null ? null : String(row.pest),
      position: num(row.position),
      title_kk: String(row.title_kk),
      title_ru: String(row.title_ru),
      title_en: String(row.title_en),
    }));
  }

  async items(questionnaireId: number, db: Db = this.db): Promise<QuestionnaireItemRow[]> {
    const rows = await db('questionnaire_items as i')
      .join('questionnaire_categories as c', 'c.id', 'i.category_id')
      .where('i.questionnaire_id', questionnaireId)
      .select('i.*', 'c.code as category_code')
      .orderBy('i.position');
    return rows.map((row: Record<string, unknown>) => ({
      id: num(row.id),
      code: String(row.code),
      kind: String(row.kind) as QuestionnaireItemRow['kind'],
      categoryId: num(row.category_id),
      categoryCode: String(row.category_code),
      position: num(row.position),
      text_kk: String(row.text_kk),
      text_ru: String(row.text_ru),
      text_en: String(row.text_en),
      allowCannotJudge: bool(row.allow_cannot_judge),
      allowComment: bool(row.allow_comment),
      required: bool(row.required),
      referenceMean: numOrNull(row.reference_mean),
      role: (row.role as QuestionnaireItemRow['role'] | null) ?? null,
    }));
  }

  /** The questionnaire row; its categories and items are written by writeContent in the same transaction. */
  async insert(def: TQuestionnaireDefinition, version: number, createdBy: number | null, trx: Knex.Transaction): Promise<number> {
    return insertReturningId(trx, 'questionnaires', {
      code: def.code,
      version,
      title_kk: def.title.kk,
      title_ru: def.title.ru,
      title_en: def.title.en,
      definition: JSON.stringify(def),
      created_by: createdBy,
      created_at: nowIso(),
    });
  }

  async updateDefinition(id: number, def: TQuestionnaireDefinition, trx: Knex.Transaction): Promise<void> {
    await trx('questionnaires').where({ id }).update({
      title_kk: def.title.kk,
      title_ru: def.title.ru,
      title_en: def.title.en,
      definition: JSON.stringify(def),
    });
  }

  async deleteContent(id: number, trx: Knex.Transaction): Promise<void> {
    await trx('questionnaire_items').where({ questionnaire_id: id }).delete();
    await trx('questionnaire_categories').where({ questionnaire_id: id }).delete();
  }

  async writeContent(id: number, def: TQuestionnaireDefinition, trx: Knex.Transaction): Promise<void> {
    const categoryIds = new Map<string, number>();
    // The profile questions are items like any other, in a category of their own ahead of the pages.
    if (def.profile.length) {
      categoryIds.set(
        PROFILE_CATEGORY,
        await insertReturningId(trx, 'questionnaire_categories', {
          questionnaire_id: id,
          code: PROFILE_CATEGORY,
          pest: null,
          position: 0,
          title_kk: PROFILE_TITLE.kk,
          title_ru: PROFILE_TITLE.ru,
          title_en: PROFILE_TITLE.en,
        }),
      );
    }
    for (const [position, c] of def.categories.entries()) {
      const categoryId = await insertReturningId(trx, 'questionnaire_categories', {
        questionnaire_id: id,
        code: c.code,
        pest: c.pest ?? null,
        position: position + 1,
        title_kk: c.title.kk,
        title_ru: c.title.ru,
        title_en: c.title.en,
      });
      categoryIds.set(c.code, categoryId);
    }
    // Every question the form asks, the profile first, in form order; answers refer to these rows.
    const questions = normaliseDefinition(def);
    const rows = questions.map((q, position) => ({
      questionnaire_id: id,
      category_id: categoryIds.get(q.categoryCode)!,
      code: q.question.code,
      kind: q.question.kind,
      position: position + 1,
      text_kk: q.question.text.kk,
      text_ru: q.question.text.ru,
      text_en: q.question.text.en,
      allow_cannot_judge: 'allowCannotJudge' in q.question && q.question.allowCannotJudge === true,
      allow_comment: q.allowComment,
      required: q.required,
      reference_mean: q.referenceMean,
      role: q.role,
    }));
    // 14 columns x 1000 questions stays below either engine's parameter limit.
    if (rows.length) await trx('questionnaire_items').insert(rows);
  }
}
