import type { AppContext } from '../../../src/context';
import { insertReturningId, num } from '../../../src/db/dialect';
import { hashToken } from '../../../src/lib/tokens';
import { innovation, insertProfileAnswers, profileItemsOf } from '../../helpers/profile';

let counter = 0;

/**
 * An invitation in a given state, with its response (profile answers and the other answers)
 * when it has been started, written as the respondent flow would leave it.
 */
export async function insertInvitation(
  ctx: AppContext,
  roundId: number,
  spec: {
    name?: string;
    contact?: string | null;
    territoryId: number | null;
    sector?: string | null;
    size?: string | null;
    state: 'pending' | 'opened' | 'in_progress' | 'submitted';
    source?: 'list' | 'public';
    response?: {
      language?: string;
      territoryId?: number | null;
      sector?: string | null;
      size?: string | null;
      employees?: number | null;
      innovated?: boolean | null;
      profile?: Record<string, unknown>;
      answers?: Record<string, number | null | { value: number | null; comment?: string }>;
      submittedAt?: string;
    };
  },
): Promise<{ invitationId: number; responseId?: number }> {
  const now = '2026-11-20T08:00:00.000Z';
  const state = spec.state;
  const invitationId = await insertReturningId(ctx.db, 'invitations', {
    round_id: roundId,
    token_hash: hashToken(`fixture-${process.pid}-${++counter}-${Math.random()}`),
    source: spec.source ?? 'list',
    enterprise_name: spec.name ?? `Enterprise ${counter}`,
    contact: spec.contact ?? null,
    territory_id: spec.source === 'public' ? null : spec.territoryId,
    sector: spec.source === 'public' ? null : spec.sector ?? 'A',
    size: spec.source === 'public' ? null : spec.size ?? 'micro',
    status: state,
    opened_at: state === 'pending' ? null : now,
    started_at: state === 'in_progress' || state === 'submitted' ? now : null,
    submitted_at: state === 'submitted' ? spec.response?.submittedAt ?? now : null,
    created_at: now,
  });
  if (state !== 'in_progress' && state !== 'submitted') return { invitationId };
  const r = spec.response ?? {};
  const responseId = await insertReturningId(ctx.db, 'responses', {
    round_id: roundId,
    invitation_id: invitationId,
    status: state,
    language: r.language ?? 'kk',
    started_at: now,
    updated_at: now,
    submitted_at: state === 'submitted' ? r.submittedAt ?? now : null,
  });
  const round = await ctx.db('rounds').where({ id: roundId }).first('questionnaire_id');
  const territoryId = r.territoryId ?? spec.territoryId;
  const territory = territoryId === null ? undefined : await ctx.db('territories').where({ id: territoryId }).first('code');
  await insertProfileAnswers(ctx.db, await profileItemsOf(ctx.db, num(round.questionnaire_id)), responseId, roundId, {
    territory: territory?.code ?? null,
    sector: r.sector ?? spec.sector ?? 'A',
    size: r.size ?? spec.size ?? 'micro',
    employees: r.employees ?? null,
    innovated: innovation(r.innovated),
    ...(r.profile as Record<string, never>),
  });
  if (r.answers) {
    const items = await ctx.db('questionnaire_items as qi')
      .join('rounds as ro', 'ro.questionnaire_id', 'qi.questionnaire_id')
      .where('ro.id', roundId)
      .select('qi.id', 'qi.code');
    const idOf = new Map(items.map((i: { id: unknown; code: string }) => [i.code, num(i.id)]));
    const rows = Object.entries(r.answers).map(([code, a]) => {
      const answer = a !== null && typeof a === 'object' ? a : { value: a };
      return { response_id: responseId, item_id: idOf.get(code), round_id: roundId, value: answer.value, cannot_judge: answer.value === null, comment: answer.comment ?? null };
    });
    await ctx.db('answers').insert(rows);
  }
  return { invitationId, responseId };
}
