import crypto from 'node:crypto';
import type { Knex } from 'knex';
import { buildQuestionnairesService } from '../../src/composition';
import { cookieHeader, cookieJar, http, mapLimit } from './http';
import type { PreparedRequest } from './load';

/**
 * Complete, valid questionnaire submissions in the form of POST /respond/submit-all
 * (form-encoded, as a browser without JavaScript would send it): profile[...], answers[CODE]
 * ("na" = cannot judge), idempotencyKey, language, and the CSRF token.
 */

interface ProfileQuestion {
  code: string;
  type: string;
  min?: number;
  max?: number;
  options?: Array<{ code: string; exclusive?: boolean }>;
}

export interface SubmissionShape {
  itemCodes: string[];
  profile: ProfileQuestion[];
  leafTerritoryCodes: string[];
}

export async function submissionShape(db: Knex, roundId: number): Promise<SubmissionShape> {
  const round = await db('rounds').where('id', roundId).first<{ questionnaire_id: number }>('questionnaire_id');
  const q = await db('questionnaires').where('id', round.questionnaire_id).first<{ definition: string }>('definition');
  const definition = JSON.parse(q.definition) as { profile?: ProfileQuestion[] };
  // The questions only: the profile's are answered through `profile`.
  const itemCodes = (await buildQuestionnairesService(db).versionItems(round.questionnaire_id)).questions.map((q) => q.code);
  const leafTerritoryCodes = await db('territories as t')
    .whereNotExists(db('territories as c').whereRaw('c.parent_id = t.id').select(db.raw('1')))
    .orderBy('t.id')
    .pluck('t.code');
  return { itemCodes, profile: definition.profile ?? [], leafTerritoryCodes };
}

/** The i-th submission: deterministic, different per i, always valid. */
export function submissionBody(shape: SubmissionShape, i: number, csrf: string): string {
  const p = new URLSearchParams();
  for (const q of shape.profile) {
    const key = `profile[${q.code}]`;
    if (q.type === 'choice-from-territories') p.append(key, shape.leafTerritoryCodes[i % shape.leafTerritoryCodes.length]!);
    else if (q.type === 'choice' && q.options?.length) p.append(key, q.options[i % q.options.length]!.code);
    else if (q.type === 'multi-choice' && q.options?.length) {
      const plain = q.options.filter((o) => !o.exclusive);
      p.append(key, plain[i % plain.length]!.code);
      if (plain.length > 1) p.append(key, plain[(i + 1) % plain.length]!.code);
    } else if (q.type === 'integer') p.append(key, String((q.min ?? 0) + (i % ((q.max ?? 100) - (q.min ?? 0) + 1))));
  }
  shape.itemCodes.forEach((code, k) => {
    const h = (i * 2654435761 + k * 40503) >>> 0;
    p.append(`answers[${code}]`, h % 25 === 0 ? 'na' : String(1 + (h % 5)));
  });
  p.append('idempotencyKey', crypto.createHash('sha256').update(`bench-${i}`).digest('base64url').slice(0, 22));
  p.append('language', ['kk', 'ru', 'en'][i % 3]!);
  p.append('_csrf', csrf);
  return p.toString();
}

export interface RespondentCredentials {
  cookie: string;
  csrf: string;
}

/**
 * Opens each invitation link as a respondent would (GET /r/:token) and keeps the cookies it
 * sets: the respondent cookie and the CSRF cookie.
 */
export async function exchangeTokens(baseUrl: string, tokens: string[], concurrency = 8): Promise<RespondentCredentials[]> {
  return mapLimit(tokens, concurrency, async (token) => {
    const res = await http(`${baseUrl}/r/${token}`);
    if (res.status !== 303 && res.status !== 302) throw new Error(`GET /r/:token answered ${res.status}: ${res.text.slice(0, 300)}`);
    const jar = cookieJar(res.headers.getSetCookie());
    const csrf = jar.get('kedergi_csrf');
    if (!csrf || jar.size < 2) throw new Error(`GET /r/:token set no respondent or CSRF cookie (${[...jar.keys()].join(', ')})`);
    return { cookie: cookieHeader(jar), csrf };
  });
}

export function submitAllRequests(shape: SubmissionShape, credentials: RespondentCredentials[]): PreparedRequest[] {
  return credentials.map((c, i) => ({
    path: '/respond/submit-all',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: c.cookie, accept: 'text/html' },
    body: submissionBody(shape, i, c.csrf),
  }));
}

/**
 * The same bodies and headers for the baseline, whose only "session" is the invitation id in
 * the path. The cookie header is kept (same bytes on the wire) though nothing reads it.
 */
export function baselineRequests(shape: SubmissionShape, invitationIds: number[]): PreparedRequest[] {
  const fakeCsrf = crypto.randomBytes(32).toString('base64url');
  const fakeCookie = `kedergi_respondent=${crypto.randomBytes(150).toString('base64url')}; kedergi_csrf=${fakeCsrf}`;
  return invitationIds.map((id, i) => ({
    path: `/submit/${id}`,
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: fakeCookie, accept: 'text/html' },
    body: submissionBody(shape, i, fakeCsrf),
  }));
}
