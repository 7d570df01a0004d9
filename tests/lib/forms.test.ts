import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import express, { type NextFunction, type Request, type Response } from 'express';
import request from 'supertest';
import { afterAll, describe, expect, it } from 'vitest';
import { AppError, NotFoundError, ValidationError } from '../../src/errors';
import { fileUpload, formPage } from '../../src/lib/forms';

/**
 * The shared page shape of src/lib/forms.ts on a bare express app whose "view" prints the locals it
 * was given, so each test sees exactly what the page would render.
 */
const views = fs.mkdtempSync(path.join(os.tmpdir(), 'forms-test-'));
fs.writeFileSync(path.join(views, 'page.json'), '');
afterAll(() => fs.rmSync(views, { recursive: true, force: true }));

function app(mount: (app: express.Express) => void) {
  const a = express();
  a.engine('json', (_file, options, cb) => {
    const o = options as Record<string, unknown>;
    cb(null, JSON.stringify({ title: o.title, loaded: o.loaded, notice: o.notice, values: o.values, errors: o.errors }));
  });
  a.set('view engine', 'json');
  a.set('views', views);
  a.use(express.urlencoded({ extended: true }));
  a.use((_req, res, next) => {
    res.locals.t = (key: string) => `t(${key})`;
    next();
  });
  mount(a);
  a.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    const e = err instanceof AppError ? err : undefined;
    res.status(e?.status ?? 500).json({ error: e?.messageKey ?? String(err), fields: e?.fields ?? [] });
  });
  return a;
}

describe('formPage: one loader for the page, the same page again when a form is refused', () => {
  let loads = 0;
  const page = formPage('page', async (req) => {
    loads++;
    return { title: 'Round', loaded: req.params.id, values: { year: '2026' } };
  });
  const server = app((a) => {
    a.get('/r/:id', page.show((req) => ({ notice: req.query.saved ? 'saved' : undefined })));
    a.post('/r/:id/ok', page.submit(async (_req, res, locals) => res.redirect(303, `/r/${String(locals.loaded)}?saved=1`)));
    a.post('/r/:id/bad', page.submit(async () => Promise.reject(new ValidationError([{ path: 'year', key: 'errors:field.integer' }]))));
    a.post('/r/:id/other', page.submit(async () => Promise.reject(new ValidationError([{ path: 'x', key: 'k' }])), (req) => ({ otherValues: req.body })));
    a.post('/r/:id/gone', page.submit(async () => Promise.reject(new NotFoundError())));
  });

  it('shows the page with what the loader gives and what the query adds', async () => {
    const res = await request(server).get('/r/7?saved=1');
    expect(res.status).toBe(200);
    expect(JSON.parse(res.text)).toEqual({ title: 'Round', loaded: '7', notice: 'saved', values: { year: '2026' }, errors: [] });
  });

  it('lets a form that passes answer itself (a redirect), with the loaded page at hand', async () => {
    const res = await request(server).post('/r/7/ok').type('form').send({ year: '2027' });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/r/7?saved=1');
  });

  it('renders a refused form as the same page, with the values sent and the message for the field', async () => {
    const before = loads;
    const res = await request(server).post('/r/7/bad').type('form').send({ year: 'abc' });
    expect(res.status).toBe(400);
    expect(JSON.parse(res.text)).toMatchObject({ title: 'Round', loaded: '7', values: { year: 'abc' }, errors: [{ path: 'year', message: 't(errors:field.integer)' }] });
    expect(loads).toBe(before + 1); // loaded once per request
    // A page with several forms keeps the other forms' values where it says.
    const other = await request(server).post('/r/7/other').type('form').send({ x: '1' });
    expect(JSON.parse(other.text).values).toEqual({ year: '2026' });
  });

  it('passes what is not a refused form (not found, forbidden, a crash) to the error handler', async () => {
    const res = await request(server).post('/r/7/gone').type('form').send({});
    expect(res.status).toBe(404);
  });
});

describe('fileUpload: one file, its limit a refused form in the user’s language', () => {
  const upload = fileUpload({ maxBytes: 100, fields: 2 }, { tooLarge: 'x:errors.tooLarge', params: { max: '100 B' }, formMessage: 'x:import.failed' });
  const server = app((a) => a.post('/up', upload, (req, res) => res.json({ name: req.file?.originalname, size: req.file?.size, body: req.body })));

  it('keeps a file within the limit in memory, its Kazakh name intact', async () => {
    const res = await request(server).post('/up').field('period', '2020').attach('file', Buffer.from('a,b\n1,2\n'), 'деректер-өңір.csv');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ name: 'деректер-өңір.csv', size: 8, body: { period: '2020' } });
  });

  it('refuses a file over the limit beside the file input, with the form message', async () => {
    const res = await request(server).post('/up').attach('file', Buffer.alloc(101), 'big.csv');
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ error: 'x:import.failed', fields: [{ path: 'file', key: 'x:errors.tooLarge', params: { max: '100 B' } }] });
  });

  it('refuses a second file or too many fields as an invalid file field', async () => {
    const two = await request(server).post('/up').attach('file', Buffer.from('1'), 'a.csv').attach('file', Buffer.from('2'), 'b.csv');
    expect(two.status).toBe(400);
    expect(two.body.fields[0]).toMatchObject({ path: 'file', key: 'errors:field.invalid' });
    const fields = await request(server).post('/up').field('a', '1').field('b', '2').field('c', '3').attach('file', Buffer.from('1'), 'a.csv');
    expect(fields.status).toBe(400);
  });
});
