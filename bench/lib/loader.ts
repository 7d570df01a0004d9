import type { Knex } from 'knex';
import { dialectOf, insertReturningId, nowIso, rowsPerInsert } from '../../src/db/dialect';
import { hashToken } from '../../src/lib/tokens';

/**
 * Bulk loading for the benchmark. Rows are generated inside the database by INSERT ... SELECT
 * over a generated sequence (recursive CTE on SQLite, generate_series on PostgreSQL): millions
 * of rows never cross the driver, so a 1M-response round loads in about a minute instead of an hour.
 * Values are deterministic pseudo-random (a multiplicative hash of ids), item means differ so
 * that a ranking has something to rank, about 4% of answers are "cannot judge", and one
 * response in twenty is left in progress so that rankings must filter on status.
 */

export interface SurveyShape {
  questionnaireId: number;
  /** The rating items. */
  items: Array<{ id: number; code: string; position: number; shift: number }>;
  /** The profile items with the roles the loader fills (their answers are answer rows like any other). */
  profileItems: Partial<Record<'territory' | 'sector' | 'size' | 'employees' | 'innovated', number>>;
  territoryIds: number[];
}

export async function surveyShape(db: Knex): Promise<SurveyShape> {
  const q = await db('questionnaires').where('code', 'SME-BARRIERS').orderBy('version', 'desc').first<{ id: number } | undefined>('id');
  if (!q) throw new Error('the SME-BARRIERS questionnaire is not seeded');
  const all = await db('questionnaire_items')
    .where('questionnaire_id', q.id)
    .orderBy('position')
    .select<{ id: number; code: string; kind: string; role: string | null; position: number; reference_mean: number | null }[]>('id', 'code', 'kind', 'role', 'position', 'reference_mean');
  const rows = all.filter((r) => r.kind === 'rating');
  const profileItems: SurveyShape['profileItems'] = {};
  for (const r of all) if (r.role === 'territory' || r.role === 'sector' || r.role === 'size' || r.role === 'employees' || r.role === 'innovated') profileItems[r.role] = Number(r.id);
  const items = rows.map((r) => ({
    id: Number(r.id),
    code: r.code,
    position: Number(r.position),
    shift: r.reference_mean == null ? (Number(r.position) % 3) - 1 : Math.max(-1, Math.min(1, Math.round(Number(r.reference_mean) - 3))),
  }));
  let territories = await db('territories').whereNot('kind', 'region').orderBy('id').pluck('id');
  if (territories.length === 0) territories = await db('territories').orderBy('id').pluck('id');
  return { questionnaireId: Number(q.id), items, profileItems, territoryIds: territories.map(Number) };
}

export async function createRound(db: Knex, shape: SurveyShape, title: string, status = 'open'): Promise<number> {
  const now = nowIso();
  return insertReturningId(db, 'rounds', {
    title,
    questionnaire_id: shape.questionnaireId,
    status,
    audience: 'invitation',
    opens_at: '2020-01-01T00:00:00.000Z',
    closes_at: '2099-01-01T00:00:00.000Z',
    created_at: now,
    updated_at: now,
  });
}

/** Invitations with real tokens (only their hashes stored), for requests through the real route. */
export async function createInvitations(db: Knex, roundId: number, tokens: string[], territoryIds: number[]): Promise<number[]> {
  const now = nowIso();
  const rows = tokens.map((token, i) => ({
    round_id: roundId,
    token_hash: hashToken(token),
    source: 'list',
    enterprise_name: `Bench enterprise ${i + 1}`,
    territory_id: territoryIds[i % territoryIds.length] ?? null,
    sector: 'C',
    size: 'small',
    status: 'pending',
    created_at: now,
  }));
  const chunk = rowsPerInsert(db, Object.keys(rows[0] ?? { x: 1 }).length);
  await db.transaction(async (trx) => {
    for (let i = 0; i < rows.length; i += chunk) await trx('invitations').insert(rows.slice(i, i + chunk));
  });
  const ids = await db('invitations').where('round_id', roundId).orderBy('id').pluck('id');
  return ids.map(Number);
}

function valuesCte(rows: Array<Array<number>>): string {
  return rows.map((r) => `(${r.map((v) => String(Math.trunc(v))).join(', ')})`).join(', ');
}

/**
 * Fills a round with `submitted` submitted responses (plus one in twenty of that in progress),
 * each with one answer per item, in one transaction.
 */
export async function loadRound(db: Knex, shape: SurveyShape, roundId: number, submitted: number): Promise<{ seconds: number; answers: number }> {
  const started = process.hrtime.bigint();
  const pg = dialectOf(db) === 'postgres';
  const total = submitted + Math.floor(submitted / 20);
  const now = nowIso();
  const terr = valuesCte(shape.territoryIds.map((id, k) => [k, id]));
  const nTerr = shape.territoryIds.length;
  const items = valuesCte(shape.items.map((it) => [it.id, it.shift]));
  // Which sequence numbers stay in progress: every 21st, so that exactly `submitted` are submitted.
  // SQLite cannot name the columns of a VALUES list in its alias; PostgreSQL can.
  const derived = (values: string, a: string, b: string, alias: string) =>
    pg ? `(VALUES ${values}) AS ${alias}(${a}, ${b})` : `(SELECT column1 AS ${a}, column2 AS ${b} FROM (VALUES ${values})) AS ${alias}`;
  const inProgress = (col: string) => `(${col} % 21 = 0)`;

  if (!pg) {
    // Loading only: no WAL copy of a gigabyte and no fsync per page. The app's settings are
    // put back afterwards (src/db/knex.ts sets them again on every new connection anyway).
    await db.raw('PRAGMA journal_mode = DELETE');
    await db.raw('PRAGMA synchronous = OFF');
    await db.raw('PRAGMA cache_size = -400000');
  }
  await db.transaction(async (trx) => {
    if (pg) {
      // FK checks are row triggers on PostgreSQL; generated rows are valid by construction.
      await trx.raw('SET LOCAL session_replication_role = replica').catch(() => undefined);
    }
    const seq = pg
      ? `generate_series(1, ${total}) AS s(i)`
      : `(WITH RECURSIVE seq(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM seq WHERE i < ${total}) SELECT i FROM seq) AS s`;
    const tokenExpr = pg ? `'b' || lpad(?::text, 5, '0') || lpad(s.i::text, 58, '0')` : `printf('b%05d%058d', ?, s.i)`;
    await trx.raw(
      `INSERT INTO invitations (round_id, token_hash, source, enterprise_name, territory_id, sector, size, status, submitted_at, opened_at, started_at, created_at)
       SELECT ?, ${tokenExpr}, 'list', 'Bench enterprise ' || s.i, t.id,
              substr('ABCFGHIJM', (s.i % 9) + 1, 1),
              CASE WHEN s.i % 10 < 6 THEN 'micro' WHEN s.i % 10 < 9 THEN 'small' ELSE 'medium' END,
              CASE WHEN ${inProgress('s.i')} THEN 'in_progress' ELSE 'submitted' END,
              CASE WHEN ${inProgress('s.i')} THEN NULL ELSE ? END, ?, ?, ?
       FROM ${seq} JOIN ${derived(terr, 'k', 'id', 't')} ON t.k = s.i % ${nTerr}
       ORDER BY s.i`,
      [roundId, roundId, now, now, now, now],
    );
    await trx.raw(
      `INSERT INTO responses (round_id, invitation_id, status, language, idempotency_key, started_at, updated_at, submitted_at)
       SELECT i.round_id, i.id, i.status, CASE i.id % 3 WHEN 0 THEN 'kk' WHEN 1 THEN 'ru' ELSE 'en' END,
              NULL, i.created_at, i.created_at, i.submitted_at
       FROM invitations i WHERE i.round_id = ? ORDER BY i.id`,
      [roundId],
    );
    // The profile as the respondent form stores it: answers of the profile items, from the invitation's territory, sector and size.
    const p = shape.profileItems;
    const profile = [
      p.territory && `SELECT r.id, ${p.territory}, r.round_id, NULL, t.code FROM responses r JOIN invitations i ON i.id = r.invitation_id JOIN territories t ON t.id = i.territory_id WHERE r.round_id = ?`,
      p.sector && `SELECT r.id, ${p.sector}, r.round_id, NULL, i.sector FROM responses r JOIN invitations i ON i.id = r.invitation_id WHERE r.round_id = ?`,
      p.size && `SELECT r.id, ${p.size}, r.round_id, NULL, i.size FROM responses r JOIN invitations i ON i.id = r.invitation_id WHERE r.round_id = ?`,
      p.employees && `SELECT r.id, ${p.employees}, r.round_id, r.invitation_id % 250, NULL FROM responses r WHERE r.round_id = ?`,
      p.innovated && `SELECT r.id, ${p.innovated}, r.round_id, NULL, CASE WHEN r.invitation_id % 3 = 0 THEN 'product' ELSE 'none' END FROM responses r WHERE r.round_id = ?`,
    ].filter((x): x is string => Boolean(x));
    for (const select of profile) {
      await trx.raw(`INSERT INTO answers (response_id, item_id, round_id, number_value, choice) ${select}`, [roundId]);
    }
    const h = pg ? `((r.id::bigint * 2654435761 + it.id::bigint * 40503) % 4294967296)` : `((r.id * 2654435761 + it.id * 40503) % 4294967296)`;
    const clamp = pg ? (e: string) => `GREATEST(1, LEAST(5, ${e}))::smallint` : (e: string) => `max(1, min(5, ${e}))`;
    const itemsFrom = derived(items, 'id', 'shift', 'it');
    await trx.raw(
      `INSERT INTO answers (response_id, item_id, round_id, value, cannot_judge)
       SELECT r.id, it.id, r.round_id,
              CASE WHEN ${h} % 1000 < 40 THEN NULL ELSE ${clamp(`1 + (${h} / 1000) % 5 + it.shift`)} END,
              ${h} % 1000 < 40
       FROM responses r CROSS JOIN ${itemsFrom}
       WHERE r.round_id = ? ORDER BY r.id, it.id`,
      [roundId],
    );
  });
  if (pg) {
    await db.raw('VACUUM ANALYZE invitations');
    await db.raw('VACUUM ANALYZE responses');
    await db.raw('VACUUM ANALYZE answers');
  } else {
    await db.raw('PRAGMA cache_size = -2000');
    await db.raw('PRAGMA synchronous = FULL');
    await db.raw('PRAGMA journal_mode = WAL');
  }
  return { seconds: Number(process.hrtime.bigint() - started) / 1e9, answers: total * shape.items.length };
}

/** Pending invitations without usable tokens, for the baseline (which takes the invitation id in its path). */
export async function bareInvitations(db: Knex, roundId: number, n: number): Promise<number[]> {
  const pg = dialectOf(db) === 'postgres';
  const now = nowIso();
  const seq = pg ? `generate_series(1, ${n}) AS s(i)` : `(WITH RECURSIVE seq(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM seq WHERE i < ${n}) SELECT i FROM seq) AS s`;
  const tokenExpr = pg ? `'p' || lpad(?::text, 5, '0') || lpad(s.i::text, 58, '0')` : `printf('p%05d%058d', ?, s.i)`;
  await db.raw(
    `INSERT INTO invitations (round_id, token_hash, source, enterprise_name, status, created_at)
     SELECT ?, ${tokenExpr}, 'list', 'Baseline enterprise ' || s.i, 'pending', ? FROM ${seq} ORDER BY s.i`,
    [roundId, roundId, now],
  );
  return (await db('invitations').where('round_id', roundId).orderBy('id').pluck('id')).map(Number);
}
