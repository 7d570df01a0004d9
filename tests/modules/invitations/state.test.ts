import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INVITATION_STATES, type TInvitationState } from '../../../src/modules/invitations/invitations.schemas';
import { canMoveInvitation, INVITATION_TRANSITIONS, statesBefore } from '../../../src/modules/invitations/invitations.state';
import { createTestApp, createUser, type TestApp } from '../../helpers/app';
import { insertRound, territoryId } from './fixtures';

describe('invitation state machine', () => {
  it('moves only forward: nothing leaves submitted or expired, nothing returns to pending', () => {
    expect(INVITATION_TRANSITIONS.submitted).toEqual([]);
    expect(INVITATION_TRANSITIONS.expired).toEqual([]);
    for (const from of INVITATION_STATES) expect(canMoveInvitation(from, 'pending')).toBe(false);
    const order: TInvitationState[] = ['pending', 'opened', 'in_progress', 'submitted'];
    for (const [i, from] of order.entries()) {
      for (const [j, to] of order.entries()) expect(canMoveInvitation(from, to), `${from} -> ${to}`).toBe(j > i);
    }
    expect(statesBefore('in_progress')).toEqual(['pending', 'opened']);
    expect(statesBefore('submitted')).toEqual(['pending', 'opened', 'in_progress']);
    expect(statesBefore('expired')).toEqual(['pending', 'opened', 'in_progress']);
  });

  describe('InvitationsService.move on the database', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await createTestApp({ seed: 'base' });
    });
    afterAll(async () => t.close());

    async function invitation(): Promise<number> {
      const roundId = await insertRound(t.ctx);
      const { invitations } = await t.services.invitations.createInvitations(
        await t.services.invitations.getRound(roundId),
        (await createUser(t.ctx, 'admin')).id,
        [{ name: 'ТОО Тест', contact: null, territoryId: await territoryId(t.ctx, 'oskemen-city'), sector: 'C', size: 'micro' }],
        'http://127.0.0.1',
      );
      return invitations[0]!.id;
    }
    const row = (id: number) => t.ctx.db('invitations').where({ id }).first('status', 'opened_at', 'started_at', 'submitted_at');

    it('stamps each stage, fills a skipped one, and refuses to move back', async () => {
      const id = await invitation();
      expect(await t.services.invitations.move(id, 'in_progress', '2026-01-02T00:00:00.000Z')).toBe(true);
      // Opening was skipped (an API client saving at once): its time is filled in.
      expect(await row(id)).toMatchObject({ status: 'in_progress', opened_at: '2026-01-02T00:00:00.000Z', started_at: '2026-01-02T00:00:00.000Z' });
      expect(await t.services.invitations.move(id, 'opened', '2026-01-03T00:00:00.000Z')).toBe(false);
      expect(await t.services.invitations.move(id, 'submitted', '2026-01-04T00:00:00.000Z')).toBe(true);
      expect(await row(id)).toMatchObject({ status: 'submitted', opened_at: '2026-01-02T00:00:00.000Z', started_at: '2026-01-02T00:00:00.000Z', submitted_at: '2026-01-04T00:00:00.000Z' });
      expect(await t.services.invitations.move(id, 'expired')).toBe(false);
      expect(await t.services.invitations.move(id, 'submitted', '2026-01-05T00:00:00.000Z')).toBe(false);
      expect((await row(id)).submitted_at).toBe('2026-01-04T00:00:00.000Z');
    });
  });
});
