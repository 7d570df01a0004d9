import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { warmWhenIdle } from '../../src/lib/warm';

/** Loading libraries in the background must never hold up a request that is being answered. */
describe('warming libraries while the server is idle', () => {
  let server: http.Server | undefined;
  afterEach(async () => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

  it('runs no step while a request is in flight or was answered less than the quiet time ago, then all of them in order', async () => {
    let finish: (() => void) | undefined;
    server = http.createServer((_req, res) => {
      finish = () => res.end('ok');
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const ran: Array<{ step: number; at: number }> = [];
    const t0 = performance.now();
    const steps = [1, 2, 3].map((step) => () => ran.push({ step, at: performance.now() - t0 }));
    // A request arrives at once and is answered after 300 ms.
    const answered = new Promise<number>((resolve) => {
      http.get(`http://127.0.0.1:${(server!.address() as AddressInfo).port}/`, (res) => {
        res.resume();
        res.on('end', () => resolve(performance.now() - t0));
      });
    });
    const done = warmWhenIdle(server, steps, (err) => {
      throw err;
    }, 100);
    await new Promise((r) => setTimeout(r, 300));
    expect(ran).toEqual([]);
    finish!();
    const end = await answered;
    await done;
    expect(ran.map((r) => r.step)).toEqual([1, 2, 3]);
    expect(ran[0]!.at).toBeGreaterThanOrEqual(end + 100 - 5);
  });

  it('reports a step that fails and goes on with the next', async () => {
    server = http.createServer((_req, res) => res.end());
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const errors: unknown[] = [];
    const ran: number[] = [];
    await warmWhenIdle(server, [() => ran.push(1), () => { throw new Error('no such library'); }, () => ran.push(3)], (err) => errors.push(err), 10);
    expect(ran).toEqual([1, 3]);
    expect(String(errors[0])).toContain('no such library');
  });
});
