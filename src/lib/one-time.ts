import crypto from 'node:crypto';
import type { Request, Response } from 'express';
import type { Config } from '../config';
import { secureRequest } from '../middleware/transport';

/**
 * One-time secrets across a post/redirect/get: the POST seals the secret (a new password, a
 * public link) into a short-lived, encrypted, httpOnly cookie and redirects; the GET opens it,
 * shows it and clears the cookie, so a reload shows a note instead of the secret and never
 * repeats the action. A cookie rather than a table: nothing in clear reaches the database, and
 * it works unchanged when several processes serve the same users.
 *
 * Each secret is bound to the page it is shown on (`page`), so it cannot surface elsewhere.
 */
const DEFAULT_COOKIE = 'kedergi_once';
const TTL_MS = 10 * 60 * 1000;

export interface OneTimeSecret {
  /** What the secret is, for the view: 'password', 'publicLink', 'invitationLinks'. */
  kind: string;
  /** Values the view shows (email, password, link, batch id). */
  data: Record<string, string>;
}

function keyFrom(secret: string): Buffer {
  return Buffer.from(crypto.hkdfSync('sha256', secret, 'kedergi', 'one-time-secret-v1', 32));
}

export function oneTimeSecrets(appSecret: string, secure: (req: Request) => boolean, cookie = DEFAULT_COOKIE) {
  const key = keyFrom(appSecret);
  const cookieOptions = (req: Request) => ({ httpOnly: true, sameSite: 'strict' as const, secure: secure(req), path: '/' });
  return {
    /** Seal the secret for the next GET of `page`; call just before `res.redirect(303, page)`. */
    put(res: Response, page: string, secret: OneTimeSecret): void {
      const iv = crypto.randomBytes(12);
      const cipher = crypto.createCipheriv('aes-256-gcm', key, iv);
      const plain = JSON.stringify({ page, exp: Date.now() + TTL_MS, ...secret });
      const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
      res.cookie(cookie, Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url'), { ...cookieOptions(res.req), maxAge: TTL_MS });
    },
    /**
     * The secret sealed for this page, once: the cookie is cleared in the same response. A secret
     * for another page stays for that page; an expired or forged one is dropped.
     */
    take(req: Request, res: Response): OneTimeSecret | undefined {
      const raw = req.cookies?.[cookie];
      if (typeof raw !== 'string') return undefined;
      let opened: (OneTimeSecret & { page: string; exp: number }) | undefined;
      try {
        const buf = Buffer.from(raw, 'base64url');
        const decipher = crypto.createDecipheriv('aes-256-gcm', key, buf.subarray(0, 12));
        decipher.setAuthTag(buf.subarray(12, 28));
        opened = JSON.parse(Buffer.concat([decipher.update(buf.subarray(28)), decipher.final()]).toString('utf8'));
      } catch {
        opened = undefined;
      }
      const page = req.originalUrl.split('?')[0];
      if (opened && opened.page === page && opened.exp > Date.now()) {
        res.clearCookie(cookie, cookieOptions(req));
        res.set('Cache-Control', 'no-store');
        return { kind: opened.kind, data: opened.data };
      }
      if (!opened || opened.exp <= Date.now()) res.clearCookie(cookie, cookieOptions(req));
      return undefined;
    },
  };
}

export type OneTimeSecrets = ReturnType<typeof oneTimeSecrets>;

/** The one-time store with the same cookie security as the session (see src/app.ts). */
export function oneTimeSecretsFor(config: Config): OneTimeSecrets {
  return oneTimeSecrets(config.jwtSecret, (req) => secureRequest(req, config));
}
