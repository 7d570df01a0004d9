import type { AppContext } from '../../../src/context';
import { expect } from 'vitest';
import { dialectOf, insertReturningId, num, nowIso } from '../../../src/db/dialect';

/**
 * Rows the invitation and monitoring tests need, inserted directly so that these tests do not
 * depend on the rounds pages: a round of the seeded SME-BARRIERS questionnaire.
 */
export async function insertRound(
  ctx: AppContext,
  overrides: Partial<{ status: string; title: string; target_total: number | null; closes_at: string | null }> = {},
): Promise<number> {
  const q = await ctx.db('questionnaires').where({ code: 'SME-BARRIERS' }).orderBy('version', 'desc').first();
  if (!q) throw new Error('base seed missing: no SME-BARRIERS questionnaire');
  const now = nowIso();
  return insertReturningId(ctx.db, 'rounds', {
    title: overrides.title ?? 'Test round',
    questionnaire_id: q.id,
    status: overrides.status ?? 'open',
    audience: 'invitation',
    target_total: overrides.target_total ?? null,
    closes_at: overrides.closes_at ?? null,
    created_at: now,
    updated_at: now,
  });
}

export async function territoryId(ctx: AppContext, code: string): Promise<number> {
  const row = await ctx.db('territories').where({ code }).first();
  if (!row) throw new Error(`no territory ${code}`);
  return num(row.id);
}

/** Every value of every row of every table, for "is this secret stored anywhere" checks. */
export async function dumpAllText(ctx: AppContext): Promise<string> {
  const tables: string[] =
    dialectOf(ctx.db) === 'postgres'
      ? (await ctx.db.raw(`SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public'`)).rows.map((r: { name: string }) => r.name)
      : (await ctx.db.raw(`SELECT name FROM sqlite_master WHERE type = 'table'`)).map((r: { name: string }) => r.name);
  expect(tables).toContain('invitation_link_batches');
  const parts: string[] = [];
  for (const table of tables) parts.push(JSON.stringify(await ctx.db(table).select('*')));
  return parts.join('\n');
}

/** The link tokens shown on a page (…/r/<22 base64url chars>). */
export function linksIn(html: string): string[] {
  return [...html.matchAll(/https?:\/\/[^\s<"]+\/r\/([A-Za-z0-9_-]{22})/g)].map((m) => m[0]);
}

export function tokenOf(link: string): string {
  return link.slice(link.lastIndexOf('/r/') + 3);
}
