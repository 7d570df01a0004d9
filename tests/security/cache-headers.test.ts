import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app';
import { listRoutes, respondentActor, sessionActor, type Actor } from '../helpers/security';
import { insertRound } from '../modules/invitations/fixtures';
import { createInvitation } from '../modules/responses/fixtures';

/**
 * Issue 13, finding 7 and its class: no page may be kept by a shared or browser cache. Every GET
 * route of the live app is requested as an administrator, a respondent and an anonymous visitor,
 * with real ids where the demo data has them: every answer (pages, exports, API, errors,
 * redirects) carries Cache-Control: no-store. Only /static files may be cached.
 */

let t: TestApp;
let admin: Actor;
let respondent: Actor;

beforeAll(async () => {
  t = await createTestApp({ seed: 'demo' });
  admin = await sessionActor(t, 'admin');
  const invitation = await createInvitation(t.ctx, await insertRound(t.ctx));
  respondent = await respondentActor(t.app, `/r/${invitation.token}`);
}, 120_000);
afterAll(async () => t.close());

describe('Cache-Control: no-store on every page', () => {
  it('every GET route answers with no-store, for every kind of visitor', async () => {
    // The first id of the table each path is about (the demo data has rows in each), else 1.
    const firstId = async (table: string) => Number((await t.ctx.db(table).orderBy('id').first())?.id ?? 1);
    const ids: Array<[RegExp, number]> = [
      [/^\/(admin\/)?panels\//, await firstId('panels')],
      [/^\/indicators\/models\//, await firstId('indicator_models')],
      [/^\/indicators\/(datasets|territories)\//, await firstId('indicator_datasets')],
      [/^\/admin\/questionnaires\//, await firstId('questionnaires')],
      [/^\/admin\/users\//, await firstId('users')],
    ];
    const roundId = await firstId('rounds');
    const routes = listRoutes(t.app).filter((r) => r.method === 'GET');
    expect(routes.length).toBeGreaterThan(40);
    const missing: string[] = [];
    let ok = 0;
    for (const route of routes) {
      const id = ids.find(([pattern]) => pattern.test(route.path))?.[1] ?? roundId;
      const url = route.path.replace(/:[A-Za-z]+/g, String(id));
      for (const actor of [admin, respondent, undefined]) {
        const req = request(t.app).get(url);
        if (actor) req.set('Cookie', actor.cookie);
        const res = await req;
        if (res.headers['cache-control'] !== 'no-store') missing.push(`${url} as ${actor?.name ?? 'anonymous'}: ${res.status} ${res.headers['cache-control']}`);
        if (res.status === 200) ok++;
      }
    }
    expect(missing).toEqual([]);
    // Real pages were reached, not only refusals.
    expect(ok).toBeGreaterThan(routes.length / 2);
  });

  it('static files are the exception', async () => {
    const res = await request(t.app).get('/static/app.css');
    expect(res.status).toBe(200);
    expect(res.headers['cache-control']).toMatch(/max-age=\d+/);
  });
});
