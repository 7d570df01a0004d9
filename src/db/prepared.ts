import type { Knex } from 'knex';
import { dialectOf } from './dialect';

/**
 * The few statements every respondent request runs (issue 18: the one-shot submission), as
 * hand-written SQL that SQLite prepares once per connection and then only binds and steps.
 *
 * Why: on SQLite the work around a statement is larger than the statement. Measured on this
 * machine (5000 indexed SELECTs by id in a row, one connection, load 6): 0.15 ms through the knex
 * builder, 0.13 ms through knex.raw, 0.37 ms through the builder inside a knex transaction, and
 * 0.03 ms as an sqlite3 statement prepared once and reused. A submission runs eight statements
 * on SQLite's one connection, so this was most of what the bench's bare stack does not do.
 *
 * - SQLite: the connection is taken from knex (the transaction's own inside a transaction, else
 *   from the pool of one, so the statement still queues behind a running transaction), the
 *   statement comes from a per-connection cache, and knex's 'query' event is emitted as knex
 *   would, with the connection's transaction id, so statement counts (tests, debugging) see it.
 * - PostgreSQL: the same SQL, with `?` numbered `$n` once, as a named prepared statement of
 *   `pg` (its `{ name, text, values }` query config) on the connection knex hands out (the
 *   transaction's own inside a transaction, else one from the pool), with the same 'query' event.
 *   The server parses and plans each statement once per connection and then only binds and
 *   executes it; knex's builder, runner and its parse of the SQL are skipped as on SQLite.
 *
 * The SQL must be the same on both engines; write identifiers plainly (lower case, no quotes),
 * and no `?` other than parameters.
 */
export type HotValue = string | number | boolean | null;

interface SqliteStatement {
  all(params: HotValue[], callback: (this: unknown, err: Error | null, rows: Record<string, unknown>[]) => void): void;
  run(params: HotValue[], callback: (this: { changes: number }, err: Error | null) => void): void;
  finalize(callback?: () => void): void;
}

interface SqliteConnection {
  prepare(sql: string, callback?: (err: Error | null) => void): SqliteStatement;
  close(callback?: (err: Error | null) => void): void;
  __knexUid?: string;
  __knexTxId?: string;
}

interface KnexClientLike {
  acquireConnection(): Promise<unknown>;
  releaseConnection(connection: unknown): Promise<unknown>;
  emit(event: string, payload: unknown): boolean;
}

/** Statements per connection at most (the SQL of a multi-row INSERT depends on its row count). */
const MAX_STATEMENTS = 64;

interface Prepared {
  statement: SqliteStatement;
  /**
   * Settles when SQLite has prepared the SQL. node-sqlite3 drops the calls queued on a statement
   * whose preparation failed without ever calling them back, so each use waits for this first.
   */
  ready: Promise<void>;
}

const statements = new WeakMap<SqliteConnection, Map<string, Prepared>>();

function finalizeAll(cache: Map<string, Prepared>): Promise<void> {
  // One that failed to prepare is finalized already (and would never call back).
  const pending = [...cache.values()].map((p) => p.ready.then(() => new Promise<void>((resolve) => p.statement.finalize(() => resolve())), () => undefined));
  cache.clear();
  return Promise.all(pending).then(() => undefined);
}

/**
 * The connection's statement for `sql`, prepared on first use. The first use on a connection
 * also wraps its close(): SQLite refuses to close a connection with unfinalized statements.
 */
function statementOn(conn: SqliteConnection, sql: string): Prepared {
  let cache = statements.get(conn);
  if (!cache) {
    const own = new Map<string, Prepared>();
    cache = own;
    statements.set(conn, own);
    const close = conn.close.bind(conn);
    conn.close = (callback) => void finalizeAll(own).then(() => close(callback));
  }
  let prepared = cache.get(sql);
  if (prepared) {
    // Most recently used last, so the oldest is the one to go when the cache is full.
    cache.delete(sql);
  } else {
    if (cache.size >= MAX_STATEMENTS) {
      const [oldest, evicted] = cache.entries().next().value as [string, Prepared];
      cache.delete(oldest);
      evicted.statement.finalize();
    }
    let statement!: SqliteStatement;
    const ready = new Promise<void>((resolve, reject) => {
      // With a callback, a failed prepare is reported here instead of as an 'error' event.
      statement = conn.prepare(sql, (err) => (err ? reject(err) : resolve()));
    });
    prepared = { statement, ready };
  }
  cache.set(sql, prepared);
  return prepared;
}

async function onSqlite<T>(db: Knex | Knex.Transaction, sql: string, bindings: HotValue[], method: 'all' | 'run', step: (s: SqliteStatement) => Promise<T>): Promise<T> {
  const client = db.client as unknown as KnexClientLike;
  const conn = (await client.acquireConnection()) as SqliteConnection;
  try {
    client.emit('query', { __knexUid: conn.__knexUid, __knexTxId: conn.__knexTxId, method, sql, bindings, options: {} });
    const prepared = statementOn(conn, sql);
    try {
      await prepared.ready;
    } catch (error) {
      // SQLite finalized the statement it could not prepare: drop it, so that it is prepared
      // afresh next time (after a migration, say).
      if (statements.get(conn)?.get(sql) === prepared) statements.get(conn)!.delete(sql);
      throw error;
    }
    return await step(prepared.statement);
  } finally {
    await client.releaseConnection(conn);
  }
}

interface PgResult {
  rows: Record<string, unknown>[];
  rowCount: number | null;
}

interface PgConnection {
  query(config: { name?: string; text: string; values: HotValue[] }): Promise<PgResult>;
  __knexUid?: string;
  __knexTxId?: string;
}

/**
 * A statement as `pg` is given it. Every connection prepares a named statement once, and the
 * server keeps it for the connection's life, so names are handed out to the first
 * MAX_PG_NAMED distinct statements only (a multi-row INSERT's text varies with its row
 * count); any further one runs unnamed, parsed each time as knex.raw would.
 */
interface PgStatement {
  name: string | undefined;
  text: string;
}

const MAX_PG_NAMED = 200;
const pgStatements = new Map<string, PgStatement>();

function pgStatementOf(sql: string): PgStatement {
  const known = pgStatements.get(sql);
  if (known) return known;
  let n = 0;
  const text = sql.replace(/\?/g, () => `$${++n}`);
  if (pgStatements.size >= MAX_PG_NAMED) return { name: undefined, text };
  // The same text has the same name on every connection; pg refuses a name reused for another text.
  const statement = { name: `kedergi_hot_${pgStatements.size + 1}`, text };
  pgStatements.set(sql, statement);
  return statement;
}

/**
 * Connections on which PostgreSQL refused a prepared statement because a table it reads changed
 * shape since (`select *` after another process's migration added a column: "cached plan must
 * not change result type", which it repeats for as long as the statement exists). They run every
 * hot statement unnamed from then on.
 */
const unnamedOn = new WeakSet<PgConnection>();

function planOutdated(error: unknown): boolean {
  const e = error as { code?: unknown; message?: unknown };
  return e.code === '0A000' && /cached plan must not change result type/i.test(String(e.message));
}

async function onPostgres(db: Knex | Knex.Transaction, sql: string, bindings: HotValue[], method: 'all' | 'run'): Promise<PgResult> {
  const client = db.client as unknown as KnexClientLike;
  const { name, text } = pgStatementOf(sql);
  const conn = (await client.acquireConnection()) as PgConnection;
  try {
    client.emit('query', { __knexUid: conn.__knexUid, __knexTxId: conn.__knexTxId, method, sql: text, bindings, options: {} });
    const named = name !== undefined && !unnamedOn.has(conn);
    try {
      return await conn.query({ name: named ? name : undefined, text, values: bindings });
    } catch (error) {
      if (!named || !planOutdated(error)) throw error;
      unnamedOn.add(conn);
      // Inside a transaction PostgreSQL has aborted it: the error goes to the caller, whose
      // retry runs unnamed. Outside one nothing was done: once more, parsed afresh.
      if (conn.__knexTxId !== undefined) throw error;
      return await conn.query({ text, values: bindings });
    }
  } finally {
    await client.releaseConnection(conn);
  }
}

/** The rows of a SELECT, or of an INSERT/UPDATE ... RETURNING. */
export function hotAll<T = Record<string, unknown>>(db: Knex | Knex.Transaction, sql: string, bindings: HotValue[]): Promise<T[]> {
  if (dialectOf(db as Knex) === 'postgres') return onPostgres(db, sql, bindings, 'all').then((r) => r.rows as T[]);
  return onSqlite(db, sql, bindings, 'all', (s) => new Promise<T[]>((resolve, reject) => s.all(bindings, (err, rows) => (err ? reject(err) : resolve(rows as T[])))));
}

/** The number of rows an INSERT, UPDATE or DELETE changed. */
export function hotRun(db: Knex | Knex.Transaction, sql: string, bindings: HotValue[]): Promise<number> {
  if (dialectOf(db as Knex) === 'postgres') return onPostgres(db, sql, bindings, 'run').then((r) => r.rowCount ?? 0);
  return onSqlite(db, sql, bindings, 'run', (s) => new Promise<number>((resolve, reject) => s.run(bindings, function (err) {
    if (err) reject(err);
    else resolve(this.changes);
  })));
}
