import type { Knex } from 'knex';
import { bool, forUpdate, insertReturningId, num, nowIso } from '../../db/dialect';
import { isLanguage, type Language } from '../../i18n';
import type { TRole, UserRecord } from './users.schemas';

function toRecord(row: Record<string, unknown>): UserRecord {
  return {
    id: num(row.id),
    email: String(row.email),
    name: String(row.name),
    passwordHash: String(row.password_hash),
    role: row.role as TRole,
    disabled: bool(row.disabled),
    tokenVersion: num(row.token_version),
    language: isLanguage(row.language) ? row.language : null,
    createdAt: String(row.created_at),
    updatedAt: String(row.updated_at),
  };
}

export interface UsersRepository {
  findById(id: number, trx?: Knex.Transaction): Promise<UserRecord | undefined>;
  findByEmail(email: string): Promise<UserRecord | undefined>;
  list(): Promise<UserRecord[]>;
  countActiveAdmins(trx?: Knex.Transaction): Promise<number>;
  create(input: { email: string; name: string; role: TRole; passwordHash: string; language?: Language | null }, trx?: Knex.Transaction): Promise<number>;
  update(
    id: number,
    patch: Partial<{ name: string; role: TRole; passwordHash: string; disabled: boolean; bumpTokenVersion: boolean; language: Language | null }>,
    trx?: Knex.Transaction,
  ): Promise<void>;
  audit(actorId: number | null, action: string, subject: string | null, detail?: string, trx?: Knex.Transaction): Promise<void>;
  transaction<T>(fn: (trx: Knex.Transaction) => Promise<T>): Promise<T>;
}

export class KnexUsersRepository implements UsersRepository {
  constructor(private readonly db: Knex) {}

  async findById(id: number, trx?: Knex.Transaction) {
    const row = await (trx ?? this.db)('users').where({ id }).first();
    return row ? toRecord(row) : undefined;
  }

  async findByEmail(email: string) {
    const row = await this.db('users').where({ email: email.toLowerCase() }).first();
    return row ? toRecord(row) : undefined;
  }

  async list() {
    const rows = await this.db('users').orderBy('email');
    return rows.map(toRecord);
  }

  /** Inside a transaction the counted rows stay locked, so two admins demoting each other at once cannot both pass. */
  async countActiveAdmins(trx?: Knex.Transaction) {
    if (trx) return (await forUpdate(trx, trx('users').where({ role: 'admin', disabled: false }).select('id'))).length;
    const row = await this.db('users').where({ role: 'admin', disabled: false }).count({ n: '*' }).first();
    return num(row?.n);
  }

  async create(input: { email: string; name: string; role: TRole; passwordHash: string; language?: Language | null }, trx?: Knex.Transaction) {
    const now = nowIso();
    return insertReturningId(trx ?? this.db, 'users', {
      email: input.email.toLowerCase(),
      name: input.name,
      role: input.role,
      password_hash: input.passwordHash,
      language: input.language ?? null,
      disabled: false,
      token_version: 1,
      created_at: now,
      updated_at: now,
    });
  }

  async update(
    id: number,
    patch: Partial<{ name: string; role: TRole; passwordHash: string; disabled: boolean; bumpTokenVersion: boolean; language: Language | null }>,
    trx?: Knex.Transaction,
  ) {
    const db = trx ?? this.db;
    const row: Record<string, unknown> = { updated_at: nowIso() };
    if (patch.name !== undefined) row.name = patch.name;
    if (patch.role !== undefined) row.role = patch.role;
    if (patch.passwordHash !== undefined) row.password_hash = patch.passwordHash;
    if (patch.disabled !== undefined) row.disabled = patch.disabled;
    if (patch.language !== undefined) row.language = patch.language;
    if (patch.bumpTokenVersion) row.token_version = db.raw('token_version + 1');
    await db('users').where({ id }).update(row);
  }

  async audit(actorId: number | null, action: string, subject: string | null, detail?: string, trx?: Knex.Transaction) {
    await (trx ?? this.db)('audit_log').insert({ actor_id: actorId, action, subject, detail: detail ?? null, created_at: nowIso() });
  }

  transaction<T>(fn: (trx: Knex.Transaction) => Promise<T>): Promise<T> {
    return this.db.transaction(fn);
  }
}
