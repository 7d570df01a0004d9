import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jsonEntriesAtMost } from '../../src/lib/json-entries';
import { DEFAULT_BODY_ENTRIES, bodyEntryBudget } from '../../src/middleware/input';
import { MAX_FIELD_ERRORS, ValidationError } from '../../src/errors';
import { createTestApp, type TestApp } from '../helpers/app';
import { listRoutes, sessionActor, type Actor } from '../helpers/security';

/**
 * Issue 13, the class behind finding 1: every collection in every body is bounded. Every route of
 * the live app that takes a body is sent a JSON body with more entries than it may hold, in the
 * shapes the forms use (a record of answers, a list of rows, a flat object): each is refused with
 * 413 before any handler runs, quickly, with a small answer. Form posts stop at 5000 fields.
 */

let t: TestApp;
let admin: Actor;
const concrete = (path: string) => path.replace(/:[A-Za-z]+/g, '1');

beforeAll(async () => {
  t = await createTestApp({ seed: 'base' });
  admin = await sessionActor(t, 'admin');
});
afterAll(async () => t.close());

describe('bounded bodies', () => {
  it('counts JSON entries outside strings, before parsing', () => {
    // Five entries: a, b and the three numbers.
    expect(jsonEntriesAtMost(Buffer.from('{"a":1,"b":[1,2,3]}'), 5)).toBe(true);
    expect(jsonEntriesAtMost(Buffer.from('{"a":1,"b":[1,2,3]}'), 4)).toBe(false);
    // Commas, brackets and escaped quotes inside strings are text, not entries.
    expect(jsonEntriesAtMost(Buffer.from(JSON.stringify({ comment: 'a, b, [c], {d}, \\"e,f' })), 1)).toBe(true);
  });

  it('every route taking a body refuses one with too many entries, whatever its shape, before any handler runs', async () => {
    const routes = listRoutes(t.app).filter((r) => r.method !== 'GET' && r.method !== 'HEAD');
    expect(routes.length).toBeGreaterThan(40);
    const shapes = (max: number) => {
      const n = max + 10;
      const record: Record<string, string> = {};
      for (let i = 0; i < n; i++) record[`k${i}`] = '1';
      return [
        { answers: record, comments: {}, profile: {} },
        { rows: Array.from({ length: n }, () => 1) },
        record,
      ];
    };
    const seen: string[] = [];
    for (const route of routes) {
      const url = concrete(route.path);
      const max = bodyEntryBudget(url);
      for (const body of max > DEFAULT_BODY_ENTRIES ? shapes(max).slice(1, 2) : shapes(max)) {
        const started = performance.now();
        const res = await request(t.app)[route.method.toLowerCase() as 'post'](url)
          .set('Cookie', admin.cookie)
          .set('x-csrf-token', admin.csrf)
          .set('Content-Type', 'application/json')
          .send(JSON.stringify(body));
        const ms = performance.now() - started;
        expect(res.status, `${route.method} ${route.path}`).toBe(413);
        expect(res.text.length, `${route.method} ${route.path}`).toBeLessThan(20_000);
        expect(ms, `${route.method} ${route.path}`).toBeLessThan(5000);
      }
      seen.push(`${route.method} ${route.path}`);
    }
    expect(seen).toContain('POST /respond/submit-all');
    expect(seen).toContain('POST /api/v1/rounds/:id/invitations');
  });

  it('a form post with more than 5000 fields is refused', async () => {
    const fields = Array.from({ length: 5200 }, (_, i) => `f${i}=1`).join('&');
    const res = await request(t.app).post('/admin/users').set('Cookie', admin.cookie).type('form').send(`_csrf=${admin.csrf}&${fields}`);
    expect(res.status).toBe(413);
  });

  it('a refusal lists at most MAX_FIELD_ERRORS field errors and counts the rest', () => {
    const error = new ValidationError(Array.from({ length: 5000 }, (_, i) => ({ path: `answers.k${i}`, key: 'respond:errors.unknownItem' })));
    expect(error.fields).toHaveLength(MAX_FIELD_ERRORS);
    expect(error.fieldsOmitted).toBe(5000 - MAX_FIELD_ERRORS);
  });
});
