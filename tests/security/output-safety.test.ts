import fs from 'node:fs';
import path from 'node:path';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderSvgChart } from '../../src/lib/charts';
import { sign } from '../../src/lib/seal';
import { neutraliseCell, writeCsv, writeXlsx } from '../../src/lib/spreadsheet';
import { sharedDomainDir } from '../../src/paths';
import { binaryParser, createTestApp, type TestApp } from '../helpers/app';
import { testDbEngine } from '../helpers/db';
import { nastyStrings } from '../helpers/arbitraries';
import {
  csvCellIsFormula,
  listRoutes,
  mapLimit,
  parseCsvBuffer,
  respondentActor,
  routeKey,
  sessionActor,
  sessionActorFor,
  unsafeMarkup,
  xlsxCells,
  xlsxFormulaProblems,
  type Actor,
  type RouteEntry,
} from '../helpers/security';

/**
 * Stored XSS and formula injection: every text a user can put into Kedergi (questionnaire
 * texts, territory, enterprise, panel, user, dataset and indicator names, answers' comments,
 * experts' reasons, rejected upload cells) carries markup and formula payloads; then every GET
 * route of the app is fetched and every HTML page must be inert, every CSV and XLSX cell neutral.
 */

// Each payload starts with a spreadsheet formula trigger and carries a different markup vector.
const P = {
  script: '=HYPERLINK("http://evil.example","x")<script>alert(1)</script>',
  svg: '+"><svg onload=alert(2)>',
  title: '-</title><script>alert(3)</script>',
  img: "@'><img src=x onerror=alert(4)>",
  js: '=javascript:alert(5)//"><a href="javascript:alert(5)">x</a>',
  style: '+<style>*{background:url("javascript:alert(6)")}</style><iframe src="javascript:alert(6)"></iframe>',
};
const ALL = Object.values(P);
const tagged = (label: string, i = 0) => `${ALL[i % ALL.length]} ${label}`;
/** The escaped form EJS writes for "<script>alert(1)", the evidence that a payload reached a page (inertly). */
const ESCAPED_MARKERS = ['&lt;script&gt;alert(1)', '&lt;svg onload=alert(2)&gt;', '&lt;/title&gt;&lt;script&gt;alert(3)', 'onerror=alert(4)&gt;'];

function csvLine(cells: string[]): string {
  return cells.map((c) => `"${c.replace(/"/g, '""')}"`).join(',');
}

interface PayloadFixture {
  admin: Actor;
  expert: Actor;
  respondentInProgress: Actor;
  respondentSubmitted: Actor;
  userId: number;
  invitationId: number;
  optOutToken: string;
  territoryId: number;
  questionnaireId: number;
  /** A builder draft of the payload questionnaire (every text a payload). */
  draftId: number;
  roundId: number;
  categoryCode: string;
  itemCode: string;
  importId: string;
  batchId: string;
  panelId: number;
  memberId: number;
  enterpriseId: number;
  datasetId: number;
  indicatorId: number;
  indicatorImportId: number;
  modelIds: number[];
  programmeId: number;
  programmeIndicatorId: number;
  programmeMeasureId: number;
  /** Pages that are answers to POSTs (never reachable by GET) and must be inert too. */
  postPages: Array<[string, string]>;
  /** CSV bodies returned by POSTs (the one-time links download). */
  postCsv: Array<[string, Buffer]>;
}

async function expectStatus(res: request.Response, status: number | number[], what: string): Promise<request.Response> {
  const ok = Array.isArray(status) ? status.includes(res.status) : res.status === status;
  if (!ok) {
    const alert = /role="alert"[\s\S]{0,800}/.exec(res.text ?? '')?.[0].replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ');
    throw new Error(`${what}: ${res.status} ${res.headers.location ?? ''} ${alert ?? res.text?.slice(0, 600)}`);
  }
  return res;
}

async function buildFixture(t: TestApp): Promise<PayloadFixture> {
  const db = t.ctx.db;
  const admin = await sessionActor(t, 'admin');
  const post = (actor: Actor, url: string, body: Record<string, unknown>) =>
    request(t.app).post(url).set('Cookie', actor.cookie).set('x-csrf-token', actor.csrf).type('form').send(body);
  const postJson = (actor: Actor, url: string, body: unknown) => request(t.app).post(url).set('Cookie', actor.cookie).set('x-csrf-token', actor.csrf).send(body as object);
  const postPages: Array<[string, string]> = [];
  /** Post/redirect/get: the page a POST redirects to, with its one-time cookie (new password, links). */
  const followOnce = async (cookie: string, posted: request.Response) => {
    const once = ([] as string[]).concat(posted.headers['set-cookie'] ?? []).find((c) => c.startsWith('kedergi_once='))?.split(';')[0];
    return expectStatus(await request(t.app).get(posted.headers.location).set('Cookie', once ? `${cookie}; ${once}` : cookie), 200, `GET ${posted.headers.location}`);
  };
  const postCsv: Array<[string, Buffer]> = [];

  // An expert whose display name is a payload (shown in the header, the users list, panel members).
  const expertUser = { email: 'xss-expert@example.kz', password: 'expert-password-1' };
  const created = await followOnce(admin.cookie, await expectStatus(await post(admin, '/admin/users', { email: expertUser.email, name: tagged('expert name', 1), role: 'expert', password: expertUser.password }), 303, 'create user'));
  postPages.push(['POST /admin/users', created.text]);
  const userId = Number((await db('users').where({ email: expertUser.email }).first()).id);
  const expert = await sessionActorFor(t.app, { id: userId, ...expertUser }, 'expert');

  // A territory named with payloads in all three languages.
  const region = await db('territories').where({ kind: 'region' }).first();
  await expectStatus(
    await post(admin, '/admin/territories', { code: 'xss-town', name_kk: tagged('аудан', 0), name_ru: tagged('район', 1), name_en: tagged('district', 2), kind: 'district', parentId: region.id, position: 1 }),
    303,
    'create territory',
  );
  const territoryId = Number((await db('territories').where({ code: 'xss-town' }).first()).id);

  // The barriers questionnaire with payloads in its title, category titles, item texts, scale labels and profile texts.
  const def = JSON.parse(fs.readFileSync(path.join(sharedDomainDir, 'questionnaire-barriers.json'), 'utf8'));
  let n = 0;
  const text3 = (label: string) => ({ kk: tagged(`${label} kk`, n++), ru: tagged(`${label} ru`, n++), en: tagged(`${label} en`, n++) });
  def.code = 'XSS-TEST';
  def.title = text3('title');
  def.source = tagged('source');
  for (const c of def.categories) c.title = text3(`category ${c.code}`);
  for (const i of def.items) i.text = text3(`item ${i.code}`);
  for (const k of Object.keys(def.scale.labels)) def.scale.labels[k] = text3(`label ${k}`);
  def.scale.notApplicable = text3('cannot judge');
  for (const q of def.profile) {
    q.text = text3(`profile ${q.code}`);
    for (const o of q.options ?? []) o.text = text3(`option ${o.code}`);
  }
  const imported = await expectStatus(await post(admin, '/admin/questionnaires/import', { json: JSON.stringify(def) }), 303, 'import questionnaire');
  const questionnaireId = Number(/\/admin\/questionnaires\/(\d+)/.exec(imported.headers.location!)![1]);
  const draftId = (await t.services.questionnaireDrafts.startFrom(questionnaireId, admin.user!.id)).id;

  // An open invitation round with a payload title and a target on the payload territory.
  const round = await expectStatus(
    await postJson(admin, '/api/v1/rounds', { title: tagged('round'), questionnaireId, audience: 'invitation', status: 'open', targetTotal: 10, targets: [{ territory: 'xss-town', target: 3 }] }),
    201,
    'create round',
  );
  const roundId = Number(round.body.id);

  // Invitations with payload names and contacts; the result page shows them once.
  const rows = [0, 1, 2, 3, 4].map((i) => csvLine([tagged(`enterprise ${i}`, i), tagged(`contact ${i}`, i + 1), 'xss-town', 'C', 'small']));
  const result = await followOnce(admin.cookie, await expectStatus(await post(admin, `/admin/rounds/${roundId}/invitations/paste`, { text: ['name,contact,territory,sector,size', ...rows].join('\n') }), 303, 'paste invitations'));
  postPages.push(['POST /admin/rounds/:id/invitations/paste', result.text]);
  const links = [...result.text.matchAll(/\/r\/([A-Za-z0-9_-]{22})/g)].map((m) => m[1]!);
  const batchId = /\/links\/([A-Za-z0-9_-]{22})/.exec(result.text)![1]!;
  const download = await request(t.app)
    .post(`/admin/rounds/${roundId}/invitations/links/${batchId}`)
    .set('Cookie', admin.cookie)
    .type('form')
    .send({ _csrf: admin.csrf })
    .buffer(true)
    .parse(binaryParser);
  await expectStatus(download, 200, 'links download');
  postCsv.push(['POST /admin/rounds/:id/invitations/links/:batchId', download.body as Buffer]);
  // A list with rejected rows whose cells are payloads: the preview and the error report show them.
  const bad = [csvLine([tagged('good enterprise'), '', 'xss-town', 'C', 'small']), csvLine([tagged('bad enterprise', 1), tagged('bad contact', 2), tagged('no such territory', 3), tagged('sector', 4), tagged('size', 5)])];
  const parked = await expectStatus(await post(admin, `/admin/rounds/${roundId}/invitations/paste`, { text: ['name,contact,territory,sector,size', ...bad].join('\n') }), 303, 'paste with bad rows');
  const importId = /\/imports\/([A-Za-z0-9_-]{22})$/.exec(parked.headers.location!)![1]!;
  const invitationId = Number((await db('invitations').where({ round_id: roundId }).orderBy('id').first('id')).id);

  // Respondents: one submits everything with payload comments, one is half-way, the rest never answer.
  // The category pages' questions: the profile's are answered through `profile`.
  const items = (await t.services.questionnaires.versionItems(questionnaireId)).questions.map((i) => ({ code: i.code, category: i.categoryCode }));
  const answers = Object.fromEntries(items.map((it: { code: string }, i: number) => [it.code, (i % 5) + 1]));
  const comments = Object.fromEntries(items.map((it: { code: string }, i: number) => [it.code, tagged(`comment ${it.code}`, i)]));
  const respondentSubmitted = await respondentActor(t.app, `/r/${links[0]}`);
  const submitted = await postJson(respondentSubmitted, '/respond/submit-all', {
    profile: { territory: 'xss-town', sector: 'C', size: 'small', employees: 12, innovated: ['product'], funding: 'own' },
    answers,
    comments,
    idempotencyKey: 'xss-submission-0001',
  });
  await expectStatus(submitted, 201, 'submit-all');
  const respondentInProgress = await respondentActor(t.app, `/r/${links[1]}`);
  const first = items[0] as { code: string; category: string };
  await expectStatus(
    await post(respondentInProgress, `/respond/page/${first.category}`, { nav: 'back', answers: { [first.code]: '2' }, comments: { [first.code]: tagged('draft comment', 3) } }),
    303,
    'save a page',
  );

  // An expert panel: payload name, enterprise, the payload barrier in T, two Delphi rounds with payload reasons.
  const panel = await expectStatus(await post(admin, '/admin/panels', { name: tagged('panel'), surveyRoundId: roundId }), 303, 'create panel');
  const panelId = Number(/\/admin\/panels\/(\d+)/.exec(panel.headers.location!)![1]);
  await expectStatus(await post(admin, `/admin/panels/${panelId}/members`, { userId }), 303, 'add member');
  await expectStatus(await post(admin, `/admin/panels/${panelId}/enterprises`, { enterpriseName: tagged('panel enterprise', 2) }), 303, 'add enterprise');
  await expectStatus(await post(admin, `/admin/panels/${panelId}/barriers`, { itemCode: first.code, quadrant: 'T' }), 303, 'attach barrier');
  await expectStatus(await post(admin, `/admin/panels/${panelId}/rounds/open-first`, {}), 303, 'open Delphi round');
  const enterpriseId = Number((await db('panel_enterprises').where({ panel_id: panelId }).first()).id);
  const factors = await db('expert_factors').orderBy(['kind', 'position']);
  const score = async (reason: string, shift: number) => {
    const delphi = await db('delphi_rounds').where({ panel_id: panelId, status: 'open' }).first();
    const scores: Record<string, Record<string, string>> = {};
    const ent: Record<string, Record<string, string>> = { [`x${enterpriseId}`]: {} };
    factors.forEach((fa: { kind: string; code: string }, i: number) => {
      if (fa.kind === 'enterprise') ent[`x${enterpriseId}`]![fa.code] = String(((i + shift) % 5) + 1);
      else scores[fa.code] = { weight: String(((i + shift) % 5) + 1), strength: String(((i * 2 + shift) % 5) + 1), reason: tagged(reason, i) };
    });
    const res = await post(expert, `/expert/panels/${panelId}`, { roundId: delphi.id, scores, ent });
    await expectStatus(res, [200, 303], 'expert scores');
    if (res.status === 200) postPages.push(['POST /expert/panels/:id', res.text]);
  };
  await score('reason round 1', 0);
  await expectStatus(await post(admin, `/admin/panels/${panelId}/rounds/close`, { confirm: 'yes' }), 303, 'close Delphi round');
  await expectStatus(await post(admin, `/admin/panels/${panelId}/rounds/open-next`, {}), 303, 'open Delphi round 2');
  await score('reason round 2', 3);

  // Indicators: a payload dataset, an import for the payload territory, payload indicator names, a composite index and a model.
  const dataset = await expectStatus(await post(admin, '/indicators/datasets', { name: tagged('dataset'), description: tagged('description', 1), source: tagged('source', 2) }), 303, 'create dataset');
  const datasetId = Number(/\/indicators\/datasets\/(\d+)/.exec(dataset.headers.location!)![1]);
  const others = await db('territories').whereNot({ kind: 'region' }).andWhereNot({ code: 'xss-town' }).orderBy('id').limit(3);
  const valueLines = ['territory,indicator,period,value'];
  for (const [ti, code] of [['xss-town', 0], ...others.map((o: { code: string }, i: number) => [o.code, i + 1])] as Array<[string, number]>) {
    for (let year = 2016; year <= 2022; year++) {
      valueLines.push(`${ti},XA,${year},${(10 + code * 3 + (year - 2016) * 1.7).toFixed(2)}`);
      valueLines.push(`${ti},XB,${year},${(5 + code + (year - 2016) * 0.9 + ((year * 7) % 3)).toFixed(2)}`);
    }
  }
  const upload = await request(t.app)
    .post(`/indicators/datasets/${datasetId}/import?_csrf=${admin.csrf}`)
    .set('Cookie', admin.cookie)
    .attach('file', Buffer.from(valueLines.join('\n')), 'values.csv');
  await expectStatus(upload, 303, 'indicator upload');
  const indicatorImportId = Number(/\/indicators\/imports\/(\d+)/.exec(upload.headers.location!)![1]);
  await expectStatus(await post(admin, `/indicators/imports/${indicatorImportId}/confirm`, {}), 303, 'confirm indicator import');
  // A second import stays pending so that its preview page is rendered with payload territory names.
  const pending = await request(t.app)
    .post(`/indicators/datasets/${datasetId}/import?_csrf=${admin.csrf}`)
    .set('Cookie', admin.cookie)
    .attach('file', Buffer.from(valueLines.slice(0, 5).join('\n') + `\n${csvLine([tagged('unknown territory'), 'XA', '2020', '1'])}\n`), 'values.csv');
  await expectStatus(pending, 303, 'second indicator upload');
  const pendingImportId = Number(/\/indicators\/imports\/(\d+)/.exec(pending.headers.location!)![1]);
  const indicators = await db('indicators').where({ dataset_id: datasetId }).orderBy('code');
  for (const [i, ind] of indicators.entries()) {
    await expectStatus(
      await post(admin, `/indicators/indicators/${ind.id}`, { name_kk: tagged(`indicator ${ind.code} kk`, i), name_ru: tagged(`indicator ${ind.code} ru`, i + 1), name_en: tagged(`indicator ${ind.code} en`, i + 2), unit: '=1+1 <b>', direction: 'stimulant', source: tagged('source', i) }),
      303,
      'rename indicator',
    );
  }
  const territoryIds = [territoryId, ...others.map((o: { id: number }) => Number(o.id))];
  const composite = await post(admin, '/indicators/composite', {
    title: tagged('composite index'),
    territories: territoryIds.map(String),
    indicators: indicators.map((x: { id: number }) => String(x.id)),
    period: Object.fromEntries(indicators.map((x: { id: number }) => [`i${x.id}`, '2022'])),
    aggregate: 'arithmetic',
    levels: 'equal-interval',
    seed: '1',
  });
  await expectStatus(composite, 303, 'composite index');
  const fit = await post(admin, `/indicators/datasets/${datasetId}/models`, {
    title: tagged('model', 1),
    form: 'linear',
    rowsBy: 'period',
    territoryId: String(territoryId),
    y: String(indicators[0].id),
    x: [String(indicators[1].id)],
    trend: 'on',
  });
  await expectStatus(fit, 303, 'fit model');
  const modelIds = [composite, fit].map((res) => Number(/\/indicators\/models\/(\d+)/.exec(res.headers.location!)![1]));

  // A programme whose every text is a payload (imported the way any programme is), with payload
  // actuals' sources, a measure report, evidence of every kind and evidence on a territory.
  const concept = await db('programmes').orderBy('id').first();
  const spec = await t.services.programmes.exportSpec(concept.id);
  const bodyCode = new Map(spec.bodies.map((b, i) => [b.code, tagged(`body ${i}`, i).slice(0, 110)]));
  Object.assign(spec, { code: 'xss-programme', name: text3('programme'), basis: text3('basis') });
  for (const b of spec.bodies) Object.assign(b, { code: bodyCode.get(b.code)!, name: text3('body name') });
  const unit = text3('unit');
  for (const i of spec.indicators) Object.assign(i, { name: text3(`indicator ${i.code}`), unit: { kk: unit.kk.slice(0, 100), ru: unit.ru.slice(0, 100), en: unit.en.slice(0, 100) } });
  for (const r of spec.results) Object.assign(r, { name: text3(`result ${r.code}`) });
  for (const d of spec.directions) d.name = text3(`direction ${d.number}`);
  for (const d of spec.duties) Object.assign(d, { recipient: text3('recipient'), what: text3('what'), ...(d.leadBody ? { leadBody: bodyCode.get(d.leadBody) } : {}) });
  for (const c of spec.criteria) c.name = text3(`criterion ${c.code}`);
  for (const m of spec.measures) {
    Object.assign(m, { name: text3(`measure ${m.number}`), completionForm: text3('form'), note: tagged('note', m.number) });
    m.deadline.label = text3('deadline');
    for (const e of m.executors) e.body = bodyCode.get(e.body)!;
  }
  if (spec.regionalBaseline) for (const r of spec.regionalBaseline.rows) r.name = text3(`region ${r.code}`);
  const programmeId = await t.services.programmes.importSpec(spec);
  const programmeIndicatorId = Number((await db('programme_indicators').where({ programme_id: programmeId, code: 'T1' }).first()).id);
  const programmeMeasureId = Number((await db('programme_measures').where({ programme_id: programmeId, number: 2 }).first()).id);
  await expectStatus(await post(admin, `/programmes/${programmeId}/indicators/${programmeIndicatorId}/actuals`, { year: '2026', value: '2.4', source: tagged('actual source', 1), note: tagged('actual note', 2) }), 303, 'enter an actual');
  await expectStatus(await post(admin, `/programmes/${programmeId}/measures/${programmeMeasureId}/report`, { year: '2026', status: 'done', summary: tagged('measure summary', 3) }), 303, 'report a measure');
  for (const body of [
    { kind: 'text', year: '2026', text: tagged('evidence text', 4) },
    { kind: 'link', year: '2026', url: 'https://example.kz/"><script>alert(1)</script>', text: tagged('evidence link', 5) },
    { kind: 'round', roundId, text: tagged('evidence round', 0) },
    { kind: 'panel', panelId, text: tagged('evidence panel', 1) },
  ]) {
    await expectStatus(await post(admin, `/programmes/${programmeId}/measures/${programmeMeasureId}/evidence`, body), 303, `evidence ${body.kind}`);
  }
  const file = await request(t.app)
    .post(`/programmes/${programmeId}/measures/${programmeMeasureId}/evidence?_csrf=${admin.csrf}`)
    .set('Cookie', admin.cookie)
    .field('kind', 'file')
    .field('text', tagged('evidence file', 2))
    .attach('file', Buffer.from('<script>alert(1)</script>'), `${tagged('file name', 3).replace(/[\/]/g, '')}.html`);
  await expectStatus(file, 303, 'evidence file');
  await expectStatus(await post(admin, `/programmes/${programmeId}/regions/evidence`, { territoryId, kind: 'text', text: tagged('territory evidence', 4) }), 303, 'territory evidence');
  await expectStatus(await post(admin, `/programmes/${programmeId}/regions/settlements`, { territoryId, year: '2026', scienceWorkers: '10', employed: '100', source: tagged('settlement source', 5) }), 303, 'settlement');
  const badImport = await request(t.app)
    .post(`/programmes/${programmeId}/actuals/import?_csrf=${admin.csrf}`)
    .set('Cookie', admin.cookie)
    .attach('file', Buffer.from(['indicator,year,value', csvLine([tagged('no such indicator'), '2026', tagged('not a number', 1)])].join('\n')), 'actuals.csv');
  await expectStatus(badImport, 400, 'bad actuals import');
  postPages.push(['POST /programmes/:id/actuals/import', badImport.text]);

  return {
    admin,
    expert,
    respondentInProgress,
    respondentSubmitted,
    userId,
    territoryId,
    questionnaireId,
    draftId,
    roundId,
    categoryCode: first.category,
    itemCode: first.code,
    importId,
    batchId,
    invitationId,
    optOutToken: `i${invitationId}.${sign(t.ctx.config.jwtSecret, 'mail-opt-out', `i${invitationId}`)}`,
    panelId,
    memberId: userId,
    enterpriseId,
    datasetId,
    indicatorId: Number(indicators[0].id),
    indicatorImportId: pendingImportId,
    modelIds,
    programmeId,
    programmeIndicatorId,
    programmeMeasureId,
    postPages,
    postCsv,
  };
}

/**
 * Concrete URLs of a GET route for the payload fixture. A parameter no rule knows fails the
 * test, so that a new page cannot go unchecked.
 */
function urlsFor(route: RouteEntry, f: PayloadFixture): string[] | 'skip' {
  const p = route.path;
  if (p === '/r/:token' || p === '/p/:token') return 'skip'; // redirects; the pages they lead to are under /respond
  // A staged XLSForm import exists only after an upload; its page is checked with hostile text in xlsform-api.test.ts.
  if (p === '/admin/questionnaires/import-xlsform/:importId') return 'skip';
  // Likewise a staged actuals upload (programmes.test.ts shows its confirmation page).
  if (p === '/programmes/:id/actuals/imports/:importId') return 'skip';
  const fill = (value: Record<string, string | number>) => p.replace(/:([A-Za-z]+)/g, (_m, name: string) => {
    if (!(name in value)) throw new Error(`no payload value for :${name} in ${routeKey(route)}`);
    return String(value[name]);
  });
  // The version comparison needs the version to compare (s3-i11-exchange's page; added here so the crawl reaches it).
  if (p === '/admin/questionnaires/compare') return [`${p}?to=${f.questionnaireId}`];
  if (!p.includes(':')) return [p];
  if (p.startsWith('/admin/users/')) return [fill({ id: f.userId })];
  if (p.startsWith('/admin/territories/')) return [fill({ id: f.territoryId })];
  // The profile's pages: a single choice and a multiple choice, whose question and option texts carry payloads.
  if (p === '/admin/questionnaires/drafts/:draftId/profile/:code') return ['sector', 'innovated'].map((code) => fill({ draftId: f.draftId, code }));
  if (p.startsWith('/admin/questionnaires/drafts/')) {
    const url = fill({ draftId: f.draftId, id: f.draftId, code: p.includes('/sections/') ? f.categoryCode : f.itemCode });
    return [p.endsWith('/questions/new') ? `${url}?kind=rating` : url];
  }
  if (p.startsWith('/admin/questionnaires/') || p.startsWith('/api/v1/questionnaires/')) return [fill({ id: f.questionnaireId })];
  if (p === '/admin/rounds/:id/mail/send') return [`${fill({ id: f.roundId })}?kind=reminder`];
  if (/^\/(admin|api\/v1|analysis|indicators)\/rounds\/:id/.test(p)) return [fill({ id: f.roundId, importId: f.importId, batchId: f.batchId, invitationId: f.invitationId, kind: 'invitation', lang: 'ru' })];
  if (p === '/mail/opt-out/:token') return [fill({ token: f.optOutToken })];
  if (/^\/(admin\/panels|panels|api\/v1\/panels|expert\/panels)\/:id/.test(p)) {
    const base = fill({ id: f.panelId, userId: f.memberId, enterpriseId: f.enterpriseId, code: f.itemCode });
    // Results pages also for the first Delphi round, which the expert has left behind.
    return /^\/(panels|api\/v1\/panels)\/:id\/(swot|pest)/.test(p) ? [base, `${base}?round=1`] : [base];
  }
  if (p.startsWith('/respond/page/')) return [fill({ code: f.categoryCode })];
  if (p.startsWith('/indicators/datasets/')) return [fill({ id: f.datasetId })];
  if (p.startsWith('/indicators/imports/')) return [fill({ id: f.indicatorImportId })];
  if (p.startsWith('/indicators/indicators/')) return [fill({ id: f.indicatorId })];
  if (p.startsWith('/indicators/models/')) return f.modelIds.map((id) => fill({ id }));
  if (p.startsWith('/indicators/territories/')) return [fill({ id: f.territoryId })];
  // An uploaded evidence file is sent back as an attachment (application/octet-stream, nosniff), not as a page.
  if (p === '/programmes/:id/evidence/:evidenceId') return 'skip';
  if (p === '/programmes/:id/report' || p === '/programmes/:id/report.xlsx') return [`${fill({ id: f.programmeId })}?year=2026`];
  if (p.startsWith('/programmes/:id') || p.startsWith('/api/v1/programmes/:id')) return [fill({ id: f.programmeId, indicatorId: f.programmeIndicatorId, measureId: f.programmeMeasureId })];
  throw new Error(`no payload URL rule for ${routeKey(route)}: add one to urlsFor()`);
}

function actorFor(url: string, f: PayloadFixture): Actor[] {
  if (url.startsWith('/respond')) return [f.respondentInProgress, f.respondentSubmitted];
  if (url.startsWith('/expert') || url === '/account/password' || url === '/') return url === '/' ? [f.admin, f.expert] : [f.expert];
  return [f.admin];
}

describe('output safety: stored payloads are inert on every page and in every export', () => {
  let t: TestApp;
  let f: PayloadFixture;
  const seen = { pages: 0, withPayload: new Set<string>(), csv: 0, xlsx: 0, json: 0, files: 0, cells: 0 };
  const problems: string[] = [];

  beforeAll(async () => {
    t = await createTestApp({ seed: 'base' });
    f = await buildFixture(t);
    const routes = listRoutes(t.app).filter((r) => r.method === 'GET');
    const jobs: Array<{ route: RouteEntry; url: string; actor: Actor; lang: string }> = [];
    for (const route of routes) {
      const urls = urlsFor(route, f);
      if (urls === 'skip') continue;
      // Every page in all three languages on SQLite; on PostgreSQL (same templates, same escaping) one language per page, in turn.
      for (const url of urls) {
        for (const actor of actorFor(url, f)) {
          const langs = testDbEngine === 'postgres' ? [['kk', 'ru', 'en'][jobs.length % 3]!] : ['kk', 'ru', 'en'];
          for (const lang of langs) jobs.push({ route, url, actor, lang });
        }
      }
    }
    await mapLimit(jobs, 6, async ({ route, url, actor, lang }) => {
      const res = await request(t.app).get(url).set('Cookie', `${actor.cookie}; kedergi_lang=${lang}`).buffer(true).parse(binaryParser);
      const where = `${routeKey(route)} ${url} as ${actor.name} (${lang})`;
      if (res.status >= 400 && !(url.startsWith('/respond') && actor === f.respondentSubmitted)) problems.push(`${where}: status ${res.status}`);
      const type = String(res.headers['content-type'] ?? '');
      const body = res.body as Buffer;
      if (type.startsWith('text/html')) {
        seen.pages++;
        const html = body.toString('utf8');
        for (const p of unsafeMarkup(html)) problems.push(`${where}: ${p}`);
        if (ESCAPED_MARKERS.some((m) => html.includes(m))) seen.withPayload.add(`${route.path}`);
        if (!/script-src 'self'/.test(String(res.headers['content-security-policy']))) problems.push(`${where}: no strict script-src`);
      } else if (type.startsWith('text/csv')) {
        seen.csv++;
        for (const [r, row] of parseCsvBuffer(body).entries()) {
          for (const cell of row) {
            seen.cells++;
            if (csvCellIsFormula(cell)) problems.push(`${where}: CSV row ${r + 1} cell ${JSON.stringify(cell.slice(0, 40))}`);
          }
        }
        if (ALL.some((x) => body.toString('utf8').includes(x.slice(1, 20)))) seen.withPayload.add(route.path);
      } else if (type.includes('spreadsheetml')) {
        seen.xlsx++;
        const cells = await xlsxCells(body);
        seen.cells += cells.length;
        for (const p of xlsxFormulaProblems(cells)) problems.push(`${where}: ${p}`);
        if (cells.some((c) => ALL.some((x) => c.text.includes(x.slice(1, 20))))) seen.withPayload.add(route.path);
      } else if (type.startsWith('application/json')) {
        seen.json++;
        if (res.headers['x-content-type-options'] !== 'nosniff') problems.push(`${where}: JSON without nosniff`);
      } else if (type.startsWith('application/pdf') || /^text\/x-(spss-syntax|r|stata-do)\b/.test(type)) {
        // Reports and statistics-package scripts: downloaded, never rendered by the browser as a page.
        seen.files++;
        if (!/^attachment/.test(String(res.headers['content-disposition']))) problems.push(`${where}: ${type} not sent as an attachment`);
        if (res.headers['x-content-type-options'] !== 'nosniff') problems.push(`${where}: ${type} without nosniff`);
        if (type.startsWith('application/pdf')) {
          if (body.subarray(0, 5).toString('latin1') !== '%PDF-') problems.push(`${where}: not a PDF`);
        } else {
          // Stored text reaches a script only inside a quoted label, a data cell or a comment on one line:
          // a line that starts with a payload means the text broke out of its statement.
          const text = body.toString('utf8');
          for (const line of text.split('\n')) {
            if (ALL.some((x) => line.trimStart().startsWith(x.slice(0, 12)))) problems.push(`${where}: a stored text starts a line: ${JSON.stringify(line.slice(0, 60))}`);
          }
          if (ALL.some((x) => text.includes(x.slice(1, 20)))) seen.withPayload.add(route.path);
        }
      } else if (res.status < 300) {
        problems.push(`${where}: unexpected content type ${type}`);
      }
    });
  }, 180_000);
  afterAll(async () => t?.close());

  it('renders every payload inert on every page, in every language (one per page on PostgreSQL), and neutralises every export cell', () => {
    console.log(
      `output safety: ${seen.pages} HTML pages, ${seen.csv} CSV and ${seen.xlsx} XLSX exports (${seen.cells} cells), ${seen.files} PDF and statistics-script downloads, ${seen.json} JSON answers checked; payloads shown on ${seen.withPayload.size} routes`,
    );
    expect(problems).toEqual([]);
  });

  it('actually showed the payloads (the check above is not vacuous)', () => {
    // Where each kind of stored text must appear, escaped.
    const mustShow = [
      '/admin/users', // user names
      '/admin/territories', // territory names
      '/admin/questionnaires/:id', // questionnaire texts
      '/admin/rounds/:id', // round title, target territory
      '/admin/rounds/:id/invitations', // enterprise names and contacts
      '/admin/rounds/:id/invitations/imports/:importId', // rejected cells
      '/admin/rounds/:id/invitations/imports/:importId/errors.csv',
      '/admin/rounds/:id/monitoring', // territory chart, non-responders
      '/admin/rounds/:id/monitoring/non-responders.csv',
      '/api/v1/rounds/:id/responses.csv', // comments
      '/api/v1/rounds/:id/responses.xlsx',
      '/api/v1/rounds/:id/responses-codebook.csv', // item texts
      '/respond/page/:code', // item texts, scale labels, draft comment
      '/respond/profile', // profile texts, territory names
      '/respond/review',
      '/admin/panels/:id', // panel, enterprise, member names
      '/panels/:id/swot', // barrier text from the questionnaire
      '/panels/:id/swot.csv',
      '/panels/:id/swot.xlsx',
      '/expert/panels/:id', // panel and enterprise names, own reasons
      '/expert',
      '/indicators/datasets/:id', // dataset and indicator names
      '/indicators/models/:id', // composite chart with territory names
      '/indicators/imports/:id',
      '/analysis/rounds/:id', // item texts and category titles in tables and charts
      '/analysis/rounds/:id/items.csv',
      '/analysis/rounds/:id/workbook.xlsx',
      '/programmes/:id', // programme, indicator and result names
      '/programmes/:id/indicators/:indicatorId', // actual's source and note, chart
      '/programmes/:id/measures', // measure names, body codes
      '/programmes/:id/measures/:measureId', // summary, evidence texts, file name, link
      '/programmes/:id/calendar',
      '/programmes/:id/report',
      '/programmes/:id/report.xlsx',
      '/programmes/:id/regions', // territory evidence, settlement source
    ];
    const live = new Set(listRoutes(t.app).map((r) => r.path));
    const missing = mustShow.filter((p) => live.has(p) && !seen.withPayload.has(p));
    expect(missing, 'pages that should have shown a stored payload').toEqual([]);
  });

  it('keeps answers to POSTs (result pages, re-rendered forms) and the one-time links CSV inert too', async () => {
    for (const [what, html] of f.postPages) expect(unsafeMarkup(html), what).toEqual([]);
    for (const [what, csv] of f.postCsv) {
      const rows = parseCsvBuffer(csv);
      expect(rows.length, what).toBeGreaterThan(1);
      for (const row of rows) for (const cell of row) expect(csvCellIsFormula(cell), `${what}: ${cell}`).toBe(false);
    }
    // Re-rendered forms echo the user's own input back: bad values in every admin form must come back escaped.
    const forms: Array<[string, Record<string, unknown>]> = [
      ['/admin/territories', { code: P.svg, name_kk: P.script, name_ru: P.title, name_en: P.img, kind: P.js }],
      ['/admin/users', { email: P.svg, name: P.script, role: P.title }],
      ['/admin/panels', { name: '', surveyRoundId: P.img }],
      ['/admin/rounds', { title: P.script, questionnaireId: P.svg, audience: P.title, opensAt: P.img }],
      ['/admin/questionnaires/import', { json: `{"code": "${P.script.replace(/"/g, '\\"')}"` }],
      [`/admin/rounds/${f.roundId}/invitations/paste`, { text: `name,territory\n${P.script},${P.svg}` }],
      ['/indicators/datasets', { name: '', description: P.script, source: P.svg }],
      ['/login', { email: P.svg, password: P.script, next: P.title }],
    ];
    for (const [url, body] of forms) {
      const res = await request(t.app).post(url).set('Cookie', f.admin.cookie).type('form').send({ ...body, _csrf: f.admin.csrf });
      expect(res.status, url).toBeGreaterThanOrEqual(400);
      expect(unsafeMarkup(res.text), url).toEqual([]);
    }
    const respondentForms: Array<[string, Record<string, unknown>]> = [
      [`/respond/page/${f.categoryCode}`, { answers: { [f.itemCode]: P.script }, comments: { [f.itemCode]: P.svg, [P.title]: P.img } }],
      ['/respond/profile', { territory: P.script, sector: P.svg, employees: P.title }],
    ];
    for (const [url, body] of respondentForms) {
      const res = await request(t.app).post(url).set('Cookie', f.respondentInProgress.cookie).type('form').send({ ...body, _csrf: f.respondentInProgress.csrf });
      expect(res.status, url).toBe(400);
      expect(unsafeMarkup(res.text), url).toEqual([]);
    }
  });
});

describe('output safety: the shared helpers', () => {
  it('the inertness check itself catches every payload when it is not escaped (negative control)', async () => {
    const ejs = await import('ejs');
    for (const payload of ALL) {
      expect(unsafeMarkup(`<p>${payload}</p>`), payload).not.toEqual([]);
      // Unescaped inside an attribute, a payload breaks out when it holds that attribute's quote.
      if (payload.includes('"')) expect(unsafeMarkup(`<input value="${payload}">`), payload).not.toEqual([]);
      if (payload.includes("'")) expect(unsafeMarkup(`<input value='${payload}'>`), payload).not.toEqual([]);
      expect(unsafeMarkup(ejs.render('<p title="<%= v %>"><%= v %></p><input value="<%= v %>">', { v: payload })), payload).toEqual([]);
    }
    expect(unsafeMarkup('<a href=" JaVa&#x53;cript:alert(1)">x</a>')).not.toEqual([]);
    expect(unsafeMarkup('<script src="/static/app.js"></script>')).toEqual([]);
    expect(unsafeMarkup('<script src="https://evil.example/x.js"></script>')).not.toEqual([]);
    expect(csvCellIsFormula('=1+1')).toBe(true);
    expect(csvCellIsFormula("'=1+1")).toBe(false);
    expect(csvCellIsFormula('-3.5')).toBe(false);
  });

  it('SVG charts escape titles, descriptions, axis labels and data labels', () => {
    const labels = [...ALL, ...nastyStrings.filter((s) => s.length < 100)];
    const svg = renderSvgChart(
      {
        xAxis: { type: 'value' },
        yAxis: { type: 'category', data: labels },
        series: [{ type: 'bar', name: P.svg, data: labels.map((_, i) => ({ value: i + 1, name: P.img })), label: { show: true, formatter: P.title } }],
        legend: { data: [P.svg] },
      },
      { width: 800, height: 900, title: P.title, description: P.script },
    );
    expect(unsafeMarkup(`<!doctype html><body>${svg}</body>`)).toEqual([]);
    expect(svg).toContain('&lt;/title&gt;&lt;script&gt;alert(3)');
    expect(svg).not.toContain('<script');
    // Exactly one <title> and one <desc>: a payload did not close them early.
    expect(svg.match(/<title[ >]/g)).toHaveLength(1);
    expect(svg.match(/<desc[ >]/g)).toHaveLength(1);
  });

  it('CSV and XLSX writers neutralise every formula trigger in headers and values, and keep numbers numbers', async () => {
    // Line breaks inside a cell must not start a new row whose first cell is a formula.
    const triggers = ['=1+1', '+1', '-1+1', '@SUM(A1)', '\t=1', '\r=1', '=HYPERLINK("http://x","y")', 'ok\n=1+2', 'ok\r=1+3', 'ok\r\n@SUM(A1)', ...ALL, ...nastyStrings];
    const header = triggers.slice(0, 8);
    const rows = [triggers, [-3, 0, 2.5, null, undefined, true, new Date('2026-01-01T00:00:00Z'), '-3']];
    const chunks: Buffer[] = [];
    const { PassThrough } = await import('node:stream');
    const csvOut = new PassThrough();
    csvOut.on('data', (c: Buffer) => chunks.push(c));
    await writeCsv(csvOut, header, rows);
    const parsed = parseCsvBuffer(Buffer.concat(chunks));
    const bad = parsed.flat().filter(csvCellIsFormula);
    expect(bad).toEqual([]);
    expect(parsed[2]![0]).toBe('-3'); // a negative number stays a number
    expect(parsed[2]![7]).toBe("'-3"); // the same characters as text are neutralised
    expect(parsed[1]!.slice(0, 3)).toEqual(["'=1+1", "'+1", "'-1+1"]);
    // Header, one row of texts, one row of other values: no row was split.
    expect(parsed).toHaveLength(3);
    expect(parsed[1]).toHaveLength(triggers.length);
    expect(parsed[1]![7]).toBe('ok\n=1+2');

    const xchunks: Buffer[] = [];
    const xlsxOut = new PassThrough();
    xlsxOut.on('data', (c: Buffer) => xchunks.push(c));
    await writeXlsx(xlsxOut, [{ name: 'payloads', header, rows }]);
    const cells = await xlsxCells(Buffer.concat(xchunks));
    expect(xlsxFormulaProblems(cells)).toEqual([]);
    expect(cells.find((c) => c.address === 'A3')).toMatchObject({ type: 'number', text: '-3' });
    expect(neutraliseCell('Өскемен')).toBe('Өскемен');
  });
});
