import { HeapBudget } from '../../heap';
import { nowIso } from '../../db/dialect';
import { LANGUAGES, localized, translator, type Language } from '../../i18n';
import type { CellValue } from '../../lib/spreadsheet';
import { CANNOT_JUDGE_CODE, EMPTY_COLUMNS, decodeAnswer, exportCells, exportColumns, type FormQuestion } from '../questionnaires/kinds';
import { profileAnswerValue, type ProfileValue } from '../questionnaires/questionnaires.form';
import type { Questionnaire, TProfileQuestion } from '../questionnaires/questionnaires.schemas';
import type { QuestionnairesService } from '../questionnaires/questionnaires.service';
import type { RoundRecord } from '../rounds/rounds.schemas';
import type { RoundsService, RoundWithTargets } from '../rounds/rounds.service';
import type { TerritoryRecord } from '../territories/territories.schemas';
import type { TerritoriesService } from '../territories/territories.service';
import type { MonitoringRepository } from './monitoring.repository';
import {
  EXPORT_PAGE_SIZE,
  NON_RESPONDERS_PAGE_SIZE,
  type FunnelCounts,
  type FunnelRow,
  type NonResponderRow,
  type OptionFunnelRow,
  type RoundProgress,
  type TerritoryFunnelRow,
} from './monitoring.schemas';

type Labels = { kk: string; ru: string; en: string };

/** a / b, or null when there is nothing to divide by. */
export function rate(part: number, whole: number | null): number | null {
  return whole && whole > 0 ? part / whole : null;
}

function funnelRow(counts: FunnelCounts, target: number | null): FunnelRow {
  return { ...counts, target, responseRate: rate(counts.submitted, counts.invited), targetRate: rate(counts.submitted, target) };
}

const EMPTY: FunnelCounts = { invited: 0, publicEntries: 0, opened: 0, started: 0, submitted: 0 };

function choiceOptions(profile: TProfileQuestion[], code: string): Array<{ code: string; text: Labels }> {
  const q = profile.find((p) => p.code === code);
  return q && (q.type === 'choice' || q.type === 'multi-choice') ? q.options.map((o) => ({ code: o.code, text: o.text })) : [];
}

// Profile answers that have columns of their own in the export; the others go out as profile_<code>.
const PROFILE_COLUMNS = new Set(['territory', 'sector', 'size', 'employees']);
const FIXED_COLUMNS = ['response_id', 'submitted_at', 'language', 'territory', 'sector', 'size', 'employees', 'innovated'] as const;

function profileCell(value: unknown): CellValue {
  if (value === null || value === undefined) return null;
  if (Array.isArray(value)) return value.join(';');
  if (typeof value === 'number' || typeof value === 'string' || typeof value === 'boolean') return value;
  return JSON.stringify(value);
}

/** Innovated: any option other than the exclusive "none" ones; null when not answered. */
function innovatedCell(question: TProfileQuestion | undefined, value: ProfileValue | undefined): CellValue {
  if (!question || question.type !== 'multi-choice' || !Array.isArray(value) || value.length === 0) return null;
  return value.some((code) => !question.options.find((o) => o.code === code)?.exclusive) ? 1 : 0;
}

export class MonitoringService {
  constructor(
    private readonly repo: MonitoringRepository,
    private readonly rounds: RoundsService,
    private readonly questionnaires: QuestionnairesService,
    private readonly territoriesService: TerritoriesService,
  ) {}

  getRound(id: number): Promise<RoundWithTargets> {
    return this.rounds.get(id);
  }

  questionnaire(round: RoundRecord): Promise<Questionnaire> {
    return this.questionnaires.getQuestionnaire(round.questionnaireId);
  }

  territories(): Promise<TerritoryRecord[]> {
    return this.territoriesService.list();
  }

  /**
   * The funnel overall and by territory (against round_targets), sector and size. Counting is
   * done by the database; only the handful of groups is arranged here.
   */
  /**
   * Submitted responses per Almaty day (UTC+5, no daylight saving) over the last `days` days, per
   * round: the admin start page's chart. Days without a response count 0.
   */
  async responsesOverTime(roundIds: number[], days: number, now: Date = new Date()): Promise<{ days: string[]; series: Array<{ roundId: number; counts: number[] }> }> {
    const ALMATY_MS = 5 * 3600_000;
    const today = new Date(now.getTime() + ALMATY_MS).toISOString().slice(0, 10);
    const first = Date.parse(`${today}T00:00:00Z`) - (days - 1) * 86_400_000;
    const dayList = Array.from({ length: days }, (_, i) => new Date(first + i * 86_400_000).toISOString().slice(0, 10));
    const since = new Date(first - ALMATY_MS).toISOString();
    const rows = await this.repo.submittedByHour(roundIds, since);
    const index = new Map(dayList.map((d, i) => [d, i]));
    const series = roundIds.map((roundId) => ({ roundId, counts: dayList.map(() => 0) }));
    const byRound = new Map(series.map((s) => [s.roundId, s]));
    for (const r of rows) {
      const day = new Date(Date.parse(`${r.hour}:00:00Z`) + ALMATY_MS).toISOString().slice(0, 10);
      const at = index.get(day);
      if (at !== undefined) byRound.get(r.roundId)!.counts[at]! += r.n;
    }
    return { days: dayList, series };
  }

  async progress(round: RoundWithTargets): Promise<RoundProgress> {
    const { targets } = round;
    const questionnaire = await this.questionnaire(round);
    // A respondent's own answer stands in where the invitation does not say: the question with the role.
    const roleItem = (role: 'territory' | 'sector' | 'size') => questionnaire.profileQuestions.find((q) => q.role === role)?.id ?? questionnaire.questions.find((q) => q.role === role)?.id ?? 0;
    const [total, byTerritory, bySector, bySize, territories] = await Promise.all([
      this.repo.funnel(round.id),
      this.repo.funnelBy(round.id, 'territory', roleItem('territory')),
      this.repo.funnelBy(round.id, 'sector', roleItem('sector')),
      this.repo.funnelBy(round.id, 'size', roleItem('size')),
      this.territories(),
    ]);
    const targetSum = targets.reduce((s, t) => s + t.target, 0);
    const target = round.targetTotal ?? (targets.length ? targetSum : null);

    const targetBy = new Map(targets.map((t) => [t.territoryId, t.target]));
    const countsBy = new Map(byTerritory.map((r) => [r.key, r]));
    const territoryRows: TerritoryFunnelRow[] = [];
    for (const t of territories) {
      const counts = countsBy.get(t.id);
      const tTarget = targetBy.get(t.id) ?? null;
      if (!counts && tTarget === null) continue;
      territoryRows.push({ territoryId: t.id, code: t.code, name_kk: t.name_kk, name_ru: t.name_ru, name_en: t.name_en, ...funnelRow(counts ?? EMPTY, tTarget) });
    }
    const unknownTerritory = countsBy.get(null);
    if (unknownTerritory) territoryRows.push({ territoryId: null, code: null, name_kk: '', name_ru: '', name_en: '', ...funnelRow(unknownTerritory, null) });

    const optionRows = (rows: Array<{ key: string | number | null } & FunnelCounts>, options: Array<{ code: string; text: Labels }>): OptionFunnelRow[] => {
      const by = new Map(rows.map((r) => [r.key, r]));
      const out: OptionFunnelRow[] = options.filter((o) => by.has(o.code)).map((o) => ({ code: o.code, label: o.text, ...funnelRow(by.get(o.code)!, null) }));
      for (const r of rows) {
        if (r.key !== null && !options.some((o) => o.code === r.key)) out.push({ code: String(r.key), label: null, ...funnelRow(r, null) });
      }
      if (by.has(null)) out.push({ code: null, label: null, ...funnelRow(by.get(null)!, null) });
      return out;
    };

    return {
      roundId: round.id,
      ...funnelRow(total, target),
      byTerritory: territoryRows,
      bySector: optionRows(bySector, choiceOptions(questionnaire.definition.profile, 'sector')),
      bySize: optionRows(bySize, choiceOptions(questionnaire.definition.profile, 'size')),
    };
  }

  async nonResponders(roundId: number, page: number): Promise<{ rows: NonResponderRow[]; total: number; pages: number }> {
    const total = await this.repo.nonResponderCount(roundId);
    const rows = await this.repo.nonRespondersPage(roundId, nowIso(), 0, NON_RESPONDERS_PAGE_SIZE, (page - 1) * NON_RESPONDERS_PAGE_SIZE);
    return { rows, total, pages: Math.max(1, Math.ceil(total / NON_RESPONDERS_PAGE_SIZE)) };
  }

  /** Reminder list rows (name, contact, territory, status), paged from the database; no links, tokens are not stored. */
  async *nonResponderRows(roundId: number, lang: Language): AsyncGenerator<CellValue[]> {
    const territories = new Map((await this.territories()).map((t) => [t.id, t]));
    const now = nowIso();
    let after = 0;
    for (;;) {
      const page = await this.repo.nonRespondersPage(roundId, now, after, 2000);
      if (page.length === 0) return;
      for (const r of page) {
        const territory = r.territoryId ? territories.get(r.territoryId) : undefined;
        yield [r.name, r.contact, territory ? localized(territory as unknown as Record<string, unknown>, 'name', lang) : '', r.state];
      }
      after = page[page.length - 1]!.id;
    }
  }

  /** Column layout of the raw export, from the round's questionnaire version: each question's columns as its kind lays them out. */
  exportLayout(questionnaire: Questionnaire) {
    const extras = questionnaire.definition.profile.filter((q) => !PROFILE_COLUMNS.has(q.code) && q.type !== 'choice-from-territories');
    const items = questionnaire.items;
    const questionById = new Map(questionnaire.questions.map((q) => [q.id, q]));
    const questions = items.map((i) => questionById.get(i.id)).filter((q): q is FormQuestion => q !== undefined);
    const columns = questions.map((q) => exportColumns(q));
    const commented = items.filter((i) => i.allowComment);
    const header = [
      ...FIXED_COLUMNS,
      ...extras.map((q) => `profile_${q.code}`),
      ...columns.flatMap((cs) => cs.map((c) => c.code)),
      ...commented.map((i) => `${i.code}_comment`),
    ];
    return { header, extras, items, questions, columns, commented };
  }

  /**
   * One row per submitted response: fixed profile columns, the other profile answers, each
   * question's columns as its kind exports them (a rating's point, -99 (CANNOT_JUDGE_CODE) for
   * "cannot judge", empty when unanswered; a 0/1 column per option of a multi-choice; a rank
   * per option of a ranking; text as text), then the comments. Responses are read
   * EXPORT_PAGE_SIZE at a time with their answers, so memory does not grow with the round.
   */
  async responseExport(round: RoundRecord): Promise<{ header: string[]; rows: AsyncIterable<CellValue[]> }> {
    const questionnaire = await this.questionnaire(round);
    const { header, extras, questions, commented } = this.exportLayout(questionnaire);
    const questionIndex = new Map(questions.map((q, i) => [q.id, i]));
    // The profile answers are answer rows of the profile items, read with the other non-rating kinds.
    const profileQuestions = questionnaire.definition.profile;
    const profileItem = new Map(questionnaire.profileQuestions.map((q) => [q.id, profileQuestions.find((p) => p.code === q.code)!]));
    const otherKindIds = [...profileItem.keys(), ...questions.filter((q) => q.kind !== 'rating').map((q) => q.id)];
    const byCode = (code: string) => profileQuestions.find((p) => p.code === code && p.type !== 'choice-from-territories');
    const territoryQuestion = profileQuestions.find((p) => p.type === 'choice-from-territories');
    const innovatedQuestion = byCode('innovated');
    const commentColumn = new Map(commented.map((item, i) => [item.id, i]));
    const repo = this.repo;
    async function* rows(): AsyncGenerator<CellValue[]> {
      // The pages' garbage is collected as the export goes, and once more when it ends or the
      // client leaves (src/heap.ts): memory stays near what one page holds, in V8's default mode.
      const heap = new HeapBudget();
      try {
        yield* pages(heap);
      } finally {
        heap.release();
      }
    }
    async function* pages(heap: HeapBudget): AsyncGenerator<CellValue[]> {
      let after = 0;
      for (;;) {
        heap.check();
        const page = await repo.submittedPage(round.id, after, EXPORT_PAGE_SIZE);
        if (page.length === 0) return;
        const { packed, comments: commentRows } = await repo.answersOf(page[0]!.id, page[page.length - 1]!.id);
        const others = otherKindIds.length ? await repo.otherAnswersOf(page[0]!.id, page[page.length - 1]!.id, otherKindIds) : [];
        const packedBy = new Map(packed.map((p) => [p.responseId, p.packed]));
        const othersBy = new Map<number, typeof others>();
        for (const o of others) othersBy.set(o.responseId, [...(othersBy.get(o.responseId) ?? []), o]);
        const commentsBy = new Map<number, Array<{ itemId: number; comment: string }>>();
        for (const c of commentRows) {
          const list = commentsBy.get(c.responseId) ?? [];
          list.push(c);
          commentsBy.set(c.responseId, list);
        }
        for (const r of page) {
          const profile: Record<string, ProfileValue> = {};
          const answers: unknown[] = new Array(questions.length).fill(undefined);
          const comments: CellValue[] = new Array(commented.length).fill(null);
          // Ratings come packed "item:value" ("item:na" = cannot judge), the other kinds as rows.
          for (const pair of (packedBy.get(r.id) ?? '').split(',')) {
            const colon = pair.indexOf(':');
            if (colon < 0) continue;
            const i = questionIndex.get(Number(pair.slice(0, colon)));
            const value = pair.slice(colon + 1);
            if (i === undefined || questions[i]!.kind !== 'rating' || value === '') continue;
            const stored = value === 'na' ? { ...EMPTY_COLUMNS, cannotJudge: true } : { ...EMPTY_COLUMNS, value: Number(value) };
            answers[i] = decodeAnswer(questions[i]!, stored);
          }
          for (const o of othersBy.get(r.id) ?? []) {
            const p = profileItem.get(o.itemId);
            const value = p ? profileAnswerValue(p.type, o.columns) : undefined;
            if (p && value !== undefined) profile[p.code] = value;
            const i = questionIndex.get(o.itemId);
            if (i !== undefined) answers[i] = decodeAnswer(questions[i]!, o.columns);
          }
          const values = questions.flatMap((q, i) => exportCells(q, answers[i]));
          for (const c of commentsBy.get(r.id) ?? []) {
            const i = commentColumn.get(c.itemId);
            if (i !== undefined && c.comment) comments[i] = c.comment;
          }
          yield [
            r.id,
            r.submittedAt,
            r.language,
            territoryQuestion ? profileCell(profile[territoryQuestion.code]) : null,
            byCode('sector') ? profileCell(profile.sector) : null,
            byCode('size') ? profileCell(profile.size) : null,
            byCode('employees') ? profileCell(profile.employees) : null,
            innovatedCell(innovatedQuestion, profile.innovated),
            ...extras.map((q) => profileCell(profile[q.code])),
            ...values,
            ...comments,
          ];
        }
        after = page[page.length - 1]!.id;
      }
    }
    return { header, rows: rows() };
  }

  /**
   * The codebook: every column, category, item, scale value and option code with its label in
   * Kazakh, Russian and English. Columns: kind, variable, value, label_kk, label_ru, label_en.
   */
  async codebook(round: RoundRecord): Promise<{ header: string[]; rows: CellValue[][] }> {
    const questionnaire = await this.questionnaire(round);
    const territories = await this.territories();
    const { extras, questions, columns, commented } = this.exportLayout(questionnaire);
    const def = questionnaire.definition;
    const tr = (key: string, params?: Record<string, unknown>) => LANGUAGES.map((l) => translator(l)(key, params));
    const text = (l: Labels) => [l.kk, l.ru, l.en];
    const rows: CellValue[][] = [];
    const question = (code: string) => def.profile.find((q) => q.code === code);

    for (const column of FIXED_COLUMNS) {
      const q = question(column === 'innovated' ? '' : column);
      rows.push(['column', column, null, ...(q ? text(q.text) : tr(`monitoring:codebook.columns.${column}`))]);
    }
    for (const q of extras) rows.push(['column', `profile_${q.code}`, null, ...text(q.text)]);
    questions.forEach((q, i) => {
      for (const c of columns[i]!) rows.push(['column', c.code, q.categoryCode, ...text(c.label)]);
    });
    for (const item of commented) rows.push(['column', `${item.code}_comment`, null, ...tr('monitoring:codebook.comment', { code: item.code })]);

    for (const c of questionnaire.categories) rows.push(['category', c.code, c.pest, c.title_kk, c.title_ru, c.title_en]);
    for (let v = def.scale.min; v <= def.scale.max; v++) {
      const label = def.scale.labels[String(v)];
      if (label) rows.push(['scale', 'items', v, ...text(label)]);
    }
    if (def.scale.notApplicable) rows.push(['scale', 'items', CANNOT_JUDGE_CODE, ...text(def.scale.notApplicable)]);
    // Value labels of the other questions' columns (ratings on their own scale, choices, 0/1 flags).
    const itemScale = new Set(def.items.map((i) => i.code));
    questions.forEach((q, i) => {
      if (itemScale.has(q.code)) return;
      for (const c of columns[i]!) for (const v of c.values) rows.push(['value', c.code, v.code, ...text(v.label)]);
    });
    rows.push(['missing', '', CANNOT_JUDGE_CODE, ...tr('monitoring:codebook.cannotJudgeCode')]);
    rows.push(['missing', '', null, ...tr('monitoring:codebook.notAnswered')]);

    for (const l of LANGUAGES) rows.push(['option', 'language', l, ...tr(`common:language.${l}`)]);
    for (const t of territories) rows.push(['option', 'territory', t.code, t.name_kk, t.name_ru, t.name_en]);
    for (const code of ['sector', 'size']) for (const o of choiceOptions(def.profile, code)) rows.push(['option', code, o.code, ...text(o.text)]);
    rows.push(['option', 'innovated', 1, ...tr('common:yes')]);
    rows.push(['option', 'innovated', 0, ...tr('common:no')]);
    for (const q of extras) {
      if (q.type === 'choice' || q.type === 'multi-choice') for (const o of q.options) rows.push(['option', `profile_${q.code}`, o.code, ...text(o.text)]);
    }
    return { header: ['kind', 'variable', 'value', 'label_kk', 'label_ru', 'label_en'], rows };
  }
}
