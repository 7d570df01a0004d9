import type { Knex } from 'knex';

/**
 * Every difference between SQLite and PostgreSQL that the code has to know about lives
 * here. Elsewhere queries are plain knex and run on both.
 */
export type DialectName = 'sqlite' | 'postgres';

export function dialectOf(db: Knex): DialectName {
  const client = String(db.client.config.client);
  return client === 'pg' || client === 'postgres' || client === 'postgresql' ? 'postgres' : 'sqlite';
}

/** Insert one row and give back its generated id (RETURNING works on both engines). */
export async function insertReturningId(
  db: Knex | Knex.Transaction,
  table: string,
  row: Record<string, unknown>,
): Promise<number> {
  const [res] = await db(table).insert(row).returning('id');
  return Number(typeof res === 'object' ? (res as { id: number }).id : res);
}

/**
 * For the RETURNING list of an INSERT ... ON CONFLICT DO UPDATE: `inserted` is true when the
 * statement inserted the row, false when it updated an existing one. PostgreSQL: a row version
 * this statement inserted has no xmax yet. SQLite cannot tell and says false (updated), the safe
 * answer for a caller that skips work only for a row it knows to be new.
 */
export function upsertInserted(db: Knex | Knex.Transaction): string {
  return dialectOf(db as Knex) === 'postgres' ? '(xmax = 0) AS inserted' : '0 AS inserted';
}

/** pg returns COUNT and AVG as strings and booleans as booleans; SQLite as numbers. */
export function num(value: unknown): number {
  if (value === null || value === undefined) return 0;
  return typeof value === 'number' ? value : Number(value);
}

export function numOrNull(value: unknown): number | null {
  if (value === null || value === undefined) return null;
  return typeof value === 'number' ? value : Number(value);
}

export function bool(value: unknown): boolean {
  return value === true || value === 1 || value === '1' || value === 't' || value === 'true';
}

/** Timestamps are stored as ISO-8601 UTC strings: they sort and compare the same on both engines. */
export function nowIso(): string {
  return new Date().toISOString();
}

/** Case-insensitive LIKE: ILIKE on PostgreSQL, LIKE (already case-insensitive for ASCII) on SQLite. */
export function ilike(db: Knex, column: string, pattern: string): Knex.Raw {
  return dialectOf(db) === 'postgres' ? db.raw('?? ILIKE ?', [column, pattern]) : db.raw('?? LIKE ?', [column, pattern]);
}

/** Floating-point cast for averages of integer columns (SQLite's AVG already returns REAL). */
export function realCast(db: Knex, expression: string): string {
  return dialectOf(db) === 'postgres' ? `(${expression})::double precision` : `(${expression}) * 1.0`;
}

/** Largest number of bound parameters one statement may carry. */
export function maxBindings(db: Knex): number {
  return dialectOf(db) === 'postgres' ? 65_000 : 32_000;
}

/**
 * Insert many rows in statements that stay under the engine's limits (see rowsPerInsert). On
 * PostgreSQL, rows that all name the same columns with plain values go as one JSON parameter per
 * JSON_ROWS_PER_INSERT rows (see jsonRowsInsert): planning a VALUES list of 65,000 parameters took
 * longer than inserting its rows.
 */
export async function batchInsert(db: Knex | Knex.Transaction, table: string, rows: Record<string, unknown>[]): Promise<void> {
  if (rows.length === 0) return;
  const columns = Object.keys(rows[0]!);
  if (dialectOf(db as Knex) === 'postgres' && rows.every((row) => sameColumnsOfPlainValues(row, columns))) {
    for (let i = 0; i < rows.length; i += JSON_ROWS_PER_INSERT) await jsonRowsInsert(db, table, columns, rows.slice(i, i + JSON_ROWS_PER_INSERT));
    return;
  }
  const size = rowsPerInsert(db as Knex, columns.length);
  for (let i = 0; i < rows.length; i += size) {
    await db(table).insert(rows.slice(i, i + size));
  }
}

/** PostgreSQL: rows per statement when they travel as one JSON parameter (a sensible statement size, no parameter limit). */
const JSON_ROWS_PER_INSERT = 5000;

/**
 * A row json_populate_recordset reads as knex would have written it: exactly these columns (a
 * missing one would be NULL there, not the column's default) and values JSON keeps as they are:
 * text, finite numbers, booleans, null (a Date, Buffer, array or object pg converts its own way).
 */
function sameColumnsOfPlainValues(row: Record<string, unknown>, columns: string[]): boolean {
  let count = 0;
  for (const key in row) {
    const value = row[key];
    const plain = value === null || typeof value === 'string' || typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value));
    if (!plain) return false;
    count++;
  }
  return count === columns.length && columns.every((c) => c in row);
}

/**
 * PostgreSQL only: one INSERT of the rows given as one JSON parameter, expanded by
 * json_populate_recordset against the table's own row type. `tail` follows the SELECT
 * (ON CONFLICT, RETURNING).
 */
function jsonRowsInsert(db: Knex | Knex.Transaction, table: string, columns: string[], rows: Record<string, unknown>[], tail = '', tailBindings: Knex.RawBinding[] = []) {
  const list = columns.map(() => '??').join(',');
  return db.raw(`insert into ?? (${list}) select ${list} from json_populate_recordset(null::??, ?)${tail}`, [table, ...columns, ...columns, table, JSON.stringify(rows), ...tailBindings]);
}

/**
 * Insert many rows, leaving out those whose `conflictColumn` value is already taken (a unique
 * index decides, so two writers at once still insert each key once), and give back how many
 * were inserted: RETURNING counts them on PostgreSQL, changes() on SQLite (same connection,
 * right after the statement: call it inside a transaction, which holds SQLite's one connection).
 *
 * On SQLite the statement is written as one multi-row VALUES list rather than knex's compound
 * SELECT (SELECT ... UNION ALL SELECT ...), which SQLite parses and plans as a query per row:
 * measured on 100 000 outbox rows, about 30 % less time.
 */
export async function insertIgnoringConflicts(db: Knex | Knex.Transaction, table: string, rows: Record<string, unknown>[], conflictColumn: string): Promise<number> {
  if (rows.length === 0) return 0;
  const columns = Object.keys(rows[0]!);
  const size = dialectOf(db as Knex) === 'postgres' ? JSON_ROWS_PER_INSERT : rowsPerInsert(db as Knex, columns.length);
  let inserted = 0;
  for (let i = 0; i < rows.length; i += size) {
    const part = rows.slice(i, i + size);
    if (dialectOf(db as Knex) === 'postgres') {
      // One JSON parameter expanded by json_populate_recordset against the table's own row type,
      // not knex's VALUES list with a parameter per value: PostgreSQL plans 2,000 rows × 16
      // columns of parameters for longer than it inserts them. Measured on the outbox (2,000-row
      // statements, same run): about half the time of the VALUES list.
      const result = await jsonRowsInsert(db, table, columns, part, ' on conflict (??) do nothing returning ??', [conflictColumn, conflictColumn]);
      inserted += (result as { rows: unknown[] }).rows.length;
    } else {
      const tuple = `(${columns.map(() => '?').join(',')})`;
      const values: Knex.Value[] = [];
      for (const row of part) for (const c of columns) values.push((row[c] ?? null) as Knex.Value);
      await db.raw(`insert into ?? (${columns.map(() => '??').join(',')}) values ${part.map(() => tuple).join(',')} on conflict (??) do nothing`, [table, ...columns, ...values, conflictColumn]);
      const [row] = (await db.raw('select changes() as n')) as Array<{ n: number }>;
      inserted += num(row?.n);
    }
  }
  return inserted;
}

/**
 * After a bulk load: PostgreSQL's planner works from table statistics that autovacuum refreshes
 * only a while after the load, and until then believes the table as small as it was. Measured on
 * the invitation upload: the next upload's duplicate check (500 keys a statement) scanned the whole
 * round through the (round_id, status) index, 22-60 ms a statement against 0.07 ms through the
 * (round_id, enterprise_key) one, so the second to fourth 100k files of a 2M import took 12-38 s
 * instead of 8. ANALYZE samples a fixed number of rows, so it costs about the same at any size.
 * SQLite plans without statistics unless ANALYZE was ever run, so there it does nothing.
 */
export async function refreshStatistics(db: Knex | Knex.Transaction, table: string): Promise<void> {
  if (dialectOf(db as Knex) === 'postgres') await db.raw('analyze ??', [table]);
}

/**
 * Rows per multi-row INSERT: under the parameter limit, and on SQLite at most 500 rows,
 * because knex writes a SQLite multi-row insert as a compound SELECT and SQLite refuses more
 * than 500 terms (SQLITE_MAX_COMPOUND_SELECT) with "too many terms in compound SELECT".
 */
export function rowsPerInsert(db: Knex, columns: number): number {
  const byBindings = Math.max(1, Math.floor(maxBindings(db) / Math.max(1, columns)) - 1);
  return dialectOf(db) === 'sqlite' ? Math.min(500, byBindings) : byBindings;
}

/**
 * Insert many rows (call it inside a transaction so they stand together) and give back the
 * requested columns of every inserted row. Order is not guaranteed: return a unique column
 * along with the id to match rows up.
 */
export async function batchInsertReturning<T extends Record<string, unknown>>(
  db: Knex | Knex.Transaction,
  table: string,
  rows: Record<string, unknown>[],
  returning: string[],
): Promise<T[]> {
  if (rows.length === 0) return [];
  const size = rowsPerInsert(db as Knex, Object.keys(rows[0]!).length);
  const out: T[] = [];
  for (let i = 0; i < rows.length; i += size) {
    const inserted = (await db(table).insert(rows.slice(i, i + size)).returning(returning)) as T[];
    for (const row of inserted) out.push(row);
  }
  return out;
}

/**
 * Concatenation of a text expression over a GROUP BY group: group_concat on SQLite,
 * string_agg on PostgreSQL. The separator is a literal from code, not user input.
 */
export function stringAgg(db: Knex, expression: string, separator: string): string {
  const sep = `'${separator.replace(/'/g, "''")}'`;
  return dialectOf(db) === 'postgres' ? `string_agg(${expression}, ${sep})` : `group_concat(${expression}, ${sep})`;
}

/**
 * Lock the rows a query reads for the rest of the transaction, so two transactions doing
 * the same check-then-write queue instead of both passing the check. PostgreSQL: SELECT ...
 * FOR UPDATE; SQLite already runs one write transaction at a time, so the query runs as is.
 */
export function forUpdate<T extends Knex.QueryBuilder>(trx: Knex.Transaction, query: T): T {
  return dialectOf(trx as unknown as Knex) === 'postgres' ? (query.forUpdate() as T) : query;
}

/** Take the row lock of one row (see forUpdate). */
export async function lockRowForUpdate(trx: Knex.Transaction, table: string, id: number): Promise<void> {
  await forUpdate(trx, trx(table).where({ id }).select('id'));
}

/**
 * Claim rows that no other transaction holds (work queues): SELECT ... FOR UPDATE SKIP LOCKED on
 * PostgreSQL, so several sender processes take disjoint batches; SQLite runs one write
 * transaction at a time, so the query runs as is.
 */
export function forUpdateSkipLocked<T extends Knex.QueryBuilder>(trx: Knex.Transaction, query: T): T {
  return dialectOf(trx as unknown as Knex) === 'postgres' ? (query.forUpdate().skipLocked() as T) : query;
}
