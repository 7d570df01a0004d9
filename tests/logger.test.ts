import { Writable } from 'node:stream';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../src/app';
import { createLogger } from '../src/logger';
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
});
