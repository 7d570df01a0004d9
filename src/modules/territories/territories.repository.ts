import type { Knex } from 'knex';
import { insertReturningId, num, numOrNull } from '../../db/dialect';
import type { TerritoryRecord, TTerritoryInput, TTerritoryKind } from './territories.schemas';

function toRecord(row: Record<string, unknown>): TerritoryRecord {
  return {
    id: num(row.id),
    code: String(row.code),
    name_kk: String(row.name_kk),
    name_ru: String(row.name_ru),
    name_en: String(row.name_en),
    kind: row.kind as TTerritoryKind,
    parentId: numOrNull(row.parent_id),
    position: num(row.position),
  };
}

function toRow(input: TTerritoryInput): Record<string, unknown> {
  return {
    code: input.code,
    name_kk: input.name_kk,
    name_ru: input.name_ru,
    name_en: input.name_en,
    kind: input.kind,
    parent_id: input.parentId,
    position: input.position,
  };
}

export class TerritoriesRepository {
  constructor(private readonly db: Knex) {}

  async list(trx?: Knex.Transaction): Promise<TerritoryRecord[]> {
    const rows = await (trx ?? this.db)('territories').orderBy([{ column: 'position' }, { column: 'id' }]);
    return rows.map(toRecord);
  }

  async findById(id: number, trx?: Knex.Transaction): Promise<TerritoryRecord | undefined> {
    const row = await (trx ?? this.db)('territories').where({ id }).first();
    return row ? toRecord(row) : undefined;
  }

  async findByCode(code: string, trx?: Knex.Transaction): Promise<TerritoryRecord | undefined> {
    const row = await (trx ?? this.db)('territories').where({ code: code.toLowerCase() }).first();
    return row ? toRecord(row) : undefined;
  }

  async existingIds(ids: number[], trx?: Knex.Transaction): Promise<Set<number>> {
    if (ids.length === 0) return new Set();
    const rows = await (trx ?? this.db)('territories').whereIn('id', ids).select('id');
    return new Set(rows.map((r: { id: unknown }) => num(r.id)));
  }

  async count(): Promise<number> {
    const row = await this.db('territories').count({ n: '*' }).first();
    return num(row?.n);
  }

  async create(input: TTerritoryInput, trx?: Knex.Transaction): Promise<number> {
    return insertReturningId(trx ?? this.db, 'territories', toRow(input));
  }

  async update(id: number, input: TTerritoryInput, trx?: Knex.Transaction): Promise<void> {
    await (trx ?? this.db)('territories').where({ id }).update(toRow(input));
  }

  transaction<T>(fn: (trx: Knex.Transaction) => Promise<T>): Promise<T> {
    return this.db.transaction(fn);
  }
}
