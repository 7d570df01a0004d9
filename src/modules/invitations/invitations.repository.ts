import type { Knex } from 'knex';
import { batchInsert, batchInsertReturning, ilike, insertReturningId, num, numOrNull, refreshStatistics } from '../../db/dialect';
import { hotAll, hotRun } from '../../db/prepared';
import { DEFAULT_LANGUAGE, isLanguage, type Language } from '../../i18n';
import { enterpriseKey, type HistoricInvitation, type InvitationDetail, type InvitationListRow, type InvitationRecord, type TInvitationFilters, type TInvitationState } from './invitations.schemas';
import { SUBMITTED_SQL, invitationStateSql, invitationsWithProgress, toEnterpriseRow } from './invitations.state';

// Within SQLite's and PostgreSQL's parameter limits, and small enough for the index to answer each IN list quickly.
const KEY_LOOKUP_CHUNK = 500;

export interface NewInvitationRow {
  name: string;
  contact: string | null;
  email: string | null;
  language: string | null;
  tokenSealed: string;
  territoryId: number;
  sector: string;
  size: string;
  tokenHash: string;
}

export interface ImportRecord {
  id: string;
  roundId: number;
  createdBy: number;
  filename: string | null;
  goodRows: string;
  badRows: string;
  goodCount: number;
  badCount: number;
  expiresAt: string;
}

export interface LinkBatchRecord {
  id: string;
  roundId: number;
  createdBy: number;
  linkCount: number;
  payload: string;
  expiresAt: string;
}

export interface InvitationExportRow {
  id: number;
  name: string;
  contact: string | null;
  territoryId: number | null;
  sector: string | null;
  size: string | null;
  /** The link's token, sealed (src/lib/seal.ts); null once withdrawn. */
  tokenSealed: string | null;
}

function toListRow(row: Record<string, unknown>): InvitationListRow {
  return {
    ...toEnterpriseRow(row),
    source: String(row.source),
    createdAt: String(row.created_at),
    openedAt: (row.opened_at as string | null) ?? null,
    submittedAt: (row.submitted_at as string | null) ?? null,
  };
}

const INVITATION_COLUMNS = ['id', 'round_id', 'source', 'enterprise_name', 'status', 'expires_at', 'territory_id', 'sector', 'size'];
const FIND_BY_ID_SQL = `select ${INVITATION_COLUMNS.join(', ')} from invitations where id = ? limit 1`;

/** The times a move stamps (COALESCE keeps an earlier one), as SET clauses; each `?` is the move's time. */
const MOVE_STAMPS: Record<TInvitationState, string[]> = {
  pending: [],
  opened: ['opened_at = ?'],
  in_progress: ['started_at = ?', 'opened_at = COALESCE(opened_at, ?)'],
  submitted: ['submitted_at = ?', 'started_at = COALESCE(started_at, ?)'],
  expired: [],
};

function toRecord(row: Record<string, unknown>): InvitationRecord {
  return {
    id: num(row.id),
    roundId: num(row.round_id),
    source: String(row.source),
    enterpriseName: String(row.enterprise_name ?? ''),
    status: String(row.status) as TInvitationState,
    expiresAt: (row.expires_at as string | null) ?? null,
    known: { territoryId: numOrNull(row.territory_id), sector: (row.sector as string | null) ?? null, size: (row.size as string | null) ?? null },
  };
}

export class InvitationsRepository {
  constructor(private readonly db: Knex) {}

  transaction<T>(fn: (trx: Knex.Transaction) => Promise<T>): Promise<T> {
    return this.db.transaction(fn);
  }

  /** Read on every respondent request: a statement prepared once (src/db/prepared.ts). */
  async findById(id: number, trx?: Knex.Transaction): Promise<InvitationRecord | undefined> {
    const [row] = await hotAll(trx ?? this.db, FIND_BY_ID_SQL, [id]);
    return row ? toRecord(row) : undefined;
  }

  /** One query whatever the outcome, so that unknown and known tokens cost the same. */
  async findByTokenHash(tokenHash: string): Promise<InvitationRecord | undefined> {
    const row = await this.db('invitations').where({ token_hash: tokenHash }).first(INVITATION_COLUMNS);
    return row ? toRecord(row) : undefined;
  }

  /** Inserts the rows in multi-row statements; returns id and token hash of each (order not guaranteed). */
  async insertInvitations(trx: Knex.Transaction, roundId: number, rows: NewInvitationRow[], now: string): Promise<Array<{ id: number; tokenHash: string }>> {
    const inserted = await batchInsertReturning<{ id: unknown; token_hash: unknown }>(
      trx,
      'invitations',
      rows.map((r) => ({
        round_id: roundId,
        token_hash: r.tokenHash,
        source: 'list',
        enterprise_name: r.name,
        enterprise_key: enterpriseKey(r.name, r.territoryId),
        contact: r.contact,
        email: r.email,
        language: r.language,
        token_sealed: r.tokenSealed,
        territory_id: r.territoryId,
        sector: r.sector,
        size: r.size,
        status: 'pending',
        created_at: now,
      })),
      ['id', 'token_hash'],
    );
    return inserted.map((r) => ({ id: num(r.id), tokenHash: String(r.token_hash) }));
  }

  /** Bulk insert of historic invitations; returns their ids by token hash. */
  async insertHistoric(trx: Knex.Transaction, roundId: number, rows: HistoricInvitation[]): Promise<Map<string, number>> {
    await batchInsert(
      trx,
      'invitations',
      rows.map((i) => ({
        round_id: roundId,
        token_hash: i.tokenHash,
        source: 'list',
        enterprise_name: i.enterpriseName,
        enterprise_key: enterpriseKey(i.enterpriseName, i.territoryId),
        contact: null,
        territory_id: i.territoryId,
        sector: i.sector,
        size: i.size,
        status: i.status,
        expires_at: i.expiresAt,
        opened_at: i.openedAt,
        started_at: i.startedAt,
        submitted_at: i.submittedAt,
        created_at: i.createdAt,
      })),
    );
    const inserted = await trx('invitations').where({ round_id: roundId }).select('id', 'token_hash');
    return new Map(inserted.map((r: Record<string, unknown>) => [String(r.token_hash), num(r.id)]));
  }

  /** A respondent who came through a public link gets an invitation row of their own, born opened. */
  async insertPublicInvitation(trx: Knex.Transaction, input: { roundId: number; tokenHash: string; now: string }): Promise<number> {
    return insertReturningId(trx, 'invitations', {
      round_id: input.roundId,
      token_hash: input.tokenHash,
      source: 'public',
      enterprise_name: '',
      status: 'opened',
      opened_at: input.now,
      created_at: input.now,
    });
  }

  /**
   * Compare-and-set of the stored state: the row moves only from one of `from`. The stage's time
   * is stamped, and the time of a skipped earlier stage filled in. True when the row moved.
   */
  async moveState(id: number, from: TInvitationState[], to: TInvitationState, now: string, trx?: Knex.Transaction): Promise<boolean> {
    // Every page save and submission moves its invitation: a statement prepared once (src/db/prepared.ts).
    if (from.length === 0) return false;
    const stamps = MOVE_STAMPS[to];
    const sql = `update invitations set ${['status = ?', ...stamps].join(', ')} where id = ? and status in (${from.map(() => '?').join(', ')})`;
    const changed = await hotRun(trx ?? this.db, sql, [to, ...stamps.map(() => now), id, ...from]);
    return changed === 1;
  }

  async audit(trx: Knex.Transaction, actorId: number, action: string, subject: string, detail: string, now: string): Promise<void> {
    await trx('audit_log').insert({ actor_id: actorId, action, subject, detail, created_at: now });
  }

  /** After a large upload, so that the next upload's duplicate check is planned for the round's real size (see refreshStatistics). */
  async refreshStatistics(): Promise<void> {
    await refreshStatistics(this.db, 'invitations');
  }

  /** Parked imports and link batches past their time are removed whenever a new one is made. */
  async purgeExpired(now: string): Promise<void> {
    await this.db('invitation_imports').where('expires_at', '<', now).delete();
    await this.db('invitation_link_batches').where('expires_at', '<', now).delete();
  }

  async createImport(record: ImportRecord, now: string): Promise<void> {
    await this.db('invitation_imports').insert({
      id: record.id,
      round_id: record.roundId,
      created_by: record.createdBy,
      filename: record.filename,
      good_rows: record.goodRows,
      bad_rows: record.badRows,
      good_count: record.goodCount,
      bad_count: record.badCount,
      created_at: now,
      expires_at: record.expiresAt,
    });
  }

  async findImport(id: string, trx?: Knex.Transaction): Promise<ImportRecord | undefined> {
    const row = await (trx ?? this.db)('invitation_imports').where({ id }).first();
    if (!row) return undefined;
    return {
      id: String(row.id),
      roundId: num(row.round_id),
      createdBy: num(row.created_by),
      filename: (row.filename as string | null) ?? null,
      goodRows: String(row.good_rows),
      badRows: String(row.bad_rows),
      goodCount: num(row.good_count),
      badCount: num(row.bad_count),
      expiresAt: String(row.expires_at),
    };
  }

  /** Deletes and reports whether this call was the one that deleted it (a concurrent confirm gets false). */
  async deleteImport(id: string, trx?: Knex.Transaction): Promise<boolean> {
    return num(await (trx ?? this.db)('invitation_imports').where({ id }).delete()) === 1;
  }

  async createLinkBatch(trx: Knex.Transaction, record: LinkBatchRecord, now: string): Promise<void> {
    await trx('invitation_link_batches').insert({
      id: record.id,
      round_id: record.roundId,
      created_by: record.createdBy,
      link_count: record.linkCount,
      payload: record.payload,
      created_at: now,
      expires_at: record.expiresAt,
    });
  }

  async findLinkBatch(id: string, trx?: Knex.Transaction): Promise<LinkBatchRecord | undefined> {
    const row = await (trx ?? this.db)('invitation_link_batches').where({ id }).first();
    if (!row) return undefined;
    return {
      id: String(row.id),
      roundId: num(row.round_id),
      createdBy: num(row.created_by),
      linkCount: num(row.link_count),
      payload: String(row.payload),
      expiresAt: String(row.expires_at),
    };
  }

  async deleteLinkBatch(id: string, trx?: Knex.Transaction): Promise<boolean> {
    return num(await (trx ?? this.db)('invitation_link_batches').where({ id }).delete()) === 1;
  }

  private filtered(roundId: number, filters: TInvitationFilters, now: string): Knex.QueryBuilder {
    const q = invitationsWithProgress(this.db).where('i.round_id', roundId);
    if (filters.territory) q.where('i.territory_id', filters.territory);
    if (filters.sector) q.where('i.sector', filters.sector);
    if (filters.size) q.where('i.size', filters.size);
    if (filters.q) {
      const pattern = `%${filters.q}%`;
      q.where((w) => w.where(ilike(this.db, 'i.enterprise_name', pattern)).orWhere(ilike(this.db, 'i.contact', pattern)));
    }
    if (filters.state) {
      const state = invitationStateSql(now);
      q.whereRaw(`(${state.sql}) = ?`, [...state.bindings, filters.state]);
    }
    return q;
  }

  async list(roundId: number, filters: TInvitationFilters, now: string, limit: number, offset: number): Promise<{ rows: InvitationListRow[]; total: number }> {
    const state = invitationStateSql(now);
    const totalRow = await this.filtered(roundId, filters, now).count({ n: '*' }).first();
    const rows = await this.filtered(roundId, filters, now)
      .select(
        'i.id',
        'i.enterprise_name',
        'i.contact',
        'i.territory_id',
        'i.sector',
        'i.size',
        'i.source',
        'i.created_at',
        'i.opened_at',
        'i.submitted_at',
        this.db.raw(`${state.sql} as state`, state.bindings),
      )
      .orderBy('i.id')
      .limit(limit)
      .offset(offset);
    return { rows: rows.map(toListRow), total: num(totalRow?.n) };
  }

  /** Number of invitations of the round in each effective state (one GROUP BY). */
  async countByState(roundId: number, now: string): Promise<Record<TInvitationState, number>> {
    const state = invitationStateSql(now);
    // Grouped in an outer query: PostgreSQL does not see "CASE ... $1" and "CASE ... $3" as one expression.
    const inner = invitationsWithProgress(this.db).where('i.round_id', roundId).select(this.db.raw(`${state.sql} as state`, state.bindings));
    const rows = await this.db.from(inner.as('s')).select('state').count({ n: '*' }).groupBy('state');
    const out: Record<TInvitationState, number> = { pending: 0, opened: 0, in_progress: 0, submitted: 0, expired: 0 };
    for (const row of rows as Array<Record<string, unknown>>) out[row.state as TInvitationState] = num(row.n);
    return out;
  }

  /** Name and territory of every invitation of the round (duplicate check of an import). */
  /** Which of `keys` (see enterpriseKey) the round's listed enterprises already have: only those are read. */
  async existingEnterpriseKeys(roundId: number, keys: string[]): Promise<Set<string>> {
    const found = new Set<string>();
    for (let i = 0; i < keys.length; i += KEY_LOOKUP_CHUNK) {
      const rows = await this.db('invitations')
        .where({ round_id: roundId, source: 'list' })
        .whereIn('enterprise_key', keys.slice(i, i + KEY_LOOKUP_CHUNK))
        .distinct('enterprise_key');
      for (const r of rows as Array<{ enterprise_key: string }>) found.add(r.enterprise_key);
    }
    return found;
  }

  async mailTargets(roundId: number, now: string, ids?: number[]): Promise<Array<{ id: number; name: string; email: string; language: Language; state: TInvitationState; tokenSealed: string | null }>> {
    const state = invitationStateSql(now);
    const q = invitationsWithProgress(this.db)
      .where('i.round_id', roundId)
      .whereNotNull('i.email')
      .whereNull('i.withdrawn_at')
      .select('i.id', 'i.enterprise_name', 'i.email', 'i.language', 'i.token_sealed', this.db.raw(`${state.sql} as state`, state.bindings))
      .orderBy('i.id');
    if (ids) q.whereIn('i.id', ids);
    const rows = await q;
    return rows.map((r: Record<string, unknown>) => ({
      id: num(r.id),
      name: String(r.enterprise_name),
      email: String(r.email),
      language: isLanguage(r.language) ? r.language : DEFAULT_LANGUAGE,
      state: r.state as TInvitationState,
      tokenSealed: (r.token_sealed as string | null) ?? null,
    }));
  }

  async findInvitation(id: number): Promise<{ id: number; roundId: number; source: string; submitted: boolean; withdrawn: boolean } | undefined> {
    const row = await invitationsWithProgress(this.db).where('i.id', id).first('i.id', 'i.round_id', 'i.source', 'i.withdrawn_at', this.db.raw(`CASE WHEN ${SUBMITTED_SQL} THEN 1 ELSE 0 END as submitted`));
    if (!row) return undefined;
    return { id: num(row.id), roundId: num(row.round_id), source: String(row.source), submitted: num(row.submitted) === 1, withdrawn: row.withdrawn_at != null };
  }

  async detail(id: number, now: string): Promise<InvitationDetail | undefined> {
    const state = invitationStateSql(now);
    const row = await invitationsWithProgress(this.db)
      .where('i.id', id)
      .first(
        'i.id', 'i.round_id', 'i.source', 'i.enterprise_name', 'i.email', 'i.language', 'i.created_at', 'i.opened_at', 'i.started_at', 'i.submitted_at', 'i.withdrawn_at',
        this.db.raw('resp.started_at as resp_started_at'), this.db.raw('resp.submitted_at as resp_submitted_at'),
        this.db.raw(`${state.sql} as state`, state.bindings),
      );
    if (!row) return undefined;
    const text = (v: unknown) => (v == null ? null : String(v));
    return {
      id: num(row.id),
      roundId: num(row.round_id),
      source: String(row.source),
      name: String(row.enterprise_name),
      email: text(row.email),
      language: isLanguage(row.language) ? row.language : null,
      state: row.state as TInvitationState,
      createdAt: String(row.created_at),
      openedAt: text(row.opened_at),
      startedAt: text(row.started_at) ?? text(row.resp_started_at),
      submittedAt: text(row.submitted_at) ?? text(row.resp_submitted_at),
      withdrawnAt: text(row.withdrawn_at),
    };
  }

  async replaceToken(trx: Knex.Transaction, id: number, tokenHash: string, tokenSealed: string): Promise<void> {
    await trx('invitations').where({ id }).update({ token_hash: tokenHash, token_sealed: tokenSealed });
  }

  /** A new link for an invitation whose link was never kept; 0 when it has one by now. */
  async replaceTokenIfLinkless(trx: Knex.Transaction, id: number, tokenHash: string, tokenSealed: string): Promise<number> {
    return trx('invitations').where({ id }).whereNull('token_sealed').whereNull('withdrawn_at').update({ token_hash: tokenHash, token_sealed: tokenSealed });
  }

  /** Remembered as withdrawn (its state has moved to expired), and its link no longer kept. */
  async markWithdrawn(trx: Knex.Transaction, id: number, now: string): Promise<void> {
    await trx('invitations').where({ id }).update({ withdrawn_at: now, token_sealed: null });
  }

  /** A page of the round's invitations with id in [fromId, toId] after `afterId` (keyset paging). */
  async pageByIdRange(roundId: number, fromId: number, toId: number, afterId: number, limit: number): Promise<InvitationExportRow[]> {
    const rows = await this.db('invitations')
      .where('round_id', roundId)
      .where('id', '>=', fromId)
      .where('id', '<=', toId)
      .where('id', '>', afterId)
      .orderBy('id')
      .limit(limit)
      .select('id', 'enterprise_name', 'contact', 'territory_id', 'sector', 'size', 'token_sealed');
    return rows.map((r: Record<string, unknown>) => ({
      id: num(r.id),
      name: String(r.enterprise_name),
      contact: (r.contact as string | null) ?? null,
      territoryId: numOrNull(r.territory_id),
      sector: (r.sector as string | null) ?? null,
      size: (r.size as string | null) ?? null,
      tokenSealed: (r.token_sealed as string | null) ?? null,
    }));
  }
}
