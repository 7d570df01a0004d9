import type { Knex } from 'knex';
import { bool, num, numOrNull, stringAgg } from '../../db/dialect';
import type { AnswerColumns } from '../questionnaires/kinds';
import { invitationStateSql, invitationsWithProgress, OPENED_SQL, STARTED_SQL, SUBMITTED_SQL, toEnterpriseRow } from '../invitations/invitations.state';
import type { Dimension, FunnelCounts, NonResponderRow, ResponseExportRow } from './monitoring.schemas';

// Where a list invitation has no territory (or sector, size) of its own, the respondent's answer
// to the question with that role (pa: the answer, pt: the territory it names) stands in.
const DIMENSION_SQL: Record<Dimension, string> = {
  territory: 'COALESCE(i.territory_id, pt.id)',
  sector: 'COALESCE(i.sector, pa.choice)',
  size: 'COALESCE(i.size, pa.choice)',
};

const FUNNEL_SELECT = [
  `SUM(CASE WHEN i.source = 'list' THEN 1 ELSE 0 END) AS invited`,
  `SUM(CASE WHEN i.source <> 'list' THEN 1 ELSE 0 END) AS public_entries`,
  `SUM(CASE WHEN ${OPENED_SQL} THEN 1 ELSE 0 END) AS opened`,
  `SUM(CASE WHEN ${STARTED_SQL} THEN 1 ELSE 0 END) AS started`,
  `SUM(CASE WHEN ${SUBMITTED_SQL} THEN 1 ELSE 0 END) AS submitted`,
].join(', ');

function toFunnel(row: Record<string, unknown> | undefined): FunnelCounts {
  return {
    invited: num(row?.invited),
    publicEntries: num(row?.public_entries),
    opened: num(row?.opened),
    started: num(row?.started),
    submitted: num(row?.submitted),
  };
}

export class MonitoringRepository {
  constructor(private readonly db: Knex) {}

  /**
   * Submitted responses per round and UTC hour ("2026-11-28T05") since `since`: a few hundred rows
   * at most, which the service turns into Almaty days. submitted_at is ISO text on both engines.
   */
  async submittedByHour(roundIds: number[], since: string): Promise<Array<{ roundId: number; hour: string; n: number }>> {
    if (!roundIds.length) return [];
    const rows = await this.db('responses')
      .whereIn('round_id', roundIds)
      .where('status', 'submitted')
      .where('submitted_at', '>=', since)
      .groupBy('round_id', this.db.raw('substr(submitted_at, 1, 13)'))
      .select('round_id', this.db.raw('substr(submitted_at, 1, 13) as hour'), this.db.raw('count(*) as n'));
    return rows.map((r: Record<string, unknown>) => ({ roundId: num(r.round_id), hour: String(r.hour), n: num(r.n) }));
  }

  /** Invited, opened, started and submitted over the whole round: one aggregate query. */
  async funnel(roundId: number): Promise<FunnelCounts> {
    const row = await invitationsWithProgress(this.db).where('i.round_id', roundId).select(this.db.raw(FUNNEL_SELECT)).first();
    return toFunnel(row as Record<string, unknown> | undefined);
  }

  /**
   * The same counts per territory, sector or size (GROUP BY in SQL). `roleItemId`: the
   * questionnaire's question with that role (0 when it has none).
   */
  async funnelBy(roundId: number, dimension: Dimension, roleItemId: number): Promise<Array<{ key: string | number | null } & FunnelCounts>> {
    const key = DIMENSION_SQL[dimension];
    const query = invitationsWithProgress(this.db)
      .leftJoin('answers as pa', (j) => j.on('pa.response_id', '=', 'resp.id').andOn('pa.item_id', '=', this.db.raw('?', [roleItemId])))
      .where('i.round_id', roundId)
      .select(this.db.raw(`${key} AS dim`), this.db.raw(FUNNEL_SELECT))
      .groupByRaw(key);
    if (dimension === 'territory') query.leftJoin('territories as pt', 'pt.code', 'pa.choice');
    const rows = await query;
    return (rows as Array<Record<string, unknown>>).map((r) => ({
      key: r.dim === null || r.dim === undefined ? null : dimension === 'territory' ? num(r.dim) : String(r.dim),
      ...toFunnel(r),
    }));
  }

  private nonResponders(roundId: number): Knex.QueryBuilder {
    return invitationsWithProgress(this.db).where('i.round_id', roundId).where('i.source', 'list').whereRaw(`NOT ${SUBMITTED_SQL}`);
  }

  /** Listed enterprises that have not submitted, in id order, after `afterId`. */
  async nonRespondersPage(roundId: number, now: string, afterId: number, limit: number, offset = 0): Promise<NonResponderRow[]> {
    const state = invitationStateSql(now);
    const rows = await this.nonResponders(roundId)
      .where('i.id', '>', afterId)
      .select('i.id', 'i.enterprise_name', 'i.contact', 'i.territory_id', 'i.sector', 'i.size', this.db.raw(`${state.sql} AS state`, state.bindings))
      .orderBy('i.id')
      .limit(limit)
      .offset(offset);
    return (rows as Array<Record<string, unknown>>).map(toEnterpriseRow);
  }

  async nonResponderCount(roundId: number): Promise<number> {
    const row = await this.nonResponders(roundId).count({ n: '*' }).first();
    return num(row?.n);
  }

  /** Submitted responses of the round after `afterId`, by id (keyset paging keeps exports in constant memory). */
  async submittedPage(roundId: number, afterId: number, limit: number): Promise<ResponseExportRow[]> {
    const rows = await this.db('responses')
      .where({ round_id: roundId, status: 'submitted' })
      .where('id', '>', afterId)
      .orderBy('id')
      .limit(limit)
      .select('id', 'submitted_at', 'language');
    return (rows as Array<Record<string, unknown>>).map((r) => ({
      id: num(r.id),
      submittedAt: (r.submitted_at as string | null) ?? null,
      language: String(r.language),
    }));
  }

  /**
   * Answers of the responses with ids in [firstId, lastId], packed one row per response as
   * "itemId:value,itemId:value" ("itemId:" for cannot judge), plus the few comments apart.
   * Packing in SQL cuts the rows the driver materialises twentyfold; the range is on the
   * primary key. Responses in the range that are not on the caller's page are its to skip.
   */
  /** Answers of the given (non-rating) items for responses with ids in [firstId, lastId]. */
  async otherAnswersOf(firstId: number, lastId: number, itemIds: number[]): Promise<Array<{ responseId: number; itemId: number; columns: AnswerColumns }>> {
    const rows = await this.db('answers')
      .whereBetween('response_id', [firstId, lastId])
      .whereIn('item_id', itemIds)
      .select('response_id', 'item_id', 'value', 'cannot_judge', 'number_value', 'choice', 'text_value');
    return (rows as Array<Record<string, unknown>>).map((r) => ({
      responseId: num(r.response_id),
      itemId: num(r.item_id),
      columns: {
        value: numOrNull(r.value),
        cannotJudge: bool(r.cannot_judge),
        numberValue: numOrNull(r.number_value),
        choice: (r.choice as string | null) ?? null,
        text: (r.text_value as string | null) ?? null,
      },
    }));
  }

  async answersOf(firstId: number, lastId: number): Promise<{ packed: Array<{ responseId: number; packed: string }>; comments: Array<{ responseId: number; itemId: number; comment: string }> }> {
    const pair = `CAST(item_id AS TEXT) || ':' || COALESCE(CAST(value AS TEXT), CASE WHEN cannot_judge THEN 'na' ELSE '' END)`;
    const packed = await this.db('answers')
      .whereBetween('response_id', [firstId, lastId])
      .groupBy('response_id')
      .select('response_id', this.db.raw(`${stringAgg(this.db, pair, ',')} AS packed`));
    const comments = await this.db('answers').whereBetween('response_id', [firstId, lastId]).whereNotNull('comment').select('response_id', 'item_id', 'comment');
    return {
      packed: (packed as Array<Record<string, unknown>>).map((r) => ({ responseId: num(r.response_id), packed: String(r.packed ?? '') })),
      comments: (comments as Array<Record<string, unknown>>).map((r) => ({ responseId: num(r.response_id), itemId: num(r.item_id), comment: String(r.comment) })),
    };
  }

}
