import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../../src/app';
import { createDb } from '../../../src/db/knex';
import { Lifecycle } from '../../../src/lifecycle';
import { createTestApp, type TestApp } from '../../helpers/app';

describe('liveness and readiness', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(async () => t.close());

  it('answers 200 when migrated, the database answers and the process is not draining', async () => {
    const live = await request(t.app).get('/healthz');
    expect(live.status).toBe(200);
    const ready = await request(t.app).get('/readyz');
    expect(ready.status).toBe(200);
    expect(ready.body.status).toBe('ready');
  });

  it('answers 503 on both while draining, and every answer then closes its connection', async () => {
    const lifecycle = new Lifecycle();
    const server = createApp({ ...t.ctx, lifecycle }).listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      // fetch keeps connections alive unless the server says otherwise.
      expect((await fetch(`${base}/healthz`)).headers.get('connection')).toBe('keep-alive');
      lifecycle.beginDrain();
      const live = await fetch(`${base}/healthz`);
      expect(live.status).toBe(503);
      expect(((await live.json()) as { status: string }).status).toBe('draining');
      expect(live.headers.get('connection')).toBe('close');
      expect((await fetch(`${base}/readyz`)).status).toBe(503);
      const page = await fetch(`${base}/login`);
      await page.arrayBuffer();
      expect(page.headers.get('connection')).toBe('close');
    } finally {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });

  it('is not ready while a migration is pending', async () => {
    const [last] = await t.ctx.db('knex_migrations').orderBy('id', 'desc').limit(1);
    await t.ctx.db('knex_migrations').where({ id: last.id }).delete();
    try {
      const ready = await request(t.app).get('/readyz');
      expect(ready.status).toBe(503);
      expect(ready.body).toMatchObject({ status: 'migrating', pending: 1 });
    } finally {
      await t.ctx.db('knex_migrations').insert(last);
    }
    expect((await request(t.app).get('/readyz')).status).toBe(200);
  });

  it('is not ready while the database does not answer', async () => {
    // A PostgreSQL server that is not there: connections are refused.
    const db = createDb({ client: 'postgres', url: 'postgres://nobody:none@127.0.0.1:1/none' });
    try {
      const ready = await request(createApp({ ...t.ctx, db })).get('/readyz');
      expect(ready.status).toBe(503);
      expect(ready.body.status).toBe('database unavailable');
    } finally {
      await db.destroy();
    }
  });
});

describe('background work registry', () => {
  it('stops every registered task at once and names those still stopping', async () => {
    const lifecycle = new Lifecycle();
    const order: string[] = [];
    let release!: () => void;
    lifecycle.register('mail sender', async () => {
      await new Promise<void>((r) => (release = r));
      order.push('mail sender');
    });
    const unregister = lifecycle.register('gone', () => void order.push('gone'));
    unregister();
    lifecycle.register('failing', () => {
      throw new Error('boom');
    });
    const errors: string[] = [];
    const stopped = lifecycle.stopAll(new AbortController().signal, (name) => errors.push(name));
    expect(lifecycle.draining).toBe(true);
    await new Promise((r) => setImmediate(r));
    expect(lifecycle.unfinished()).toEqual(['mail sender']);
    release();
    await stopped;
    expect(order).toEqual(['mail sender']);
    expect(errors).toEqual(['failing']);
    expect(lifecycle.unfinished()).toEqual([]);
  });
});
