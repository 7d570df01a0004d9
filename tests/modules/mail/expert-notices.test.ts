import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, loginAs, type LoggedIn, type TestApp } from '../../helpers/app';
import { deliverAll, startSmtpSink, type SmtpSink } from '../../helpers/smtp';
import { adminPost, createPanel, openRoundIdOf, postScores, scoresBy } from '../experts/fixtures';

describe('Delphi panel mail: round opened with its deadline, reminders to non-scorers, quorum (real SMTP on loopback)', () => {
  let t: TestApp;
  let admin: LoggedIn;
  let experts: LoggedIn[];
  let sink: SmtpSink;
  let panelId: number;

  beforeAll(async () => {
    sink = await startSmtpSink();
    t = await createTestApp({ seed: 'base', config: { mail: { smtpUrl: sink.url, from: 'Kedergi <panel@kedergi.test>', ratePerMinute: 1000, batchSize: 10, leaseSeconds: 300 } } });
    admin = await loginAs(t, 'admin');
    admin.agent.set('Accept-Language', 'en');
    experts = await Promise.all([loginAs(t, 'expert'), loginAs(t, 'expert'), loginAs(t, 'expert')]);
  });
  afterAll(async () => {
    await sink.close();
    await t.close();
  });

  const deliver = () => deliverAll(t);

  it('tells every expert that the round is open, with its deadline and their page', async () => {
    panelId = await createPanel(admin, 'Panel East');
    for (const e of experts) await adminPost(admin, `/admin/panels/${panelId}/members`, { userId: e.user.id });
    await adminPost(admin, `/admin/panels/${panelId}/enterprises`, { enterpriseName: 'Altai LLP' });
    const bad = await adminPost(admin, `/admin/panels/${panelId}/rounds/open-first`, { deadline: '2020-01-01T10:00' }, 400);
    expect(bad.text).toContain('The deadline must be in the future');
    await adminPost(admin, `/admin/panels/${panelId}/rounds/open-first`, { deadline: '2030-01-15T18:00' });
    await deliver();
    expect(sink.messages.map((m) => m.to[0]).sort()).toEqual(experts.map((e) => e.user.email.toLowerCase()).sort());
    const mail = sink.messages[0]!.parsed;
    expect(mail.subject).toBe('Delphi round 1 is open: Panel East');
    expect(mail.text).toContain('15/01/2030, 18:00');
    expect(mail.text).toContain(`/expert/panels/${panelId}`);
    const row = await t.ctx.db('delphi_rounds').where({ panel_id: panelId }).first();
    expect(row.deadline_at).toBe('2030-01-15T13:00:00.000Z');
  });

  it('shows who has scored, reminds only the others, and asks before closing below the quorum', async () => {
    sink.messages.length = 0;
    const roundId = await openRoundIdOf(experts[0]!.agent, panelId);
    await postScores(experts[0]!, panelId, roundId, scoresBy(() => ({ weight: 3, strength: 3 })));
    const page = await admin.agent.get(`/admin/panels/${panelId}`);
    expect(page.text).toContain('Experts who have scored in this round: 1 of 3.');
    expect(page.text.match(/Not scored yet/g)).toHaveLength(2);
    expect(page.text).toContain('Remind the experts who have not scored (2)');

    // Clicked twice before the sender ran: the second click finds the reminders still waiting.
    await adminPost(admin, `/admin/panels/${panelId}/rounds/remind`);
    await adminPost(admin, `/admin/panels/${panelId}/rounds/remind`);
    await deliver();
    expect(sink.messages.map((m) => m.to[0]).sort()).toEqual([experts[1]!, experts[2]!].map((e) => e.user.email.toLowerCase()).sort());
    expect(sink.messages[0]!.parsed.subject).toBe('Reminder: your scores for Delphi round 1, Panel East');

    // Without confirmation the close is a confirmation page that explains the quorum, and changes nothing.
    const asked = await adminPost(admin, `/admin/panels/${panelId}/rounds/close`, {}, 200);
    expect(asked.text).toContain('Only 1 of 3 experts have scored; the quorum is 2.');
    expect(asked.text).toContain('Kendall');
    expect(asked.text).toContain('name="confirm" value="yes"');
    expect(asked.text).toContain('I understand: close the round anyway');
    expect((await t.ctx.db('delphi_rounds').where({ panel_id: panelId }).first()).status).toBe('open');
    // The service itself still refuses an unconfirmed close below the quorum.
    await expect(t.services.experts.closeRound(admin.user.id, panelId)).rejects.toMatchObject({ status: 409 });
    expect((await t.ctx.db('delphi_rounds').where({ panel_id: panelId }).first()).status).toBe('open');
    await adminPost(admin, `/admin/panels/${panelId}/rounds/close`, { confirm: 'yes' });
    expect((await t.ctx.db('delphi_rounds').where({ panel_id: panelId }).first()).status).toBe('closed');
  });
});
