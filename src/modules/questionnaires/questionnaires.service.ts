import type { Knex } from 'knex';
import type { ZodError } from 'zod';
import { ConflictError, NotFoundError, ValidationError, controlCharacterErrors, zodFieldErrors, type FieldError } from '../../errors';
import { ownWaiting } from '../../db/staging';
import { jsonEntriesAtMost } from '../../lib/json-entries';
import { diffDefinitions, sectionTitles, type DefinitionDiff } from './questionnaires.diff';
import { PROFILE_CATEGORY, formQuestions, respondentForm, usesTerritoryDirectory, type QuestionnaireForm, type TerritoryOption } from './questionnaires.form';
import type { QuestionnairesRepository, QuestionnaireRow } from './questionnaires.repository';
import type { XlsFormImport, XlsFormIssue } from './questionnaires.xlsform';
import {
  ZQuestionnaireDefinition,
  type Questionnaire,
  type QuestionnaireSummary,
  type TLocalizedText,
  type TQuestionnaireDefinition,
  type VersionItem,
  type VersionItems,
} from './questionnaires.schemas';

/** ["items", 3, "text", "ru"] -> "$.items[3].text.ru": the path an author finds in their JSON file. */
export function jsonPath(path: ReadonlyArray<PropertyKey>): string {
  let out = '$';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(String(part))) out += `.${String(part)}`;
    else out += `[${JSON.stringify(String(part))}]`;
  }
  return out;
}

/** Every zod issue as a field error whose path is a JSON path; an unknown key is reported at its own path. */
export function definitionErrors(error: ZodError): FieldError[] {
  const messages = zodFieldErrors(error);
  return error.issues.flatMap((issue, i) => {
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({ path: jsonPath([...issue.path, key]), key: 'errors:field.unknown' }));
    }
    return [{ ...messages[i]!, path: jsonPath(issue.path) }];
  });
}

/** Validate a questionnaire in the exchange format; a ValidationError lists every problem with its JSON path. */
export function parseDefinition(value: unknown): TQuestionnaireDefinition {
  const result = ZQuestionnaireDefinition.safeParse(value);
  if (!result.success) throw new ValidationError(definitionErrors(result.error), 'questionnaires:errors.importFailed');
  // JSON text may carry "\u0000" escapes, which decode to NUL characters no database should keep.
  const nul = controlCharacterErrors(result.data).map((e) => ({ ...e, path: jsonPath(e.path.split('.').map((p) => (/^\d+$/.test(p) ? Number(p) : p))) }));
  if (nul.length) throw new ValidationError(nul, 'questionnaires:errors.importFailed');
  return result.data;
}

/**
 * Entries (members and elements) a definition may hold: 500 items and 50 profile questions in three
 * languages stay far below; a 2 MB file of tiny entries would take V8 half a second to parse.
 */
const MAX_DEFINITION_ENTRIES = 100_000;

/** JSON text (pasted or uploaded) -> validated definition. */
export function parseDefinitionText(text: string): TQuestionnaireDefinition {
  if (!jsonEntriesAtMost(Buffer.from(text, 'utf8'), MAX_DEFINITION_ENTRIES)) {
    throw new ValidationError([{ path: '$', key: 'errors:tooManyEntries', params: { max: MAX_DEFINITION_ENTRIES } }], 'questionnaires:errors.importFailed');
  }
  let value: unknown;
  try {
    value = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (e) {
    throw new ValidationError(
      [{ path: '$', key: 'questionnaires:errors.invalidJson', params: { detail: e instanceof Error ? e.message : String(e) } }],
      'questionnaires:errors.importFailed',
    );
  }
  return parseDefinition(value);
}

/** One side of a comparison: a stored version by id, or a definition not stored as a version (a draft). */
export type DefinitionSource = { id: number } | { definition: TQuestionnaireDefinition };

export interface ComparedSide {
  /** Null for a definition that is not a stored version. */
  id: number | null;
  code: string;
  version: number | null;
  createdAt: string | null;
  definition: TQuestionnaireDefinition;
}

export interface Comparison {
  before: ComparedSide;
  after: ComparedSide;
  diff: DefinitionDiff;
  sectionTitles: Map<string, TLocalizedText | null>;
}

export interface VersionRef {
  id: number;
  version: number;
  createdAt: string;
}

export interface SaveResult {
  id: number;
  code: string;
  version: number;
  /** created: a new version row; updated: an unused version changed in place; unchanged: nothing to do. */
  outcome: 'created' | 'updated' | 'unchanged';
}

function isUniqueViolation(e: unknown): boolean {
  const err = e as { code?: string; message?: string };
  return err?.code === '23505' || err?.code === 'SQLITE_CONSTRAINT' || /UNIQUE constraint failed/.test(String(err?.message));
}


export interface StagedImport {
  id: number;
  fileName: string;
  definition: TQuestionnaireDefinition;
  warnings: XlsFormIssue[];
  expiresAt: string;
  latest: { id: number; version: number } | undefined;
  comparison: Comparison | undefined;
  outcome: 'created' | 'next-version' | 'unchanged';
}

export class QuestionnairesService {
  /** Respondent forms by version (undefined: no such version). */
  private readonly forms = new Map<number, Promise<{ questionnaire: Questionnaire; form: QuestionnaireForm; fromDirectory: boolean } | undefined>>();
  /** versionItems by version, filled from committed reads only (outside a transaction). */
  private readonly splits = new Map<number, VersionItems>();

  constructor(private readonly repo: QuestionnairesRepository) {}

  list(): Promise<QuestionnaireSummary[]> {
    return this.repo.list();
  }

  private async row(id: number, db?: Knex.Transaction): Promise<QuestionnaireRow> {
    const row = await this.repo.findById(id, db);
    if (!row) throw new NotFoundError();
    return row;
  }

  /** Whether the version exists. Inside a transaction pass it on (SQLite has one connection). */
  async exists(id: number, trx?: Knex.Transaction): Promise<boolean> {
    return Boolean(await this.repo.findById(id, trx));
  }

  /** The definition plus the category and item rows (with ids) that rounds render and answers refer to. */
  async getQuestionnaire(id: number, trx?: Knex.Transaction): Promise<Questionnaire> {
    const row = await this.row(id, trx);
    const [allCategories, allItems] = await Promise.all([this.repo.categories(id, trx), this.repo.items(id, trx)]);
    const { definition, ...rest } = row;
    const def = JSON.parse(definition) as TQuestionnaireDefinition;
    // The profile's category holds the first page's questions; the pages and their items are the rest.
    const categories = allCategories.filter((c) => c.code !== PROFILE_CATEGORY);
    const items = allItems.filter((i) => i.categoryCode !== PROFILE_CATEGORY);
    const questions = formQuestions(def, allItems);
    return {
      ...rest,
      definition: def,
      categories,
      items,
      questions: questions.filter((q) => q.categoryCode !== PROFILE_CATEGORY),
      profileQuestions: questions.filter((q) => q.categoryCode === PROFILE_CATEGORY),
    };
  }

  /**
   * Which items of version `id` are questions (the category pages', answered through `answers`)
   * and which are the profile's (answered through `profile`), with their ids, kinds and roles.
   * The one place that split is made: tests, the bench and the counting ask here instead of
   * picking items by hand. Read from the item rows alone (no definition is parsed) and kept per
   * version, so a caller on a hot path pays one map lookup.
   */
  async versionItems(id: number, trx?: Knex.Transaction): Promise<VersionItems> {
    const known = this.splits.get(id);
    if (known) return known;
    const [categories, items] = await Promise.all([this.repo.categories(id, trx), this.repo.items(id, trx)]);
    if (categories.length === 0 && !(await this.repo.findById(id, trx))) throw new NotFoundError();
    const pagePosition = new Map(categories.map((c) => [c.id, c.position]));
    const item = ({ id, code, kind, role, categoryId, categoryCode, position }: VersionItem): VersionItem => ({ id, code, kind, role, categoryId, categoryCode, position });
    const inPageOrder = [...items].sort((a, b) => pagePosition.get(a.categoryId)! - pagePosition.get(b.categoryId)! || a.position - b.position || a.id - b.id);
    const split: VersionItems = {
      questions: inPageOrder.filter((i) => i.categoryCode !== PROFILE_CATEGORY).map(item),
      profile: inPageOrder.filter((i) => i.categoryCode === PROFILE_CATEGORY).map(item),
    };
    // A row read inside a transaction may yet be rolled back; only committed reads are kept.
    if (!trx) this.splits.set(id, split);
    return split;
  }

  /**
   * The form a respondent answers: categories in page order, each item with its kind's question
   * and conditions. The one loader of a form for answering (the responses module asks here).
   * A version that rounds use never changes, so it is kept (an unused version edited in place
   * is dropped from the cache). `territories` is asked only by a form with a question that
   * offers the territory directory, whose options are then current.
   */
  async respondentForm(id: number, territories: () => Promise<TerritoryOption[]>): Promise<QuestionnaireForm | undefined> {
    let cached = this.forms.get(id);
    if (!cached) {
      cached = this.getQuestionnaire(id).then(
        (q) => ({ questionnaire: q, form: respondentForm(q, []), fromDirectory: usesTerritoryDirectory(q.definition) }),
        (e: unknown) => {
          if (e instanceof NotFoundError) return undefined;
          throw e;
        },
      );
      this.forms.set(id, cached);
      cached.catch(() => this.forms.delete(id));
    }
    const entry = await cached;
    if (!entry) return undefined;
    return entry.fromDirectory ? respondentForm(entry.questionnaire, await territories()) : entry.form;
  }

  /** The exchange format, exactly as imported (re-importing it gives the same questionnaire). */
  async exportDefinition(id: number): Promise<TQuestionnaireDefinition> {
    return JSON.parse((await this.row(id)).definition) as TQuestionnaireDefinition;
  }

  /** Every version of a form (by code), the latest first. */
  async versions(code: string): Promise<VersionRef[]> {
    return (await this.repo.list()).filter((q) => q.code === code).map((q) => ({ id: q.id, version: q.version, createdAt: q.createdAt }));
  }

  /** The version just before this one, if any (the natural thing to compare it with). */
  async previousVersion(id: number): Promise<VersionRef | undefined> {
    const row = await this.row(id);
    return (await this.versions(row.code)).find((v) => v.version < row.version);
  }

  private async side(source: DefinitionSource): Promise<ComparedSide> {
    if ('id' in source) {
      const row = await this.row(source.id);
      return { id: row.id, code: row.code, version: row.version, createdAt: row.createdAt, definition: JSON.parse(row.definition) as TQuestionnaireDefinition };
    }
    return { id: null, code: source.definition.code, version: null, createdAt: null, definition: source.definition };
  }

  /**
   * What changed from `before` to `after`, question by question and language by language. Either
   * side may be a stored version or a definition (the builder compares its draft with the last version).
   */
  async compare(before: DefinitionSource, after: DefinitionSource): Promise<Comparison> {
    const [b, a] = await Promise.all([this.side(before), this.side(after)]);
    return { before: b, after: a, diff: diffDefinitions(b.definition, a.definition), sectionTitles: sectionTitles(b.definition, a.definition) };
  }

  /* ---- XLSForm imports on the admin page: read, shown, then confirmed ---- */

  /** Keeps a read XLSForm for a day, until its reader confirms it on the page. */
  async stageImport(imp: XlsFormImport, fileName: string, actorId: number): Promise<number> {
    return this.repo.stageImport({ fileName: fileName.slice(0, 255), definition: imp.definition, warnings: imp.warnings, createdBy: actorId });
  }

  /**
   * A waiting import as its page shows it: the notes, and what it would do (a new form, the next
   * version and what changes from the latest one, or nothing). Only its own uploader sees it.
   */
  async stagedImport(id: number, actorId: number): Promise<StagedImport> {
    const row = await this.repo.findStagedImport(id);
    if (!ownWaiting(row, actorId)) throw new NotFoundError();
    const definition = row.definition as TQuestionnaireDefinition;
    const latest = await this.repo.findLatestByCode(definition.code);
    const comparison = latest ? await this.compare({ id: latest.id }, { definition }) : undefined;
    return {
      id: row.id,
      fileName: row.fileName,
      definition,
      warnings: row.warnings as XlsFormIssue[],
      expiresAt: row.expiresAt!, // questionnaire_imports.expires_at is NOT NULL
      latest: latest ? { id: latest.id, version: latest.version } : undefined,
      comparison,
      outcome: !latest ? 'created' : comparison!.diff.same ? 'unchanged' : 'next-version',
    };
  }

  /** Imports a waiting XLSForm (all or nothing, as any import) and forgets it; undefined when it is no longer waiting. */
  async confirmImport(id: number, actorId: number): Promise<(SaveResult & { notes: number }) | undefined> {
    const staged = await this.stagedImport(id, actorId).catch((e) => {
      if (e instanceof NotFoundError) return undefined;
      throw e;
    });
    if (!staged) return undefined;
    const result = await this.importDefinition(staged.definition, actorId);
    await this.repo.deleteStagedImport(id);
    return { ...result, notes: staged.warnings.length };
  }

  /** Drops a waiting import of this administrator; nothing is imported. */
  async cancelImport(id: number, actorId: number): Promise<void> {
    const row = await this.repo.findStagedImport(id);
    if (row && row.createdBy === actorId) await this.repo.deleteStagedImport(id);
  }

  async roundsUsing(id: number): Promise<number> {
    return this.repo.countRoundsUsing(id);
  }

  async latestByCode(code: string): Promise<QuestionnaireRow | undefined> {
    return this.repo.findLatestByCode(code);
  }

  /**
   * Import: a new code starts at version 1; a known code gets the next version, so rounds on
   * earlier versions keep their questions. Importing what the latest version already asks changes
   * nothing: its exact content, or the same questions written differently (an XLSForm export lists
   * the ratings section by section, the JSON in file order). All rows are written in one transaction.
   */
  async importDefinition(def: TQuestionnaireDefinition, actorId: number | null): Promise<SaveResult> {
    return this.guardRace(() =>
      this.repo.transaction(async (trx) => {
        const latest = await this.repo.findLatestByCode(def.code, trx);
        if (latest && (latest.definition === JSON.stringify(def) || diffDefinitions(JSON.parse(latest.definition) as TQuestionnaireDefinition, def).same)) {
          return { id: latest.id, code: latest.code, version: latest.version, outcome: 'unchanged' as const };
        }
        return this.insertVersion(def, (latest?.version ?? 0) + 1, actorId, trx);
      }),
    );
  }

  /**
   * Edit a version. A version that any round uses is never modified: the edit becomes a new
   * version instead. An unused version is changed in place. The code cannot change in an edit.
   */
  async updateDefinition(id: number, def: TQuestionnaireDefinition, actorId: number | null): Promise<SaveResult> {
    const result = await this.guardRace(() =>
      this.repo.transaction(async (trx) => {
        const current = await this.row(id, trx);
        if (def.code !== current.code) {
          throw new ValidationError([{ path: '$.code', key: 'questionnaires:errors.codeChanged', params: { code: current.code } }], 'questionnaires:errors.importFailed');
        }
        if (current.definition === JSON.stringify(def)) {
          return { id, code: current.code, version: current.version, outcome: 'unchanged' as const };
        }
        if ((await this.repo.countRoundsUsing(id, trx)) > 0) {
          const latest = await this.repo.findLatestByCode(def.code, trx);
          return this.insertVersion(def, latest!.version + 1, actorId, trx);
        }
        await this.repo.updateDefinition(id, def, trx);
        await this.repo.deleteContent(id, trx);
        await this.repo.writeContent(id, def, trx);
        this.forms.delete(id);
        this.splits.delete(id);
        return { id, code: current.code, version: current.version, outcome: 'updated' as const };
      }),
    );
    // Again after the commit: a reader outside the transaction may have kept the old rows meanwhile.
    if (result.outcome === 'updated') {
      this.forms.delete(id);
      this.splits.delete(id);
    }
    return result;
  }

  private async insertVersion(def: TQuestionnaireDefinition, version: number, actorId: number | null, trx: Knex.Transaction): Promise<SaveResult> {
    const id = await this.repo.insert(def, version, actorId, trx);
    await this.repo.writeContent(id, def, trx);
    return { id, code: def.code, version, outcome: 'created' };
  }

  /** Two simultaneous imports of one code both compute the same next version; the loser gets a 409. */
  private async guardRace<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      if (isUniqueViolation(e)) throw new ConflictError('version_conflict', 'questionnaires:errors.versionConflict');
      throw e;
    }
  }
}
