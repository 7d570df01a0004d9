import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import knex, { type Knex } from 'knex';
import { createDb } from '../../src/db/knex';
import { hotAll, hotRun } from '../../src/db/prepared';
import { freshDatabase, testDbEngine, type FreshDatabase } from '../helpers/db';

/**
 * The prepared-statement path of the submission's hot statements (src/db/prepared.ts): same
 * results as knex on both engines, on the caller's transaction, counted in knex's query events,
 * queued behind a running transaction on SQLite's one connection, and closed cleanly.
 */
describe(`prepared hot statements on ${testDbEngine}`, () => {
  let fresh: FreshDatabase;
  let db: Knex;

  beforeAll(async () => {
    fresh = await freshDatabase();
    db = createDb(fresh.database);
    await db.schema.createTable('hot_things', (t) => {
      t.increments('id');
      t.string('name').notNullable().unique();
      t.boolean('flag').notNullable().defaultTo(false);
      t.integer('n');
    });
  });
  afterAll(async () => {
    await db.destroy();
    await fresh.drop();
  });

  it('reads and writes what knex reads and writes, the same statement many times', async () => {
    for (let i = 0; i < 5; i++) expect(await hotRun(db, 'insert into hot_things (name, flag, n) values (?, ?, ?)', [`a${i}`, i % 2 === 0, i])).toBe(1);
    const rows = await hotAll<{ name: string; n: number }>(db, 'select name, n from hot_things where n >= ? order by n', [3]);
    expect(rows).toEqual([
      { name: 'a3', n: 3 },
      { name: 'a4', n: 4 },
    ]);
    expect(await hotRun(db, 'update hot_things set n = n + 10 where flag = ?', [true])).toBe(3);
    expect((await db('hot_things').where('n', '>=', 10).orderBy('n').pluck('name')).map(String)).toEqual(['a0', 'a2', 'a4']);
    const returned = await hotAll<{ id: number }>(db, 'insert into hot_things (name) values (?) returning id', ['r1']);
    expect(Number(returned[0]!.id)).toBe(Number((await db('hot_things').where({ name: 'r1' }).first()).id));
  });

  it('runs on the caller transaction: its writes roll back with it, and its query events carry the transaction id', async () => {
    const seen: Array<{ sql: string; txId?: string }> = [];
    const listener = (q: { sql: string; __knexTxId?: string }) => seen.push({ sql: q.sql, txId: q.__knexTxId });
    db.client.on('query', listener);
    try {
      await db
        .transaction(async (trx) => {
          await trx('hot_things').insert({ name: 'by-knex' });
          expect(await hotRun(trx, 'insert into hot_things (name) values (?)', ['by-hot'])).toBe(1);
          // The transaction sees its own uncommitted row through the prepared path.
          expect(await hotAll(trx, 'select name from hot_things where name = ?', ['by-knex'])).toHaveLength(1);
          throw new Error('roll back');
        })
        .catch((e: Error) => expect(e.message).toBe('roll back'));
    } finally {
      db.client.removeListener('query', listener);
    }
    expect(await db('hot_things').whereIn('name', ['by-knex', 'by-hot']).count<{ c: number }[]>('* as c')).toEqual([{ c: testDbEngine === 'postgres' ? '0' : 0 }]);
    // PostgreSQL's events show the statement with $1 where SQLite's keep the ?.
    const hotInsert = seen.find((s) => /^insert into hot_things \(name\) values \((\?|\$1)\)$/.test(s.sql));
    const knexInsert = seen.find((s) => s !== hotInsert && /^insert into\W+hot_things/i.test(s.sql));
    expect(hotInsert, 'the prepared statement is in the query events').toBeDefined();
    expect(hotInsert!.txId).toBeDefined();
    expect(hotInsert!.txId).toBe(knexInsert!.txId);
  });

  it.skipIf(testDbEngine !== 'sqlite')('waits for a running transaction on the one SQLite connection instead of joining it', async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let inserted!: () => void;
    const insertedInside = new Promise<void>((resolve) => (inserted = resolve));
    const transaction = db
      .transaction(async (trx) => {
        await trx('hot_things').insert({ name: 'uncommitted' });
        inserted();
        await held;
        throw new Error('roll back');
      })
      .catch(() => undefined);
    await insertedInside;
    let settled = false;
    const outside = hotAll(db, 'select name from hot_things where name = ?', ['uncommitted']).then((rows) => {
      settled = true;
      return rows;
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(settled).toBe(false);
    release();
    await transaction;
    expect(await outside).toEqual([]);
  });

  it('reports a statement SQLite or PostgreSQL refuses with its own error, and prepares it afresh once it is valid', async () => {
    const sql = 'select id from hot_later where id = ?';
    await expect(hotAll(db, sql, [1])).rejects.toThrow(/hot_later/);
    await expect(hotAll(db, sql, [1])).rejects.toThrow(/hot_later/);
    await db.schema.createTable('hot_later', (t) => t.increments('id'));
    await db('hot_later').insert({});
    expect((await hotAll<{ id: number }>(db, sql, [1])).map((r) => Number(r.id))).toEqual([1]);
    // A constraint error leaves the statement usable.
    await expect(hotRun(db, 'insert into hot_things (name) values (?)', ['a0'])).rejects.toThrow(/unique|UNIQUE/);
    expect(await hotRun(db, 'insert into hot_things (name) values (?)', ['a0-again'])).toBe(1);
  });

  it.skipIf(testDbEngine !== 'postgres')('keeps answering when another process changes a table a prepared statement reads (select * after a migration)', async () => {
    // Before the next test, which uses up the names (statements past them run unnamed).
    // One connection, so the second read meets the statement the first prepared.
    const own = knex({ client: 'pg', connection: fresh.database.client === 'postgres' ? fresh.database.url : '', pool: { min: 0, max: 1 } });
    try {
      await own.schema.createTable('hot_shape', (t) => t.increments('id'));
      await own('hot_shape').insert({});
      const sql = 'select * from hot_shape where id = ?';
      expect(await hotAll(own, sql, [1])).toEqual([{ id: 1 }]);
      await own.schema.alterTable('hot_shape', (t) => t.integer('added').defaultTo(7));
      expect(await hotAll(own, sql, [1])).toEqual([{ id: 1, added: 7 }]);
      expect(await hotAll(own, sql, [1])).toEqual([{ id: 1, added: 7 }]);
    } finally {
      await own.destroy();
    }
  });

  it.skipIf(testDbEngine !== 'postgres')('prepares a statement once per PostgreSQL connection, under one name, and names a bounded number of statements', async () => {
    const sql = 'select name from hot_things where name = ?';
    await db.transaction(async (trx) => {
      for (const name of ['a1', 'a2', 'a3']) expect(await hotAll(trx, sql, [name])).toEqual([{ name }]);
      const prepared = (await trx.raw('select name, statement from pg_prepared_statements')).rows as Array<{ name: string; statement: string }>;
      const ours = prepared.filter((p) => p.statement === 'select name from hot_things where name = $1');
      expect(ours).toHaveLength(1);
      expect(ours[0]!.name).toMatch(/^kedergi_hot_\d+$/);
      // Statements whose text differs (a multi-row INSERT's varies with its rows): past the cap they run unnamed.
      for (let i = 0; i < 230; i++) expect(await hotAll<{ n: number }>(trx, `select ?::int + ${i} as n`, [1])).toEqual([{ n: 1 + i }]);
      const count = Number((await trx.raw('select count(*) as c from pg_prepared_statements')).rows[0].c);
      expect(count).toBeGreaterThan(100);
      expect(count).toBeLessThanOrEqual(200);
    });
  });

  it.skipIf(testDbEngine !== 'sqlite')('finalizes its statements so that the SQLite connection closes (the WAL file is removed)', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kedergi-prepared-'));
    const file = path.join(dir, 'db.sqlite');
    const own = createDb({ client: 'sqlite', filename: file });
    try {
      await own.schema.createTable('t', (t) => t.integer('n'));
      // More distinct statements than the cache keeps, so some are finalized on the way.
      for (let i = 0; i < 80; i++) await hotRun(own, `insert into t (n) values (${i})`, []);
      expect(await hotAll(own, 'select count(*) as c from t', [])).toEqual([{ c: 80 }]);
      expect(fs.existsSync(`${file}-wal`)).toBe(true);
    } finally {
      await own.destroy();
    }
    expect(fs.existsSync(`${file}-wal`)).toBe(false);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
