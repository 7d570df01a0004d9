import { ConflictError, NotFoundError, ValidationError } from '../../errors';
import type { TLocalizedText } from './kinds';
import type { DraftRow, PreviewSubject, QuestionnaireDraftsRepository, TestAnswers } from './questionnaire-drafts.repository';
import type { DefinitionDiff } from './questionnaires.diff';
import { applyChange, builderQuestions, draftIssues, missingTranslations, newDraftDefinition, type DraftChange, type DraftIssue, type MissingText, type TDraftDefinition } from './questionnaires.drafts';
import { parseDefinition, type QuestionnairesService, type SaveResult } from './questionnaires.service';

export interface NewDraftInput {
  code: string;
  title: TLocalizedText;
  scaleMin: number;
  scaleMax: number;
}

export interface DraftSummary {
  id: number;
  code: string;
  title: TLocalizedText;
  updatedAt: string;
  missing: number;
  issues: number;
}

/** What discarding a draft loses, and where it leads back to (the confirmation page says it). */
export interface DiscardPreview {
  /** The draft's revision the preview was made on: the discard is refused if the draft moves on. */
  revision: number;
  /** Changes saved in the draft since it was started (each save is one revision). */
  edits: number;
  /** The version the draft was started from, and how the draft differs from it: what is lost. */
  base?: { id: number; version: number; counts: DefinitionDiff['counts']; questionnaireChanges: number; lost: number };
  /** A draft of a questionnaire never published from it: everything in it is lost. */
  unpublished?: { sections: number; questions: number };
  /** The latest published version of the code: where discarding leads back to. */
  latest?: { id: number; version: number };
}

/** What still keeps a draft from being published. */
export interface Readiness {
  issues: DraftIssue[];
  missing: MissingText[];
}

export function readiness(def: TDraftDefinition): Readiness {
  return { issues: draftIssues(def), missing: missingTranslations(def) };
}

/**
 * The questionnaire builder: one draft per questionnaire form, changed one section or question
 * at a time, published as a new version through QuestionnairesService (the JSON import's own
 * validation and versioning: a version, once made, is never changed).
 */
export class QuestionnaireDraftsService {
  constructor(
    private readonly repo: QuestionnaireDraftsRepository,
    private readonly questionnaires: QuestionnairesService,
  ) {}

  async list(): Promise<DraftSummary[]> {
    return (await this.repo.list()).map((d) => {
      const r = readiness(d.definition);
      return { id: d.id, code: d.code, title: d.definition.title, updatedAt: d.updatedAt, missing: r.missing.length, issues: r.issues.length };
    });
  }

  async get(id: number): Promise<DraftRow> {
    const draft = await this.repo.find(id);
    if (!draft) throw new NotFoundError();
    return draft;
  }

  findByCode(code: string): Promise<DraftRow | undefined> {
    return this.repo.findByCode(code);
  }

  /** A new questionnaire: the code must be new to both the versions and the drafts. */
  async create(input: NewDraftInput, actorId: number | null): Promise<number> {
    if (await this.questionnaires.latestByCode(input.code)) {
      throw new ValidationError([{ path: 'code', key: 'builder:errors.codeExists', params: { code: input.code } }], 'builder:errors.notSaved');
    }
    if (await this.repo.findByCode(input.code)) {
      throw new ValidationError([{ path: 'code', key: 'builder:errors.draftExists', params: { code: input.code } }], 'builder:errors.notSaved');
    }
    return this.repo.insert(input.code, null, newDraftDefinition(input.code, input.title, input.scaleMin, input.scaleMax), actorId);
  }

  /** The draft of a version's questionnaire: the one already open for its code, or a new copy of this version. */
  async startFrom(questionnaireId: number, actorId: number | null): Promise<{ id: number; existing: boolean }> {
    const q = await this.questionnaires.getQuestionnaire(questionnaireId);
    const open = await this.repo.findByCode(q.code);
    if (open) return { id: open.id, existing: true };
    return { id: await this.repo.insert(q.code, q.id, structuredClone(q.definition), actorId), existing: false };
  }

  private async current(id: number, revision: number): Promise<DraftRow> {
    const draft = await this.get(id);
    if (draft.revision !== revision) throw new ConflictError('draft_changed', 'builder:errors.draftChanged');
    return draft;
  }

  /** Apply one change made on `revision` of the draft; returns the code of the section or question to show next. */
  async change(id: number, revision: number, change: DraftChange, actorId: number | null): Promise<{ code?: string }> {
    const draft = await this.current(id, revision);
    const { def, code } = applyChange(draft.definition, change);
    if (!(await this.repo.update(id, revision, def, actorId))) throw new ConflictError('draft_changed', 'builder:errors.draftChanged');
    return code === undefined ? {} : { code };
  }

  /**
   * What "discard this draft" would lose: the changes against the version it was started from
   * (counted as the comparison counts them: questions added, removed and changed, sections, and
   * changes to the title, source or scale), or, for a questionnaire never published, all of it.
   */
  async discardPreview(id: number): Promise<DiscardPreview> {
    const draft = await this.get(id);
    const latestRow = await this.questionnaires.latestByCode(draft.code);
    const latest = latestRow ? { id: latestRow.id, version: latestRow.version } : undefined;
    const edits = draft.revision - 1;
    if (draft.baseQuestionnaireId === null) {
      return { revision: draft.revision, edits, latest, unpublished: { sections: draft.definition.categories.length, questions: builderQuestions(draft.definition).length } };
    }
    const { before, diff } = await this.questionnaires.compare({ id: draft.baseQuestionnaireId }, { definition: draft.definition });
    const { added, removed, changed, sections } = diff.counts;
    const questionnaireChanges = diff.changes.length;
    return {
      revision: draft.revision,
      edits,
      latest,
      base: { id: draft.baseQuestionnaireId, version: before.version!, counts: diff.counts, questionnaireChanges, lost: added + removed + changed + sections + questionnaireChanges },
    };
  }

  /**
   * Discard the draft: its published versions stay as they are, and editing starts again from the
   * latest one. Refused (409) when the draft changed after `revision`, the one whose losses the
   * confirmation page listed.
   */
  async discard(id: number, revision: number): Promise<void> {
    await this.current(id, revision);
    if (!(await this.repo.delete(id, revision))) throw new ConflictError('draft_changed', 'builder:errors.draftChanged');
  }

  /**
   * Publish: refused while anything is missing or wrong; otherwise the JSON import's path makes
   * the next version (or finds the latest already says the same) and the draft is closed.
   */
  async publish(id: number, revision: number, actorId: number | null): Promise<SaveResult> {
    const draft = await this.current(id, revision);
    const r = readiness(draft.definition);
    if (r.issues.length || r.missing.length) {
      throw new ValidationError([{ path: 'publish', key: 'builder:errors.notReady', params: { issues: r.issues.length, missing: r.missing.length } }], 'builder:errors.notPublished');
    }
    const result = await this.questionnaires.importDefinition(parseDefinition(draft.definition), actorId);
    await this.repo.delete(id, revision);
    return result;
  }

  testAnswers(subject: PreviewSubject, userId: number): Promise<TestAnswers | undefined> {
    return this.repo.testAnswers(subject, userId);
  }

  saveTestAnswers(subject: PreviewSubject, userId: number, language: string, answers: TestAnswers): Promise<void> {
    return this.repo.saveTestAnswers(subject, userId, language, answers);
  }

  clearTestAnswers(subject: PreviewSubject, userId: number): Promise<void> {
    return this.repo.clearTestAnswers(subject, userId);
  }
}
