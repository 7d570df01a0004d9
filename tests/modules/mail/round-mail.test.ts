import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { enterpriseWithAddress as ent, inAWeek, useMailTestApp } from '../../helpers/smtp';
import { dumpAllText, insertRound } from '../invitations/fixtures';

describe('round mail: invitations, reminders, templates, opt-out, links (real SMTP on loopback)', () => {
  const fx = useMailTestApp({ pageLanguage: 'en' });
  const { deliver, roundWith, mailThroughApi } = fx;

  it('mails each invitation in its language with the merge fields filled, text and HTML', async () => {
    const { roundId, links } = await roundWith([ent('ТОО «Алтай»', 'altai@example.kz', 'ru'), ent('Ertis LLP', 'ertis@example.kz', 'en'), ent('Семей ЖШС', 'semey@example.kz')]);
    const res = await mailThroughApi(roundId, 'invitation');
    expect(res.status).toBe(202);
    expect(res.body).toEqual({ queued: 3 });
    expect((await deliver()).sent).toBe(3);
    const byTo = new Map(fx.sink.messages.map((m) => [m.to[0], m.parsed]));
    const ru = byTo.get('altai@example.kz')!;
    expect(ru.subject).toBe('Опрос о барьерах инноваций: ТОО «Алтай»');
    expect(ru.text).toContain(links[0]!.link);
    expect(ru.text).toContain('Опрос закрывается');
    expect(ru.text).toMatch(/http:\/\/kedergi\.test\/mail\/opt-out\/i\d+\.[\w-]{32}/);
    expect(ru.html).toContain(`<a href="${links[0]!.link}">`);
    expect(fx.sink.messages.find((m) => m.to[0] === 'altai@example.kz')!.raw).toMatch(/^List-Unsubscribe:\s+<http:\/\/kedergi\.test\/mail\/opt-out\//m);
    expect(byTo.get('ertis@example.kz')!.subject).toBe('Survey on innovation barriers: Ertis LLP');
    expect(byTo.get('semey@example.kz')!.subject).toContain('Инновация кедергілері');
    // A second request queues nothing: each invitation is mailed once unless re-sent.
    const again = await mailThroughApi(roundId, 'invitation');
    expect(again.body).toEqual({ queued: 0 });
    // The outbox keeps no readable link once sent, and never a plain one.
    const dump = await dumpAllText(fx.t.ctx);
    for (const l of links) expect(dump).not.toContain(l.link.slice(l.link.lastIndexOf('/') + 1));
  });

  it('refuses unknown merge fields when saving a template, previews and test-sends a saved one', async () => {
    const roundId = await insertRound(fx.t.ctx, { closes_at: inAWeek() });
    const url = `/admin/rounds/${roundId}/mail/templates/invitation/en`;
    const bad = await fx.admin.agent.post(url).type('form').send({ _csrf: fx.admin.csrf, subject: 'Hi {enterprise}', body: 'Go to {link} before {deadline} {name}' });
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('{deadline}, {name}');
    const injected = await fx.admin.agent.post(url).type('form').send({ _csrf: fx.admin.csrf, subject: 'Hi\r\nBcc: x@example.kz', body: 'x {link}' });
    expect(injected.status).toBe(400);
    expect(await fx.t.ctx.db('mail_templates').where({ round_id: roundId })).toHaveLength(0);
    const ok = await fx.admin.agent.post(url).type('form').send({ _csrf: fx.admin.csrf, subject: 'Our survey for {enterprise}', body: 'Hello {enterprise}!\n\nLink: {link}\nCloses {closes}.\nStop: {optout}' });
    expect(ok.status).toBe(303);
    const page = await fx.admin.agent.get(url);
    expect(page.text).toContain('Our survey for Example LLP');
    const test = await fx.admin.agent.post(`${url}/test`).type('form').send({ _csrf: fx.admin.csrf });
    expect(test.status).toBe(303);
    await deliver();
    expect(fx.sink.messages).toHaveLength(1);
    expect(fx.sink.messages[0]!.to).toEqual([fx.admin.user.email.toLowerCase()]);
    expect(fx.sink.messages[0]!.parsed.subject).toBe('Our survey for Example LLP');
  });

  it('reminds only those who have not submitted, after showing the count, and honours opt-out', async () => {
    const { roundId } = await roundWith([ent('A One', 'a1@example.kz', 'en'), ent('A Two', 'a2@example.kz', 'en'), ent('A Three', 'a3@example.kz', 'en')]);
    await mailThroughApi(roundId, 'invitation');
    await deliver();
    const optOutLink = String(fx.sink.messages.find((m) => m.to[0] === 'a3@example.kz')!.parsed.text).match(/http:\/\/kedergi\.test(\/mail\/opt-out\/\S+)/)![1]!;
    fx.sink.messages.length = 0;
    // a1 submits; a3 opts out through the link in the mail, with no account.
    const [a1] = await fx.t.ctx.db('invitations').where({ round_id: roundId, email: 'a1@example.kz' });
    await fx.t.ctx.db('invitations').where({ id: a1.id }).update({ status: 'submitted', submitted_at: new Date().toISOString() });
    const visitor = request.agent(fx.t.app);
    const form = await visitor.get(optOutLink);
    expect(form.status).toBe(200);
    const csrf = /name="_csrf" value="([^"]+)"/.exec(form.text)![1];
    expect((await visitor.post(optOutLink).type('form').send({ _csrf: csrf })).status).toBe(200);
    expect((await request(fx.t.app).get('/mail/opt-out/i1.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA')).status).toBe(404);

    const confirm = await fx.admin.agent.get(`/admin/rounds/${roundId}/mail/send?kind=reminder`);
    expect(confirm.status).toBe(200);
    expect(confirm.text).toContain('Messages that will be sent: 1.');
    const sent = await fx.admin.agent.post(`/admin/rounds/${roundId}/mail/send`).type('form').send({ _csrf: fx.admin.csrf, kind: 'reminder', confirm: 'yes' });
    expect(sent.status).toBe(303);
    await deliver();
    expect(fx.sink.messages.map((m) => m.to[0])).toEqual(['a2@example.kz']);
    expect(fx.sink.messages[0]!.parsed.subject).toBe('Reminder: survey on innovation barriers for A Two');

    // The history through the API: states and mail, never a token.
    const list = await request(fx.t.app).get(`/api/v1/rounds/${roundId}/invitations`).set('Authorization', `Bearer ${fx.token}`);
    expect(list.status).toBe(200);
    const two = list.body.invitations.find((i: { email: string }) => i.email === 'a2@example.kz');
    expect(two.mail.map((m: { kind: string; status: string }) => `${m.kind}:${m.status}`)).toEqual(['invitation:sent', 'reminder:sent']);
    expect(list.body.invitations.find((i: { email: string }) => i.email === 'a1@example.kz').state).toBe('submitted');
    expect(JSON.stringify(list.body)).not.toMatch(/\/r\/[\w-]{22}/);
  });

  it('queues scheduled reminders only when due, at most K times, never after closing', async () => {
    const { roundId } = await roundWith([ent('S One', 's1@example.kz', 'en')]);
    await mailThroughApi(roundId, 'invitation');
    await deliver();
    const service = fx.t.services.mail;
    await service.saveSchedule(roundId, { enabled: true, afterDays: 3, everyDays: 2, maxCount: 2 });
    const day = 24 * 3600_000;
    const count = async () => Number((await fx.t.ctx.db('mail_outbox').where({ round_id: roundId, kind: 'reminder' }).count({ n: '*' }).first())!.n);
    await service.runSchedules(new Date(Date.now() + 2 * day));
    expect(await count()).toBe(0);
    await service.runSchedules(new Date(Date.now() + 3 * day + 1000));
    expect(await count()).toBe(1);
    // While the first reminder has not gone out (the relay down for days), none is added beside it.
    await service.runSchedules(new Date(Date.now() + 2 * day + 1000));
    expect(await count()).toBe(1);
    // It had waited three days for the relay (the invitation went out six days ago), and goes out now.
    const daysAgo = (n: number) => new Date(Date.now() - n * day).toISOString();
    await fx.t.ctx.db('mail_outbox').where({ round_id: roundId, kind: 'invitation' }).update({ created_at: daysAgo(6), sent_at: daysAgo(6) });
    await fx.t.ctx.db('mail_outbox').where({ round_id: roundId, kind: 'reminder' }).update({ created_at: daysAgo(3) });
    await deliver();
    // The first reminder went out now (real time): the next one is due two days later, not at once.
    await service.runSchedules(new Date(Date.now() + 1 * day));
    expect(await count()).toBe(1);
    await service.runSchedules(new Date(Date.now() + 2 * day + 1000));
    expect(await count()).toBe(2);
    await service.runSchedules(new Date(Date.now() + 6 * day));
    expect(await count()).toBe(2);
    // A round past its closing time gets none.
    const { roundId: closing } = await roundWith([ent('S Two', 's2@example.kz', 'en')], new Date(Date.now() + 2 * day).toISOString());
    await mailThroughApi(closing, 'invitation');
    await service.saveSchedule(closing, { enabled: true, afterDays: 3, everyDays: 1, maxCount: 3 });
    await service.runSchedules(new Date(Date.now() + 4 * day));
    expect(Number((await fx.t.ctx.db('mail_outbox').where({ round_id: closing, kind: 'reminder' }).count({ n: '*' }).first())!.n)).toBe(0);
  });

  it('re-sends, reissues (old link dies) and withdraws a personal link, each after confirmation', async () => {
    const { roundId, links } = await roundWith([ent('L One', 'l1@example.kz', 'en'), ent('L Two', 'l2@example.kz', 'en')]);
    const [one, two] = links;
    const base = `/admin/rounds/${roundId}/invitations`;
    expect((await fx.admin.agent.post(`${base}/${one!.id}/resend`).type('form').send({ _csrf: fx.admin.csrf })).status).toBe(303);
    await deliver();
    expect(fx.sink.messages.find((m) => m.to[0] === 'l1@example.kz')!.parsed.text).toContain(one!.link);

    const ask = await fx.admin.agent.post(`${base}/${one!.id}/reissue`).type('form').send({ _csrf: fx.admin.csrf });
    expect(ask.status).toBe(200);
    expect((await request(fx.t.app).get(new URL(one!.link).pathname)).status).toBe(303);
    const done = await fx.admin.agent.post(`${base}/${one!.id}/reissue`).type('form').send({ _csrf: fx.admin.csrf, confirm: 'yes' });
    const fresh = /http:\/\/kedergi\.test\/r\/[\w-]{22}/.exec(done.text)![0];
    expect(fresh).not.toBe(one!.link);
    // Unknown, used-up and dead links share one answer (see responses.service.ts).
    expect((await request(fx.t.app).get(new URL(one!.link).pathname)).status).toBe(410);
    expect((await request(fx.t.app).get(new URL(fresh).pathname)).status).toBe(303);

    expect((await fx.admin.agent.post(`${base}/${two!.id}/withdraw`).type('form').send({ _csrf: fx.admin.csrf, confirm: 'yes' })).status).toBe(303);
    expect((await request(fx.t.app).get(new URL(two!.link).pathname)).status).toBe(410);
    const page = await fx.admin.agent.get(`${base}/${two!.id}`);
    expect(page.text).toContain('Withdrawn');
    // The reminder goes to the reissued invitation only, with its new link; the withdrawn one gets none.
    fx.sink.messages.length = 0;
    expect((await mailThroughApi(roundId, 'reminder')).body.queued).toBe(1);
    await deliver();
    const reminder = fx.sink.messages.find((m) => m.parsed.subject?.startsWith('Reminder'))!;
    expect(reminder.to).toEqual(['l1@example.kz']);
    expect(reminder.parsed.text).toContain(fresh);
  });

  it('queues no values: a link reissued after queueing goes out new, a withdrawn or answered invitation gets nothing', async () => {
    const { roundId, links } = await roundWith([ent('Q One', 'q1@example.kz', 'en'), ent('Q Two', 'q2@example.kz', 'en'), ent('Q Three', 'q3@example.kz', 'en')]);
    const [one, two, three] = links;
    expect((await mailThroughApi(roundId, 'invitation')).body).toEqual({ queued: 3 });
    // The rows carry who, which mail and in what language, and no message body or link at all.
    const rows = await fx.t.ctx.db('mail_outbox').where({ round_id: roundId }).select('payload', 'snapshot_id', 'message_id', 'invitation_id');
    expect(rows.map((r) => r.payload)).toEqual([null, null, null]);
    const messageIds = new Map(rows.map((r) => [Number(r.invitation_id), String(r.message_id)]));
    // Between queueing and sending: one link reissued, one invitation withdrawn, one answered.
    const fresh = await fx.t.services.invitations.reissue(roundId, one!.id, fx.admin.user.id, 'http://kedergi.test');
    await fx.t.services.invitations.withdraw(roundId, two!.id, fx.admin.user.id);
    await fx.t.services.invitations.move(three!.id, 'submitted');
    const result = await deliver();
    expect(result).toMatchObject({ sent: 1, failed: 2 });
    expect(fx.sink.messages.map((m) => m.to[0])).toEqual(['q1@example.kz']);
    const mail = fx.sink.messages[0]!;
    expect(mail.parsed.text).toContain(fresh);
    expect(mail.parsed.text).not.toContain(one!.link);
    expect(mail.parsed.subject).toBe('Survey on innovation barriers: Q One');
    expect(mail.parsed.messageId).toBe(messageIds.get(one!.id));
    const history = await fx.t.services.mail.history([two!.id, three!.id]);
    expect(history.get(two!.id)![0]).toMatchObject({ kind: 'invitation', status: 'failed', error: 'not sent: invitation withdrawn or without an address' });
    expect(history.get(three!.id)![0]).toMatchObject({ kind: 'invitation', status: 'failed', error: 'not sent: invitation submitted' });
  });

  it('imports a bounce list: history shows it, and no more mail goes there', async () => {
    const { roundId, links } = await roundWith([ent('B One', 'b1@example.kz', 'en')]);
    await mailThroughApi(roundId, 'invitation');
    await deliver();
    const res = await fx.admin.agent.post('/admin/mail/bounces').type('form').send({ _csrf: fx.admin.csrf, text: 'address,reason\nB1@example.kz,550 no such user\nnot an address@\n' });
    expect(res.status).toBe(200);
    const [row] = await fx.t.ctx.db('mail_outbox').where({ invitation_id: links[0]!.id });
    expect(row.status).toBe('bounced');
    expect((await mailThroughApi(roundId, 'reminder')).body.queued).toBe(0);
  });

  it('reports invalid addresses per row at import and flags duplicate enterprises', async () => {
    const roundId = await insertRound(fx.t.ctx, { closes_at: inAWeek() });
    const text = ['name,email,language,territory,sector,size', 'Good,good@example.kz,ru,semey-city,A,small', 'Bad,not-an-address,en,semey-city,A,small', 'Good,other@example.kz,en,semey-city,A,small'].join('\n');
    const res = await fx.admin.agent.post(`/admin/rounds/${roundId}/invitations/paste`).type('form').send({ _csrf: fx.admin.csrf, text });
    expect(res.status).toBe(303);
    const preview = await fx.admin.agent.get(res.headers.location!);
    expect(preview.text).toContain('Not a valid e-mail address');
    expect(preview.text).toMatch(/already on line 2/);
    const api = await request(fx.t.app).post(`/api/v1/rounds/${roundId}/invitations`).set('Authorization', `Bearer ${fx.token}`).send({ enterprises: [ent('X', 'bad@@example.kz')] });
    expect(api.status).toBe(400);
    expect(api.body.error.fields[0].path).toBe('enterprises.0.email');
  });
});
