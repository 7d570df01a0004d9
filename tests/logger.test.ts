import { Writable } from 'node:stream';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../src/app';
import { BoundedLogDestination, createLogger } from '../src/logger';
import { createTestApp, createUser, type TestApp } from './helpers/app';

describe('structured logs', () => {
  let t: TestApp;
  const lines: string[] = [];
  let app: ReturnType<typeof createApp>;

  beforeAll(async () => {
    t = await createTestApp();
    const sink = new Writable({
      write(chunk, _enc, done) {
        lines.push(...String(chunk).split('\n').filter(Boolean));
        done();
      },
    });
    app = createApp({ ...t.ctx, logger: createLogger('info', sink) });
  });
  afterAll(async () => t.close());

  it('cannot be forged with newlines and never contains credentials', async () => {
    const user = await createUser(t.ctx, 'researcher');
    const forged = '\n{"level":30,"msg":"admin logged in","forged":true}\n';
    await request(app).get('/nothing' + encodeURIComponent(forged) + '?token=supersecret-query-token');
    await request(app).get('/').set('Cookie', 'kedergi_session=supersecret-cookie');
    const token = await request(app).post('/api/v1/auth/token').send({ email: user.email, password: user.password });
    await request(app).get('/api/v1/me').set('Authorization', `Bearer ${token.body.token}`);
    await request(app).post('/api/v1/auth/token').send({ email: `x${forged}@y.kz`, password: 'hunter2-password' });

    expect(lines.length).toBeGreaterThan(3);
    for (const line of lines) {
      const entry = JSON.parse(line); // every line is one whole JSON object
      expect(entry.forged).toBeUndefined();
    }
    const all = lines.join('\n');
    expect(all).not.toContain('supersecret-query-token');
    expect(all).not.toContain('supersecret-cookie');
    expect(all).not.toContain(token.body.token);
    expect(all).not.toContain(user.password);
    expect(all).not.toContain('hunter2-password');
  });

  it('logs each answer with its status and time, without its response headers', async () => {
    lines.length = 0;
    await request(app).get('/login');
    const access = lines.map((l) => JSON.parse(l)).find((e) => e.req?.path === '/login');
    expect(access).toBeDefined();
    expect(access.res).toEqual({ statusCode: 200 });
    expect(typeof access.responseTime).toBe('number');
    expect(lines.join('\n')).not.toContain('content-security-policy');
  });
});

/** A consumer that takes nothing until `resume()`: its stream's waiting bytes grow as a stalled pipe's would. */
function stalledConsumer() {
  const received: string[] = [];
  const waiting: Array<() => void> = [];
  let flowing = false;
  const stream = new Writable({
    highWaterMark: 1024,
    write(chunk, _enc, done) {
      received.push(String(chunk));
      if (flowing) done();
      else waiting.push(done);
    },
  });
  return {
    stream,
    received,
    resume() {
      flowing = true;
      for (const done of waiting.splice(0)) done();
    },
  };
}

describe('bounded log destination', () => {
  const line = (i: number) => JSON.stringify({ level: 30, msg: `line ${i}`, pad: 'x'.repeat(80) }) + '\n';

  it('keeps at most its bound in memory while the consumer is stalled, drops whole lines and reports them once it recovers', async () => {
    const consumer = stalledConsumer();
    const dest = new BoundedLogDestination(consumer.stream, 8 * 1024);
    for (let i = 0; i < 5000; i++) dest.write(line(i));
    expect(dest.pendingBytes).toBeLessThanOrEqual(8 * 1024);
    expect(dest.dropped).toBeGreaterThan(4800);
    const kept = 5000 - dest.dropped;

    consumer.resume();
    await new Promise((r) => setImmediate(r));
    const all = consumer.received.join('').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { msg: string; droppedLogLines?: number; level: number });
    expect(all.filter((e) => e.msg.startsWith('line ')).length).toBe(kept); // every kept line whole
    const report = all.filter((e) => e.droppedLogLines !== undefined);
    expect(report).toHaveLength(1);
    expect(report[0]!.droppedLogLines).toBe(dest.dropped);
    expect(report[0]!.level).toBe(40);

    // Once recovered, nothing is dropped and no second report is written.
    dest.write(line(5001));
    await new Promise((r) => setImmediate(r));
    expect(dest.dropped).toBe(5000 - kept);
    expect(consumer.received.join('')).toContain('line 5001');
  });

  it('never waits longer than asked to flush a stalled consumer', async () => {
    const consumer = stalledConsumer();
    const dest = new BoundedLogDestination(consumer.stream, 64 * 1024);
    for (let i = 0; i < 100; i++) dest.write(line(i));
    const t0 = Date.now();
    expect(await dest.flush(200)).toBe(false);
    expect(Date.now() - t0).toBeLessThan(1000);
    consumer.resume();
    expect(await dest.flush(1000)).toBe(true);
  });

  it('stops writing, without throwing, when the consumer is gone for good', async () => {
    const broken = new Writable({ write: (_c, _e, done) => done(Object.assign(new Error('write EPIPE'), { code: 'EPIPE' })) });
    const dest = new BoundedLogDestination(broken, 64 * 1024);
    dest.write(line(1));
    await new Promise((r) => setImmediate(r));
    expect(() => dest.write(line(2))).not.toThrow();
    expect(dest.dropped).toBeGreaterThanOrEqual(1);
    expect(await dest.flush(100)).toBe(false);
  });

  it('is what a pino logger writes through', async () => {
    const consumer = stalledConsumer();
    consumer.resume();
    const logger = createLogger('info', new BoundedLogDestination(consumer.stream, 64 * 1024));
    logger.info({ a: 1 }, 'hello');
    await new Promise((r) => setImmediate(r));
    expect(JSON.parse(consumer.received.join(''))).toMatchObject({ a: 1, msg: 'hello' });
  });
});
