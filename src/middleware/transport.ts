import type { NextFunction, Request, Response } from 'express';
import type { Config } from '../config';

/**
 * Whether the browser reached us over HTTPS: the connection itself, or the X-Forwarded-Proto of a
 * proxy that KEDERGI_TRUST_PROXY names (Express only believes forwarded headers from trusted
 * proxies, so req.secure cannot be forged by a client). A production server whose public URL is
 * https also marks cookies Secure, as the browsers that matter reach it through that URL.
 */
export function secureRequest(req: Request, config: Pick<Config, 'env' | 'publicUrl'>): boolean {
  return req.secure || (config.env === 'production' && Boolean(config.publicUrl?.startsWith('https:')));
}

/** HSTS on answers that travelled over HTTPS (browsers ignore it over HTTP anyway, and a plain-HTTP dev server must not send it). */
export function strictTransportSecurity(req: Request, res: Response, next: NextFunction): void {
  if (req.secure) res.setHeader('Strict-Transport-Security', 'max-age=31536000; includeSubDomains');
  next();
}

/**
 * Pages are personal (answers, lists of enterprises, new passwords, links that let anyone answer):
 * no shared or browser cache may keep them. Static files set their own caching before this runs.
 */
export function noStore(_req: Request, res: Response, next: NextFunction): void {
  res.setHeader('Cache-Control', 'no-store');
  next();
}
