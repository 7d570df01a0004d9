import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { num } from '../../src/db/dialect';
import { createTestApp, createUser, type TestApp } from '../helpers/app';
import { changedTables, fingerprint, listRoutes, sessionActor, sessionActorFor, type Actor } from '../helpers/security';

/**
 * Issue 13, finding 7 and its class: objects that belong to one user are refused to every other
 * user of the same role, as if they did not exist (404), and nothing about them changes.
 *
 * Owned objects and where each is checked:
 *  - indicator imports (the uploader) and saved models (the author; administrators see all, seeded
 *    models without an author are shared): here, on every route that addresses them;
 *  - invitation imports and link batches (the administrator who made them): the authorization
 *    matrix, "an administrator cannot see, confirm, cancel or download another administrator's ...";
 *  - a respondent's questionnaire (the invitation in the cookie) and an expert's scores (panel
 *    membership): the authorization matrix's respondent and cross-panel tests;
 *  - one's own password: the account page acts on the signed-in user only (no id in the path).
 */

let t: TestApp;
let owner: Actor;
let other: Actor;
let admin: Actor;
let datasetId: number;
let importId: number;
let discardId: number;
let modelId: number;

const ROUTES: Array<{ method: 'GET' | 'POST'; path: string; url: () => string; body?: Record<string, string> }> = [
  { method: 'GET', path: '/indicators/imports/:id', url: () => `/indicators/imports/${importId}` },
  { method: 'POST', path: '/indicators/imports/:id/confirm', url: () => `/indicators/imports/${importId}/confirm` },
  { method: 'POST', path: '/indicators/imports/:id/discard', url: () => `/indicators/imports/${discardId}/discard` },
  { method: 'GET', path: '/indicators/models/:id', url: () => `/indicators/models/${modelId}` },
  { method: 'GET', path: '/indicators/models/:id/spec.json', url: () => `/indicators/models/${modelId}/spec.json` },
  { method: 'GET', path: '/indicators/models/:id/result.json', url: () => `/indicators/models/${modelId}/result.json` },
  { method: 'POST', path: '/indicators/models/:id/forecast', url: () => `/indicators/models/${modelId}/forecast` },
  { method: 'POST', path: '/indicators/models/:id/delete', url: () => `/indicators/models/${modelId}/delete` },
];

const send = (actor: Actor, route: (typeof ROUTES)[number]) => {
  const req = route.method === 'GET' ? request(t.app).get(route.url()) : request(t.app).post(route.url()).type('form').send({ _csrf: actor.csrf, ...route.body });
  return req.set('Cookie', actor.cookie);
};

beforeAll(async () => {
  t = await createTestApp({ seed: 'base' });
  owner = await sessionActor(t, 'researcher', 'owner');
  other = await sessionActorFor(t.app, await createUser(t.ctx, 'researcher'), 'another researcher');
  admin = await sessionActor(t, 'admin');
  datasetId = num((await t.ctx.db('indicator_datasets').orderBy('id').first()).id);
  const territory = await t.ctx.db('territories').whereNotNull('parent_id').first();
  const upload = async () => {
    const res = await request(t.app)
      .post(`/indicators/datasets/${datasetId}/import?_csrf=${owner.csrf}`)
      .set('Cookie', owner.cookie)
      .attach('file', Buffer.from(`territory,indicator,period,value\n${territory.code},OWNED_1,2020,1.5\n`), 'values.csv');
    return Number(/(\d+)$/.exec(res.headers.location ?? '')?.[1]);
  };
  importId = await upload();
  discardId = await upload();
  // A saved model of the owner's: a copy of a seeded one with the owner as author.
  const { id: _id, ...seeded } = await t.ctx.db('indicator_models').orderBy('id').first();
  const [inserted] = await t.ctx.db('indicator_models').insert({ ...seeded, title: 'Owner’s private model', title_kk: null, title_ru: null, title_en: 'Owner’s private model', title_lang: 'en', created_by: owner.user!.id }).returning('id');
  modelId = Number(typeof inserted === 'object' ? inserted.id : inserted);
});
afterAll(async () => t.close());

describe('objects a user can address are checked for ownership', () => {
  it('every route addressing an indicator import or saved model is listed here', () => {
    const live = listRoutes(t.app)
      .filter((r) => /^\/indicators\/(imports|models)\/:id/.test(r.path))
      .map((r) => `${r.method} ${r.path}`)
      .sort();
    expect(live).toEqual(ROUTES.map((r) => `${r.method} ${r.path}`).sort());
  });

  it('another researcher gets 404 on every one of them, and nothing changes', async () => {
    const before = await fingerprint(t.ctx.db, ['indicator_imports', 'indicator_models', 'indicator_values', 'indicators']);
    for (const route of ROUTES) {
      const res = await send(other, route);
      expect(res.status, `${route.method} ${route.path}`).toBe(404);
      expect(res.text, route.path).not.toContain('Owner’s private model');
    }
    expect(changedTables(before, await fingerprint(t.ctx.db, ['indicator_imports', 'indicator_models', 'indicator_values', 'indicators']))).toEqual([]);
    // Nor do the lists show it.
    const list = await request(t.app).get('/indicators').set('Cookie', other.cookie);
    expect(list.status).toBe(200);
    expect(list.text).not.toContain('Owner’s private model');
  });

  it('the owner reaches them; an administrator sees the model but not the uploader’s import', async () => {
    expect((await send(owner, ROUTES[0]!)).status).toBe(200);
    expect((await send(owner, ROUTES[3]!)).status).toBe(200);
    expect((await request(t.app).get('/indicators').set('Cookie', owner.cookie)).text).toContain('Owner’s private model');
    expect((await send(admin, ROUTES[3]!)).status).toBe(200);
    expect((await send(admin, ROUTES[0]!)).status).toBe(404);
    // Seeded models have no author and stay shared.
    const seeded = await t.ctx.db('indicator_models').whereNull('created_by').first();
    expect((await request(t.app).get(`/indicators/models/${seeded.id}`).set('Cookie', other.cookie)).status).toBe(200);
  });
});
