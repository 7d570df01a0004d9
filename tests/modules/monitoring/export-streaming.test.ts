import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRound, loadRound, surveyShape } from '../../../bench/lib/loader';
import { apiTokenFor, createTestApp, type TestApp } from '../../helpers/app';

/**
 * The response export is streamed through the HTTP route: the first bytes leave before the
 * last page of responses is read (a route that gathered the file first would read every page
 * before sending anything), every submitted response arrives exactly once, and none of those
 * still in progress. Memory at national size is measured in the bench (section national).
 */
const SUBMITTED = 3000;

describe('response export through the route, streamed', () => {
  let t: TestApp;
  let server: http.Server;
  let roundId: number;
  let token: string;
  beforeAll(async () => {
    t = await createTestApp({ seed: 'base' });
    token = await apiTokenFor(t, 'researcher');
    const shape = await surveyShape(t.ctx.db);
    roundId = await createRound(t.ctx.db, shape, 'streamed export', 'closed');
    // SUBMITTED submitted responses and one in progress for every 20 (bench loader, both engines).
    await loadRound(t.ctx.db, shape, roundId, SUBMITTED);
    server = http.createServer(t.app).listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
  }, 120_000);
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    await t.close();
  });

  it('sends the first bytes before the last page is read, then every submitted response once', async () => {
    // Pages of responses the export has read so far (its keyset query on responses).
    let pagesRead = 0;
    const onQuery = (q: { sql: string }) => {
      if (/from [`"]?responses[`"]?/i.test(q.sql) && /[`"]?id[`"]? > /i.test(q.sql) && /limit/i.test(q.sql)) pagesRead++;
    };
    t.ctx.db.on('query', onQuery);
    let pagesAtFirstByte = -1;
    const chunks: Buffer[] = [];
    const status = await new Promise<number>((resolve, reject) => {
      const { port } = server.address() as AddressInfo;
      http
        .get({ host: '127.0.0.1', port, path: `/api/v1/rounds/${roundId}/responses.csv`, headers: { authorization: `Bearer ${token}` } }, (res) => {
          res.on('data', (c: Buffer) => {
            if (pagesAtFirstByte < 0) pagesAtFirstByte = pagesRead;
            chunks.push(c);
          });
          res.on('end', () => resolve(res.statusCode ?? 0));
          res.on('error', reject);
        })
        .on('error', reject);
    });
    t.ctx.db.off('query', onQuery);
    expect(status).toBe(200);

    const totalPages = pagesRead;
    // 100 responses a page (EXPORT_PAGE_SIZE), and one more read that finds the end.
    expect(totalPages).toBeGreaterThanOrEqual(SUBMITTED / 100);
    expect(pagesAtFirstByte).toBeGreaterThan(0);
    expect(pagesAtFirstByte).toBeLessThan(totalPages / 2);

    const lines = Buffer.concat(chunks).toString('utf8').replace(/^\ufeff/, '').split('\r\n').filter(Boolean);
    const ids = lines.slice(1).map((line) => Number(/^"?(\d+)/.exec(line)?.[1]));
    const submitted = (await t.ctx.db('responses').where({ round_id: roundId, status: 'submitted' }).orderBy('id').pluck('id')).map(Number);
    expect(submitted).toHaveLength(SUBMITTED);
    expect(ids).toEqual(submitted);
  }, 120_000);
});
