import fs from 'node:fs';
import path from 'node:path';
import type { AppContext } from '../../context';
import { sharedDomainDir } from '../../paths';
import type { UsersService } from '../users/users.service';
import type { ExpertsService } from './experts.service';
import { ExpertsRepository } from './experts.repository';
import { ZExpertFactorsFile, type ExpertFactor } from './experts.schemas';
import { mulberry32 } from '../../lib/random';

export const EXPERT_FACTORS_FILE = 'expert-factors.json';

/** The factor rows of seeds/domain/expert-factors.json, in file order. */
export function readExpertFactors(): Array<Omit<ExpertFactor, 'id'>> {
  const file = ZExpertFactorsFile.parse(JSON.parse(fs.readFileSync(path.join(sharedDomainDir, EXPERT_FACTORS_FILE), 'utf8')));
  const text = (t: { kk: string; ru: string; en: string }) => ({ text_kk: t.kk, text_ru: t.ru, text_en: t.en });
  return [
    ...file.swot.map((f, i) => ({ kind: 'swot' as const, code: f.code, grp: f.quadrant, polarity: null, position: i + 1, ...text(f.text) })),
    ...file.pest.map((f, i) => ({ kind: 'pest' as const, code: f.code, grp: f.group, polarity: f.polarity, position: i + 1, ...text(f.text) })),
    ...file.enterpriseParameters.map((f, i) => ({ kind: 'enterprise' as const, code: f.code, grp: null, polarity: null, position: i + 1, ...text(f.text) })),
  ];
}

/** Base seeder: the 22 SWOT factors, 16 PEST factors and 7 enterprise parameters; adds only the missing ones. */
export async function seedExpertFactors(ctx: AppContext): Promise<void> {
  const repo = new ExpertsRepository(ctx.db);
  const rows = readExpertFactors();
  if ((await repo.factorCount()) >= rows.length) return;
  await repo.transaction((trx) => repo.insertFactors(rows, trx));
}

/* ---------------- demo ---------------- */

export const DEMO_PANEL_NAME = 'ШҚО: шағын бизнестің инновациялық ортасы (демо)';
export const DEMO_EXPERT_EMAILS = [1, 2, 3, 4, 5].map((i) => `expert${i}@demo.kedergi.kz`);
const DEMO_EXPERT_NAMES = ['Әсел Нұрланқызы', 'Ерлан Сейітқали', 'Марина Ковалёва', 'Дәурен Жақыпов', 'Gulnara Abenova'];
const DEMO_ENTERPRISES = ['«Алтай-Техно» ЖШС', '«Өскемен Агро» ЖШС', '«Ертіс Инжиниринг» ЖШС'];
const DEMO_BARRIERS: Array<{ code: string; quadrant: 'W' | 'T' }> = [
  { code: 'B06', quadrant: 'W' },
  { code: 'B09', quadrant: 'W' },
  { code: 'B01', quadrant: 'T' },
];
const DEMO_REASONS = [
  'Өңірлік қолдау бағдарламаларының қаржыландыруы соңғы екі жылда қысқарды.',
  'По нашим данным, технопарк обслуживает в основном крупные предприятия.',
  'Cross-border logistics improved after the new terminal opened, so I raised it.',
];

function gaussian(random: () => number): number {
  const u = Math.max(random(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}

const clampScore = (v: number) => Math.min(5, Math.max(1, Math.round(v)));

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/**
 * Demo seeder: five expert accounts (random passwords that are never shown; an administrator
 * resets one to sign in as an expert), a panel linked to the open demo survey round when there
 * is one, three enterprises, three survey barriers in W and T, and two closed Delphi rounds whose
 * seeded scores scatter in round 1 and converge towards the round-1 medians in round 2.
 */
export async function seedDemoPanel(ctx: AppContext, { users, experts }: { users: UsersService; experts: ExpertsService }): Promise<void> {
  const repo = new ExpertsRepository(ctx.db);
  if (await repo.findPanelByName(DEMO_PANEL_NAME)) return;
  await seedExpertFactors(ctx);

  // Nobody knows the demo experts' passwords (an administrator resets one to sign in as that
  // expert), so none is hashed: five bcrypt hashes were a third of the first start.
  const expertIds: number[] = [];
  for (const [i, email] of DEMO_EXPERT_EMAILS.entries()) {
    const existing = await users.findByEmail(email);
    expertIds.push(existing ? existing.id : await users.createWithoutPassword(null, { email, name: DEMO_EXPERT_NAMES[i]!, role: 'expert' }));
  }

  const factors = await repo.factors();
  const scored = factors.filter((f) => f.kind !== 'enterprise');
  const parameters = factors.filter((f) => f.kind === 'enterprise');
  // The first open survey round (rounds come newest first).
  const surveyRound = (await experts.surveyRounds()).filter((r) => r.status === 'open').at(-1);
  const surveyCodes = surveyRound ? new Set((await experts.surveyItems(surveyRound.id)).map((i) => i.code)) : new Set<string>();
  const random = mulberry32(20261122);

  await repo.transaction(async (trx) => {
    const panelId = await repo.createPanel({ name: DEMO_PANEL_NAME, surveyRoundId: surveyRound?.id ?? null, createdBy: null }, trx);
    for (const id of expertIds) await repo.addMember(panelId, id, trx);
    const enterpriseIds: number[] = [];
    for (const name of DEMO_ENTERPRISES) enterpriseIds.push(await repo.addEnterprise(panelId, name, trx));
    for (const b of DEMO_BARRIERS) if (surveyCodes.has(b.code)) await repo.upsertBarrier(panelId, { itemCode: b.code, quadrant: b.quadrant, weight: null }, trx);

    const day = 24 * 3600 * 1000;
    const start = Date.now() - 30 * day;
    const at = (days: number) => new Date(start + days * day).toISOString();
    const round1 = await repo.insertRound(panelId, 1, 'closed', trx, at(0), at(10));
    const round2 = await repo.insertRound(panelId, 2, 'closed', trx, at(14), at(24));

    // A "true" view per factor; round 1 scatters around it, round 2 moves to the round-1 median.
    // Strength ranges follow the seed studies' picture of the region: weaknesses felt more than
    // strengths, state programmes as real opportunities (a turnaround, WO, position).
    const strengthRange: Record<string, [number, number]> = { S: [2, 3.4], W: [3.5, 4.8], O: [3.2, 4.6], T: [2.6, 3.8], '+': [2.4, 4], '-': [3, 4.5] };
    const truth = new Map(
      scored.map((f) => {
        const [lo, hi] = strengthRange[f.kind === 'swot' ? f.grp! : f.polarity!]!;
        return [f.id, { weight: 2 + random() * 3, strength: lo + random() * (hi - lo) }];
      }),
    );
    const stamp = new Date(start + 7 * day).toISOString();
    const stamp2 = new Date(start + 21 * day).toISOString();
    const r1 = new Map<string, { weight: number; strength: number }>();
    const rows: Array<Record<string, unknown>> = [];
    for (const f of scored) {
      const tv = truth.get(f.id)!;
      for (const e of expertIds) {
        const s = { weight: clampScore(tv.weight + 1.1 * gaussian(random)), strength: clampScore(tv.strength + 1.1 * gaussian(random)) };
        r1.set(`${f.id}:${e}`, s);
        rows.push({ round_id: round1, expert_id: e, factor_id: f.id, weight: s.weight, strength: s.strength, reason: null, updated_at: stamp });
      }
    }
    let reasonIndex = 0;
    for (const f of scored) {
      const mw = median(expertIds.map((e) => r1.get(`${f.id}:${e}`)!.weight));
      const ms = median(expertIds.map((e) => r1.get(`${f.id}:${e}`)!.strength));
      for (const e of expertIds) {
        const own = r1.get(`${f.id}:${e}`)!;
        const weight = clampScore(0.25 * own.weight + 0.75 * mw + 0.35 * gaussian(random));
        const strength = clampScore(0.25 * own.strength + 0.75 * ms + 0.35 * gaussian(random));
        // An expert who stays far from the median explains why, as the form asks.
        const far = Math.abs(weight - mw) >= 1.5 || Math.abs(strength - ms) >= 1.5;
        const reason = far && reasonIndex < DEMO_REASONS.length ? DEMO_REASONS[reasonIndex++]! : null;
        rows.push({ round_id: round2, expert_id: e, factor_id: f.id, weight, strength, reason, updated_at: stamp2 });
      }
    }
    await repo.insertScoreRows(rows, trx);

    const entRows: Array<Record<string, unknown>> = [];
    for (const ent of enterpriseIds) {
      for (const p of parameters) {
        const level = 1.5 + random() * 3;
        const first = expertIds.map((e) => ({ e, score: clampScore(level + gaussian(random)) }));
        const mid = median(first.map((x) => x.score));
        for (const { e, score } of first) {
          entRows.push({ round_id: round1, expert_id: e, enterprise_id: ent, parameter_id: p.id, score, updated_at: stamp });
          entRows.push({ round_id: round2, expert_id: e, enterprise_id: ent, parameter_id: p.id, score: clampScore(0.3 * score + 0.7 * mid + 0.3 * gaussian(random)), updated_at: stamp2 });
        }
      }
    }
    await repo.insertEnterpriseScoreRows(entRows, trx);
    await repo.audit(null, 'panel.demo', `panel:${panelId}`, null, trx);
  });
}
