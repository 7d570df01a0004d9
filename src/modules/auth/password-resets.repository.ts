import type { Knex } from 'knex';
import { num } from '../../db/dialect';

/** Reset tokens, stored as their SHA-256 only. */
export class PasswordResetsRepository {
  constructor(private readonly db: Knex) {}

  async create(userId: number, tokenHash: string, expiresAt: string, now: string): Promise<void> {
    await this.db.transaction(async (trx) => {
      // A new request replaces the earlier links of the account: only the latest works.
      await trx('password_resets').where({ user_id: userId }).whereNull('used_at').update({ used_at: now });
      await trx('password_resets').insert({ user_id: userId, token_hash: tokenHash, expires_at: expiresAt, created_at: now });
    });
  }

  async findUsable(tokenHash: string, now: string): Promise<{ userId: number } | undefined> {
    const row = await this.db('password_resets').where({ token_hash: tokenHash }).whereNull('used_at').where('expires_at', '>', now).first('user_id');
    return row ? { userId: num(row.user_id) } : undefined;
  }

  /** Spend the token: of two concurrent uses exactly one gets the user back. */
  async consume(tokenHash: string, now: string): Promise<number | undefined> {
    return this.db.transaction(async (trx) => {
      const row = await trx('password_resets').where({ token_hash: tokenHash }).whereNull('used_at').where('expires_at', '>', now).first('id', 'user_id');
      if (!row) return undefined;
      const changed = await trx('password_resets').where({ id: row.id }).whereNull('used_at').update({ used_at: now });
      return num(changed) === 1 ? num(row.user_id) : undefined;
    });
  }

  async purgeOld(before: string): Promise<void> {
    await this.db('password_resets').where('expires_at', '<', before).delete();
  }
}
