import type { Knex } from 'knex';
import type { Language } from '../../i18n';
import { titlesFromForm, type TTitles } from '../../i18n/titles';
import { ConflictError, NotFoundError, ValidationError, type FieldError } from '../../errors';
import { delphiConsensus, type DelphiConsensus } from '../../math/delphi-consensus';
import { delphiConsensusCompared } from '../../math/delphiConsensusCompared';
import { STOP_RULE, delphiStopRule, type StopRuleResult } from '../../math/delphi-stop-rule';
import { kendallW } from '../../math/kendall-w';
import { DEFAULT_REMINDER_SCHEDULE, isReminderDue, type TReminderSchedule } from '../../lib/reminder-schedule';
import { pestInfluence, type PestGroup, type PestGroupResult } from '../../math/pest';
import { quantitativeSwot, type SwotQuadrant, type SwotResult } from '../../math/swot';
import type { AnalysisService } from '../analysis/analysis.service';
import type { QuestionnairesService } from '../questionnaires/questionnaires.service';
import type { RoundRecord } from '../rounds/rounds.schemas';
import type { RoundsService } from '../rounds/rounds.service';
import type { UsersService } from '../users/users.service';
import type { ExpertsRepository, PanelSummary, SurveyItemOption, SurveyRoundOption } from './experts.repository';
import {
  SCORE_SECTIONS,
  sectionOf,
  type TScoreSection,
  type DelphiRound,
  type ExpertFactor,
  type ExpertNotifier,
  type ExpertProgress,
  type Panel,
  type PanelBarrier,
  type PanelEnterprise,
  type PanelMember,
  type ScoreRow,
  type TAddEnterprise,
  type TAttachBarrier,
  type TPanelForm,
  type TScoreForm,
  type TScoreFormDraft,
} from './experts.schemas';

/**
 * Expert panels, Delphi rounds and their results.
 *
 * Choices stated once here (and on the pages):
 * - Kendall's W ranks, for each expert, the SWOT and PEST factors together by the expert's
 *   own factor score weight x strength (the per-expert analogue of f_i = v_i s_i that the
 *   matrices aggregate); ties get mid-ranks and the tie correction. Only experts who scored
 *   every factor of the round enter W (Kendall's W needs complete rankings).
 * - A factor is in consensus when the IQR (type 7) of its weights AND of its strengths is
 *   <= 1; it is judged only with scores from at least two experts. The consensus share is
 *   consensus factors / judged factors.
 * - SWOT, PEST: w_i and s_i are the means over the experts' scores in the shown round. By
 *   default the latest closed round is shown, else the open one (marked provisional).
 * - A survey barrier attached to W or T has strength = its mean rating (1-5) in the linked
 *   survey round (submitted responses, "cannot judge" excluded) and weight = the weight the
 *   administrator set, else the mean expert weight w of the quadrant's factors in that round
 *   (3, the scale's midpoint, when the quadrant has no expert scores yet).
 */

export const CONSENSUS_IQR = 1;
export const MIN_EXPERTS_FOR_CONSENSUS = 2;

/** Experts who must have scored before a round closes without a warning: half the panel, and never fewer than agreement needs. */
export function quorumOf(members: number): number {
  return Math.max(MIN_EXPERTS_FOR_CONSENSUS, Math.ceil(members / 2));
}

/** What opening a round tells the experts: the deadline, where their page is, in which language. */
export interface RoundNotice {
  deadlineAt?: string | null;
  base?: string;
  lang?: string;
}
const DEFAULT_BARRIER_WEIGHT = 3;

function isUniqueViolation(e: unknown): boolean {
  const err = e as { code?: string; message?: string };
  return err?.code === '23505' || err?.code === 'SQLITE_CONSTRAINT' || /UNIQUE constraint failed/.test(String(err?.message));
}

function mean(values: readonly number[]): number | null {
  return values.length ? values.reduce((a, b) => a + b, 0) / values.length : null;
}

/* ---------- result types ---------- */

export interface FactorRoundStats {
  factor: ExpertFactor;
  n: number;
  meanWeight: number | null;
  meanStrength: number | null;
  weight: DelphiConsensus | null;
  strength: DelphiConsensus | null;
  /** null: fewer than two experts scored it, no judgement. */
  consensus: boolean | null;
  /** The same judgement with type 6 quartiles (SPSS, Minitab), to show how the definition matters. */
  consensusType6: boolean | null;
}

export interface AgreementRound {
  id: number;
  number: number;
  status: DelphiRound['status'];
  openedAt: string;
  closedAt: string | null;
  experts: number;
  completeExperts: number;
  kendallW: number | null;
  chiSquare: number | null;
  df: number | null;
  p: number | null;
  deltaW: number | null;
  judged: number;
  inConsensus: number;
  consensusShare: number | null;
  stopRule: StopRuleResult;
  factors: FactorRoundStats[];
  reasons: Array<{ factor: ExpertFactor; text: string }>;
}

export interface EnterpriseSummary {
  roundNumber: number;
  parameters: ExpertFactor[];
  rows: Array<{ enterprise: PanelEnterprise; cells: Array<{ median: number | null; n: number }>; mean: number | null }>;
}

export interface PanelAgreement {
  panel: Panel;
  rounds: AgreementRound[];
  enterprises: EnterpriseSummary | null;
  stopRule: typeof STOP_RULE;
  consensusIqr: number;
  ranking: 'weightTimesStrength';
}

export interface MatrixFactorRow {
  factor: ExpertFactor;
  n: number;
  weight: number | null;
  strength: number | null;
  normalisedWeight: number | null;
  score: number | null;
}

export interface SwotBarrierRow {
  code: string;
  item: SurveyItemOption | null;
  quadrant: 'W' | 'T';
  weight: number;
  weightSource: 'admin' | 'mean' | 'default';
  strength: number | null;
  n: number;
  normalisedWeight: number | null;
  score: number | null;
}

interface RoundChoice {
  panel: Panel;
  rounds: DelphiRound[];
  round: DelphiRound | null;
  provisional: boolean;
}

export interface PanelSwot extends RoundChoice {
  factors: MatrixFactorRow[];
  barriers: SwotBarrierRow[];
  surveyRound: SurveyRoundOption | null;
  /**
   * Survey barriers enter the matrix from a round that is not closed yet: their strengths (mean
   * ratings) move with every new response, so the matrix is provisional however final the Delphi
   * round is. Stated on the page, in the exports, the API and the round report.
   */
  surveyProvisional: boolean;
  result: SwotResult;
}

export interface PanelPest extends RoundChoice {
  factors: MatrixFactorRow[];
  groups: PestGroupResult[];
}

export interface FormFactorRow {
  factor: ExpertFactor;
  weight: number | null;
  strength: number | null;
  reason: string;
  saved: boolean;
  /** Half a pair saved (a weight without a strength or the reverse): kept, not counted, marked on the form. */
  incomplete: boolean;
  previous: { weight: number; strength: number } | null;
  feedback: { weight: DelphiConsensus | null; strength: DelphiConsensus | null } | null;
  /** The expert's previous score lay outside the group's interquartile range. */
  outside: boolean;
}

export interface FormEnterpriseCell {
  parameter: ExpertFactor;
  score: number | null;
  previous: number | null;
  feedback: DelphiConsensus | null;
}

export interface ScoringForm {
  panel: Panel;
  round: DelphiRound | null;
  previousRound: DelphiRound | null;
  swot: Record<SwotQuadrant, FormFactorRow[]>;
  pest: Record<PestGroup, FormFactorRow[]>;
  enterprises: Array<{ enterprise: PanelEnterprise; cells: FormEnterpriseCell[] }>;
  savedCount: number;
  factorCount: number;
  /** Progress per section, in SCORE_SECTIONS order (the enterprises only when the panel has some). */
  sections: ScoreSectionProgress[];
}

export interface ScoreSectionProgress {
  id: TScoreSection;
  total: number;
  saved: number;
  incomplete: number;
}

export interface PanelDetail {
  panel: Panel;
  members: PanelMember[];
  candidates: Array<{ id: number; email: string; name: string }>;
  enterprises: PanelEnterprise[];
  barriers: Array<PanelBarrier & { item: SurveyItemOption | null }>;
  surveyItems: SurveyItemOption[];
  surveyRound: SurveyRoundOption | null;
  surveyRounds: SurveyRoundOption[];
  rounds: DelphiRound[];
  openRound: DelphiRound | null;
}

/* ---------- service ---------- */

function surveyRoundOption(round: Pick<RoundRecord, 'id' | 'title' | 'title_kk' | 'title_ru' | 'title_en' | 'title_lang' | 'status'>): SurveyRoundOption {
  return { id: round.id, title: round.title, title_kk: round.title_kk, title_ru: round.title_ru, title_en: round.title_en, title_lang: round.title_lang, status: round.status };
}

/** A panel form's name: written in the form's language, with its translations in the other two. */
function panelNames(input: TPanelForm, lang: Language | undefined): { nameLang?: Language; names: TTitles } {
  const names = titlesFromForm(input, 'name');
  if (lang) delete names[lang];
  return { ...(lang ? { nameLang: lang } : {}), names };
}

export class ExpertsService {
  /**
   * itemMeans gives a survey round's mean rating per item code; injected so the panel reads
   * the analysis module's pre-aggregated ranking instead of scanning every answer.
   */
  constructor(
    readonly repo: ExpertsRepository,
    private readonly itemMeans: (surveyRoundId: number, codes: readonly string[]) => Promise<Map<string, { mean: number; n: number }>>,
    /** A panel's survey round and its barrier items come from their owners, the rounds and questionnaires modules. */
    private readonly rounds: Pick<RoundsService, 'list' | 'find'>,
    private readonly questionnaires: Pick<QuestionnairesService, 'getQuestionnaire'>,
    /** Experts are users: accounts, roles and names come from the users module. */
    private readonly users: Pick<UsersService, 'find' | 'activeExperts'>,
    /** Mail to the experts when a round opens and when they are reminded; none when mail is off. */
    private readonly notifier?: ExpertNotifier,
  ) {}

  /* ----- admin: panels ----- */

  listPanels(): Promise<PanelSummary[]> {
    return this.repo.listPanels();
  }

  /** Survey rounds a panel can be linked to, newest first. */
  async surveyRounds(): Promise<SurveyRoundOption[]> {
    return (await this.rounds.list()).map(surveyRoundOption);
  }

  private async findSurveyRound(id: number): Promise<SurveyRoundOption | undefined> {
    const round = await this.rounds.find(id);
    return round ? surveyRoundOption(round) : undefined;
  }

  /** The barrier items of the questionnaire a survey round uses, in questionnaire order. */
  async surveyItems(surveyRoundId: number): Promise<SurveyItemOption[]> {
    const round = await this.rounds.find(surveyRoundId);
    if (!round) return [];
    const { items } = await this.questionnaires.getQuestionnaire(round.questionnaireId);
    return items.map((i) => ({ code: i.code, text_kk: i.text_kk, text_ru: i.text_ru, text_en: i.text_en }));
  }

  async panel(id: number): Promise<Panel> {
    const panel = await this.repo.findPanel(id);
    if (!panel) throw new NotFoundError();
    return panel;
  }

  private async checkSurveyRound(id: number | undefined): Promise<number | null> {
    if (id === undefined) return null;
    if (!(await this.findSurveyRound(id))) throw new ValidationError([{ path: 'surveyRoundId', key: 'experts:errors.unknownSurveyRound' }]);
    return id;
  }

  /** `lang`: the language of the form, in which `name` is written (the other two are its translations). */
  async createPanel(actorId: number | null, input: TPanelForm, lang?: Language): Promise<number> {
    const surveyRoundId = await this.checkSurveyRound(input.surveyRoundId);
    return this.repo.transaction(async (trx) => {
      const id = await this.repo.createPanel({ name: input.name, ...panelNames(input, lang), surveyRoundId, createdBy: actorId }, trx);
      await this.repo.audit(actorId, 'panel.create', `panel:${id}`, null, trx);
      return id;
    });
  }

  async updatePanel(actorId: number, id: number, input: TPanelForm, lang?: Language): Promise<void> {
    await this.panel(id);
    const surveyRoundId = await this.checkSurveyRound(input.surveyRoundId);
    await this.repo.transaction(async (trx) => {
      await this.repo.updatePanel(id, { name: input.name, ...panelNames(input, lang), surveyRoundId }, trx);
      await this.repo.audit(actorId, 'panel.update', `panel:${id}`, null, trx);
    });
  }

  async panelDetail(id: number): Promise<PanelDetail> {
    const panel = await this.panel(id);
    const [members, experts, enterprises, barriers, surveyRounds, rounds] = await Promise.all([
      this.repo.members(id),
      this.users.activeExperts().then((list) => list.map(({ id, email, name }) => ({ id, email, name }))),
      this.repo.enterprises(id),
      this.repo.barriers(id),
      this.surveyRounds(),
      this.repo.rounds(id),
    ]);
    const surveyItems = panel.surveyRoundId ? await this.surveyItems(panel.surveyRoundId) : [];
    const memberIds = new Set(members.map((m) => m.userId));
    return {
      panel,
      members,
      candidates: experts.filter((e) => !memberIds.has(e.id)),
      enterprises,
      barriers: barriers.map((b) => ({ ...b, item: surveyItems.find((i) => i.code === b.itemCode) ?? null })),
      surveyItems,
      surveyRound: surveyRounds.find((r) => r.id === panel.surveyRoundId) ?? null,
      surveyRounds,
      rounds,
      openRound: rounds.find((r) => r.status === 'open') ?? null,
    };
  }

  async addMember(actorId: number | null, panelId: number, userId: number): Promise<void> {
    await this.panel(panelId);
    await this.repo.transaction(async (trx) => {
      const user = await this.users.find(userId, trx);
      if (!user || user.role !== 'expert' || user.disabled) throw new ValidationError([{ path: 'userId', key: 'experts:errors.notAnExpert' }]);
      if (await this.repo.isMember(panelId, userId, trx)) throw new ValidationError([{ path: 'userId', key: 'experts:errors.alreadyMember' }]);
      await this.repo.addMember(panelId, userId, trx);
      await this.repo.audit(actorId, 'panel.member.add', `panel:${panelId}`, `user:${userId}`, trx);
    });
  }

  async removeMember(actorId: number, panelId: number, userId: number): Promise<void> {
    await this.panel(panelId);
    await this.repo.transaction(async (trx) => {
      if (!(await this.repo.isMember(panelId, userId, trx))) throw new NotFoundError();
      await this.repo.deleteOpenRoundScores(panelId, userId, trx);
      await this.repo.removeMember(panelId, userId, trx);
      await this.repo.audit(actorId, 'panel.member.remove', `panel:${panelId}`, `user:${userId}`, trx);
    });
  }

  async addEnterprise(actorId: number, panelId: number, input: TAddEnterprise): Promise<void> {
    await this.panel(panelId);
    try {
      await this.repo.transaction(async (trx) => {
        await this.repo.addEnterprise(panelId, input.enterpriseName, trx);
        await this.repo.audit(actorId, 'panel.enterprise.add', `panel:${panelId}`, null, trx);
      });
    } catch (e) {
      if (isUniqueViolation(e)) throw new ValidationError([{ path: 'enterpriseName', key: 'experts:errors.enterpriseExists' }]);
      throw e;
    }
  }

  async removeEnterprise(actorId: number, panelId: number, enterpriseId: number): Promise<void> {
    await this.panel(panelId);
    await this.repo.transaction(async (trx) => {
      if ((await this.repo.removeEnterprise(panelId, enterpriseId, trx)) === 0) throw new NotFoundError();
      await this.repo.audit(actorId, 'panel.enterprise.remove', `panel:${panelId}`, `enterprise:${enterpriseId}`, trx);
    });
  }

  async attachBarrier(actorId: number, panelId: number, input: TAttachBarrier): Promise<void> {
    const panel = await this.panel(panelId);
    if (!panel.surveyRoundId) throw new ValidationError([{ path: 'itemCode', key: 'experts:errors.noSurveyRound' }]);
    const items = await this.surveyItems(panel.surveyRoundId);
    if (!items.some((i) => i.code === input.itemCode)) throw new ValidationError([{ path: 'itemCode', key: 'experts:errors.unknownBarrier' }]);
    await this.repo.transaction(async (trx) => {
      await this.repo.upsertBarrier(panelId, { itemCode: input.itemCode, quadrant: input.quadrant, weight: input.weight ?? null }, trx);
      await this.repo.audit(actorId, 'panel.barrier.attach', `panel:${panelId}`, `${input.itemCode}:${input.quadrant}`, trx);
    });
  }

  async detachBarrier(actorId: number, panelId: number, itemCode: string): Promise<void> {
    await this.panel(panelId);
    await this.repo.transaction(async (trx) => {
      if ((await this.repo.removeBarrier(panelId, itemCode, trx)) === 0) throw new NotFoundError();
      await this.repo.audit(actorId, 'panel.barrier.detach', `panel:${panelId}`, itemCode, trx);
    });
  }

  /* ----- admin: Delphi rounds ----- */

  async openFirstRound(actorId: number, panelId: number, notice: RoundNotice = {}): Promise<void> {
    await this.panel(panelId);
    await this.insertRound(actorId, panelId, notice, async (trx, rounds) => {
      if (rounds.length > 0) throw new ConflictError('rounds_exist', 'experts:errors.roundsExist');
      if ((await this.repo.members(panelId, trx)).length === 0) throw new ConflictError('no_members', 'experts:errors.noMembers');
      return 1;
    });
  }

  async openNextRound(actorId: number, panelId: number, notice: RoundNotice = {}): Promise<void> {
    await this.panel(panelId);
    await this.insertRound(actorId, panelId, notice, async (_trx, rounds) => {
      if (rounds.length === 0) throw new ConflictError('no_rounds', 'experts:errors.noRounds');
      if (rounds.some((r) => r.status === 'open')) throw new ConflictError('round_open', 'experts:errors.roundOpen');
      return rounds[rounds.length - 1]!.number + 1;
    });
  }

  /** Opens the round (with its deadline, if given) and then tells every active member. */
  private async insertRound(actorId: number, panelId: number, notice: RoundNotice, decide: (trx: Knex.Transaction, rounds: DelphiRound[]) => Promise<number>) {
    if (notice.deadlineAt && Date.parse(notice.deadlineAt) <= Date.now()) throw new ValidationError([{ path: 'deadline', key: 'experts:errors.deadlinePast' }]);
    let number = 0;
    try {
      await this.repo.transaction(async (trx) => {
        number = await decide(trx, await this.repo.rounds(panelId, trx));
        const id = await this.repo.insertRound(panelId, number, 'open', trx);
        if (notice.deadlineAt) await this.repo.setDeadline(id, notice.deadlineAt, trx);
        await this.repo.audit(actorId, 'delphi.open', `panel:${panelId}`, `round:${number}`, trx);
      });
    } catch (e) {
      // Two administrators opening the same round at once: the unique (panel, number) decides.
      if (isUniqueViolation(e)) throw new ConflictError('round_open', 'experts:errors.roundOpen');
      throw e;
    }
    if (this.notifier && notice.base) {
      const experts = (await this.repo.members(panelId)).filter((m) => !m.disabled);
      await this.notifier.roundOpened({ panel: await this.panel(panelId), round: number, deadlineAt: notice.deadlineAt ?? null, experts, base: notice.base, lang: notice.lang ?? 'kk' });
    }
  }

  /** Each member's progress in the open round (scores, reminders had), and the quorum closing it expects. */
  async roundProgress(
    panelId: number,
  ): Promise<{ progress: Map<number, ExpertProgress>; reminders: Map<number, number>; scorers: number; members: number; quorum: number } | undefined> {
    const open = await this.repo.openRound(panelId);
    if (!open) return undefined;
    const members = (await this.repo.members(panelId)).filter((m) => !m.disabled);
    const progress = new Map((await this.repo.scoreProgress(open.id)).map((p) => [p.userId, p]));
    const scorers = members.filter((m) => (progress.get(m.userId)?.scored ?? 0) > 0).length;
    const tally = this.notifier ? await this.notifier.reminderTally(panelId, open.number) : new Map<number, { count: number }>();
    const reminders = new Map([...tally].map(([userId, t]) => [userId, t.count]));
    return { progress, reminders, scorers, members: members.length, quorum: quorumOf(members.length) };
  }

  /** Mail the members who have not scored in the open round; returns how many. */
  async remindNonScorers(panelId: number, notice: Required<Pick<RoundNotice, 'base'>> & RoundNotice): Promise<number> {
    const panel = await this.panel(panelId);
    const open = await this.repo.openRound(panelId);
    if (!open) throw new ConflictError('no_open_round', 'experts:errors.noOpenRound');
    const experts = await this.nonScorers(panelId, open.id);
    if (this.notifier && experts.length) await this.notifier.remind({ panel, round: open.number, deadlineAt: open.deadlineAt, experts, base: notice.base, lang: notice.lang ?? 'kk' });
    return experts.length;
  }

  /** Active members with no score yet in the round. */
  private async nonScorers(panelId: number, delphiRoundId: number): Promise<PanelMember[]> {
    const scored = new Set((await this.repo.scoreProgress(delphiRoundId)).filter((p) => p.scored > 0).map((p) => p.userId));
    return (await this.repo.members(panelId)).filter((m) => !m.disabled && !scored.has(m.userId));
  }

  // reminders on a schedule

  async reminderSchedule(panelId: number): Promise<TReminderSchedule> {
    return (await this.repo.findReminderSchedule(panelId)) ?? DEFAULT_REMINDER_SCHEDULE;
  }

  async saveReminderSchedule(actorId: number, panelId: number, input: TReminderSchedule): Promise<void> {
    await this.panel(panelId);
    await this.repo.transaction(async (trx) => {
      await this.repo.saveReminderSchedule(panelId, input, trx);
      await this.repo.audit(actorId, 'delphi.reminders', `panel:${panelId}`, input.enabled ? `after ${input.afterDays}d, every ${input.everyDays}d, at most ${input.maxCount}` : 'off', trx);
    });
  }

  /**
   * Queue the expert reminders the panels' schedules make due at `now` (the mail sender runs
   * this every minute, and `mail send` from cron): to active members who have not scored in the
   * open round, the first `afterDays` after the round opened, then every `everyDays`, at most
   * `maxCount`. Never once the round is closed, nor after its deadline (a reminder of a passed
   * deadline would only confuse). Returns how many were queued.
   */
  async runReminderSchedules(base: string, now = new Date()): Promise<number> {
    if (!this.notifier) return 0;
    let queued = 0;
    for (const schedule of await this.repo.enabledReminderSchedules()) {
      const open = await this.repo.openRound(schedule.panelId);
      if (!open || (open.deadlineAt && Date.parse(open.deadlineAt) <= now.getTime())) continue;
      const tally = await this.notifier.reminderTally(schedule.panelId, open.number);
      const due = (await this.nonScorers(schedule.panelId, open.id)).filter((m) =>
        isReminderDue(schedule, tally.get(m.userId) ?? { count: 0, lastAt: null }, open.openedAt, now),
      );
      if (due.length === 0) continue;
      queued += await this.notifier.remind({ panel: await this.panel(schedule.panelId), round: open.number, deadlineAt: open.deadlineAt, experts: due, base, lang: 'kk' });
    }
    return queued;
  }

  /**
   * Closing below the quorum (fewer experts scored than half the panel, or than the two any
   * agreement needs) is refused unless `belowQuorumConfirmed`: the message says what it means.
   */
  async closeRound(actorId: number, panelId: number, belowQuorumConfirmed = false): Promise<void> {
    await this.panel(panelId);
    const state = await this.roundProgress(panelId);
    if (state && state.scorers < state.quorum && !belowQuorumConfirmed) {
      throw new ConflictError('below_quorum', 'experts:errors.belowQuorum', { scorers: state.scorers, members: state.members, quorum: state.quorum, count: state.members });
    }
    await this.repo.transaction(async (trx) => {
      const open = await this.repo.openRound(panelId, trx);
      if (!open || (await this.repo.closeRound(open.id, trx)) === 0) throw new ConflictError('no_open_round', 'experts:errors.noOpenRound');
      await this.repo.audit(actorId, 'delphi.close', `panel:${panelId}`, `round:${open.number}${state && state.scorers < state.quorum ? ` below quorum ${state.scorers}/${state.quorum}` : ''}`, trx);
    });
  }

  /* ----- expert ----- */

  expertPanels(userId: number): Promise<PanelSummary[]> {
    return this.repo.panelsOfExpert(userId);
  }

  /** An expert reaches only panels they belong to; anything else is "not found", so ids reveal nothing. */
  async memberPanel(panelId: number, userId: number): Promise<Panel> {
    const panel = await this.repo.findPanel(panelId);
    if (!panel || !(await this.repo.isMember(panelId, userId))) throw new NotFoundError();
    return panel;
  }

  /**
   * The scoring form of the open round, section by section. `submitted` (a re-render after a
   * validation error) takes precedence over stored answers. Nothing is filled in from the previous
   * round: the expert's previous score and the panel's median and quartiles are shown beside each
   * factor, and become this round's answer only when the expert keeps them explicitly.
   */
  async scoringForm(panelId: number, userId: number, submitted?: TScoreFormDraft): Promise<ScoringForm> {
    const panel = await this.memberPanel(panelId, userId);
    const [rounds, factors, enterprises] = await Promise.all([this.repo.rounds(panelId), this.repo.factors(), this.repo.enterprises(panelId)]);
    const round = rounds.find((r) => r.status === 'open') ?? null;
    const previousRound = round ? (rounds.find((r) => r.number === round.number - 1) ?? null) : null;
    const scoreRows = await this.repo.scores([round?.id, previousRound?.id].filter((x): x is number => x !== undefined));
    const entRows = await this.repo.enterpriseScores([round?.id, previousRound?.id].filter((x): x is number => x !== undefined));
    const drafts = new Map((round ? await this.repo.drafts(round.id, userId) : []).map((d) => [d.factorId, d]));

    const mine = new Map(scoreRows.filter((s) => s.roundId === round?.id && s.expertId === userId).map((s) => [s.factorId, s]));
    const previousMine = new Map(scoreRows.filter((s) => s.roundId === previousRound?.id && s.expertId === userId).map((s) => [s.factorId, s]));
    const previousAll = scoreRows.filter((s) => s.roundId === previousRound?.id);
    const entMine = new Map(entRows.filter((s) => s.roundId === round?.id && s.expertId === userId).map((s) => [`${s.enterpriseId}:${s.parameterId}`, s.score]));
    const entPreviousMine = new Map(
      entRows.filter((s) => s.roundId === previousRound?.id && s.expertId === userId).map((s) => [`${s.enterpriseId}:${s.parameterId}`, s.score]),
    );
    const asScore = (v: string | undefined): number | null => {
      const n = Number(v);
      return v !== undefined && v.trim() !== '' && Number.isInteger(n) && n >= 1 && n <= 5 ? n : null;
    };

    const row = (factor: ExpertFactor): FormFactorRow => {
      const saved = mine.get(factor.id);
      const draft = saved ? undefined : drafts.get(factor.id);
      const prev = previousMine.get(factor.id);
      const prevScores = previousAll.filter((s) => s.factorId === factor.id);
      const feedback = previousRound
        ? { weight: delphiConsensus(prevScores.map((s) => s.weight)), strength: delphiConsensus(prevScores.map((s) => s.strength)) }
        : null;
      const outsideOf = (c: DelphiConsensus | null, v: number | undefined) => c !== null && v !== undefined && (v < c.q1 || v > c.q3);
      let weight = saved?.weight ?? draft?.weight ?? null;
      let strength = saved?.strength ?? draft?.strength ?? null;
      let reason = saved?.reason ?? draft?.reason ?? '';
      if (submitted?.scores[factor.code]) {
        const s = submitted.scores[factor.code];
        weight = asScore(s?.weight);
        strength = asScore(s?.strength);
        reason = s?.reason ?? '';
      }
      return {
        factor,
        weight,
        strength,
        reason,
        saved: Boolean(saved),
        incomplete: Boolean(draft),
        previous: prev ? { weight: prev.weight, strength: prev.strength } : null,
        feedback,
        outside: Boolean(feedback && prev && (outsideOf(feedback.weight, prev.weight) || outsideOf(feedback.strength, prev.strength))),
      };
    };

    const swot: ScoringForm['swot'] = { S: [], W: [], O: [], T: [] };
    const pest: ScoringForm['pest'] = { P: [], E: [], S: [], T: [] };
    for (const f of factors) {
      if (f.kind === 'swot') swot[f.grp as SwotQuadrant].push(row(f));
      else if (f.kind === 'pest') pest[f.grp as PestGroup].push(row(f));
    }
    const parameters = factors.filter((f) => f.kind === 'enterprise');
    const entPreviousAll = entRows.filter((s) => s.roundId === previousRound?.id);
    const enterpriseRows = enterprises.map((enterprise) => ({
      enterprise,
      cells: parameters.map((parameter) => {
        const key = `${enterprise.id}:${parameter.id}`;
        let score = entMine.get(key) ?? null;
        if (submitted?.ent[`x${enterprise.id}`]) score = asScore(submitted.ent[`x${enterprise.id}`]?.[parameter.code]);
        const prevScores = entPreviousAll.filter((s) => s.enterpriseId === enterprise.id && s.parameterId === parameter.id).map((s) => s.score);
        return { parameter, score, previous: entPreviousMine.get(key) ?? null, feedback: previousRound ? delphiConsensus(prevScores) : null };
      }),
    }));
    const rows = [...Object.values(swot), ...Object.values(pest)].flat();
    const sections: ScoreSectionProgress[] = SCORE_SECTIONS.filter((id) => id !== 'enterprises' || enterprises.length > 0).map((id) => {
      if (id === 'enterprises') return { id, total: enterprises.length * parameters.length, saved: entMine.size, incomplete: 0 };
      const own = rows.filter((r) => sectionOf(r.factor) === id);
      return { id, total: own.length, saved: own.filter((r) => r.saved).length, incomplete: own.filter((r) => r.incomplete).length };
    });
    return {
      panel,
      round,
      previousRound,
      swot,
      pest,
      enterprises: enterpriseRows,
      savedCount: mine.size,
      factorCount: factors.filter((f) => f.kind !== 'enterprise').length,
      sections,
    };
  }

  /**
   * Save an expert's scores for the open round (one section, or the whole form) in one
   * transaction. A factor sent with weight and strength is scored; with both empty it is
   * cleared; with one of the two it is kept as unfinished (saved, marked, not counted) rather
   * than refusing the section. "Keep" (per factor, or for the section's unanswered factors)
   * takes the expert's own previous-round score, read here, never from the form. Values that
   * are not scores, unknown factors or enterprises store nothing. Returns the codes of factors
   * moved away from the previous round's consensus without a reason, so the page can invite one.
   */
  async saveScores(panelId: number, userId: number, input: TScoreForm): Promise<{ saved: number; incomplete: string[]; departures: string[] }> {
    await this.memberPanel(panelId, userId);
    const [rounds, factors, enterprises] = await Promise.all([this.repo.rounds(panelId), this.repo.factors(), this.repo.enterprises(panelId)]);
    const round = rounds.find((r) => r.status === 'open');
    if (!round || round.id !== input.roundId) throw new ConflictError('round_closed', 'experts:errors.roundClosed');
    const previous = rounds.find((r) => r.number === round.number - 1);
    const previousRows = previous ? await this.repo.scores([previous.id]) : [];
    const previousMine = new Map(previousRows.filter((r) => r.expertId === userId).map((r) => [r.factorId, r]));
    const previousEnt = previous
      ? new Map((await this.repo.enterpriseScores([previous.id])).filter((r) => r.expertId === userId).map((r) => [`${r.enterpriseId}:${r.parameterId}`, r.score]))
      : new Map<string, number>();

    const byCode = new Map(factors.filter((f) => f.kind !== 'enterprise').map((f) => [f.code, f]));
    const parameters = new Map(factors.filter((f) => f.kind === 'enterprise').map((f) => [f.code, f]));
    const enterpriseIds = new Set(enterprises.map((e) => e.id));
    const errors: FieldError[] = [];
    const scores: Array<{ factorId: number; weight: number; strength: number; reason: string | null }> = [];
    const drafts: Array<{ factorId: number; weight: number | null; strength: number | null; reason: string | null }> = [];
    const cleared: number[] = [];
    const incomplete: string[] = [];
    const answered = new Set<number>();
    for (const [code, value] of Object.entries(input.scores ?? {})) {
      const factor = byCode.get(code);
      if (!factor || (input.section && sectionOf(factor) !== input.section)) {
        errors.push({ path: `scores.${code}`, key: 'experts:errors.unknownFactor' });
        continue;
      }
      const reason = value.reason ? value.reason : null;
      if (value.keep) {
        const own = previousMine.get(factor.id);
        if (!own) errors.push({ path: `scores.${code}.keep`, key: 'experts:errors.nothingToKeep' });
        else scores.push({ factorId: factor.id, weight: own.weight, strength: own.strength, reason });
      } else if (value.weight === undefined && value.strength === undefined) {
        cleared.push(factor.id);
        continue;
      } else if (value.weight === undefined || value.strength === undefined) {
        drafts.push({ factorId: factor.id, weight: value.weight ?? null, strength: value.strength ?? null, reason });
        incomplete.push(code);
      } else {
        scores.push({ factorId: factor.id, weight: value.weight, strength: value.strength, reason });
      }
      answered.add(factor.id);
    }
    const entScores: Array<{ enterpriseId: number; parameterId: number; score: number }> = [];
    const entCleared: Array<{ enterpriseId: number; parameterId: number }> = [];
    if (input.section && input.section !== 'enterprises' && input.ent) errors.push({ path: 'ent', key: 'experts:errors.unknownFactor' });
    for (const [key, cells] of Object.entries(input.ent ?? {})) {
      const enterpriseId = Number(key.slice(1));
      if (!enterpriseIds.has(enterpriseId)) {
        errors.push({ path: `ent.${key}`, key: 'experts:errors.unknownEnterprise' });
        continue;
      }
      for (const [code, score] of Object.entries(cells)) {
        const parameter = parameters.get(code);
        if (!parameter) errors.push({ path: `ent.${key}.${code}`, key: 'experts:errors.unknownFactor' });
        else if (score !== undefined) entScores.push({ enterpriseId, parameterId: parameter.id, score });
        else if (input.keepSection && previousEnt.has(`${enterpriseId}:${parameter.id}`)) {
          entScores.push({ enterpriseId, parameterId: parameter.id, score: previousEnt.get(`${enterpriseId}:${parameter.id}`)! });
        } else entCleared.push({ enterpriseId, parameterId: parameter.id });
      }
    }
    if (input.keepSection && !previous) errors.push({ path: 'keepSection', key: 'experts:errors.nothingToKeep' });
    if (errors.length) throw new ValidationError(errors);

    // "Keep my previous scores" for the section: every factor of it left unanswered that has one.
    if (input.keepSection && input.section && input.section !== 'enterprises') {
      for (const f of factors) {
        if (f.kind === 'enterprise' || sectionOf(f) !== input.section || answered.has(f.id)) continue;
        const own = previousMine.get(f.id);
        if (!own) continue;
        scores.push({ factorId: f.id, weight: own.weight, strength: own.strength, reason: null });
        const at = cleared.indexOf(f.id);
        if (at >= 0) cleared.splice(at, 1);
      }
    }

    await this.repo.transaction(async (trx) => {
      if (!(await this.repo.lockOpenRound(round.id, trx))) throw new ConflictError('round_closed', 'experts:errors.roundClosed');
      // An unfinished factor has no finished score: its earlier pair, if any, no longer stands.
      await this.repo.replaceScores(round.id, userId, scores, [...cleared, ...drafts.map((d) => d.factorId)], trx);
      await this.repo.replaceDrafts(round.id, userId, drafts, [...scores.map((s) => s.factorId), ...cleared, ...drafts.map((d) => d.factorId)], trx);
      await this.repo.replaceEnterpriseScores(round.id, userId, entScores, entCleared, trx);
    });

    const departures: string[] = [];
    if (previous) {
      const codeOf = new Map(factors.map((f) => [f.id, f.code]));
      for (const s of scores) {
        if (s.reason) continue;
        const all = previousRows.filter((r) => r.factorId === s.factorId);
        const own = all.find((r) => r.expertId === userId);
        const w = delphiConsensus(all.map((r) => r.weight));
        const st = delphiConsensus(all.map((r) => r.strength));
        const away = (c: DelphiConsensus | null, v: number, before: number | undefined) => c !== null && v !== before && (v < c.q1 || v > c.q3);
        if (away(w, s.weight, own?.weight) || away(st, s.strength, own?.strength)) departures.push(codeOf.get(s.factorId)!);
      }
    }
    return { saved: scores.length + entScores.length, incomplete, departures };
  }

  /* ----- results ----- */

  private async chooseRound(panelId: number, requested?: number): Promise<RoundChoice> {
    const panel = await this.panel(panelId);
    const rounds = await this.repo.rounds(panelId);
    let round: DelphiRound | null;
    if (requested !== undefined) {
      round = rounds.find((r) => r.number === requested) ?? null;
      if (!round) throw new NotFoundError();
    } else {
      round = [...rounds].reverse().find((r) => r.status === 'closed') ?? rounds.find((r) => r.status === 'open') ?? null;
    }
    return { panel, rounds, round, provisional: round?.status === 'open' };
  }

  private static means(factors: ExpertFactor[], scores: ScoreRow[]): Map<number, { n: number; weight: number; strength: number }> {
    const out = new Map<number, { n: number; weight: number; strength: number }>();
    for (const f of factors) {
      const rows = scores.filter((s) => s.factorId === f.id);
      if (rows.length) out.set(f.id, { n: rows.length, weight: mean(rows.map((r) => r.weight))!, strength: mean(rows.map((r) => r.strength))! });
    }
    return out;
  }

  async panelSwot(panelId: number, roundNumber?: number): Promise<PanelSwot> {
    const choice = await this.chooseRound(panelId, roundNumber);
    const factors = (await this.repo.factors()).filter((f) => f.kind === 'swot');
    const scores = choice.round ? await this.repo.scores([choice.round.id]) : [];
    const means = ExpertsService.means(factors, scores);

    const surveyRound = choice.panel.surveyRoundId ? ((await this.findSurveyRound(choice.panel.surveyRoundId)) ?? null) : null;
    const attached = surveyRound ? await this.repo.barriers(panelId) : [];
    const items = surveyRound ? await this.surveyItems(surveyRound.id) : [];
    const itemMeans = surveyRound ? await this.itemMeans(surveyRound.id, attached.map((b) => b.itemCode)) : new Map();

    const quadrantMeanWeight = (q: 'W' | 'T') => mean(factors.filter((f) => f.grp === q && means.has(f.id)).map((f) => means.get(f.id)!.weight));
    const barrierRows: SwotBarrierRow[] = attached.map((b) => {
      const fallback = quadrantMeanWeight(b.quadrant);
      const rating = itemMeans.get(b.itemCode) as { mean: number; n: number } | undefined;
      return {
        code: b.itemCode,
        item: items.find((i) => i.code === b.itemCode) ?? null,
        quadrant: b.quadrant,
        weight: b.weight ?? fallback ?? DEFAULT_BARRIER_WEIGHT,
        weightSource: b.weight !== null ? 'admin' : fallback !== null ? 'mean' : 'default',
        strength: rating?.mean ?? null,
        n: rating?.n ?? 0,
        normalisedWeight: null,
        score: null,
      };
    });

    const result = quantitativeSwot([
      ...factors.filter((f) => means.has(f.id)).map((f) => ({ code: f.code, quadrant: f.grp as SwotQuadrant, ...pick(means.get(f.id)!) })),
      ...barrierRows.filter((b) => b.strength !== null && b.item !== null).map((b) => ({ code: `survey:${b.code}`, quadrant: b.quadrant, weight: b.weight, strength: b.strength! })),
    ]);
    const resultByCode = new Map(result.factors.map((f) => [f.code, f]));
    for (const b of barrierRows) {
      const r = resultByCode.get(`survey:${b.code}`);
      if (r) {
        b.normalisedWeight = r.normalisedWeight;
        b.score = r.score;
      }
    }
    return {
      ...choice,
      factors: factors.map((factor) => matrixRow(factor, means.get(factor.id), resultByCode.get(factor.code))),
      barriers: barrierRows,
      surveyRound,
      surveyProvisional: surveyRound !== null && surveyRound.status !== 'closed' && surveyRound.status !== 'archived' && barrierRows.some((b) => b.strength !== null),
      result,
    };
  }

  async panelPest(panelId: number, roundNumber?: number): Promise<PanelPest> {
    const choice = await this.chooseRound(panelId, roundNumber);
    const factors = (await this.repo.factors()).filter((f) => f.kind === 'pest');
    const scores = choice.round ? await this.repo.scores([choice.round.id]) : [];
    const means = ExpertsService.means(factors, scores);
    const result = pestInfluence(
      factors
        .filter((f) => means.has(f.id))
        .map((f) => ({ code: f.code, group: f.grp as PestGroup, polarity: f.polarity ?? '+', ...pick(means.get(f.id)!) })),
    );
    const resultByCode = new Map(result.factors.map((f) => [f.code, f]));
    return {
      ...choice,
      factors: factors.map((factor) => matrixRow(factor, means.get(factor.id), resultByCode.get(factor.code))),
      groups: result.groups,
    };
  }

  async panelAgreement(panelId: number): Promise<PanelAgreement> {
    const panel = await this.panel(panelId);
    const [rounds, allFactors, enterprises] = await Promise.all([this.repo.rounds(panelId), this.repo.factors(), this.repo.enterprises(panelId)]);
    const factors = allFactors.filter((f) => f.kind !== 'enterprise');
    const scores = await this.repo.scores(rounds.map((r) => r.id));
    const out: AgreementRound[] = [];
    let previousW: number | null = null;
    for (const round of rounds) {
      const rows = scores.filter((s) => s.roundId === round.id);
      const stats = factors.map((factor): FactorRoundStats => {
        const fr = rows.filter((s) => s.factorId === factor.id);
        const weight = delphiConsensus(fr.map((s) => s.weight), CONSENSUS_IQR);
        const strength = delphiConsensus(fr.map((s) => s.strength), CONSENSUS_IQR);
        return {
          factor,
          n: fr.length,
          meanWeight: mean(fr.map((s) => s.weight)),
          meanStrength: mean(fr.map((s) => s.strength)),
          weight,
          strength,
          consensus: fr.length >= MIN_EXPERTS_FOR_CONSENSUS ? Boolean(weight?.consensus && strength?.consensus) : null,
          consensusType6:
            fr.length >= MIN_EXPERTS_FOR_CONSENSUS
              ? Boolean(delphiConsensusCompared(fr.map((s) => s.weight), CONSENSUS_IQR)?.type6.consensus && delphiConsensusCompared(fr.map((s) => s.strength), CONSENSUS_IQR)?.type6.consensus)
              : null,
        };
      });
      const byExpert = new Map<number, Map<number, ScoreRow>>();
      for (const s of rows) {
        if (!byExpert.has(s.expertId)) byExpert.set(s.expertId, new Map());
        byExpert.get(s.expertId)!.set(s.factorId, s);
      }
      const complete = [...byExpert.values()].filter((m) => factors.every((f) => m.has(f.id)));
      const kw = kendallW(complete.map((m) => factors.map((f) => m.get(f.id)!.weight * m.get(f.id)!.strength)));
      const judged = stats.filter((s) => s.consensus !== null).length;
      const inConsensus = stats.filter((s) => s.consensus === true).length;
      const consensusShare = judged ? inConsensus / judged : null;
      const w = kw?.w ?? null;
      const codeOf = new Map(factors.map((f) => [f.id, f]));
      out.push({
        id: round.id,
        number: round.number,
        status: round.status,
        openedAt: round.openedAt,
        closedAt: round.closedAt,
        experts: byExpert.size,
        completeExperts: complete.length,
        kendallW: w,
        chiSquare: kw?.chiSquare ?? null,
        df: kw?.df ?? null,
        p: kw?.p ?? null,
        deltaW: w !== null && previousW !== null ? w - previousW : null,
        judged,
        inConsensus,
        consensusShare,
        stopRule: delphiStopRule({ w, previousW, consensusShare }),
        factors: stats,
        reasons: rows.filter((s) => s.reason).map((s) => ({ factor: codeOf.get(s.factorId)!, text: s.reason! })),
      });
      previousW = w;
    }

    let enterpriseSummary: EnterpriseSummary | null = null;
    const entScores = await this.repo.enterpriseScores(rounds.map((r) => r.id));
    const lastWithEnt = [...rounds].reverse().find((r) => entScores.some((s) => s.roundId === r.id));
    if (lastWithEnt && enterprises.length) {
      const parameters = allFactors.filter((f) => f.kind === 'enterprise');
      const rows = entScores.filter((s) => s.roundId === lastWithEnt.id);
      enterpriseSummary = {
        roundNumber: lastWithEnt.number,
        parameters,
        rows: enterprises.map((enterprise) => {
          const mine = rows.filter((s) => s.enterpriseId === enterprise.id);
          return {
            enterprise,
            cells: parameters.map((p) => {
              const values = mine.filter((s) => s.parameterId === p.id).map((s) => s.score);
              return { median: delphiConsensus(values)?.median ?? null, n: values.length };
            }),
            mean: mean(mine.map((s) => s.score)),
          };
        }),
      };
    }
    return { panel, rounds: out, enterprises: enterpriseSummary, stopRule: STOP_RULE, consensusIqr: CONSENSUS_IQR, ranking: 'weightTimesStrength' };
  }
}

function pick(m: { weight: number; strength: number }) {
  return { weight: m.weight, strength: m.strength };
}

function matrixRow(
  factor: ExpertFactor,
  m: { n: number; weight: number; strength: number } | undefined,
  r: { normalisedWeight: number; score: number } | undefined,
): MatrixFactorRow {
  return {
    factor,
    n: m?.n ?? 0,
    weight: m?.weight ?? null,
    strength: m?.strength ?? null,
    normalisedWeight: r?.normalisedWeight ?? null,
    score: r?.score ?? null,
  };
}

/* ---------- what the composition root injects ---------- */

/** Mean rating and number of ratings per item code of a survey round, from the analysis ranking. */
export async function surveyItemMeans(analysis: AnalysisService, surveyRoundId: number, codes: readonly string[]): Promise<Map<string, { mean: number; n: number }>> {
  const out = new Map<string, { mean: number; n: number }>();
  if (codes.length === 0) return out;
  const ranking = await analysis.ranking(surveyRoundId);
  for (const item of ranking.items) {
    if (codes.includes(item.code) && item.mean !== null && item.n > 0) out.set(item.code, { mean: item.mean, n: item.n });
  }
  return out;
}
