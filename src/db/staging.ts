import type { Knex } from 'knex';
import { insertReturningId, nowIso } from './dialect';

/**
 * Uploads that wait for their uploader's decision: a programme actuals file that would overwrite
 * stored values, an XLSForm read on the admin page, an indicators file between its preview and its
 * confirmation. Each sits in its module's own table (programme_actual_imports, questionnaire_imports,
 * indicator_imports) with the same columns for the part they share: `created_by`, `created_at`,
 * `expires_at`. This is the one place that stores, finds and drops them, with one lifetime and one
 * rule for who sees them (`ownWaiting`). Only repositories use the class (it holds knex).
 */
export const STAGED_UPLOAD_TTL_MS = 24 * 60 * 60 * 1000;

/** The columns every staged upload has. */
export interface StagedUpload {
  id: number;
  createdBy: number | null;
  /** ISO time; null only for indicator previews stored before expiry existed (they wait until confirmed). */
  expiresAt: string | null;
}

/**
 * Whether a staged upload is `actorId`'s and still waiting. Someone else's, or one past its expiry,
 * is for them as if it did not exist (its page answers 404, not "forbidden").
 */
export function ownWaiting<T extends StagedUpload>(upload: T | undefined, actorId: number, now: Date = new Date()): upload is T {
  return upload !== undefined && upload.createdBy === actorId && (upload.expiresAt === null || upload.expiresAt >= now.toISOString());
}

export class StagedUploads {
  /**
   * @param table the module's staging table
   * @param waiting what marks a row as still waiting, where a table also keeps decided ones
   *   (indicator previews stay as `confirmed` so their page can say so)
   */
  constructor(
    private readonly db: Knex,
    private readonly table: string,
    private readonly waiting: Record<string, unknown> = {},
  ) {}

  /** Stores an upload for its uploader, waiting a day; the table's expired uploads are deleted first. */
  async stage(row: Record<string, unknown>, createdBy: number | null, now: Date = new Date()): Promise<number> {
    await this.db(this.table).where(this.waiting).where('expires_at', '<', now.toISOString()).delete();
    return insertReturningId(this.db, this.table, {
      ...row,
      ...this.waiting,
      created_by: createdBy,
      created_at: nowIso(),
      expires_at: new Date(now.getTime() + STAGED_UPLOAD_TTL_MS).toISOString(),
    });
  }

  /** The stored row, whoever's and whether expired (the caller applies `ownWaiting`). */
  async row(id: number, trx?: Knex | Knex.Transaction): Promise<Record<string, unknown> | undefined> {
    return (trx ?? this.db)(this.table).where({ id }).first();
  }

  /** Drops a waiting upload; false when it was no longer there (a second click, another tab). */
  async drop(id: number, trx?: Knex | Knex.Transaction): Promise<boolean> {
    return (await (trx ?? this.db)(this.table).where({ id, ...this.waiting }).delete()) === 1;
  }
}

/** The shared columns of a stored row, for the module's own record type. */
export function stagedColumns(row: Record<string, unknown>): StagedUpload {
  return {
    id: Number(row.id),
    createdBy: row.created_by == null ? null : Number(row.created_by),
    expiresAt: row.expires_at == null ? null : String(row.expires_at),
  };
}
