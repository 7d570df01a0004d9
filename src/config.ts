import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { projectRoot } from './paths';

const booleanFlag = z
  .enum(['1', '0', 'true', 'false', 'yes', 'no', 'on', 'off'])
  .transform((v) => ['1', 'true', 'yes', 'on'].includes(v));

const positiveInt = z.coerce.number().int().positive();

export const ZEnvironment = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('production'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  DATABASE_URL: z
    .string()
    .min(1)
    .default('data/kedergi.sqlite')
    .refine((v) => !/^[a-z]+:\/\//i.test(v) || /^postgres(ql)?:\/\//i.test(v), {
      message: 'must be a SQLite file path or a postgres:// URL',
    }),
  JWT_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  KEDERGI_ADMIN_EMAIL: z.string().email('must be an e-mail address').optional(),
  KEDERGI_ADMIN_PASSWORD: z.string().min(10, 'must be at least 10 characters').optional(),
  KEDERGI_DEMO: booleanFlag.default(true),
  KEDERGI_PUBLIC_URL: z.string().url('must be an absolute URL').optional(),
  KEDERGI_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  KEDERGI_LOGIN_LIMIT_PER_IP: positiveInt.default(30),
  KEDERGI_LOGIN_LIMIT_PER_EMAIL: positiveInt.default(8),
  KEDERGI_DATA_DIR: z.string().min(1).default('data'),
  // Outgoing mail (src/modules/mail): without both, mail is off and the CSV mail-merge remains.
  SMTP_URL: z
    .string()
    .regex(/^smtps?:\/\/[^\s]+$/i, 'must be an smtp:// or smtps:// URL')
    .optional(),
  MAIL_FROM: z.string().min(3).max(320).regex(/^[^\r\n]+$/, 'must be one line').optional(),
  MAIL_RATE_PER_MINUTE: positiveInt.default(600),
  MAIL_BATCH_SIZE: positiveInt.max(1000).default(50),
  // How long a message being sent stays with one sender before another may take it over (after a crash).
  MAIL_LEASE_SECONDS: positiveInt.max(86_400).default(300),
  // Empty: every interface (IPv6 and IPv4), as Node listens by default; 127.0.0.1 behind a proxy.
  HOST: z
    .string()
    .trim()
    .regex(/^$|^[A-Za-z0-9.:-]+$/, 'must be an IP address or a host name, e.g. 127.0.0.1')
    .default(''),
  KEDERGI_SHUTDOWN_SECONDS: z.coerce.number().positive().max(3600).default(10),
  KEDERGI_LOG_BUFFER_KB: z.coerce.number().int().min(16).max(1024 * 1024).default(1024),
  KEDERGI_WORKERS: z.coerce.number().int().min(1).max(64).default(1),
  // Which peers may tell us the client's address and scheme (X-Forwarded-For/-Proto): none by default.
  KEDERGI_TRUST_PROXY: z
    .string()
    .trim()
    .regex(/^(false|true|loopback|uniquelocal|linklocal|\d{1,2}|[0-9a-fA-F.:/]+(\s*,\s*[0-9a-fA-F.:/]+)*)$/, {
      message: 'must be false, true, a hop count, loopback, uniquelocal, linklocal or a list of addresses/CIDR ranges',
    })
    .default('false'),
  KEDERGI_RESPONDENT_LIMIT_PER_MINUTE: positiveInt.default(120),
  // Negative controls of the durability tests only; refused outside NODE_ENV=test.
  KEDERGI_FAULT_INJECTION: z.enum(['ack-before-commit']).optional(),
});
export type TEnvironment = z.infer<typeof ZEnvironment>;

export interface Config {
  env: TEnvironment['NODE_ENV'];
  port: number;
  database: { client: 'sqlite'; filename: string } | { client: 'postgres'; url: string };
  jwtSecret: string;
  admin?: { email: string; password: string };
  demo: boolean;
  publicUrl?: string;
  logLevel: TEnvironment['KEDERGI_LOG_LEVEL'];
  loginLimitPerIp: number;
  loginLimitPerEmail: number;
  dataDir: string;
  /** Express's "trust proxy": false (default), true, a hop count, or named/listed addresses. */
  trustProxy: boolean | number | string;
  /** Requests one respondent (or one address without a respondent cookie) may make to the respondent routes per minute. */
  respondentLimitPerMinute: number;
  sessionTtlSeconds: number;
  sessionMaxAgeSeconds: number;
  apiTokenTtlSeconds: number;
  faultInjection?: 'ack-before-commit';
  /** Address to listen on; undefined: every interface. */
  host?: string;
  /** After SIGTERM/SIGINT the process is gone within this many seconds, whatever hangs. */
  shutdownSeconds: number;
  /** Log bytes a stalled log consumer may leave in memory before lines are dropped. */
  logBufferBytes: number;
  /** HTTP worker processes (node:cluster); more than one needs PostgreSQL. */
  workers: number;
  /** Undefined: mail is off (no SMTP_URL/MAIL_FROM). */
  mail?: { smtpUrl: string; from: string; ratePerMinute: number; batchSize: number; leaseSeconds: number };
}

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/**
 * The secret must survive restarts (or every session dies) but must never be a
 * string that ships in the code, so the first start writes a random one beside the data.
 */
function persistentSecret(dataDir: string): string {
  const file = path.join(dataDir, 'jwt-secret');
  if (fs.existsSync(file)) return fs.readFileSync(file, 'utf8').trim();
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const secret = crypto.randomBytes(48).toString('base64url');
  fs.writeFileSync(file, secret + '\n', { mode: 0o600, flag: 'wx' });
  return secret;
}

function trustProxySetting(raw: string): boolean | number | string {
  if (raw === 'false') return false;
  if (raw === 'true') return true;
  if (/^\d{1,2}$/.test(raw)) return Number(raw);
  return raw;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = ZEnvironment.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ConfigError(`Invalid configuration: ${issue.path.join('.')} ${issue.message}`);
  }
  const e = parsed.data;
  if (Boolean(e.KEDERGI_ADMIN_EMAIL) !== Boolean(e.KEDERGI_ADMIN_PASSWORD)) {
    const missing = e.KEDERGI_ADMIN_EMAIL ? 'KEDERGI_ADMIN_PASSWORD' : 'KEDERGI_ADMIN_EMAIL';
    throw new ConfigError(`Invalid configuration: ${missing} is required when the other administrator variable is set`);
  }
  if (Boolean(e.SMTP_URL) !== Boolean(e.MAIL_FROM)) {
    throw new ConfigError(`Invalid configuration: ${e.SMTP_URL ? 'MAIL_FROM' : 'SMTP_URL'} is required when the other mail variable is set`);
  }
  if (e.KEDERGI_FAULT_INJECTION && e.NODE_ENV !== 'test') {
    throw new ConfigError('Invalid configuration: KEDERGI_FAULT_INJECTION is only allowed with NODE_ENV=test');
  }
  const dataDir = path.resolve(projectRoot, e.KEDERGI_DATA_DIR);
  // Without DATABASE_URL the database lives in the data directory, as the README says.
  const databaseUrl = env.DATABASE_URL ? e.DATABASE_URL : path.join(dataDir, 'kedergi.sqlite');
  const isPg = /^postgres(ql)?:\/\//i.test(databaseUrl);
  if (e.KEDERGI_WORKERS > 1 && !isPg) {
    // SQLite has one writer at a time and the app already serialises every statement through one
    // connection; a second process would only wait for the file lock (SQLITE_BUSY) on every write.
    throw new ConfigError('Invalid configuration: KEDERGI_WORKERS above 1 needs PostgreSQL (DATABASE_URL=postgres://...); SQLite serves one process');
  }
  return {
    env: e.NODE_ENV,
    port: e.PORT,
    database: isPg
      ? { client: 'postgres', url: databaseUrl }
      : {
          client: 'sqlite',
          filename: databaseUrl === ':memory:' ? ':memory:' : path.resolve(projectRoot, databaseUrl),
        },
    jwtSecret: e.JWT_SECRET ?? persistentSecret(dataDir),
    admin: e.KEDERGI_ADMIN_EMAIL ? { email: e.KEDERGI_ADMIN_EMAIL.toLowerCase(), password: e.KEDERGI_ADMIN_PASSWORD! } : undefined,
    demo: e.KEDERGI_DEMO,
    publicUrl: e.KEDERGI_PUBLIC_URL?.replace(/\/$/, ''),
    logLevel: e.KEDERGI_LOG_LEVEL,
    loginLimitPerIp: e.KEDERGI_LOGIN_LIMIT_PER_IP,
    loginLimitPerEmail: e.KEDERGI_LOGIN_LIMIT_PER_EMAIL,
    dataDir,
    trustProxy: trustProxySetting(e.KEDERGI_TRUST_PROXY),
    respondentLimitPerMinute: e.KEDERGI_RESPONDENT_LIMIT_PER_MINUTE,
    sessionTtlSeconds: 8 * 3600,
    sessionMaxAgeSeconds: 7 * 24 * 3600,
    apiTokenTtlSeconds: 24 * 3600,
    faultInjection: e.KEDERGI_FAULT_INJECTION,
    host: e.HOST || undefined,
    shutdownSeconds: e.KEDERGI_SHUTDOWN_SECONDS,
    logBufferBytes: e.KEDERGI_LOG_BUFFER_KB * 1024,
    workers: e.KEDERGI_WORKERS,
    mail:
      e.SMTP_URL && e.MAIL_FROM
        ? { smtpUrl: e.SMTP_URL, from: e.MAIL_FROM, ratePerMinute: e.MAIL_RATE_PER_MINUTE, batchSize: e.MAIL_BATCH_SIZE, leaseSeconds: e.MAIL_LEASE_SECONDS }
        : undefined,
  };
}
