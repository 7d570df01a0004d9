import type { Knex } from 'knex';
import { bool, insertReturningId, num, numOrNull, nowIso } from '../../db/dialect';
import type { TReminderSchedule } from '../../lib/reminder-schedule';
import type {
  DelphiRound,
  DelphiStatus,
  EnterpriseScoreRow,
  ExpertFactor,
  FactorKind,
  Panel,
  PanelBarrier,
  PanelEnterprise,
  PanelMember,
  ExpertProgress,
  ScoreRow,
} from './experts.schemas';

type Db = Knex | Knex.Transaction;

function toFactor(r: Record<string, unknown>): ExpertFactor {
  return {
    id: num(r.id),
    kind: r.kind as FactorKind,
    code: String(r.code),
    grp: r.grp == null ? null : String(r.grp),
    polarity: r.polarity == null ? null : (String(r.polarity) as '+' | '-'),
    position: num(r.position),
    text_kk: String(r.text_kk),
    text_ru: String(r.text_ru),
    text_en: String(r.text_en),
  };
}

function toPanel(r: Record<string, unknown>): Panel {
  return { id: num(r.id), name: String(r.name), surveyRoundId: numOrNull(r.survey_round_id), createdAt: String(r.created_at) };
}

function toRound(r: Record<string, unknown>): DelphiRound {
  return {
    id: num(r.id),
    panelId: num(r.panel_id),
    number: num(r.number),
    status: String(r.status) as DelphiStatus,
    openedAt: String(r.opened_at),
    closedAt: r.closed_at == null ? null : String(r.closed_at),
    deadlineAt: r.deadline_at == null ? null : String(r.deadline_at),
  };
}

export interface PanelSummary extends Panel {
  members: number;
  rounds: number;
  openRound: number | null;
}

export interface SurveyRoundOption {
  id: number;
  title: string;
  status: string;
}

export interface SurveyItemOption {
  code: string;
  text_kk: string;
  text_ru: string;
  text_en: string;
}

/** The only place the experts module talks to the database. */
export class ExpertsRepository {
  constructor(readonly db: Knex) {}

  transaction<T>(fn: (trx: Knex.Transaction) => Promise<T>): Promise<T> {
    return this.db.transaction(fn);
  }

  /* ---------- factors ---------- */

  async factors(db: Db = this.db): Promise<ExpertFactor[]> {
    const rows = await db('expert_factors').orderBy('position').orderBy('id');
    const kindOrder: Record<FactorKind, number> = { swot: 0, pest: 1, enterprise: 2 };
    return rows.map(toFactor).sort((a: ExpertFactor, b: ExpertFactor) => kindOrder[a.kind] - kindOrder[b.kind] || a.position - b.position);
  }

  async factorCount(): Promise<number> {
    return num((await this.db('expert_factors').count({ n: '*' }).first())?.n);
  }

  async insertFactors(rows: Array<Omit<ExpertFactor, 'id'>>, trx: Knex.Transaction): Promise<void> {
    const existing = new Set((await trx('expert_factors').select('kind', 'code')).map((r: Record<string, unknown>) => `${r.kind}:${r.code}`));
    const fresh = rows.filter((r) => !existing.has(`${r.kind}:${r.code}`));
    if (fresh.length) await trx('expert_factors').insert(fresh);
  }

  /* ---------- panels ---------- */

  async listPanels(): Promise<PanelSummary[]> {
    const members = this.db('panel_members').select('panel_id').count({ n: '*' }).groupBy('panel_id').as('m');
    const rounds = this.db('delphi_rounds').select('panel_id').count({ n: '*' }).max({ last: 'number' }).groupBy('panel_id').as('r');
    const open = this.db('delphi_rounds').select('panel_id', 'number').where({ status: 'open' }).as('o');
    const rows = await this.db('panels as p')
      .leftJoin(members, 'm.panel_id', 'p.id')
      .leftJoin(rounds, 'r.panel_id', 'p.id')
      .leftJoin(open, 'o.panel_id', 'p.id')
      .select('p.*', 'm.n as member_count', 'r.n as round_count', 'o.number as open_number')
      .orderBy('p.id', 'desc');
    return rows.map((r: Record<string, unknown>) => ({
      ...toPanel(r),
      members: num(r.member_count),
      rounds: num(r.round_count),
      openRound: numOrNull(r.open_number),
    }));
  }

  async findPanel(id: number, db: Db = this.db): Promise<Panel | undefined> {
    const row = await db('panels').where({ id }).first();
    return row ? toPanel(row) : undefined;
  }

  async findPanelByName(name: string): Promise<Panel | undefined> {
    const row = await this.db('panels').where({ name }).first();
    return row ? toPanel(row) : undefined;
  }

  async createPanel(input: { name: string; surveyRoundId: number | null; createdBy: number | null }, trx: Db = this.db): Promise<number> {
    const now = nowIso();
    return insertReturningId(trx, 'panels', {
      name: input.name,
      survey_round_id: input.surveyRoundId,
      created_by: input.createdBy,
      created_at: now,
      updated_at: now,
    });
  }

  async updatePanel(id: number, input: { name: string; surveyRoundId: number | null }, trx: Db = this.db): Promise<void> {
    await trx('panels').where({ id }).update({ name: input.name, survey_round_id: input.surveyRoundId, updated_at: nowIso() });
  }

  /* ---------- members ---------- */

  async members(panelId: number, db: Db = this.db): Promise<PanelMember[]> {
    const rows = await db('panel_members as pm')
      .join('users as u', 'u.id', 'pm.user_id')
      .where('pm.panel_id', panelId)
      .select('u.id', 'u.email', 'u.name', 'u.disabled', 'u.language')
      .orderBy('u.email');
    return rows.map((r: Record<string, unknown>) => ({ userId: num(r.id), email: String(r.email), name: String(r.name), disabled: bool(r.disabled), language: (r.language as string | null) ?? null }));
  }

  async isMember(panelId: number, userId: number, db: Db = this.db): Promise<boolean> {
    return Boolean(await db('panel_members').where({ panel_id: panelId, user_id: userId }).first());
  }

  async addMember(panelId: number, userId: number, trx: Db = this.db): Promise<void> {
    await trx('panel_members').insert({ panel_id: panelId, user_id: userId, added_at: nowIso() });
  }

  async removeMember(panelId: number, userId: number, trx: Db = this.db): Promise<void> {
    await trx('panel_members').where({ panel_id: panelId, user_id: userId }).delete();
  }

  async panelsOfExpert(userId: number): Promise<PanelSummary[]> {
    const all = await this.listPanels();
    const mine = new Set((await this.db('panel_members').where({ user_id: userId }).select('panel_id')).map((r: Record<string, unknown>) => num(r.panel_id)));
    return all.filter((p) => mine.has(p.id));
  }

  /* ---------- enterprises and barriers ---------- */

  async enterprises(panelId: number, db: Db = this.db): Promise<PanelEnterprise[]> {
    const rows = await db('panel_enterprises').where({ panel_id: panelId }).orderBy('position').orderBy('id');
    return rows.map((r: Record<string, unknown>) => ({ id: num(r.id), name: String(r.name), position: num(r.position) }));
  }

  async addEnterprise(panelId: number, name: string, trx: Db = this.db): Promise<number> {
    const max = await trx('panel_enterprises').where({ panel_id: panelId }).max({ p: 'position' }).first();
    return insertReturningId(trx, 'panel_enterprises', { panel_id: panelId, name, position: num(max?.p) + 1 });
  }

  async removeEnterprise(panelId: number, enterpriseId: number, trx: Db = this.db): Promise<number> {
    return trx('panel_enterprises').where({ panel_id: panelId, id: enterpriseId }).delete();
  }

  async barriers(panelId: number, db: Db = this.db): Promise<PanelBarrier[]> {
    const rows = await db('panel_barriers').where({ panel_id: panelId }).orderBy('item_code');
    return rows.map((r: Record<string, unknown>) => ({ itemCode: String(r.item_code), quadrant: String(r.quadrant) as 'W' | 'T', weight: numOrNull(r.weight) }));
  }

  async upsertBarrier(panelId: number, barrier: PanelBarrier, trx: Db = this.db): Promise<void> {
    await trx('panel_barriers').where({ panel_id: panelId, item_code: barrier.itemCode }).delete();
    await trx('panel_barriers').insert({ panel_id: panelId, item_code: barrier.itemCode, quadrant: barrier.quadrant, weight: barrier.weight });
  }

  async removeBarrier(panelId: number, itemCode: string, trx: Db = this.db): Promise<number> {
    return trx('panel_barriers').where({ panel_id: panelId, item_code: itemCode }).delete();
  }

  /* ---------- Delphi rounds ---------- */

  async rounds(panelId: number, db: Db = this.db): Promise<DelphiRound[]> {
    const rows = await db('delphi_rounds').where({ panel_id: panelId }).orderBy('number');
    return rows.map(toRound);
  }

  async openRound(panelId: number, db: Db = this.db): Promise<DelphiRound | undefined> {
    const row = await db('delphi_rounds').where({ panel_id: panelId, status: 'open' }).first();
    return row ? toRound(row) : undefined;
  }

  async insertRound(panelId: number, number: number, status: DelphiStatus, trx: Db = this.db, openedAt = nowIso(), closedAt?: string): Promise<number> {
    return insertReturningId(trx, 'delphi_rounds', {
      panel_id: panelId,
      number,
      status,
      opened_at: openedAt,
      closed_at: status === 'closed' ? (closedAt ?? openedAt) : null,
    });
  }

  // expert reminder schedules (one per panel)

  async findReminderSchedule(panelId: number): Promise<TReminderSchedule | undefined> {
    const row = await this.db('delphi_reminder_schedules').where({ panel_id: panelId }).first();
    return row ? { enabled: bool(row.enabled), afterDays: num(row.after_days), everyDays: num(row.every_days), maxCount: num(row.max_count) } : undefined;
  }

  async enabledReminderSchedules(): Promise<Array<{ panelId: number } & TReminderSchedule>> {
    const rows = await this.db('delphi_reminder_schedules').where({ enabled: true });
    return rows.map((row: Record<string, unknown>) => ({ panelId: num(row.panel_id), enabled: true, afterDays: num(row.after_days), everyDays: num(row.every_days), maxCount: num(row.max_count) }));
  }

  async saveReminderSchedule(panelId: number, s: TReminderSchedule, trx: Db = this.db): Promise<void> {
    await trx('delphi_reminder_schedules')
      .insert({ panel_id: panelId, enabled: s.enabled, after_days: s.afterDays, every_days: s.everyDays, max_count: s.maxCount, updated_at: nowIso() })
      .onConflict('panel_id')
      .merge(['enabled', 'after_days', 'every_days', 'max_count', 'updated_at']);
  }

  async setDeadline(roundId: number, deadlineAt: string | null, trx: Db = this.db): Promise<void> {
    await trx('delphi_rounds').where({ id: roundId }).update({ deadline_at: deadlineAt });
  }

  /** Scores each expert has saved in a round, and when last. */
  async scoreProgress(roundId: number): Promise<ExpertProgress[]> {
    const rows = await this.db('expert_scores').where({ round_id: roundId }).groupBy('expert_id').select('expert_id').count({ n: '*' }).max({ last: 'updated_at' });
    return (rows as Array<Record<string, unknown>>).map((r) => ({ userId: num(r.expert_id), scored: num(r.n), lastScoredAt: r.last == null ? null : String(r.last) }));
  }

  /**
   * A no-op UPDATE that succeeds only while the round is open. It takes the row lock on
   * PostgreSQL, so a concurrent close waits until the scores are committed (or the save sees
   * the round closed and stores nothing); SQLite serialises writers anyway.
   */
  async lockOpenRound(roundId: number, trx: Knex.Transaction): Promise<boolean> {
    const n = await trx('delphi_rounds').where({ id: roundId, status: 'open' }).update({ status: 'open' });
    return num(n) === 1;
  }

  async closeRound(roundId: number, trx: Db = this.db): Promise<number> {
    return trx('delphi_rounds').where({ id: roundId, status: 'open' }).update({ status: 'closed', closed_at: nowIso() });
  }

  /* ---------- scores ---------- */

  async scores(roundIds: readonly number[], db: Db = this.db): Promise<ScoreRow[]> {
    if (roundIds.length === 0) return [];
    const rows = await db('expert_scores').whereIn('round_id', roundIds as number[]).orderBy(['round_id', 'expert_id', 'factor_id']);
    return rows.map((r: Record<string, unknown>) => ({
      roundId: num(r.round_id),
      expertId: num(r.expert_id),
      factorId: num(r.factor_id),
      weight: num(r.weight),
      strength: num(r.strength),
      reason: r.reason == null ? null : String(r.reason),
    }));
  }

  async expertScores(roundId: number, expertId: number, db: Db = this.db): Promise<ScoreRow[]> {
    return (await this.scores([roundId], db)).filter((s) => s.expertId === expertId);
  }

  async enterpriseScores(roundIds: readonly number[], db: Db = this.db): Promise<EnterpriseScoreRow[]> {
    if (roundIds.length === 0) return [];
    const rows = await db('enterprise_scores').whereIn('round_id', roundIds as number[]);
    return rows.map((r: Record<string, unknown>) => ({
      roundId: num(r.round_id),
      expertId: num(r.expert_id),
      enterpriseId: num(r.enterprise_id),
      parameterId: num(r.parameter_id),
      score: num(r.score),
    }));
  }

  /** Replace the given factors' scores of one expert in one round (the rest stay). */
  async replaceScores(
    roundId: number,
    expertId: number,
    scores: Array<{ factorId: number; weight: number; strength: number; reason: string | null }>,
    cleared: number[],
    trx: Knex.Transaction,
  ): Promise<void> {
    const touched = [...scores.map((s) => s.factorId), ...cleared];
    if (touched.length) await trx('expert_scores').where({ round_id: roundId, expert_id: expertId }).whereIn('factor_id', touched).delete();
    if (scores.length) {
      const now = nowIso();
      await trx('expert_scores').insert(
        scores.map((s) => ({ round_id: roundId, expert_id: expertId, factor_id: s.factorId, weight: s.weight, strength: s.strength, reason: s.reason, updated_at: now })),
      );
    }
  }

  /** One expert's unfinished factors (half a pair) in one round. */
  async drafts(roundId: number, expertId: number): Promise<Array<{ factorId: number; weight: number | null; strength: number | null; reason: string | null }>> {
    const rows = await this.db('expert_score_drafts').where({ round_id: roundId, expert_id: expertId });
    return rows.map((r: Record<string, unknown>) => ({
      factorId: num(r.factor_id),
      weight: r.weight == null ? null : num(r.weight),
      strength: r.strength == null ? null : num(r.strength),
      reason: r.reason == null ? null : String(r.reason),
    }));
  }

  /** Replace the drafts of the factors touched by a save: the unfinished ones are kept, the rest dropped. */
  async replaceDrafts(
    roundId: number,
    expertId: number,
    drafts: Array<{ factorId: number; weight: number | null; strength: number | null; reason: string | null }>,
    touched: number[],
    trx: Knex.Transaction,
  ): Promise<void> {
    if (touched.length) await trx('expert_score_drafts').where({ round_id: roundId, expert_id: expertId }).whereIn('factor_id', touched).delete();
    if (drafts.length) {
      const now = nowIso();
      await trx('expert_score_drafts').insert(
        drafts.map((d) => ({ round_id: roundId, expert_id: expertId, factor_id: d.factorId, weight: d.weight, strength: d.strength, reason: d.reason, updated_at: now })),
      );
    }
  }

  async replaceEnterpriseScores(
    roundId: number,
    expertId: number,
    scores: Array<{ enterpriseId: number; parameterId: number; score: number }>,
    cleared: Array<{ enterpriseId: number; parameterId: number }>,
    trx: Knex.Transaction,
  ): Promise<void> {
    for (const c of [...scores, ...cleared]) {
      await trx('enterprise_scores')
        .where({ round_id: roundId, expert_id: expertId, enterprise_id: c.enterpriseId, parameter_id: c.parameterId })
        .delete();
    }
    if (scores.length) {
      const now = nowIso();
      await trx('enterprise_scores').insert(
        scores.map((s) => ({ round_id: roundId, expert_id: expertId, enterprise_id: s.enterpriseId, parameter_id: s.parameterId, score: s.score, updated_at: now })),
      );
    }
  }

  /** Bulk insert for the demo seeder. */
  async insertScoreRows(rows: Array<Record<string, unknown>>, trx: Knex.Transaction): Promise<void> {
    const size = 200;
    for (let i = 0; i < rows.length; i += size) await trx('expert_scores').insert(rows.slice(i, i + size));
  }

  async insertEnterpriseScoreRows(rows: Array<Record<string, unknown>>, trx: Knex.Transaction): Promise<void> {
    const size = 200;
    for (let i = 0; i < rows.length; i += size) await trx('enterprise_scores').insert(rows.slice(i, i + size));
  }

  /** A removed member's answers in the still-open round go with them; closed rounds keep their record. */
  async deleteOpenRoundScores(panelId: number, userId: number, trx: Knex.Transaction): Promise<void> {
    const open = await this.openRound(panelId, trx);
    if (!open) return;
    await trx('expert_scores').where({ round_id: open.id, expert_id: userId }).delete();
    await trx('enterprise_scores').where({ round_id: open.id, expert_id: userId }).delete();
  }

  async audit(actorId: number | null, action: string, subject: string, detail: string | null, trx: Db = this.db): Promise<void> {
    await trx('audit_log').insert({ actor_id: actorId, action, subject, detail, created_at: nowIso() });
  }
}
