import type { Knex } from 'knex';
import { hotAll } from '../../db/prepared';
import { titleColumns, titleFields } from '../../i18n/titles';
import { insertReturningId, lockRowForUpdate, num, numOrNull, nowIso } from '../../db/dialect';
import type { HistoricRound, RoundInput, RoundListRow, RoundRecord, RoundTarget, TAudience, TRoundStatus } from './rounds.schemas';

type Db = Knex | Knex.Transaction;

function toRecord(row: Record<string, unknown>): RoundRecord {
  return {
    id: num(row.id),
    title: String(row.title),
    ...(titleFields(row, 'title') as Pick<RoundRecord, 'title_kk' | 'title_ru' | 'title_en' | 'title_lang'>),
    questionnaireId: num(row.questionnaire_id),
    status: row.status as TRoundStatus,
    audience: row.audience as TAudience,
    hasPublicLink: row.public_token_hash != null,
    opensAt: row.opens_at == null ? null : String(row.opens_at),
    closesAt: row.closes_at == null ? null : String(row.closes_at),
    targetTotal: numOrNull(row.target_total),
    createdBy: numOrNull(row.created_by),
    createdAt: String(row.created_at),
    updatedAt: String(row.updated_at),
  };
}

export class RoundsRepository {
  constructor(private readonly db: Knex) {}

  transaction<T>(fn: (trx: Knex.Transaction) => Promise<T>): Promise<T> {
    return this.db.transaction(fn);
  }

  /** `counted`: with each round's submitted responses (a scan of every response; the brief list skips it). */
  async list(counted = true): Promise<RoundListRow[]> {
    const submitted = this.db('responses').where({ status: 'submitted' }).select('round_id').count({ n: '*' }).groupBy('round_id').as('s');
    const query = this.db('rounds as r')
      .join('questionnaires as q', 'q.id', 'r.questionnaire_id')
      .select('r.*', 'q.code as q_code', 'q.version as q_version', 'q.title_kk as q_title_kk', 'q.title_ru as q_title_ru', 'q.title_en as q_title_en')
      .orderBy('r.id', 'desc');
    if (counted) query.leftJoin(submitted, 's.round_id', 'r.id').select('s.n as submitted');
    const rows = await query;
    return rows.map((row: Record<string, unknown>) => ({
      ...toRecord(row),
      questionnaireCode: String(row.q_code),
      questionnaireVersion: num(row.q_version),
      questionnaireTitle_kk: String(row.q_title_kk),
      questionnaireTitle_ru: String(row.q_title_ru),
      questionnaireTitle_en: String(row.q_title_en),
      submitted: num(row.submitted),
    }));
  }

  /** Read on every respondent request (the round's window): a statement prepared once (src/db/prepared.ts). */
  async findById(id: number, db: Db = this.db): Promise<RoundRecord | undefined> {
    const [row] = await hotAll(db, 'select * from rounds where id = ? limit 1', [id]);
    return row ? toRecord(row) : undefined;
  }

  async lockForUpdate(id: number, trx: Knex.Transaction): Promise<void> {
    await lockRowForUpdate(trx, 'rounds', id);
  }

  async findByPublicTokenHash(hash: string): Promise<RoundRecord | undefined> {
    const row = await this.db('rounds').where({ public_token_hash: hash }).first();
    return row ? toRecord(row) : undefined;
  }

  async targets(roundId: number, db: Db = this.db): Promise<RoundTarget[]> {
    const rows = await db('round_targets').where({ round_id: roundId }).orderBy('territory_id');
    return rows.map((row: Record<string, unknown>) => ({ territoryId: num(row.territory_id), target: num(row.target) }));
  }

  async insert(input: RoundInput, status: TRoundStatus, publicTokenHash: string | null, createdBy: number | null, trx: Knex.Transaction): Promise<number> {
    const now = nowIso();
    const id = await insertReturningId(trx, 'rounds', {
      ...titleColumns('title', input.title, input.titleLang, input.titles),
      questionnaire_id: input.questionnaireId,
      status,
      audience: input.audience,
      public_token_hash: publicTokenHash,
      opens_at: input.opensAt,
      closes_at: input.closesAt,
      target_total: input.targetTotal,
      created_by: createdBy,
      created_at: now,
      updated_at: now,
    });
    await this.replaceTargets(id, input.targets, trx);
    return id;
  }

  async insertHistoric(round: HistoricRound, trx: Knex.Transaction): Promise<number> {
    const id = await insertReturningId(trx, 'rounds', {
      ...titleColumns('title', round.title, null),
      questionnaire_id: round.questionnaireId,
      status: round.status,
      audience: 'invitation',
      opens_at: round.opensAt,
      closes_at: round.closesAt,
      target_total: round.targetTotal,
      created_at: round.createdAt,
      updated_at: round.updatedAt,
    });
    await this.replaceTargets(id, round.targets, trx);
    return id;
  }

  async update(id: number, input: RoundInput, trx: Knex.Transaction): Promise<void> {
    await trx('rounds').where({ id }).update({
      ...titleColumns('title', input.title, input.titleLang, input.titles),
      questionnaire_id: input.questionnaireId,
      audience: input.audience,
      opens_at: input.opensAt,
      closes_at: input.closesAt,
      target_total: input.targetTotal,
      updated_at: nowIso(),
    });
    await this.replaceTargets(id, input.targets, trx);
  }

  async replaceTargets(roundId: number, targets: RoundTarget[], trx: Knex.Transaction): Promise<void> {
    await trx('round_targets').where({ round_id: roundId }).delete();
    if (targets.length) await trx('round_targets').insert(targets.map((t) => ({ round_id: roundId, territory_id: t.territoryId, target: t.target })));
  }

  /** Compare-and-set on the status so that two simultaneous clicks cannot both apply. */
  async setStatus(id: number, from: TRoundStatus, to: TRoundStatus, trx: Knex.Transaction): Promise<boolean> {
    const changed = await trx('rounds').where({ id, status: from }).update({ status: to, updated_at: nowIso() });
    return num(changed) === 1;
  }

  /** The public link's token: its hash (what /p/ looks up) and the token sealed (to show it again). */
  async setPublicToken(id: number, token: { hash: string; sealed: string | null } | null, db: Db = this.db): Promise<void> {
    await db('rounds').where({ id }).update({ public_token_hash: token?.hash ?? null, public_token_sealed: token?.sealed ?? null, updated_at: nowIso() });
  }

  async publicTokenSealed(id: number): Promise<string | undefined> {
    const row = await this.db('rounds').where({ id }).first('public_token_sealed');
    return (row?.public_token_sealed as string | null) ?? undefined;
  }
}
