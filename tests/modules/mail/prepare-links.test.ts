import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { enterpriseWithAddress, useMailTestApp } from '../../helpers/smtp';

/**
 * Invitations made before mail existed kept only their link's hash, so their link cannot be
 * mailed. "Prepare for mail" (issue 12) makes each a new link, after a confirmation that says
 * the old links stop working; then they are mailed like any other.
 */
describe('old invitations (link never kept) prepared for mail (real SMTP on loopback)', () => {
  const fx = useMailTestApp({ pageLanguage: 'en' });

  it('asks first (counts, old links die, started ones go on), then makes new links that are mailed; old links refused', async () => {
    const gammaWithoutAddress = { name: 'Gamma', territory: 'semey-city', sector: 'A', size: 'small' };
    const { roundId, links } = await fx.roundWith([enterpriseWithAddress('Alpha', 'alpha@example.kz'), enterpriseWithAddress('Beta', 'beta@example.kz'), gammaWithoutAddress, enterpriseWithAddress('Delta', 'delta@example.kz')]);
    const [alpha, beta, gamma, delta] = links;
    await fx.t.services.invitations.move(beta!.id, 'opened');
    await fx.t.services.invitations.withdraw(roundId, delta!.id, fx.admin.user.id);
    // As the invitations of a round made before mail: the link's hash only.
    await fx.t.ctx.db('invitations').where({ round_id: roundId }).update({ token_sealed: null });
    const hashesBefore = new Map((await fx.t.ctx.db('invitations').where({ round_id: roundId }).select('id', 'token_hash')).map((r) => [r.id, r.token_hash]));

    const page = await fx.admin.agent.get(`/admin/rounds/${roundId}/mail`);
    expect(page.text).toContain('cannot be mailed: 2.');
    expect(page.text).toContain(`action="/admin/rounds/${roundId}/mail/prepare"`);

    // The reminder list for a mail merge names them, with no link yet.
    const listBefore = await fx.admin.agent.get(`/admin/rounds/${roundId}/mail/reminder-list.csv`);
    expect(listBefore.status).toBe(200);
    expect(listBefore.headers['cache-control']).toContain('no-store');
    expect(listBefore.text).toMatch(/"Alpha","alpha@example\.kz","kk","pending",""/);
    expect(listBefore.text).not.toContain('Gamma'); // no address
    expect(listBefore.text).not.toContain('Delta'); // withdrawn

    const asked = await fx.admin.agent.post(`/admin/rounds/${roundId}/mail/prepare`).type('form').send({ _csrf: fx.admin.csrf });
    expect(asked.status).toBe(200);
    expect(asked.text).toContain('Invitations that get a new link: 2');
    expect(asked.text).toContain('Their old links stop working at once.');
    expect(asked.text).toContain('Of them, opened their link or began answering: 1.');
    expect(asked.text).toContain('name="confirm" value="yes"');
    expect(await fx.t.ctx.db('invitations').where({ round_id: roundId }).whereNotNull('token_sealed').count({ n: '*' }).first().then((r) => Number(r?.n))).toBe(0);
    expect((await request(fx.t.app).get(new URL(alpha!.link).pathname)).status).toBe(303);

    const done = await fx.admin.agent.post(`/admin/rounds/${roundId}/mail/prepare`).type('form').send({ _csrf: fx.admin.csrf, confirm: 'yes' });
    expect(done.status).toBe(303);
    expect(done.headers.location).toBe(`/admin/rounds/${roundId}/mail?prepared=2`);
    expect((await fx.admin.agent.get(done.headers.location)).text).toContain('Invitations given a new link: 2.');
    const after = new Map((await fx.t.ctx.db('invitations').where({ round_id: roundId }).select('id', 'token_hash', 'token_sealed')).map((r) => [r.id, r]));
    for (const inv of [alpha!, beta!]) {
      expect(after.get(inv.id)!.token_sealed).not.toBeNull();
      expect(after.get(inv.id)!.token_hash).not.toBe(hashesBefore.get(inv.id));
      expect((await request(fx.t.app).get(new URL(inv.link).pathname)).status).toBe(410);
    }
    // No address, or withdrawn: left as they were.
    expect(after.get(gamma!.id)!.token_hash).toBe(hashesBefore.get(gamma!.id));
    expect(after.get(delta!.id)!.token_hash).toBe(hashesBefore.get(delta!.id));
    expect((await request(fx.t.app).get(new URL(gamma!.link).pathname)).status).toBe(303);
    // The second invitation is still opened: its state went on with the new link.
    expect((await fx.t.services.invitations.detail(roundId, beta!.id)).state).toBe('opened');

    // The reminder list now carries the new links.
    const listAfter = (await fx.admin.agent.get(`/admin/rounds/${roundId}/mail/reminder-list.csv`)).text;
    const listed = [...listAfter.matchAll(/http:\/\/kedergi\.test\/r\/[\w-]+/g)].map((m) => m[0]);
    expect(listed).toHaveLength(2);
    for (const link of listed) expect((await request(fx.t.app).get(new URL(link).pathname)).status).toBe(303);

    // Now they are mailed, with links that work.
    const sent = await fx.mailThroughApi(roundId, 'invitation');
    expect(sent.body).toEqual({ queued: 2 });
    await fx.deliver();
    expect(fx.sink.messages.map((m) => m.to[0]).sort()).toEqual(['alpha@example.kz', 'beta@example.kz']);
    for (const m of fx.sink.messages) {
      const link = /http:\/\/kedergi\.test\/r\/[\w-]+/.exec(String(m.parsed.text))![0];
      expect((await request(fx.t.app).get(new URL(link).pathname)).status).toBe(303);
    }

    // Nothing left to prepare: no question, straight back.
    const again = await fx.admin.agent.post(`/admin/rounds/${roundId}/mail/prepare`).type('form').send({ _csrf: fx.admin.csrf });
    expect(again.status).toBe(303);
    expect(again.headers.location).toBe(`/admin/rounds/${roundId}/mail?prepared=0`);
    expect((await fx.admin.agent.get(`/admin/rounds/${roundId}/mail`)).text).not.toContain(`action="/admin/rounds/${roundId}/mail/prepare"`);
  });
});
