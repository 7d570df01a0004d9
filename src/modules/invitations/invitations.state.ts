import type { Knex } from 'knex';
import { num, numOrNull } from '../../db/dialect';
import type { InvitationListRow, TInvitationState } from './invitations.schemas';

/**
 * The state of an invitation: one state machine, owned here. Stored states move only forward,
 * along INVITATION_TRANSITIONS, and only through InvitationsService.move (the respondent flow
 * calls it when a link is opened, the first page is saved and the questionnaire is submitted):
 *
 *   pending -> opened -> in_progress -> submitted
 *        \________\___________\-------> expired
 *
 * A public link's invitation is born opened. Skipping a stage is allowed (an API client may save
 * without opening, a one-request submission goes straight to submitted). "expired" is also
 * reached without a write: the effective state (invitationStateSql) counts an unfinished
 * invitation as expired past its own expiry or once its round has ended.
 */
export const INVITATION_TRANSITIONS: Readonly<Record<TInvitationState, readonly TInvitationState[]>> = {
  pending: ['opened', 'in_progress', 'submitted', 'expired'],
  opened: ['in_progress', 'submitted', 'expired'],
  in_progress: ['submitted', 'expired'],
  submitted: [],
  expired: [],
};

/** The stored states from which an invitation may move to `to`. */
export function statesBefore(to: TInvitationState): TInvitationState[] {
  return (Object.keys(INVITATION_TRANSITIONS) as TInvitationState[]).filter((from) => INVITATION_TRANSITIONS[from].includes(to));
}

/** Whether a respondent's link no longer works by the invitation's own state: marked expired or past its expiry. */
export function invitationExpired(invitation: { status: TInvitationState; expiresAt: string | null }, now: number): boolean {
  return invitation.status === 'expired' || (invitation.expiresAt !== null && Date.parse(invitation.expiresAt) <= now);
}

export function canMoveInvitation(from: TInvitationState, to: TInvitationState): boolean {
  return INVITATION_TRANSITIONS[from].includes(to);
}

/*
 * The effective state in SQL, for the repositories that count or list invitations by state
 * (this module's and monitoring's). Progress is read from the invitation row and, to stay right whichever of them the
 * respondent flow updates first, from its response row too. Every query that uses these
 * fragments aliases invitations as i, rounds as ro and responses as resp.
 */
// NULL-safe throughout (no response row means resp.status IS NULL): these fragments are also negated.
export const SUBMITTED_SQL = `(i.status = 'submitted' OR i.submitted_at IS NOT NULL OR COALESCE(resp.status, '') = 'submitted')`;
export const STARTED_SQL = `(${SUBMITTED_SQL} OR i.status = 'in_progress' OR i.started_at IS NOT NULL OR resp.id IS NOT NULL)`;
export const OPENED_SQL = `(${STARTED_SQL} OR i.status = 'opened' OR i.opened_at IS NOT NULL)`;
/** An unfinished invitation is expired when marked so, past its own expiry, or when its round has ended. */
const EXPIRED_SQL = `(i.status = 'expired' OR (i.expires_at IS NOT NULL AND i.expires_at < ?) OR ro.status IN ('closed', 'archived') OR (ro.closes_at IS NOT NULL AND ro.closes_at < ?))`;

/** SQL CASE giving the effective state of an invitation at `now` (ISO string), with its bindings. */
export function invitationStateSql(now: string): { sql: string; bindings: string[] } {
  return {
    sql: `CASE WHEN ${SUBMITTED_SQL} THEN 'submitted' WHEN ${EXPIRED_SQL} THEN 'expired' WHEN ${STARTED_SQL} THEN 'in_progress' WHEN ${OPENED_SQL} THEN 'opened' ELSE 'pending' END`,
    bindings: [now, now],
  };
}

/** invitations i joined to its round (ro) and its response if any (resp). */
export function invitationsWithProgress(db: Knex | Knex.Transaction): Knex.QueryBuilder {
  return db('invitations as i').join('rounds as ro', 'ro.id', 'i.round_id').leftJoin('responses as resp', 'resp.invitation_id', 'i.id');
}

/** The enterprise and its state, as the invitation list and the non-responder list both show it. */
export function toEnterpriseRow(row: Record<string, unknown>): NonResponderFields {
  return {
    id: num(row.id),
    name: String(row.enterprise_name),
    contact: (row.contact as string | null) ?? null,
    territoryId: numOrNull(row.territory_id),
    sector: (row.sector as string | null) ?? null,
    size: (row.size as string | null) ?? null,
    state: row.state as TInvitationState,
  };
}
type NonResponderFields = Pick<InvitationListRow, 'id' | 'name' | 'contact' | 'territoryId' | 'sector' | 'size' | 'state'>;
