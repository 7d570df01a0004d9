import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config';

const root = path.join(__dirname, '..');

describe('configuration', () => {
  it('accepts an empty environment with defaults and a generated, persisted secret', () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kedergi-cfg-'));
    const a = loadConfig({ KEDERGI_DATA_DIR: dataDir });
    const b = loadConfig({ KEDERGI_DATA_DIR: dataDir });
    expect(a.port).toBe(3000);
    expect(a.database.client).toBe('sqlite');
    expect(a.demo).toBe(true);
    expect(a.host).toBeUndefined(); // every interface
    expect(a.shutdownSeconds).toBe(10);
    expect(a.logBufferBytes).toBe(1024 * 1024);
    expect(loadConfig({ KEDERGI_DATA_DIR: dataDir, HOST: '127.0.0.1', KEDERGI_SHUTDOWN_SECONDS: '2.5' })).toMatchObject({ host: '127.0.0.1', shutdownSeconds: 2.5 });
    expect(a.jwtSecret.length).toBeGreaterThanOrEqual(32);
    expect(b.jwtSecret).toBe(a.jwtSecret);
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('recognises PostgreSQL URLs', () => {
    const c = loadConfig({ DATABASE_URL: 'postgres://u:p@localhost/db', JWT_SECRET: 'x'.repeat(40) });
    expect(c.database).toEqual({ client: 'postgres', url: 'postgres://u:p@localhost/db' });
    expect(loadConfig({ DATABASE_URL: 'postgres://u:p@localhost/db', JWT_SECRET: 'x'.repeat(40), KEDERGI_WORKERS: '4' }).workers).toBe(4);
  });

  it.each([
    [{ PORT: 'abc' }, 'PORT'],
    [{ PORT: '70000' }, 'PORT'],
    [{ DATABASE_URL: 'mysql://x' }, 'DATABASE_URL'],
    [{ JWT_SECRET: 'short' }, 'JWT_SECRET'],
    [{ KEDERGI_ADMIN_EMAIL: 'not-an-email', KEDERGI_ADMIN_PASSWORD: 'long-enough-pass' }, 'KEDERGI_ADMIN_EMAIL'],
    [{ KEDERGI_ADMIN_EMAIL: 'a@b.kz' }, 'KEDERGI_ADMIN_PASSWORD'],
    [{ KEDERGI_DEMO: 'maybe' }, 'KEDERGI_DEMO'],
    [{ HOST: 'not a host' }, 'HOST'],
    [{ KEDERGI_SHUTDOWN_SECONDS: '0' }, 'KEDERGI_SHUTDOWN_SECONDS'],
    [{ KEDERGI_SHUTDOWN_SECONDS: 'soon' }, 'KEDERGI_SHUTDOWN_SECONDS'],
    [{ KEDERGI_LOG_BUFFER_KB: '1' }, 'KEDERGI_LOG_BUFFER_KB'],
    [{ KEDERGI_WORKERS: '0' }, 'KEDERGI_WORKERS'],
    [{ KEDERGI_WORKERS: '2' }, 'KEDERGI_WORKERS above 1 needs PostgreSQL'],
  ])('rejects %o naming %s', (env, variable) => {
    expect(() => loadConfig({ JWT_SECRET: 'y'.repeat(40), ...env })).toThrow(ConfigError);
    expect(() => loadConfig({ JWT_SECRET: 'y'.repeat(40), ...env })).toThrow(variable);
  });

  it('makes the server exit with code 1 and one line naming the variable', () => {
    const tsx = path.join(root, 'node_modules', '.bin', 'tsx');
    const result = spawnSync(tsx, ['src/server.ts'], {
      cwd: root,
      env: { PATH: process.env.PATH, PORT: 'not-a-port' },
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(result.status).toBe(1);
    const lines = result.stderr.trim().split('\n').filter((l) => !l.includes('npm warn'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('PORT');
  });
});
