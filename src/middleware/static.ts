import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import express, { type RequestHandler } from 'express';

/** The fingerprint in a URL: the first hex digits of the file's SHA-256. */
const FINGERPRINT_LENGTH = 10;
const FINGERPRINTED = new RegExp(`^/(.+)\\.([0-9a-f]{${FINGERPRINT_LENGTH}})(\\.[A-Za-z0-9]+)$`);

export interface StaticFiles {
  /** Mounted at /static. */
  handler: RequestHandler;
  /** `/static/app.<hash>.css` for `app.css`: the URL views link to. */
  url(file: string): string;
}

function filesUnder(dir: string, prefix = ''): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? filesUnder(path.join(dir, e.name), `${prefix}${e.name}/`) : [`${prefix}${e.name}`],
  );
}

/**
 * Static files under URLs that name their content: `app.css` is linked as `app.<sha256 prefix>.css`
 * and that URL is cached for a year as immutable, so a phone on a poor connection fetches the
 * stylesheet once per release and never revalidates it; a new release links a new URL. A
 * fingerprint that is not the current content's answers 404 rather than another file's bytes
 * under a URL a cache will keep for a year. Plain URLs keep working with a short cache (pages
 * cached before a release may still ask for them).
 */
export function staticFiles(dir: string): StaticFiles {
  const fingerprints = new Map<string, string>();
  for (const file of filesUnder(dir)) {
    const hash = crypto.createHash('sha256').update(fs.readFileSync(path.join(dir, file))).digest('hex').slice(0, FINGERPRINT_LENGTH);
    fingerprints.set(file, hash);
  }
  const immutable = express.static(dir, { index: false, immutable: true, maxAge: '365d', etag: false, lastModified: false });
  const plain = express.static(dir, { index: false, maxAge: '1h' });
  const handler: RequestHandler = (req, res, next) => {
    const match = FINGERPRINTED.exec(req.path);
    if (match) {
      const file = `${match[1]}${match[3]}`;
      if (fingerprints.get(file) !== match[2]) {
        next();
        return;
      }
      req.url = `/${file}`;
      immutable(req, res, next);
      return;
    }
    plain(req, res, next);
  };
  return {
    handler,
    url(file) {
      const hash = fingerprints.get(file);
      if (!hash) throw new Error(`no static file ${file} under ${dir}`);
      const ext = path.extname(file);
      return `/static/${file.slice(0, file.length - ext.length)}.${hash}${ext}`;
    },
  };
}
