import type { Knex } from 'knex';
import { batchInsert, bool, num, numOrNull, rowsPerInsert, upsertInserted } from '../../db/dialect';
import { hotAll, hotRun, type HotValue } from '../../db/prepared';
import { isLanguage } from '../../i18n';
import type { AnswerColumns } from '../questionnaires/kinds';
import type { DemoRoundPlan } from './responses.demo';
import type { ResponseRecord, StoredAnswer } from './responses.schemas';

type Db = Knex | Knex.Transaction;

/** One answer as a submission writes it. */
export interface AnswerWrite {
  itemId: number;
  columns: AnswerColumns;
  comment: string | null;
}

/**
 * A submission either brings the whole questionnaire (`whole`: its profile answers among the
 * answers) or submits what was saved, unchanged since it was checked.
 */
export type SubmissionInput = {
  invitationId: number;
  roundId: number;
  language: string;
  now: string;
  idempotencyKey: string | null;
} & ({ whole: true } | { unchangedSince: string });

/** An answer's columns as the answers table spells them. */
function answerRow(c: AnswerColumns) {
  return { value: c.value, cannot_judge: c.cannotJudge, number_value: c.numberValue, choice: c.choice, text_value: c.text };
}

/** A whole answers row: the one place its columns are named (the prepared INSERT takes their order from it). */
function answersTableRow(responseId: number, roundId: number, a: { itemId: number; columns: AnswerColumns; comment: string | null }) {
  return { response_id: responseId, item_id: a.itemId, round_id: roundId, ...answerRow(a.columns), comment: a.comment };
}
const ANSWER_TABLE_COLUMNS = Object.keys(answersTableRow(0, 0, { itemId: 0, columns: { value: null, cannotJudge: false, numberValue: null, choice: null, text: null }, comment: null }));
const ANSWER_TUPLE = `(${ANSWER_TABLE_COLUMNS.map(() => '?').join(', ')})`;

/**
 * The multi-row INSERT of `rows` answers, built once per row count (the first 200 counts seen)
 * so that submissions reuse one string: the prepared-statement caches (src/db/prepared.ts) look
 * it up by its text, and a string built anew would be built and hashed anew for every submission.
 */
const answersInsertSql = new Map<number, string>();
function answersInsert(rows: number): string {
  let sql = answersInsertSql.get(rows);
  if (!sql) {
    sql = `insert into answers (${ANSWER_TABLE_COLUMNS.join(', ')}) values ${Array.from({ length: rows }, () => ANSWER_TUPLE).join(', ')}`;
    if (answersInsertSql.size < 200) answersInsertSql.set(rows, sql);
  }
  return sql;
}

function answerColumns(r: Record<string, unknown>): AnswerColumns {
  return {
    value: numOrNull(r.value),
    cannotJudge: bool(r.cannot_judge),
    numberValue: numOrNull(r.number_value),
    choice: (r.choice as string | null) ?? null,
    text: (r.text_value as string | null) ?? null,
  };
}

function toResponse(row: Record<string, unknown>): ResponseRecord {
  return {
    id: num(row.id),
    invitationId: num(row.invitation_id),
    roundId: num(row.round_id),
    status: row.status === 'submitted' ? 'submitted' : 'in_progress',
    language: isLanguage(row.language) ? row.language : 'kk',
    idempotencyKey: (row.idempotency_key as string | null) ?? null,
    submittedAt: (row.submitted_at as string | null) ?? null,
    updatedAt: String(row.updated_at),
  };
}

/** The only place the answering flow talks to the database. */
export class ResponsesRepository {
  constructor(private readonly db: Knex) {}

  transaction<T>(fn: (trx: Knex.Transaction) => Promise<T>): Promise<T> {
    return this.db.transaction(fn);
  }

  /** The in-progress response of a new public respondent (their invitation is created by the invitations module). */
  async insertResponse(trx: Knex.Transaction, input: { invitationId: number; roundId: number; language: string; now: string }): Promise<void> {
    await trx('responses').insert({
      round_id: input.roundId,
      invitation_id: input.invitationId,
      status: 'in_progress',
      language: input.language,
      started_at: input.now,
      updated_at: input.now,
    });
  }

  // -- responses and answers --------------------------------------------------------------------

  async findResponseByInvitation(invitationId: number, db: Db = this.db): Promise<ResponseRecord | undefined> {
    const [row] = await hotAll(db, 'select * from responses where invitation_id = ? limit 1', [invitationId]);
    return row ? toResponse(row) : undefined;
  }

  /**
   * The response of an invitation, created on the first save. Two devices saving their first
   * page at the same moment both end up with the same row (the insert of the second is ignored).
   */
  async ensureResponse(trx: Knex.Transaction, input: { invitationId: number; roundId: number; language: string; now: string }): Promise<ResponseRecord> {
    await trx('responses')
      .insert({
        round_id: input.roundId,
        invitation_id: input.invitationId,
        status: 'in_progress',
        language: input.language,
        started_at: input.now,
        updated_at: input.now,
      })
      .onConflict('invitation_id')
      .ignore();
    const response = await this.findResponseByInvitation(input.invitationId, trx);
    if (!response) throw new Error('response row missing after insert');
    return response;
  }

  /**
   * Claims the row for this save: only an in-progress response is touched, and on PostgreSQL the
   * row lock serialises the save with a concurrent submit. 0 means it was submitted meanwhile.
   */
  async touchInProgress(trx: Knex.Transaction, responseId: number, language: string, now: string): Promise<number> {
    return trx('responses').where({ id: responseId, status: 'in_progress' }).update({ updated_at: now, language });
  }

  /** Answers of questions the respondent's earlier answers hid, or profile answers the profile page cleared. */
  async deleteAnswersOf(trx: Knex.Transaction, responseId: number, itemIds: number[]): Promise<void> {
    if (itemIds.length) await trx('answers').where({ response_id: responseId }).whereIn('item_id', itemIds).delete();
  }

  async upsertAnswers(trx: Knex.Transaction, responseId: number, roundId: number, rows: AnswerWrite[]): Promise<void> {
    if (rows.length === 0) return;
    await trx('answers')
      .insert(rows.map((r) => answersTableRow(responseId, roundId, r)))
      .onConflict(['response_id', 'item_id'])
      .merge(['value', 'cannot_judge', 'number_value', 'choice', 'text_value', 'comment']);
  }

  async answersOf(responseId: number, db: Db = this.db): Promise<StoredAnswer[]> {
    const rows = await db('answers').where({ response_id: responseId }).select('item_id', 'value', 'cannot_judge', 'number_value', 'choice', 'text_value', 'comment');
    return rows.map((r: Record<string, unknown>) => ({ itemId: num(r.item_id), columns: answerColumns(r), comment: (r.comment as string | null) ?? null }));
  }

  /**
   * The first statement of a submission, which decides between racing submissions (on
   * PostgreSQL the row lock makes the second wait and then find the row submitted): the
   * response row marked submitted only while it is still in progress, RETURNING its id.
   * - `whole` (a whole questionnaire in one request): INSERT ... ON CONFLICT DO UPDATE
   *   ... WHERE, so a respondent who never saved a page needs no earlier statement.
   * - With `unchangedSince` (the step-by-step flow, whose checks read the stored answers
   *   before the transaction): UPDATE ... WHERE updated_at is still the one checked.
   * Undefined when nothing was written: the row was submitted, or saved again, meanwhile.
   * `created`: the row did not exist before (known on PostgreSQL only), so it has no answers.
   */
  async submitResponse(trx: Knex.Transaction, input: SubmissionInput): Promise<{ id: number; created: boolean } | undefined> {
    // Hand-written SQL through prepared statements (src/db/prepared.ts): these statements run for every submission.
    const submitted: HotValue[] = [input.language, input.now, input.now, input.idempotencyKey];
    let rows: Array<Record<string, unknown>>;
    if ('unchangedSince' in input) {
      rows = await hotAll(
        trx,
        `update responses set status = 'submitted', language = ?, updated_at = ?, submitted_at = ?, idempotency_key = ?
         where invitation_id = ? and status = 'in_progress' and updated_at = ? returning id`,
        [...submitted, input.invitationId, input.unchangedSince],
      );
    } else {
      rows = await hotAll(
        trx,
        `insert into responses (round_id, invitation_id, started_at, status, language, updated_at, submitted_at, idempotency_key)
         values (?, ?, ?, 'submitted', ?, ?, ?, ?)
         on conflict (invitation_id) do update set status = excluded.status, language = excluded.language, updated_at = excluded.updated_at,
           submitted_at = excluded.submitted_at, idempotency_key = excluded.idempotency_key
         where responses.status = 'in_progress'
         returning id, ${upsertInserted(trx)}`,
        [input.roundId, input.invitationId, input.now, ...submitted],
      );
    }
    return rows[0] ? { id: num(rows[0].id), created: bool(rows[0].inserted) } : undefined;
  }

  /**
   * A submission's answers: what was stored before goes, the given rows come in one multi-row
   * INSERT (more only past the engine's limit on parameters). A response row the submission
   * itself created has nothing stored to delete.
   */
  async replaceAnswers(trx: Knex.Transaction, response: { id: number; created: boolean }, roundId: number, rows: AnswerWrite[]): Promise<void> {
    const responseId = response.id;
    if (!response.created) await hotRun(trx, 'delete from answers where response_id = ?', [responseId]);
    const size = rowsPerInsert(trx as unknown as Knex, ANSWER_TABLE_COLUMNS.length);
    for (let i = 0; i < rows.length; i += size) {
      const end = Math.min(rows.length, i + size);
      const values: HotValue[] = [];
      for (let j = i; j < end; j++) for (const value of Object.values(answersTableRow(responseId, roundId, rows[j]!))) values.push(value);
      await hotRun(trx, answersInsert(end - i), values);
    }
  }

  // -- demo data ------------------------------------------------------------------------------

  /**
   * The responses and answers of a demo round in a few bulk statements (the round and its
   * invitations are inserted by their own modules first); response ids come back by invitation id.
   */
  async insertDemoResponses(trx: Knex.Transaction, roundId: number, plan: DemoRoundPlan, invitationIds: Map<string, number>): Promise<void> {
    const withResponse = plan.invitations.filter((i) => i.response);
    await batchInsert(
      trx,
      'responses',
      withResponse.map((i) => {
        const r = i.response!;
        return {
          round_id: roundId,
          invitation_id: invitationIds.get(i.tokenHash),
          status: r.status,
          language: r.language,
          idempotency_key: null,
          started_at: r.startedAt,
          updated_at: r.updatedAt,
          submitted_at: r.submittedAt,
        };
      }),
    );
    const responseIds = new Map<number, number>(
      (await trx('responses').where({ round_id: roundId }).select('id', 'invitation_id')).map((r: Record<string, unknown>) => [num(r.invitation_id), num(r.id)]),
    );
    await batchInsert(
      trx,
      'answers',
      withResponse.flatMap((i) => {
        const responseId = responseIds.get(invitationIds.get(i.tokenHash)!)!;
        return i.response!.answers.map((a) => answersTableRow(responseId, roundId, a));
      }),
    );
  }
}
