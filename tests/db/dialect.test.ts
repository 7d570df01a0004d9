import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Knex } from 'knex';
import { createDb } from '../../src/db/knex';
import { batchInsert, bool, insertIgnoringConflicts, num, numOrNull, refreshStatistics } from '../../src/db/dialect';
import { freshDatabase, testDbEngine, type FreshDatabase } from '../helpers/db';

/**
 * batchInsert on both engines: on PostgreSQL plain rows go as one JSON parameter per statement,
 * other rows through knex's VALUES list; either way what is stored is what knex would store.
 */
describe(`batchInsert on ${testDbEngine}`, () => {
  let fresh: FreshDatabase;
  let db: Knex;

  beforeAll(async () => {
    fresh = await freshDatabase();
    db = createDb(fresh.database);
    await db.schema.createTable('bulk_things', (t) => {
      t.increments('id');
      t.string('code').notNullable().unique();
      t.integer('n');
      t.double('x');
      t.boolean('flag').notNullable().defaultTo(false);
      t.text('note');
      t.string('stamp', 40).notNullable().defaultTo('default stamp');
      t.string('label', 40).defaultTo('unlabelled');
    });
  });
  beforeEach(async () => {
    await db('bulk_things').del();
  });
  afterAll(async () => {
    await db.destroy();
    await fresh.drop();
  });

  const read = async () =>
    (await db('bulk_things').orderBy('code').select('code', 'n', 'x', 'flag', 'note', 'stamp')).map((r: Record<string, unknown>) => ({
      code: r.code,
      n: numOrNull(r.n),
      x: numOrNull(r.x),
      flag: bool(r.flag),
      note: r.note,
      stamp: r.stamp,
    }));

  it('stores every value as given: text with quotes, backslashes, new lines and Kazakh letters, numbers, booleans, null', async () => {
    const rows = [
      { code: 'a', n: 1, x: 0.1 + 0.2, flag: true, note: 'say "қазақ" \\ ok\nnext line', stamp: '2026-11-28T14:00:00.000Z' },
      { code: 'b', n: -7, x: 1e-12, flag: false, note: null, stamp: "it's" },
      { code: 'c', n: null, x: null, flag: false, note: '{"json": [1, 2]}', stamp: '' },
    ];
    await batchInsert(db, 'bulk_things', rows);
    expect(await read()).toEqual(rows);
  });

  it('leaves a column some rows leave out to knex, as before: its default on PostgreSQL, null on SQLite', async () => {
    // knex writes DEFAULT there on PostgreSQL; SQLite's compound SELECT has no DEFAULT, so NULL.
    // The JSON statement would give NULL on PostgreSQL too, so such rows must not take it.
    await batchInsert(db, 'bulk_things', [
      { code: 'a', n: 1, label: 'given' },
      { code: 'b', n: 2 },
    ]);
    const labels = (await db('bulk_things').orderBy('code').select('label')).map((r: { label: string | null }) => r.label);
    expect(labels).toEqual(['given', testDbEngine === 'postgres' ? 'unlabelled' : null]);
  });

  it('takes more rows than one statement holds, all or nothing inside a transaction', async () => {
    const rows = Array.from({ length: 12_345 }, (_, i) => ({ code: `r${String(i).padStart(5, '0')}`, n: i, x: i / 3, flag: i % 2 === 0, note: i % 5 ? null : `note ${i}` }));
    await batchInsert(db, 'bulk_things', rows);
    expect(num((await db('bulk_things').count('* as n'))[0]!.n)).toBe(12_345);
    expect(num((await db('bulk_things').sum('n as s'))[0]!.s)).toBe((12_344 * 12_345) / 2);
    expect((await read()).slice(-2)).toEqual([
      { code: 'r12343', n: 12_343, x: 12_343 / 3, flag: false, note: null, stamp: 'default stamp' },
      { code: 'r12344', n: 12_344, x: 12_344 / 3, flag: true, note: null, stamp: 'default stamp' },
    ]);

    // A duplicate in the last statement: nothing of the earlier statements stays either.
    await db('bulk_things').del();
    const clash = [...rows, { code: 'r00000', n: 0, x: 0, flag: false, note: null }];
    await expect(db.transaction((trx) => batchInsert(trx, 'bulk_things', clash))).rejects.toThrow();
    expect(num((await db('bulk_things').count('* as n'))[0]!.n)).toBe(0);
  });

  it('insertIgnoringConflicts inserts the new keys only and counts them', async () => {
    await batchInsert(db, 'bulk_things', [{ code: 'a', n: 1 }]);
    const inserted = await db.transaction((trx) =>
      insertIgnoringConflicts(
        trx,
        'bulk_things',
        [
          { code: 'a', n: 100 },
          { code: 'b', n: 2 },
        ],
        'code',
      ),
    );
    expect(inserted).toBe(1);
    expect((await read()).map((r) => [r.code, r.n])).toEqual([
      ['a', 1],
      ['b', 2],
    ]);
  });

  it("refreshStatistics gives PostgreSQL's planner the table's real size after a bulk load, and leaves SQLite as it was", async () => {
    await batchInsert(db, 'bulk_things', Array.from({ length: 5000 }, (_, i) => ({ code: `s${i}`, n: i })));
    await refreshStatistics(db, 'bulk_things');
    if (testDbEngine === 'postgres') {
      const [row] = (await db.raw("select reltuples from pg_class where relname = 'bulk_things'")).rows as Array<{ reltuples: number }>;
      expect(Number(row!.reltuples)).toBe(5000);
    } else {
      // No ANALYZE on SQLite: it keeps planning without statistics, as before.
      expect(await db.raw("select name from sqlite_master where name = 'sqlite_stat1'")).toEqual([]);
    }
  });
});
