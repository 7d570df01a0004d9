import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import table17 from '../../../seeds/domain/reference-data/east-kz-innovation-activity-2010-2020.json';
import table40 from '../../../seeds/domain/reference-data/east-kz-territories-2020.json';
import { runModelCommand, type CliStreams } from '../../../src/modules/indicators/models.cli';
import { apiTokenFor, createTestApp, loginAs, type TestApp } from '../../helpers/app';

const run = promisify(execFile);
const projectRoot = path.resolve(__dirname, '../../..');

/** The published contract, filled with the table 17 reference file. */
const fitSpec = {
  form: 'power',
  y: 'INact',
  x: ['dZin', 'Nsb', 't'],
  timeColumn: 'year',
  rows: table17.rows,
  forecast: [{ year: 2025, dZin: 2.4, Nsb: 97.6 }],
};

const compositeSpec = {
  rows: table40.rows.filter((r) => r.kind !== 'region').map(({ en, X1, X2, X3, X4, X5, X6 }) => ({ territory: en, X1, X2, X3, X4, X5, X6 })),
  indicators: Object.entries(table40.columns).map(([name, c]) => ({ name, direction: c.direction, weight: 1 })),
  aggregate: 'arithmetic',
  levels: 'kmeans',
};

/** The contracts for derive, scenario, polynomial fits and the new composite options. */
const deriveSpec = {
  rows: [
    { territory: 'A', year: 2019, active: 100, innovating: 10 },
    { territory: 'A', year: 2020, active: 120, innovating: 15 },
    { territory: 'B', year: 2020, active: 40, innovating: 2 },
  ],
  derive: [
    { name: 'Lact', formula: 'innovating / active * 100' },
    { name: 'LactGrowth', formula: 'growth(Lact)' },
    { name: 'shareOfAll', formula: 'share(innovating, total(innovating))' },
  ],
};
const polynomialSpec = { form: 'polynomial', degree: 2, y: 'INact', x: ['t'], timeColumn: 'year', rows: table17.rows, forecast: [{ year: 2021 }, { year: 2022 }] };
const scenarioSpec = {
  steps: [
    { form: 'linear', y: 'Nsb', x: ['t'], timeColumn: 'year', rows: table17.rows },
    { form: 'power', y: 'INact', x: ['dZin', 'Nsb', 't'], timeColumn: 'year', rows: table17.rows },
  ],
  forecast: [{ year: 2021, dZin: 2.4 }, { year: 2025, dZin: 2.4 }],
};
const compositeOptionsSpec = { ...compositeSpec, normalise: 'z-score', weights: 'equal', levels: 'rank', levelCount: 4, robustness: { draws: 200, seed: 11 } };

function captured(stdin = ''): CliStreams & { out: string; err: string } {
  const io = {
    out: '',
    err: '',
    stdout: { write: (s: string) => (io.out += s) },
    stderr: { write: (s: string) => (io.err += s) },
    readStdin: async () => stdin,
  };
  return io;
}

describe('model specs: API and CLI', () => {
  let t: TestApp;
  let token: string;
  let dir: string;
  beforeAll(async () => {
    t = await createTestApp();
    token = await apiTokenFor(t, 'researcher');
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kedergi-models-'));
  });
  afterAll(async () => {
    fs.rmSync(dir, { recursive: true, force: true });
    await t.close();
  });

  it('POST /api/v1/models/fit reproduces the published table 17 model in the contract shape', async () => {
    const res = await request(t.app).post('/api/v1/models/fit').set('authorization', `Bearer ${token}`).send(fitSpec);
    expect(res.status).toBe(200);
    const b = res.body;
    expect(b.form).toBe('power');
    expect(b.n).toBe(11);
    expect(Math.abs(b.coefficients.dZin - 0.355)).toBeLessThan(0.001);
    expect(Math.abs(b.coefficients.Nsb - 1.931)).toBeLessThan(0.001);
    expect(Math.abs(b.coefficients.t - 0.265)).toBeLessThan(0.001);
    expect(Math.abs(b.intercept - -6.915)).toBeLessThan(0.01);
    expect(Math.abs(b.A - Math.exp(b.intercept))).toBeLessThan(1e-12);
    expect(Math.abs(b.r - 0.876)).toBeLessThan(0.001);
    expect(Object.keys(b.standardErrors)).toEqual(expect.arrayContaining(['dZin', 'Nsb', 't']));
    expect(typeof b.r2).toBe('number');
    expect(b.fitted).toHaveLength(11);
    expect(b.forecast).toHaveLength(1);
    expect(b.forecast[0].year).toBe(2025);
    // t for 2025 is 16 (2010 is t = 1); the forecast is the model at (2.4, 97.6, 16).
    const expected = b.A * 2.4 ** b.coefficients.dZin * 97.6 ** b.coefficients.Nsb * 16 ** b.coefficients.t;
    expect(Math.abs(b.forecast[0].y - expected)).toBeLessThan(1e-9);
  });

  it('CLI (runCli path, file and stdin) prints exactly what the API returns', async () => {
    const file = path.join(dir, 'fit.json');
    fs.writeFileSync(file, JSON.stringify(fitSpec));
    const api = await request(t.app).post('/api/v1/models/fit').set('authorization', `Bearer ${token}`).send(fitSpec);
    const fromFile = captured();
    expect(await runModelCommand('fit', [file], fromFile)).toBe(0);
    expect(JSON.parse(fromFile.out)).toEqual(api.body);
    const fromStdin = captured(JSON.stringify(fitSpec));
    expect(await runModelCommand('fit', ['-'], fromStdin)).toBe(0);
    expect(JSON.parse(fromStdin.out)).toEqual(api.body);

    const composite = await request(t.app).post('/api/v1/models/composite').set('authorization', `Bearer ${token}`).send(compositeSpec);
    expect(composite.status).toBe(200);
    const cli = captured(JSON.stringify(compositeSpec));
    expect(await runModelCommand('composite', ['-'], cli)).toBe(0);
    expect(JSON.parse(cli.out)).toEqual(composite.body);
  });

  it('derive, scenario, polynomial fits and composite options: the CLI prints exactly what the API returns', async () => {
    const cases = [
      ['derive', deriveSpec],
      ['scenario', scenarioSpec],
      ['fit', polynomialSpec],
      ['composite', compositeOptionsSpec],
    ] as const;
    for (const [kind, spec] of cases) {
      const api = await request(t.app).post(`/api/v1/models/${kind}`).set('authorization', `Bearer ${token}`).send(spec);
      expect(api.status, kind).toBe(200);
      const cli = captured(JSON.stringify(spec));
      expect(await runModelCommand(kind, ['-'], cli), kind).toBe(0);
      expect(JSON.parse(cli.out), kind).toEqual(api.body);
    }
    const derived = (await request(t.app).post('/api/v1/models/derive').set('authorization', `Bearer ${token}`).send(deriveSpec)).body;
    expect(derived.rows[1].Lact).toBe(12.5);
    expect(derived.rows[1].LactGrowth).toBeCloseTo(25, 9); // 12.5 / 10 - 1
    expect(derived.rows[0].LactGrowth).toBeNull();
    expect(derived.rows[2].shareOfAll).toBeCloseTo((2 / 17) * 100, 9);
    const fit = (await request(t.app).post('/api/v1/models/fit').set('authorization', `Bearer ${token}`).send(polynomialSpec)).body;
    expect(Object.keys(fit.coefficients)).toEqual(['t', 't^2']);
    for (const row of fit.forecast) expect(row.lower).toBeLessThan(row.y), expect(row.upper).toBeGreaterThan(row.y);
    const scenario = (await request(t.app).post('/api/v1/models/scenario').set('authorization', `Bearer ${token}`).send(scenarioSpec)).body;
    expect(scenario.steps[1].fedBy).toEqual({ Nsb: 0 });
    expect(scenario.steps[1].fit.forecast[1].Nsb).toBe(scenario.steps[0].fit.forecast[1].y);
    const composite = (await request(t.app).post('/api/v1/models/composite').set('authorization', `Bearer ${token}`).send(compositeOptionsSpec)).body;
    expect(composite.territories[0].rankInterval).toHaveLength(2);
    expect(composite.robustness.draws).toBe(200);
  });

  it('bad derive and scenario specs: HTTP 400 and CLI exit 2, both naming the field', async () => {
    const cases = [
      ['derive', { ...deriveSpec, derive: [{ name: 'x', formula: 'require("fs")' }] }, 'derive.0.formula'],
      ['derive', { ...deriveSpec, derive: [{ name: 'x', formula: 'innovating / missing' }] }, 'derive.0.formula'],
      ['scenario', { ...scenarioSpec, forecast: [{ year: 2021 }] }, 'forecast.0.dZin'],
      ['scenario', { ...scenarioSpec, steps: [scenarioSpec.steps[0], { ...scenarioSpec.steps[1], x: [] }] }, 'steps.1.x'],
      ['fit', { ...polynomialSpec, degree: undefined }, 'degree'],
      ['composite', { ...compositeSpec, zero: 'drop' }, 'zero'],
    ] as const;
    for (const [kind, spec, field] of cases) {
      const res = await request(t.app).post(`/api/v1/models/${kind}`).set('authorization', `Bearer ${token}`).send(spec);
      expect(res.status, field).toBe(400);
      expect(res.body.error.fields.map((f: { path: string }) => f.path), field).toEqual([field]);
      const cli = captured(JSON.stringify(spec));
      expect(await runModelCommand(kind, ['-'], cli), field).toBe(2);
      expect(cli.err).toContain(`  ${field}: `);
      expect(cli.out).toBe('');
    }
  });

  it('`npm run --silent cli -- models fit FILE` reproduces table 17 from the reference file in a separate process', async () => {
    const file = path.join(dir, 'fit-process.json');
    fs.writeFileSync(file, JSON.stringify({ ...fitSpec, forecast: undefined }));
    const { stdout } = await run('npm', ['run', '--silent', 'cli', '--', 'models', 'fit', file], { cwd: projectRoot, env: { ...process.env, DATABASE_URL: '/nonexistent/dir/never-created.sqlite' } });
    const b = JSON.parse(stdout);
    expect(Math.abs(b.coefficients.dZin - 0.355)).toBeLessThan(0.001);
    expect(Math.abs(b.coefficients.Nsb - 1.931)).toBeLessThan(0.001);
    expect(Math.abs(b.coefficients.t - 0.265)).toBeLessThan(0.001);
    expect(Math.abs(b.intercept - -6.915)).toBeLessThan(0.01);
    expect(Math.abs(b.r - 0.876)).toBeLessThan(0.001);
    expect(fs.existsSync('/nonexistent/dir')).toBe(false);
  });

  it('`npm run --silent cli -- models derive FILE` answers the issue example in a separate process', async () => {
    const file = path.join(dir, 'derive-process.json');
    fs.writeFileSync(file, JSON.stringify({ rows: [{ territory: 'A', year: 2020, active: 120, innovating: 15 }], derive: [{ name: 'Lact', formula: 'innovating / active * 100' }] }));
    const { stdout } = await run('npm', ['run', '--silent', 'cli', '--', 'models', 'derive', file], { cwd: projectRoot, env: { ...process.env, DATABASE_URL: '/nonexistent/dir/never-created.sqlite' } });
    expect(JSON.parse(stdout).rows).toEqual([{ territory: 'A', year: 2020, active: 120, innovating: 15, Lact: 12.5 }]);
  });

  it('a bad spec: API 400 naming the field, CLI exit 2 naming the same field on stderr', async () => {
    const bad = { ...fitSpec, rows: fitSpec.rows.map((r, i) => (i === 3 ? { ...r, dZin: 'abc' } : r)) };
    const res = await request(t.app).post('/api/v1/models/fit').set('authorization', `Bearer ${token}`).send(bad);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('validation_failed');
    expect(res.body.error.fields.map((f: { path: string }) => f.path)).toEqual(['rows.3.dZin']);
    const cli = captured(JSON.stringify(bad));
    expect(await runModelCommand('fit', ['-'], cli)).toBe(2);
    expect(cli.err).toContain('rows.3.dZin');
    expect(cli.out).toBe('');

    const noForm = captured(JSON.stringify({ ...fitSpec, form: 'cubic' }));
    expect(await runModelCommand('fit', ['-'], noForm)).toBe(2);
    expect(noForm.err).toMatch(/^\s+form: /m);

    const notJson = captured('{oops');
    expect(await runModelCommand('composite', ['-'], notJson)).toBe(2);
    expect(await runModelCommand('fit', [path.join(dir, 'missing.json')], captured())).toBe(2);
  });

  it('a power model refuses a zero; composite names a missing indicator value and an unknown key', async () => {
    const zero = { ...fitSpec, rows: fitSpec.rows.map((r, i) => (i === 0 ? { ...r, INact: 0 } : r)) };
    const res = await request(t.app).post('/api/v1/models/fit').set('authorization', `Bearer ${token}`).send(zero);
    expect(res.status).toBe(400);
    expect(res.body.error.fields[0].path).toBe('rows.0.INact');

    const missing = { ...compositeSpec, rows: compositeSpec.rows.map((r, i) => (i === 2 ? { territory: r.territory, X1: r.X1 } : r)) };
    const c = await request(t.app).post('/api/v1/models/composite').set('authorization', `Bearer ${token}`).send(missing);
    expect(c.status).toBe(400);
    expect(c.body.error.fields.map((f: { path: string }) => f.path)).toContain('rows.2.X2');

    const extra = await request(t.app).post('/api/v1/models/composite').set('authorization', `Bearer ${token}`).send({ ...compositeSpec, colour: 'red' });
    expect(extra.status).toBe(400);
    expect(extra.body.error.fields[0].path).toBe('colour');
  });

  it('collinear regressors and too few rows are reported on x and rows', async () => {
    const rows = table17.rows.map((r) => ({ ...r, twice: r.dZin * 2 }));
    const collinear = await request(t.app).post('/api/v1/models/fit').set('authorization', `Bearer ${token}`).send({ form: 'linear', y: 'INact', x: ['dZin', 'twice'], rows });
    expect(collinear.status).toBe(400);
    expect(collinear.body.error.fields[0].path).toBe('x');
    const few = await request(t.app).post('/api/v1/models/fit').set('authorization', `Bearer ${token}`).send({ form: 'linear', y: 'INact', x: ['dZin', 'Nsb'], rows: rows.slice(0, 3) });
    expect(few.status).toBe(400);
    expect(few.body.error.fields[0].path).toBe('rows');
  });

  it('table 40 composite: 19 territories, ranks 1..19, level 5 holds the top-ranked territory', async () => {
    for (const levels of ['equal-interval', 'kmeans']) {
      const res = await request(t.app).post('/api/v1/models/composite').set('authorization', `Bearer ${token}`).send({ ...compositeSpec, levels });
      const rows = res.body.territories as Array<{ territory: string; integral: number; level: number; rank: number; partial: Record<string, number> }>;
      expect(rows).toHaveLength(19);
      const top = rows.find((r) => r.rank === 1)!;
      expect(top.level).toBe(5);
      expect(rows.find((r) => r.rank === Math.max(...rows.map((x) => x.rank)))!.level).toBe(1);
      // Tarbagatai has the highest unemployment (5.3): its destimulant partial index is 0.
      expect(rows.find((r) => r.territory === 'Tarbagatai district')!.partial.X1).toBe(0);
      // Independent computation (Python, plain min-max and mean over the six indicators):
      // Ayagoz district 0.633481726810, Oskemen city 0.610118016162, lowest Tarbagatai 0.155438336659.
      expect(top.territory).toBe('Ayagoz district');
      expect(Math.abs(top.integral - 0.633481726810)).toBeLessThan(1e-9);
      expect(Math.abs(rows.find((r) => r.rank === 2)!.integral - 0.610118016162)).toBeLessThan(1e-9);
      expect(Math.abs(rows.find((r) => r.rank === 19)!.integral - 0.155438336659)).toBeLessThan(1e-9);
    }
    const geo = await request(t.app).post('/api/v1/models/composite').set('authorization', `Bearer ${token}`).send({ ...compositeSpec, aggregate: 'geometric' });
    const tarbagatai = geo.body.territories.find((r: { territory: string }) => r.territory === 'Tarbagatai district');
    expect(tarbagatai.integral).toBe(0);
    expect(tarbagatai.zeroPartials).toContain('X1');
    expect(geo.body.geometricZeros).toBeGreaterThan(0);
  });

  it('only researchers and admins may call the model API; experts get 403, anonymous 401', async () => {
    const expert = await apiTokenFor(t, 'expert');
    expect((await request(t.app).post('/api/v1/models/fit').set('authorization', `Bearer ${expert}`).send(fitSpec)).status).toBe(403);
    expect((await request(t.app).post('/api/v1/models/composite').send(compositeSpec)).status).toBe(401);
    const admin = await apiTokenFor(t, 'admin');
    expect((await request(t.app).post('/api/v1/models/composite').set('authorization', `Bearer ${admin}`).send(compositeSpec)).status).toBe(200);
    const { agent } = await loginAs(t, 'researcher');
    // A cookie session without a CSRF token is refused.
    expect((await agent.post('/api/v1/models/fit').send(fitSpec)).status).toBe(403);
  });
});
