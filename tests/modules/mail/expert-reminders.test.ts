import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createTestApp, loginAs, type LoggedIn, type TestApp } from '../../helpers/app';
import { deliverAll, startSmtpSink, type SmtpSink } from '../../helpers/smtp';
import { runReminderSchedules } from '../../../src/modules/mail/mail.module';
import { adminPost, createPanel, openRoundIdOf, postScores, scoresBy } from '../experts/fixtures';

const DAY = 24 * 3600_000;
const BASE = 'http://kedergi.test';

/**
 * Expert reminders on a schedule (issue 12): after N days, every M days, at most K, only to
 * experts who have not scored, each in their own language, never once the round is closed or
 * its deadline has passed; run by the sender (here: what its once-a-minute tick calls).
 */
describe('Delphi panel: expert reminders on a schedule (real SMTP on loopback)', () => {
  let t: TestApp;
  let admin: LoggedIn;
  let experts: LoggedIn[];
  let sink: SmtpSink;

  beforeAll(async () => {
    sink = await startSmtpSink();
    t = await createTestApp({
      seed: 'base',
      config: { publicUrl: BASE, mail: { smtpUrl: sink.url, from: 'Kedergi <panel@kedergi.test>', ratePerMinute: 1000, batchSize: 10, leaseSeconds: 300 } },
    });
    admin = await loginAs(t, 'admin');
    admin.agent.set('Accept-Language', 'en');
    experts = await Promise.all([loginAs(t, 'expert'), loginAs(t, 'expert'), loginAs(t, 'expert'), loginAs(t, 'expert')]);
    // Languages as the administrator sets them on the users page: ru, en, kk, and one not chosen.
    for (const [i, language] of ['ru', 'en', 'kk'].entries()) {
      const res = await admin.agent.post(`/admin/users/${experts[i]!.user.id}/language`).type('form').send({ _csrf: admin.csrf, language });
      expect(res.status).toBe(303);
    }
  });
  afterAll(async () => {
    await sink.close();
    await t.close();
  });

  const deliver = () => deliverAll(t);

  /** The scheduler's tick as if it ran `days` from now. */
  async function tick(days: number): Promise<string[]> {
    sink.messages.length = 0;
    const queued = await t.services.experts.runReminderSchedules(BASE, new Date(Date.now() + days * DAY));
    await deliver();
    expect(sink.messages).toHaveLength(queued);
    return sink.messages.map((m) => m.to[0]!).sort();
  }

  const emails = (...i: number[]) => i.map((k) => experts[k]!.user.email.toLowerCase()).sort();

  it('reminds non-scorers after N days, every M days, at most K times, each in their language', async () => {
    const panelId = await createPanel(admin, 'Panel North');
    for (const e of experts) await adminPost(admin, `/admin/panels/${panelId}/members`, { userId: e.user.id });
    await adminPost(admin, `/admin/panels/${panelId}/enterprises`, { enterpriseName: 'Ertis LLP' });

    // A bad schedule is refused beside its field and changes nothing.
    const bad = await adminPost(admin, `/admin/panels/${panelId}/reminders`, { enabled: 'on', afterDays: '0', everyDays: '3', maxCount: '2' }, 400);
    expect(bad.text).toContain('id="reminders-afterDays"');
    expect(await t.ctx.db('delphi_reminder_schedules').where({ panel_id: panelId }).first()).toBeUndefined();
    await adminPost(admin, `/admin/panels/${panelId}/reminders`, { enabled: 'on', afterDays: '2', everyDays: '3', maxCount: '2' });
    const page = await admin.agent.get(`/admin/panels/${panelId}?done=remindersSaved`);
    expect(page.text).toContain('Reminder schedule saved.');
    expect(page.text).toMatch(/id="reminders-enabled" name="enabled" type="checkbox" checked/);

    await adminPost(admin, `/admin/panels/${panelId}/rounds/open-first`, { deadline: '2031-03-01T18:00' });
    await deliver();
    // The round's opening notice went to each expert in their language (the fourth: the admin's page language).
    const subjects = new Map(sink.messages.map((m) => [m.to[0], m.parsed.subject]));
    expect(subjects.get(emails(0)[0])).toBe('Открыт раунд Дельфи 1: Panel North');
    expect(subjects.get(emails(1)[0])).toBe('Delphi round 1 is open: Panel North');
    expect(subjects.get(emails(2)[0])).toMatch(/Дельфи/);
    expect(subjects.get(emails(3)[0])).toBe('Delphi round 1 is open: Panel North');

    const roundId = await openRoundIdOf(experts[3]!.agent, panelId);
    await postScores(experts[3]!, panelId, roundId, scoresBy(() => ({ weight: 4, strength: 2 })));

    expect(await tick(1)).toEqual([]); // not yet: two days after opening
    const first = await tick(2);
    expect(first).toEqual(emails(0, 1, 2)); // the expert who scored is left out
    const ru = sink.messages.find((m) => m.to[0] === emails(0)[0])!.parsed;
    expect(ru.subject).toBe('Напоминание: ваши оценки в раунде Дельфи 1, Panel North');
    expect(ru.text).toContain(`${BASE}/expert/panels/${panelId}`);
    expect(ru.text).toContain('01.03.2031');
    expect(sink.messages.find((m) => m.to[0] === emails(1)[0])!.parsed.subject).toBe('Reminder: your scores for Delphi round 1, Panel North');
    expect(await tick(2)).toEqual([]); // the same tick again: nothing twice

    // One more expert scores; the next reminder is M days after the first, to the remaining two.
    await postScores(experts[0]!, panelId, roundId, scoresBy(() => ({ weight: 3, strength: 3 })));
    // As if the relay had been down: the first reminders were queued two days before they went
    // out. The M days count from when they went out, so the next is still not due at 2.5.
    await t.ctx.db('mail_outbox').where({ kind: 'expert_reminder' }).update({ created_at: new Date(Date.now() - 2 * DAY).toISOString() });
    expect(await tick(2.5)).toEqual([]);
    expect(await tick(3.1)).toEqual(emails(1, 2));
    // K = 2 reached: no third reminder however long the round stays open.
    expect(await tick(30)).toEqual([]);

    // The panel page shows how many reminders each expert has had.
    expect((await admin.agent.get(`/admin/panels/${panelId}`)).text).toMatch(/Reminders sent: 2/);
  });

  it('never after the round closes or its deadline, and not while the schedule is off', async () => {
    const panelId = await createPanel(admin, 'Panel South');
    for (const e of experts.slice(0, 2)) await adminPost(admin, `/admin/panels/${panelId}/members`, { userId: e.user.id });
    await adminPost(admin, `/admin/panels/${panelId}/enterprises`, { enterpriseName: 'Semey LLP' });
    await adminPost(admin, `/admin/panels/${panelId}/reminders`, { afterDays: '1', everyDays: '1', maxCount: '5' }); // box not ticked: off
    const deadline = new Date(Date.now() + 4 * DAY);
    const local = new Date(deadline.getTime() + 5 * 3600_000).toISOString().slice(0, 16); // Almaty is UTC+5
    await adminPost(admin, `/admin/panels/${panelId}/rounds/open-first`, { deadline: local });
    await deliver();
    expect(await tick(2)).toEqual([]); // off
    await adminPost(admin, `/admin/panels/${panelId}/reminders`, { enabled: 'on', afterDays: '1', everyDays: '1', maxCount: '5' });
    // What the mail sender runs once a minute (and `mail send` from cron), its clock two days on.
    // The messages are queued at that time too, so they are sent at that time.
    sink.messages.length = 0;
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + 2 * DAY });
    let ran: Awaited<ReturnType<typeof runReminderSchedules>>;
    try {
      ran = await runReminderSchedules(t.ctx, t.services);
      await deliver();
    } finally {
      vi.useRealTimers();
    }
    expect(ran.experts).toBe(2);
    expect(sink.messages.map((m) => m.to[0]!).sort()).toEqual(emails(0, 1));
    expect(await tick(2)).toEqual([]); // already reminded at that time
    expect(await tick(5)).toEqual([]); // past the deadline
    await adminPost(admin, `/admin/panels/${panelId}/rounds/close`, { confirm: 'yes' });
    expect(await tick(3)).toEqual([]); // closed
  });
});
