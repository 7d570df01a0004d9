import type TestAgent from 'supertest/lib/agent';
import { expect } from 'vitest';
import { readExpertFactors } from '../../../src/modules/experts/experts.seed';
import type { LoggedIn } from '../../helpers/app';

/** SWOT and PEST factors (the 38 scored ones) and the 7 enterprise parameters, in seed-file order. */
export const FACTORS = readExpertFactors().filter((f) => f.kind !== 'enterprise');
export const PARAMETERS = readExpertFactors().filter((f) => f.kind === 'enterprise');

export type Scores = Record<string, { weight: number | ''; strength: number | ''; reason?: string }>;

/** Create a panel through the admin form; returns its id. */
export async function createPanel(admin: LoggedIn, name: string, surveyRoundId: number | '' = ''): Promise<number> {
  const res = await admin.agent.post('/admin/panels').type('form').send({ _csrf: admin.csrf, name, surveyRoundId });
  expect(res.status, res.text.slice(0, 500)).toBe(303);
  const id = Number(/\/admin\/panels\/(\d+)$/.exec(res.headers.location)?.[1]);
  expect(id).toBeGreaterThan(0);
  return id;
}

export async function adminPost(admin: LoggedIn, path: string, body: Record<string, unknown> = {}, status = 303) {
  const res = await admin.agent.post(path).type('form').send({ _csrf: admin.csrf, ...body });
  expect(res.status, `${path}: ${res.text.slice(0, 800)}`).toBe(status);
  return res;
}

/** The open round id the scoring form carries. */
export async function openRoundIdOf(agent: TestAgent, panelId: number): Promise<number> {
  const res = await agent.get(`/expert/panels/${panelId}`);
  expect(res.status).toBe(200);
  const id = Number(/name="roundId" value="(\d+)"/.exec(res.text)?.[1]);
  expect(id).toBeGreaterThan(0);
  return id;
}

export function postScores(expert: LoggedIn, panelId: number, roundId: number, scores: Scores, ent?: Record<string, Record<string, number | ''>>) {
  return expert.agent.post(`/expert/panels/${panelId}`).type('form').send({ _csrf: expert.csrf, roundId, scores, ...(ent ? { ent } : {}) });
}

/** Scores for every factor from a function of the factor's index. */
export function scoresBy(fn: (index: number) => { weight: number; strength: number; reason?: string }): Scores {
  return Object.fromEntries(FACTORS.map((f, i) => [f.code, fn(i)]));
}
