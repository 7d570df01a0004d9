import { parse as parseCsv } from 'csv-parse/sync';
import ExcelJS from 'exceljs';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiTokenFor, binaryParser, createTestApp, loginAs, type TestApp } from '../../helpers/app';
import { insertRound } from '../invitations/fixtures';
import { completeBody, openLink } from '../responses/fixtures';

/** Invite through the admin page, answer through the real respondent flow, watch it arrive in monitoring and both exports. */
describe('from invitation to export', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ seed: 'base' });
  });
  afterAll(async () => t.close());

  it('a submitted answer shows in progress, drops off the reminder list and appears in CSV and XLSX', async () => {
    const roundId = await insertRound(t.ctx, { target_total: 2 });
    const questionnaireId = Number((await t.ctx.db('rounds').where({ id: roundId }).first()).questionnaire_id);
    const admin = await loginAs(t, 'admin');
    const created = await admin.agent
      .post(`/admin/rounds/${roundId}/invitations/paste`)
      .type('form')
      .send({ _csrf: admin.csrf, text: 'name,contact,territory,sector,size\nЖауап берген ЖШС,a@example.kz,Ridder city,C,small\nҮнсіз ЖК,b@example.kz,Zaisan district,G,micro\n' });
    // Post/redirect/get: the import redirects to its batch page, whose first view shows the links.
    expect(created.status).toBe(303);
    expect(String(created.headers.location)).toContain('/invitations/batches/');
    const batchPage = await admin.agent.get(created.headers.location);
    expect(batchPage.status).toBe(200);
    const links = [...batchPage.text.matchAll(/https?:\/\/[^\s<"]+(\/r\/[A-Za-z0-9_-]{22})/g)].map((m) => m[1]!);
    expect(links).toHaveLength(2);

    const respondent = await openLink(t.app, links[0]!);
    expect(respondent.status).toBe(200);
    const submitted = await respondent.agent.post('/respond/submit-all').set('x-csrf-token', respondent.csrf).send(await completeBody(t.ctx, questionnaireId));
    expect(submitted.status).toBe(201);

    const token = await apiTokenFor(t, 'researcher');
    const progress = await request(t.app).get(`/api/v1/rounds/${roundId}/progress`).set('Authorization', `Bearer ${token}`);
    expect(progress.body).toMatchObject({ invited: 2, opened: 1, started: 1, submitted: 1, target: 2, targetRate: 0.5, responseRate: 0.5 });

    const reminders = await admin.agent.get(`/admin/rounds/${roundId}/monitoring/non-responders.csv`);
    expect((parseCsv(reminders.text.slice(1), { columns: true }) as Array<Record<string, string>>).map((r) => r.name)).toEqual(['Үнсіз ЖК']);

    const csv = await request(t.app).get(`/api/v1/rounds/${roundId}/responses.csv`).set('Authorization', `Bearer ${token}`);
    const rows = parseCsv(csv.text.slice(1), { columns: true }) as Array<Record<string, string>>;
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ sector: 'C', size: 'small', employees: '42', innovated: '1', profile_innovated: 'product;process', profile_funding: 'own', B01_comment: 'Сұраныс аз' });
    expect(rows[0]!.B01).toMatch(/^[1-5]$/);

    const xlsx = await request(t.app)
      .get(`/api/v1/rounds/${roundId}/responses.xlsx`)
      .set('Authorization', `Bearer ${token}`)
      .buffer(true)
      .parse(binaryParser);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(xlsx.body as ExcelJS.Buffer);
    const sheet = wb.getWorksheet('responses')!;
    expect(sheet.rowCount).toBe(2);
    expect(sheet.getRow(2).getCell(1).value).toBe(Number(rows[0]!.response_id));
  });
});
