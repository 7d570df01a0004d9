import crypto from 'node:crypto';
import { parse as parseCsv } from 'csv-parse/sync';
import ExcelJS from 'exceljs';
import type { Express } from 'express';
import type { Knex } from 'knex';
import request from 'supertest';
import { dialectOf } from '../../src/db/dialect';
import type { TRole } from '../../src/modules/auth/auth.schemas';
import { createUser, type TestApp } from './app';

/* ------------------------------------------------------------------------------------------
 * Routes of the live app
 * ---------------------------------------------------------------------------------------- */

export interface RouteEntry {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
}

/**
 * Every route the app answers, read from Express 5's router stack: route layers, and the
 * stacks of sub-routers (every feature router is mounted at the root, so paths are full).
 * HEAD is answered by GET handlers and is not listed separately.
 */
export function listRoutes(app: Express): RouteEntry[] {
  const out: RouteEntry[] = [];
  type Layer = { route?: { path: string | string[]; methods: Record<string, boolean> }; handle?: { stack?: Layer[] } };
  const walk = (stack: Layer[]) => {
    for (const layer of stack) {
      if (layer.route) {
        const paths = Array.isArray(layer.route.path) ? layer.route.path : [layer.route.path];
        for (const m of Object.keys(layer.route.methods)) {
          if (m === '_all') throw new Error(`router.all() on ${paths.join(', ')}: list its methods instead so they can be reviewed`);
          for (const p of paths) out.push({ method: m.toUpperCase() as RouteEntry['method'], path: p });
        }
      } else if (layer.handle?.stack) {
        walk(layer.handle.stack);
      }
    }
  };
  walk((app as unknown as { router: { stack: Layer[] } }).router.stack);
  return out;
}

export const routeKey = (r: RouteEntry) => `${r.method} ${r.path}`;

/* ------------------------------------------------------------------------------------------
 * Actors as plain cookie headers (no agent: nothing a response sets sticks to the next request)
 * ---------------------------------------------------------------------------------------- */

export interface Actor {
  name: string;
  /** Cookie header to send (CSRF cookie included). */
  cookie: string;
  /** The CSRF token matching the cookie. */
  csrf: string;
  user?: { id: number; email: string; password: string };
}

export function newCsrfToken(): string {
  return crypto.randomBytes(32).toString('base64url');
}

function cookieFrom(setCookie: unknown, name: string): string | undefined {
  const list = (Array.isArray(setCookie) ? setCookie : setCookie ? [setCookie] : []) as string[];
  const line = list.find((c) => c.startsWith(`${name}=`));
  const value = line?.split(';')[0]!.slice(name.length + 1);
  return value || undefined;
}

export function anonymousActor(name = 'anonymous'): Actor {
  const csrf = newCsrfToken();
  return { name, cookie: `kedergi_csrf=${csrf}`, csrf };
}

/** Signs in through the real login form and returns the session cookie as a header value. */
export async function sessionActor(t: TestApp, role: TRole, name: string = role): Promise<Actor> {
  const user = await createUser(t.ctx, role);
  return sessionActorFor(t.app, user, name);
}

export async function sessionActorFor(app: Express, user: { id: number; email: string; password: string }, name: string): Promise<Actor> {
  const csrf = newCsrfToken();
  const res = await request(app)
    .post('/login')
    .set('Cookie', `kedergi_csrf=${csrf}`)
    .type('form')
    .send({ _csrf: csrf, email: user.email, password: user.password });
  const session = cookieFrom(res.headers['set-cookie'], 'kedergi_session');
  if (res.status !== 303 || !session) throw new Error(`login of ${user.email} failed: ${res.status}`);
  return { name, cookie: `kedergi_csrf=${csrf}; kedergi_session=${session}`, csrf, user };
}

/**
 * A signed-in actor of `role` and a bearer token of the same user, for tests that send the same
 * input to a page and to the JSON API. A refused token stops the test here, not at a later 401.
 */
export async function sessionAndBearer(t: TestApp, role: TRole): Promise<{ actor: Actor; bearer: string }> {
  const actor = await sessionActor(t, role);
  const res = await request(t.app).post('/api/v1/auth/token').send({ email: actor.user!.email, password: actor.user!.password });
  if (res.status !== 200 || typeof res.body?.token !== 'string') throw new Error(`token for ${actor.user!.email} failed: ${res.status}`);
  return { actor, bearer: res.body.token };
}

/** Follows an invitation or public link (/r/… or /p/…) and returns the respondent cookie it set. */
export async function respondentActor(app: Express, link: string, name = 'respondent'): Promise<Actor> {
  const csrf = newCsrfToken();
  // A public link creates a questionnaire only when the visitor begins (a POST); an invitation link on GET.
  const res = /^\/p\//.test(link)
    ? await request(app).post(link).set('Cookie', `kedergi_csrf=${csrf}`).type('form').send({ _csrf: csrf })
    : await request(app).get(link).set('Cookie', `kedergi_csrf=${csrf}`);
  const cookie = cookieFrom(res.headers['set-cookie'], 'kedergi_respondent');
  if (res.status !== 303 || !cookie) throw new Error(`link ${link} gave ${res.status}, no respondent cookie`);
  return { name, cookie: `kedergi_csrf=${csrf}; kedergi_respondent=${cookie}`, csrf };
}

export function withCookie(actor: Actor, extra: string): Actor {
  return { ...actor, cookie: `${actor.cookie}; ${extra}` };
}

/* ------------------------------------------------------------------------------------------
 * "Nothing stored or changed": a fingerprint of table contents
 * ---------------------------------------------------------------------------------------- */

export async function userTables(db: Knex): Promise<string[]> {
  if (dialectOf(db) === 'sqlite') {
    const rows = await db('sqlite_master').where({ type: 'table' }).andWhereNot('name', 'like', 'sqlite_%').andWhereNot('name', 'like', 'knex_%').select('name');
    return rows.map((r: { name: string }) => r.name).sort();
  }
  const rows = await db('pg_tables').where({ schemaname: 'public' }).andWhereNot('tablename', 'like', 'knex_%').select('tablename');
  return rows.map((r: { tablename: string }) => r.tablename).sort();
}

/**
 * sha1 of every row of each table (rows sorted as JSON, so physical order does not matter).
 * Pass the tables a test may touch to keep it cheap; by default every table but migrations.
 */
export async function fingerprint(db: Knex, tables?: string[]): Promise<Record<string, string>> {
  const names = tables ?? (await userTables(db));
  const out: Record<string, string> = {};
  for (const name of names) {
    const rows = await db(name).select('*');
    const lines = rows.map((r: Record<string, unknown>) => JSON.stringify(r, (_k, v) => (typeof v === 'bigint' ? String(v) : v))).sort();
    out[name] = `${rows.length}:${crypto.createHash('sha1').update(lines.join('\n')).digest('hex').slice(0, 12)}`;
  }
  return out;
}

/** Names of the tables whose fingerprint differs. */
export function changedTables(before: Record<string, string>, after: Record<string, string>): string[] {
  return Object.keys({ ...before, ...after }).filter((k) => before[k] !== after[k]);
}

/* ------------------------------------------------------------------------------------------
 * Output safety: is an HTML page inert?
 * ---------------------------------------------------------------------------------------- */

function decodeEntities(s: string): string {
  return s
    .replace(/&#x([0-9a-f]+);?/gi, (_m, h) => String.fromCodePoint(parseInt(h, 16)))
    .replace(/&#(\d+);?/g, (_m, d) => String.fromCodePoint(Number(d)))
    .replace(/&quot;/g, '"')
    .replace(/&apos;|&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&colon;/gi, ':')
    .replace(/&tab;/gi, '\t')
    .replace(/&newline;/gi, '\n')
    .replace(/&amp;/g, '&');
}

/**
 * Problems that would let injected markup run, found by reading the page as a browser would:
 * every real tag (escaped text never forms one) is checked for script elements other than
 * same-origin files, event-handler attributes, and javascript:/data:/vbscript: URLs in
 * link, source and form attributes; `<iframe>` (except the questionnaire preview's own frame),
 * `<object>`, `<embed>`, `<base>` and `<meta http-equiv>` must not appear at all. Returns an empty list for an inert page.
 */
export function unsafeMarkup(html: string): string[] {
  const problems: string[] = [];
  // Comments cannot hide anything from this check; drop them so "<!-- <script> -->" in a template is not a false alarm.
  const source = html.replace(/<!--[\s\S]*?-->/g, '');
  const tagRe = /<([a-zA-Z][a-zA-Z0-9:-]*)((?:\s+[^\s"'>/=]+(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'=<>`]+))?)*)\s*\/?>/g;
  const attrRe = /([^\s"'>/=]+)(?:\s*=\s*("[^"]*"|'[^']*'|[^\s"'=<>`]+))?/g;
  let m: RegExpExecArray | null;
  while ((m = tagRe.exec(source))) {
    const tag = m[1]!.toLowerCase();
    const attrs = new Map<string, string>();
    let a: RegExpExecArray | null;
    attrRe.lastIndex = 0;
    while ((a = attrRe.exec(m[2] ?? ''))) {
      const raw = a[2] ?? '';
      attrs.set(a[1]!.toLowerCase(), decodeEntities(raw.replace(/^["']|["']$/g, '')));
    }
    const snippet = m[0].slice(0, 120);
    if (tag === 'script') {
      const src = attrs.get('src');
      if (!src || !/^\/static\//.test(src)) problems.push(`script element: ${snippet}`);
      else if (!/^<\/script>/i.test(source.slice(tagRe.lastIndex, tagRe.lastIndex + 9))) problems.push(`script with inline body: ${snippet}`);
    }
    // One frame is the app's own: the questionnaire preview shows the respondent's page at phone
    // width in a frame of a fixed same-origin preview URL (served with frame-ancestors 'self').
    const ownPreviewFrame = tag === 'iframe' && !attrs.has('srcdoc') && /^\/admin\/questionnaires\/(drafts\/)?\d+\/preview\/frame\?lang=(kk|ru|en)$/.test(attrs.get('src') ?? '');
    if (['iframe', 'object', 'embed', 'base', 'frame', 'frameset', 'applet'].includes(tag) && !ownPreviewFrame) problems.push(`<${tag}>: ${snippet}`);
    if (tag === 'meta' && attrs.has('http-equiv')) problems.push(`meta http-equiv: ${snippet}`);
    for (const [name, value] of attrs) {
      if (/^on[a-z]+$/.test(name)) problems.push(`event handler ${name}: ${snippet}`);
      if (['href', 'src', 'action', 'formaction', 'xlink:href', 'data', 'srcdoc', 'poster', 'background'].includes(name)) {
        // eslint-disable-next-line no-control-regex
        const url = value.replace(/[\u0000-\u0020\u007f]+/g, '').toLowerCase();
        if (/^(javascript|vbscript|data):/.test(url) && !(tag === 'img' && /^data:image\/(png|gif|jpeg|webp);/.test(url))) {
          problems.push(`${name}=${value.slice(0, 40)}: ${snippet}`);
        }
      }
      if (name === 'style' && /expression\(|url\(\s*["']?\s*javascript:/i.test(value)) problems.push(`style: ${snippet}`);
    }
  }
  // A payload cut into pieces by the tag regex (unbalanced quotes) still shows as raw text.
  for (const raw of ['<script>alert', '<svg onload', '<img src=x onerror', '</title><script']) {
    if (source.toLowerCase().includes(raw)) problems.push(`raw payload ${raw}`);
  }
  return problems;
}

/* ------------------------------------------------------------------------------------------
 * Exports: parse back and look for cells a spreadsheet would run
 * ---------------------------------------------------------------------------------------- */

// OWASP CSV injection triggers (TAB and CR make some spreadsheets strip and look again).
const FORMULA_START = /^[=+\-@\t\r]/;
const PLAIN_NUMBER = /^-?\d+(?:[.,]\d+)?(?:[eE][-+]?\d+)?$/;

/** A CSV cell that Excel or LibreOffice would evaluate (negative numbers are numbers, not formulas). */
export function csvCellIsFormula(cell: string): boolean {
  return FORMULA_START.test(cell) && !PLAIN_NUMBER.test(cell);
}

export function parseCsvBuffer(body: Buffer): string[][] {
  const text = body.toString('utf8').replace(/^\ufeff/, '');
  return parseCsv(text, { relax_column_count: true, bom: true }) as string[][];
}

export interface XlsxCellInfo {
  sheet: string;
  address: string;
  type: 'string' | 'number' | 'formula' | 'hyperlink' | 'other';
  text: string;
}

export async function xlsxCells(body: Buffer): Promise<XlsxCellInfo[]> {
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(body as unknown as ArrayBuffer);
  const out: XlsxCellInfo[] = [];
  wb.eachSheet((ws) => {
    ws.eachRow({ includeEmpty: false }, (row) => {
      row.eachCell({ includeEmpty: false }, (cell) => {
        const v = ExcelJS.ValueType;
        const type: XlsxCellInfo['type'] = [v.String, v.RichText, v.SharedString].includes(cell.type)
          ? 'string'
          : cell.type === v.Number
            ? 'number'
            : cell.type === v.Formula
              ? 'formula'
              : cell.type === v.Hyperlink
                ? 'hyperlink'
                : 'other';
        out.push({ sheet: ws.name, address: cell.address, type, text: cell.text ?? String(cell.value ?? '') });
      });
    });
  });
  return out;
}

/** Cells of a workbook that would run or link out: formula and hyperlink cells, and text cells starting with a trigger. */
export function xlsxFormulaProblems(cells: XlsxCellInfo[]): string[] {
  return cells
    .filter((c) => c.type === 'formula' || c.type === 'hyperlink' || (c.type === 'string' && FORMULA_START.test(c.text)))
    .map((c) => `${c.sheet}!${c.address} (${c.type}): ${JSON.stringify(c.text.slice(0, 40))}`);
}

/* ------------------------------------------------------------------------------------------
 * Small statistics for timing comparisons
 * ---------------------------------------------------------------------------------------- */

export function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Runs `fn` over `items` with at most `limit` calls in flight (refusals need no order; overlapping them saves wall time). */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/** How many inputs each class of a bad-input file tried; printed once so that the closing note can give figures. */
export class InputTally {
  private readonly counts = new Map<string, number>();
  add(inputClass: string, n = 1): void {
    this.counts.set(inputClass, (this.counts.get(inputClass) ?? 0) + n);
  }
  get total(): number {
    return [...this.counts.values()].reduce((a, b) => a + b, 0);
  }
  summary(module: string): string {
    return `bad input (${module}): ${[...this.counts].map(([k, v]) => `${k} ${v}`).join(', ')}; total ${this.total}`;
  }
}

/** The text of a page's alert box(es) and field errors, tags stripped, for "is the message in Russian" checks. */
export function alertText(html: string): string {
  const parts = [...html.matchAll(/role="alert"[^>]*>([\s\S]*?)<\/(?:div|section|p)>/g), ...html.matchAll(/class="field-error"[^>]*>([\s\S]*?)<\//g)].map((m) => m[1]!);
  return parts.join(' ').replace(/<[^>]+>/g, ' ').replace(/&#34;|&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&').replace(/\s+/g, ' ').trim();
}
