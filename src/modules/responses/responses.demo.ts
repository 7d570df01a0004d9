import fs from 'node:fs';
import path from 'node:path';
import type { AppContext } from '../../context';
import type { Language } from '../../i18n';
import { generateLinkToken, hashToken } from '../../lib/tokens';
import { binomial, mulberry32, normal, pick, pickWeighted, randomInt, type Random } from '../../lib/random';
import { sharedDomainDir } from '../../paths';
import type { InvitationsService } from '../invitations/invitations.service';
import type { QuestionnairesService } from '../questionnaires/questionnaires.service';
import type { RoundsService } from '../rounds/rounds.service';
import type { TerritoriesService } from '../territories/territories.service';
import { ResponsesRepository } from './responses.repository';
import { profileAnswerRows, type ProfileAnswers, type QuestionnaireForm, type TerritoryChoice } from './responses.schemas';
import { EMPTY_COLUMNS, sampleAnswer, type AnswerColumns } from '../questionnaires/kinds';

/**
 * Demo data: an open round with about 300 submitted synthetic responses and a closed earlier
 * round with about 120, generated from a seeded PRNG so that every first start shows the same
 * numbers. Items B01-B05 are drawn around the means published for 32 East Kazakhstan small
 * enterprises (reference-data/east-kz-sme-barrier-survey-means.json); the other items around
 * plausible means chosen by hand from the order of the national statistics' reasons for not
 * innovating (lack of funds and high costs first, lack of information last).
 */

export const DEMO_QUESTIONNAIRE_CODE = 'SME-BARRIERS';
export const DEMO_OPEN_ROUND_TITLE = 'ШҚО шағын бизнесінің инновациялық кедергілері — 2026 (демо)';
export const DEMO_CLOSED_ROUND_TITLE = 'ШҚО шағын бизнесінің инновациялық кедергілері — 2025 (демо)';
/** A round of the extended questionnaire, so that the demo shows every question kind. */
export const DEMO_EXTENDED_ROUND_TITLE = 'ШҚО шағын бизнесінің инновациялық белсенділігі мен мемлекеттік қолдауы — 2026 (демо)';
export const DEMO_EXTENDED_QUESTIONNAIRE_CODE = 'SME-INNOVATION';

const PLAUSIBLE_MEANS: Record<string, number> = {
  B06: 4.1, B07: 3.9, B08: 3.9, B09: 3.6, B10: 3.0, B11: 2.9, B12: 3.3, B13: 3.1, B14: 3.4,
  B15: 3.6, B16: 3.8, B17: 3.3, B18: 2.7, B19: 3.2, B20: 3.5, B21: 3.0, B22: 2.6,
};

export function publishedMeans(): Record<string, number> {
  const file = JSON.parse(fs.readFileSync(path.join(sharedDomainDir, 'reference-data', 'east-kz-sme-barrier-survey-means.json'), 'utf8')) as { means: Record<string, number> };
  return file.means;
}

const SECTOR_WEIGHTS: Record<string, number> = { G: 30, A: 14, C: 14, F: 10, I: 9, H: 7, M: 6, J: 4, B: 2, OTHER: 4 };
const SIZE_WEIGHTS = { micro: 62, small: 31, medium: 7 } as const;
const LANGUAGE_WEIGHTS: Record<Language, number> = { kk: 50, ru: 45, en: 5 };

const NAME_STEMS = [
  'Алтай', 'Ертіс', 'Шығыс', 'Сапа', 'Береке', 'Жасыл Дала', 'Нұр', 'Арман', 'Көктем', 'Мерей', 'Тарбағатай', 'Зайсан Балық', 'Бұқтырма',
  'Усть-Агро', 'СибТех', 'Рудный Алтай', 'ВостокСтрой', 'Иртыш-Сервис', 'Прометей', 'Медео', 'Kazakh Craft', 'EcoNomad', 'Altai Honey',
  'Семей Тоқыма', 'Риддер Металл', 'Өскемен Баспа', 'Катон Туризм', 'Күршім Мал', 'Аягөз Жүн', 'Ұлан Астық', 'Жарма Құрылыс',
];
const NAME_SUFFIXES = ['', ' Агро', ' Трейд', ' Сервис', ' Құрылыс', ' Логистик', ' Тех', ' Фуд', ' Плюс', ' Групп', ' Маркет'];
const LEGAL_FORMS = ['ЖШС «%s»', 'ТОО «%s»', 'ЖК «%s»', 'ИП «%s»', 'ШҚ «%s»'];

const COMMENTS: Record<Language, string[]> = {
  kk: [
    'Аудан орталығында жаңа өнімге сұраныс өте аз.',
    'Банктер кепілсіз несие бермейді.',
    'Мемлекеттік бағдарламалар туралы кеш білдік.',
    'Білікті мамандар қалаға кетіп қалады.',
    'Құжаттарды рәсімдеу тым ұзақ.',
    'Жабдықты Ресейден немесе Қытайдан алдыруға тура келеді.',
  ],
  ru: [
    'В районе спрос на новую продукцию очень низкий.',
    'Банки не дают кредиты без залога.',
    'О программах поддержки узнали слишком поздно.',
    'Квалифицированные специалисты уезжают в город.',
    'Оформление документов занимает слишком много времени.',
    'Оборудование приходится заказывать из России или Китая.',
    'Патент получали почти два года.',
  ],
  en: ['Local demand for anything new is very small.', 'Banks want collateral we do not have.', 'We learnt about the support programmes too late.'],
};

function enterpriseName(random: Random, used: Set<string>): string {
  for (let attempt = 0; attempt < 20; attempt++) {
    const name = pick(random, LEGAL_FORMS).replace('%s', pick(random, NAME_STEMS) + pick(random, NAME_SUFFIXES));
    if (!used.has(name)) {
      used.add(name);
      return name;
    }
  }
  const name = `ЖШС «Кәсіпорын ${used.size + 1}»`;
  used.add(name);
  return name;
}

/** Cities hold most small businesses; Oskemen and Semey far more than any district. */
function territoryWeight(t: TerritoryChoice): number {
  if (t.code.startsWith('oskemen')) return 12;
  if (t.code.startsWith('semey')) return 9;
  if (t.code.startsWith('ridder')) return 3;
  if (/city/.test(t.code)) return 1.2;
  return 1.5;
}

export interface DemoAnswer {
  itemId: number;
  columns: AnswerColumns;
  comment: string | null;
}

export interface DemoResponse {
  status: 'in_progress' | 'submitted';
  language: Language;
  /** What the profile page would have stored; its answer rows are among `answers`. */
  profile: ProfileAnswers;
  startedAt: string;
  updatedAt: string;
  submittedAt: string | null;
  answers: DemoAnswer[];
}

export interface DemoInvitation {
  tokenHash: string;
  enterpriseName: string;
  territoryId: number | null;
  sector: string | null;
  size: string | null;
  status: 'pending' | 'opened' | 'in_progress' | 'submitted' | 'expired';
  createdAt: string;
  openedAt: string | null;
  startedAt: string | null;
  submittedAt: string | null;
  expiresAt: string | null;
  response?: DemoResponse;
}

export interface DemoRoundPlan {
  title: string;
  status: 'open' | 'closed';
  opensAt: string;
  closesAt: string;
  targetTotal: number;
  targets: Array<{ territoryId: number; target: number }>;
  invitations: DemoInvitation[];
}

export interface DemoRoundOptions {
  seed: number;
  title: string;
  status: 'open' | 'closed';
  opensAt: Date;
  closesAt: Date;
  /** Answers are dated up to this moment (now for an open round, the close for a closed one). */
  until: Date;
  submitted: number;
  inProgress: number;
  pending: number;
  opened: number;
  expired: number;
  targetTotal: number;
  /** Per item code: the mean the ratings are drawn around. */
  itemMeans: Record<string, number>;
  cannotJudgeRate: number;
  innovationRate: number;
}

/** Every item's target mean: published for B01-B05, hand-picked for the rest, a seeded draw for unknown codes. */
export function demoItemMeans(form: QuestionnaireForm, seed: number, shift = 0): Record<string, number> {
  const random = mulberry32(seed);
  const published = publishedMeans();
  const out: Record<string, number> = {};
  for (const item of form.items) {
    const base = published[item.code] ?? PLAUSIBLE_MEANS[item.code] ?? 2.5 + random() * 1.7;
    const delta = shift ? (random() * 2 - 1) * shift : 0;
    out[item.code] = Math.min(4.8, Math.max(1.5, base + delta));
  }
  return out;
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

function drawProfile(random: Random, form: QuestionnaireForm, innovationRate: number, territoryWeights: Record<string, number>): ProfileAnswers {
  const profile: ProfileAnswers = {};
  const size = pickWeighted(random, SIZE_WEIGHTS);
  const sector = pickWeighted(random, SECTOR_WEIGHTS);
  // Larger firms and knowledge-intensive sectors innovate more often; the weights keep the overall share near innovationRate.
  const lift = (size === 'medium' ? 2 : size === 'small' ? 1.3 : 0.8) * (['J', 'M', 'C'].includes(sector) ? 1.6 : 0.85);
  const innovates = random() < innovationRate * lift;
  for (const q of form.profile) {
    switch (q.type) {
      case 'choice-from-territories':
        profile[q.code] = pickWeighted(random, territoryWeights);
        break;
      case 'choice': {
        const codes = q.options.map((o) => o.code);
        if (q.code === 'size' && codes.includes(size)) profile[q.code] = size;
        else if (q.code === 'sector' && codes.includes(sector)) profile[q.code] = sector;
        else if (q.code === 'funding') {
          if (innovates) profile[q.code] = pickWeighted(random, { own: 55, loans: 22, budget: 15, foreign: 3 });
          else if (random() < 0.6 && codes.includes('none')) profile[q.code] = 'none';
        } else if (q.required || random() < 0.8) profile[q.code] = pick(random, codes);
        break;
      }
      case 'integer': {
        if (!q.required && random() < 0.08) break;
        let n = randomInt(random, q.min, q.max);
        if (q.code === 'employees') {
          n = size === 'micro' ? randomInt(random, 1, 15) : size === 'small' ? randomInt(random, 16, 100) : randomInt(random, 101, 250);
        }
        profile[q.code] = Math.min(q.max, Math.max(q.min, n));
        break;
      }
      case 'multi-choice': {
        const exclusive = q.options.find((o) => o.exclusive);
        const others = q.options.filter((o) => !o.exclusive).map((o) => o.code);
        if (q.code === 'innovated') {
          if (innovates) {
            const r = random();
            const k = r < 0.55 ? 1 : r < 0.85 ? 2 : 3;
            const chosen = new Set<string>();
            while (chosen.size < Math.min(k, others.length)) chosen.add(pickWeighted(random, { product: 35, process: 30, organisational: 15, marketing: 20 }));
            profile[q.code] = others.filter((c) => chosen.has(c));
          } else if (random() < 0.92 && exclusive) {
            profile[q.code] = [exclusive.code];
          }
        } else if (q.required || random() < 0.7) {
          profile[q.code] = [pick(random, others)];
        }
        break;
      }
    }
  }
  return profile;
}

/** A rating around `mean`: 1 + Binomial(4, p) has mean 1 + 4p exactly; p is nudged per respondent for realistic item correlations. */
function drawRating(random: Random, mean: number, leniency: number, scale: { min: number; max: number }): number {
  const steps = scale.max - scale.min;
  const p = Math.min(0.99, Math.max(0.01, (mean - scale.min) / steps + leniency));
  return scale.min + binomial(random, steps, p);
}

/** The pure part: the rows of one demo round, fully determined by the options. */
export function planDemoRound(form: QuestionnaireForm, territories: TerritoryChoice[], options: DemoRoundOptions): DemoRoundPlan {
  const random = mulberry32(options.seed);
  const names = new Set<string>();
  const byCode = new Map(territories.map((t) => [t.code, t]));
  const territoryWeights = Object.fromEntries(territories.map((t) => [t.code, territoryWeight(t)]));
  const totalWeight = Object.values(territoryWeights).reduce((s, w) => s + w, 0);
  const targets = territories.map((t) => ({ territoryId: t.id, target: Math.max(5, Math.round((options.targetTotal * territoryWeights[t.code]!) / totalWeight)) }));
  const opens = options.opensAt.getTime();
  const until = options.until.getTime();
  const span = Math.max(1, until - opens - 3600_000);
  const invitations: DemoInvitation[] = [];

  const respondent = (status: 'submitted' | 'in_progress'): DemoInvitation => {
    const profile = drawProfile(random, form, options.innovationRate, territoryWeights);
    const territory = typeof profile.territory === 'string' ? byCode.get(profile.territory) : undefined;
    const language = pickWeighted(random, LANGUAGE_WEIGHTS);
    const leniency = normal(random, 0, 0.06);
    // Ratings lean a little by territory, so between-territory tests have something to find.
    const territoryLean = territory ? ((territory.id * 7919) % 11) / 11 - 0.5 : 0;
    const opened = opens + random() * span;
    const started = opened + randomInt(random, 1, 40) * 60_000;
    const submitted = Math.min(until - 1000, started + randomInt(random, 6, 35) * 60_000);
    const answered = status === 'submitted' ? form.items : form.items.filter((i) => i.categoryId !== form.categories.at(-1)?.id && random() < 0.55);
    const commenting = random() < 0.12;
    const answers: DemoAnswer[] = answered.map((item) => {
      const q = item.question;
      // Other kinds answer as their own files draw a plausible answer (texts: the demo comments).
      if (q.kind !== 'rating') return { itemId: item.id, columns: sampleAnswer(q, { random, texts: COMMENTS[language] }), comment: null };
      const value = item.allowCannotJudge && random() < options.cannotJudgeRate ? null : drawRating(random, options.itemMeans[item.code] ?? 3, leniency + territoryLean * 0.04, q.scale);
      const comment = commenting && item.allowComment && value !== null && value >= 4 && random() < 0.25 ? pick(random, COMMENTS[language]) : null;
      return { itemId: item.id, columns: value === null ? { ...EMPTY_COLUMNS, cannotJudge: true } : { ...EMPTY_COLUMNS, value }, comment };
    });
    answers.push(...profileAnswerRows(form, profile).map((a) => ({ ...a, comment: null })));
    return {
      tokenHash: hashToken(generateLinkToken()),
      enterpriseName: enterpriseName(random, names),
      territoryId: territory?.id ?? null,
      sector: typeof profile.sector === 'string' ? profile.sector : null,
      size: typeof profile.size === 'string' ? profile.size : null,
      status,
      createdAt: iso(opens),
      openedAt: iso(opened),
      startedAt: iso(started),
      submittedAt: status === 'submitted' ? iso(submitted) : null,
      expiresAt: null,
      response: {
        status,
        language,
        profile,
        startedAt: iso(started),
        updatedAt: iso(status === 'submitted' ? submitted : started + 5 * 60_000),
        submittedAt: status === 'submitted' ? iso(submitted) : null,
        answers,
      },
    };
  };

  const unanswered = (status: 'pending' | 'opened' | 'expired'): DemoInvitation => {
    const territory = pickWeighted(random, territoryWeights);
    return {
      tokenHash: hashToken(generateLinkToken()),
      enterpriseName: enterpriseName(random, names),
      territoryId: byCode.get(territory)?.id ?? null,
      sector: pickWeighted(random, SECTOR_WEIGHTS),
      size: pickWeighted(random, SIZE_WEIGHTS),
      status,
      createdAt: iso(opens),
      openedAt: status === 'opened' ? iso(opens + random() * span) : null,
      startedAt: null,
      submittedAt: null,
      expiresAt: status === 'expired' ? options.closesAt.toISOString() : null,
    };
  };

  for (let i = 0; i < options.submitted; i++) invitations.push(respondent('submitted'));
  for (let i = 0; i < options.inProgress; i++) invitations.push(respondent('in_progress'));
  for (let i = 0; i < options.pending; i++) invitations.push(unanswered('pending'));
  for (let i = 0; i < options.opened; i++) invitations.push(unanswered('opened'));
  for (let i = 0; i < options.expired; i++) invitations.push(unanswered('expired'));

  return {
    title: options.title,
    status: options.status,
    opensAt: options.opensAt.toISOString(),
    closesAt: options.closesAt.toISOString(),
    targetTotal: options.targetTotal,
    targets,
    invitations,
  };
}

const DAY = 86_400_000;

/** The two demo rounds relative to `now`: the open one started five weeks ago, the closed one is last spring's. */
export function demoRoundOptions(form: QuestionnaireForm, now: Date): DemoRoundOptions[] {
  const lastYear = now.getUTCFullYear() - 1;
  const common = { cannotJudgeRate: 0.04, innovationRate: 0.15 };
  return [
    {
      ...common,
      seed: 2026_11_22,
      title: DEMO_OPEN_ROUND_TITLE,
      status: 'open',
      opensAt: new Date(now.getTime() - 35 * DAY),
      closesAt: new Date(now.getTime() + 60 * DAY),
      until: now,
      submitted: 300,
      inProgress: 12,
      pending: 40,
      opened: 20,
      expired: 0,
      targetTotal: 400,
      itemMeans: demoItemMeans(form, 11),
    },
    {
      ...common,
      seed: 2025_04_01,
      title: DEMO_CLOSED_ROUND_TITLE,
      status: 'closed',
      opensAt: new Date(Date.UTC(lastYear, 2, 3, 3, 0)),
      closesAt: new Date(Date.UTC(lastYear, 4, 31, 18, 0)),
      until: new Date(Date.UTC(lastYear, 4, 31, 18, 0)),
      submitted: 120,
      inProgress: 0,
      pending: 0,
      opened: 0,
      expired: 30,
      targetTotal: 150,
      // Last year's barriers were rated a little differently (up to ±0.3 per item).
      itemMeans: demoItemMeans(form, 25, 0.3),
      innovationRate: 0.12,
    },
  ];
}

/** Demo seeder: idempotent (skips when a demo round exists), one transaction, bulk inserts. */
export async function seedDemoResponses(
  ctx: AppContext,
  {
    territories: territoriesService,
    questionnaires,
    rounds,
    invitations,
  }: { territories: TerritoriesService; questionnaires: QuestionnairesService; rounds: RoundsService; invitations: InvitationsService },
  now = new Date(),
): Promise<void> {
  const repo = new ResponsesRepository(ctx.db);
  const questionnaireId = (await questionnaires.latestByCode(DEMO_QUESTIONNAIRE_CODE))?.id;
  if (questionnaireId === undefined) {
    ctx.logger.warn('demo responses skipped: the barriers questionnaire is not seeded');
    return;
  }
  const existing = new Set((await rounds.list()).map((r) => r.title));
  const territories = await territoriesService.listLeaves();
  if (territories.length === 0) return;
  const store = async (formId: number, plans: DemoRoundPlan[]) =>
    repo.transaction(async (trx) => {
      // The oldest round first, so that ids follow time.
      for (const plan of [...plans].reverse()) {
        const at = now.toISOString();
        const { invitations: planned, ...round } = plan;
        const roundId = await rounds.insertHistoric({ ...round, questionnaireId: formId, createdAt: plan.opensAt < at ? plan.opensAt : at, updatedAt: at }, trx);
        const invitationIds = await invitations.insertHistoric(trx, roundId, planned);
        await repo.insertDemoResponses(trx, roundId, plan, invitationIds);
      }
    });
  if (!existing.has(DEMO_OPEN_ROUND_TITLE) && !existing.has(DEMO_CLOSED_ROUND_TITLE)) {
    const form = await questionnaires.respondentForm(questionnaireId, async () => territories);
    if (form) await store(questionnaireId, demoRoundOptions(form, now).map((options) => planDemoRound(form, territories, options)));
  }
  const extendedId = (await questionnaires.latestByCode(DEMO_EXTENDED_QUESTIONNAIRE_CODE))?.id;
  if (extendedId !== undefined && !existing.has(DEMO_EXTENDED_ROUND_TITLE)) {
    const form = await questionnaires.respondentForm(extendedId, async () => territories);
    if (form) {
      const open = demoRoundOptions(form, now)[0]!;
      const options = { ...open, seed: 2026_11_28, title: DEMO_EXTENDED_ROUND_TITLE, submitted: 80, inProgress: 4, pending: 10, opened: 6, targetTotal: 120, itemMeans: demoItemMeans(form, 13) };
      await store(extendedId, [planDemoRound(form, territories, options)]);
    }
  }
}
