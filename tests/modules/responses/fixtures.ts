import fs from 'node:fs';
import path from 'node:path';
import request from 'supertest';
import type TestAgent from 'supertest/lib/agent';
import type { Express } from 'express';
import { buildQuestionnairesService } from '../../../src/composition';
import type { AppContext } from '../../../src/context';
import { insertReturningId, nowIso } from '../../../src/db/dialect';
import { generateLinkToken, hashToken } from '../../../src/lib/tokens';
import { QuestionnairesRepository } from '../../../src/modules/questionnaires/questionnaires.repository';
import { sharedDomainDir } from '../../../src/paths';

/**
 * Minimal survey content for the answering tests: the 19 territories and the barriers
 * questionnaire, inserted only when the base seeders have not already put them there.
 */
export async function ensureBaseContent(ctx: AppContext): Promise<{ questionnaireId: number }> {
  const db = ctx.db;
  if (!(await db('territories').first())) {
    const file = JSON.parse(fs.readFileSync(path.join(sharedDomainDir, 'reference-data', 'east-kz-territories-2020.json'), 'utf8')) as {
      rows: Array<{ kk: string; en: string; kind: string }>;
    };
    const code = (en: string) => en.replace(/\([^)]*\)/g, ' ').toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '');
    const region = file.rows.find((r) => r.kind === 'region')!;
    const regionId = await insertReturningId(db, 'territories', { code: 'east-kazakhstan-region', name_kk: region.kk, name_ru: 'ВКО', name_en: region.en, kind: 'region', position: 0 });
    let position = 1;
    for (const row of file.rows.filter((r) => r.kind !== 'region')) {
      await db('territories').insert({ code: code(row.en), name_kk: row.kk, name_ru: row.en + ' (ru)', name_en: row.en, kind: row.kind, parent_id: regionId, position: position++ });
    }
  }
  const existing = await db('questionnaires').where({ code: 'SME-BARRIERS' }).orderBy('version', 'desc').first();
  if (existing) return { questionnaireId: Number(existing.id) };
  const definition = JSON.parse(fs.readFileSync(path.join(sharedDomainDir, 'questionnaire-barriers.json'), 'utf8'));
  const questionnaireId = await insertReturningId(db, 'questionnaires', {
    code: definition.code,
    version: 1,
    title_kk: definition.title.kk,
    title_ru: definition.title.ru,
    title_en: definition.title.en,
    definition: JSON.stringify(definition),
    created_at: nowIso(),
  });
  // Categories and items (the profile's among them) as the questionnaires module writes them.
  const questionnaires = new QuestionnairesRepository(db);
  await questionnaires.transaction((trx) => questionnaires.writeContent(questionnaireId, definition, trx));
  return { questionnaireId };
}

export async function createRound(
  ctx: AppContext,
  questionnaireId: number,
  options: { status?: string; audience?: 'invitation' | 'public'; opensAt?: string | null; closesAt?: string | null; publicToken?: string; title?: string } = {},
): Promise<number> {
  const now = nowIso();
  return insertReturningId(ctx.db, 'rounds', {
    title: options.title ?? `Test round ${Math.random().toString(36).slice(2, 8)}`,
    questionnaire_id: questionnaireId,
    status: options.status ?? 'open',
    audience: options.audience ?? 'invitation',
    public_token_hash: options.publicToken ? hashToken(options.publicToken) : null,
    opens_at: options.opensAt ?? null,
    closes_at: options.closesAt ?? null,
    created_at: now,
    updated_at: now,
  });
}

export async function createInvitation(
  ctx: AppContext,
  roundId: number,
  options: { status?: string; expiresAt?: string | null; name?: string } = {},
): Promise<{ id: number; token: string }> {
  const token = generateLinkToken();
  const id = await insertReturningId(ctx.db, 'invitations', {
    round_id: roundId,
    token_hash: hashToken(token),
    source: 'list',
    enterprise_name: options.name ?? 'ТОО «Тест»',
    status: options.status ?? 'pending',
    expires_at: options.expiresAt ?? null,
    created_at: nowIso(),
  });
  return { id, token };
}

/** A fresh browser: follows the link, keeps the cookies, and reads the CSRF token from the start page. */
export async function openLink(app: Express, link: string): Promise<{ agent: TestAgent; csrf: string; status: number }> {
  const agent = request.agent(app);
  let res = await agent.get(link);
  // A public link's page asks the visitor to begin (a POST) before anything is created.
  if (res.status === 200 && /^\/p\//.test(link)) {
    const csrf = /name="_csrf" value="([^"]+)"/.exec(res.text)?.[1] ?? '';
    res = await agent.post(link).type('form').send({ _csrf: csrf });
  }
  if (res.status !== 303) return { agent, csrf: '', status: res.status };
  const start = await agent.get(res.headers.location!);
  const match = /name="_csrf" value="([^"]+)"/.exec(start.text);
  return { agent, csrf: match?.[1] ?? '', status: start.status };
}

/** The category pages' question codes, page by page (the profile's page is not among them). */
export async function itemCodesByCategory(ctx: AppContext, questionnaireId: number): Promise<Map<string, string[]>> {
  const { questions } = await buildQuestionnairesService(ctx.db).versionItems(questionnaireId);
  const out = new Map<string, string[]>();
  for (const q of questions) out.set(q.categoryCode, [...(out.get(q.categoryCode) ?? []), q.code]);
  return out;
}

export async function someTerritoryCode(ctx: AppContext): Promise<string> {
  const row = await ctx.db('territories').whereNot({ kind: 'region' }).orderBy('id').first();
  return String(row.code);
}

/** A complete, valid submit-all body. */
export async function completeBody(ctx: AppContext, questionnaireId: number, idempotencyKey?: string) {
  const byCategory = await itemCodesByCategory(ctx, questionnaireId);
  const answers: Record<string, number | null> = {};
  let i = 0;
  for (const codes of byCategory.values()) for (const code of codes) answers[code] = i++ % 7 === 6 ? null : (i % 5) + 1;
  return {
    profile: { territory: await someTerritoryCode(ctx), sector: 'C', size: 'small', employees: 42, innovated: ['product', 'process'], funding: 'own' },
    answers,
    comments: { B01: 'Сұраныс аз' },
    ...(idempotencyKey ? { idempotencyKey } : {}),
  };
}
