import { execFileSync, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import knex from 'knex';

/**
 * PostgreSQL for the benchmark: the server named by BENCH_PG_URL, or a throwaway cluster
 * started from Debian's binaries under bench/tmp so the figures never depend on (or disturb)
 * a server somebody else is using.
 */
export interface PgServer {
  /** Admin URL (database "postgres") on which databases are created and dropped. */
  adminUrl: string;
  version: string;
  owned: boolean;
  settings: string;
  createDatabase(prefix: string): Promise<string>;
  stop(): Promise<void>;
  /** Synchronous last resort when the harness exits abnormally: a throwaway cluster is stopped and removed. */
  stopNow(): void;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

function pgBinDir(): string {
  const root = '/usr/lib/postgresql';
  const versions = fs.existsSync(root) ? fs.readdirSync(root).filter((v) => fs.existsSync(path.join(root, v, 'bin', 'initdb'))) : [];
  versions.sort((a, b) => Number(a) - Number(b));
  const v = versions.at(-1);
  if (!v) throw new Error('No PostgreSQL binaries under /usr/lib/postgresql; install Debian\'s postgresql or set BENCH_PG_URL');
  return path.join(root, v, 'bin');
}

/** initdb and postgres refuse to run as root: run them as the postgres account then. */
function asPgUser(cmd: string, args: string[], opts: { allowFail?: boolean } = {}): string {
  const isRoot = process.getuid?.() === 0;
  const file = isRoot ? 'runuser' : cmd;
  const argv = isRoot ? ['-u', 'postgres', '--', cmd, ...args] : args;
  const res = spawnSync(file, argv, { encoding: 'utf8' });
  if (res.status !== 0 && !opts.allowFail) {
    throw new Error(`${cmd} ${args.join(' ')} failed: ${res.stderr || res.stdout}`);
  }
  return res.stdout;
}

async function makeServer(adminUrl: string, owned: boolean, settings: string, stopCluster: () => void): Promise<PgServer> {
  const admin = knex({ client: 'pg', connection: adminUrl, pool: { min: 0, max: 1 } });
  const version = String(((await admin.raw('SHOW server_version')).rows[0] as { server_version: string }).server_version);
  const created: string[] = [];
  return {
    adminUrl,
    version,
    owned,
    settings,
    async createDatabase(prefix) {
      const name = `${prefix}_${process.pid}_${crypto.randomBytes(3).toString('hex')}`;
      await admin.raw(`CREATE DATABASE ${name}`);
      created.push(name);
      const url = new URL(adminUrl);
      url.pathname = '/' + name;
      return url.toString();
    },
    stopNow() {
      if (owned) stopCluster();
    },
    async stop() {
      if (owned) {
        // The whole cluster goes: no need to drop its databases one by one (which would wait
        // for a backend still busy with a query when the run is interrupted).
        await admin.destroy().catch(() => undefined);
        stopCluster();
        return;
      }
      for (const name of created.splice(0)) {
        await admin.raw(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => undefined);
      }
      await admin.destroy();
    },
  };
}

/** The settings of the throwaway cluster: Debian defaults except room for bulk loading. */
const CLUSTER_SETTINGS = ['max_wal_size=4GB', 'checkpoint_timeout=30min', 'shared_buffers=256MB'];

export async function startPg(tmpDir: string, given = process.env.BENCH_PG_URL): Promise<PgServer> {
  if (given) return makeServer(given, false, 'server given by BENCH_PG_URL', () => undefined);

  const bin = pgBinDir();
  const dataDir = path.join(tmpDir, 'pgdata');
  const socketDir = path.join(tmpDir, 'pgsock');
  fs.mkdirSync(socketDir, { recursive: true });
  const isRoot = process.getuid?.() === 0;
  if (isRoot) {
    // The postgres account must be able to reach and own its directories.
    execFileSync('chown', ['postgres:postgres', tmpDir, socketDir]);
  }
  const password = crypto.randomBytes(12).toString('hex');
  const pwFile = path.join(tmpDir, 'pgpass.txt');
  fs.writeFileSync(pwFile, password + '\n', { mode: 0o600 });
  if (isRoot) execFileSync('chown', ['postgres:postgres', pwFile]);
  asPgUser(path.join(bin, 'initdb'), ['-D', dataDir, '-U', 'bench', '--pwfile', pwFile, '-A', 'scram-sha-256', '-E', 'UTF8', '--no-locale', '-N']);
  fs.rmSync(pwFile, { force: true });
  const port = await freePort();
  const options = [`-p ${port}`, `-k ${socketDir}`, "-c listen_addresses=127.0.0.1", ...CLUSTER_SETTINGS.map((s) => `-c ${s}`)].join(' ');
  asPgUser(path.join(bin, 'pg_ctl'), ['-D', dataDir, '-o', options, '-l', path.join(tmpDir, 'pg.log'), '-w', '-t', '60', 'start']);
  let stopped = false;
  const stopCluster = () => {
    if (stopped) return;
    stopped = true;
    asPgUser(path.join(bin, 'pg_ctl'), ['-D', dataDir, '-m', 'immediate', '-w', 'stop'], { allowFail: true });
    fs.rmSync(dataDir, { recursive: true, force: true });
  };
  // For looking inside while a run is going (psql "$(cat bench/tmp/run-*/pg/admin-url.txt)"); removed with the run.
  const adminUrl = `postgres://bench:${password}@127.0.0.1:${port}/postgres`;
  fs.writeFileSync(path.join(tmpDir, 'admin-url.txt'), adminUrl + '\n', { mode: 0o600 });
  try {
    return await makeServer(
      adminUrl,
      true,
      `throwaway cluster from ${bin} (initdb defaults, fsync on; ${CLUSTER_SETTINGS.join(', ')})`,
      stopCluster,
    );
  } catch (e) {
    stopCluster();
    throw e;
  }
}
