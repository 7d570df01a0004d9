import { parse as parseCsv } from 'csv-parse/sync';
import ExcelJS from 'exceljs';
import fc from 'fast-check';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ValidationError } from '../../../src/errors';
import { LANGUAGES, translator, type Language } from '../../../src/i18n';
import { mulberry32 } from '../../../src/math/mulberry32';
import {
  KINDS,
  QUESTION_KINDS,
  answerFormValue,
  chosenCodes,
  conditionHolds,
  conditionOptions,
  encodeAnswer,
  exportCells,
  exportColumns,
  kindDef,
  parseAnswer,
  rankingDepth,
  type KindQuestion,
  type QuestionKind,
  type RawValue,
  type TQuestion,
  type TScale,
} from '../../../src/modules/questionnaires/kinds';
import type { FormItem, QuestionnaireForm } from '../../../src/modules/questionnaires/questionnaires.form';
import { parseDefinition } from '../../../src/modules/questionnaires/questionnaires.service';
import type { TQuestionnaireDefinition } from '../../../src/modules/questionnaires/questionnaires.schemas';
import { apiTokenFor, binaryParser, createTestApp, loginAs, type LoggedIn, type TestApp } from '../../helpers/app';
import { createInvitation, createRound } from '../responses/fixtures';

/**
 * Property: any valid questionnaire generated from the kinds (random sections, questions of
 * every kind, own and shared scales, options, exclusive options, "other" texts, limits,
 * conditions on earlier answers, the original format's items and profile) imports, exports
 * unchanged, can be answered through the service and through the HTML pages, and comes out of
 * the CSV, XLSX and codebook exports with the same consistent columns; a bad value of each
 * kind is refused with a message in kk, ru and en and nothing is stored.
 *
 * Runs are few and small (RUNS: 6, 4 on PostgreSQL; at most 3 sections and 10 questions) so the
 * property stays under 30 s on either engine; PROPERTY_RUNS asks for more, FC_SEED replays a failure.
 */
// Fewer on PostgreSQL, where each run's writes cost more: both stay under 30 s on a loaded machine.
const RUNS = Number(process.env.PROPERTY_RUNS ?? (process.env.TEST_DB === 'pg' ? 4 : 6));
const SEED = process.env.FC_SEED ? Number(process.env.FC_SEED) : undefined;

// -- generators ------------------------------------------------------------------------------

const WORDS = ['Инновация', 'Кедергі', 'Barrier', 'Қаржы', 'Цена «X»', 'a & b <c>', 'Жоқ', 'Support'];
const arbWord = fc.tuple(fc.constantFrom(...WORDS), fc.nat(99)).map(([w, n]) => `${w} ${n}`);
const arbText = fc.record({ kk: arbWord, ru: arbWord, en: arbWord });

const arbScale: fc.Arbitrary<TScale> = fc
  .record({ min: fc.integer({ min: 0, max: 1 }), steps: fc.integer({ min: 1, max: 10 }), labels: fc.array(arbText, { minLength: 11, maxLength: 11 }), na: fc.option(arbText, { nil: undefined }) })
  .map(({ min, steps, labels, na }) => ({
    min,
    max: min + steps,
    labels: Object.fromEntries(Array.from({ length: steps + 1 }, (_, i) => [String(min + i), labels[i]!])),
    ...(na ? { notApplicable: na } : {}),
  }));

const arbOptions = (min: number, max: number) =>
  fc.array(arbText, { minLength: min, maxLength: max }).map((texts) => texts.map((text, i) => ({ code: `O${i + 1}`, text })));
const arbOther = fc.option(fc.record({ text: arbText, maxLength: fc.option(fc.integer({ min: 5, max: 300 }), { nil: undefined }) }), { nil: undefined }).map((o) =>
  o ? { code: 'OTH', text: o.text, ...(o.maxLength !== undefined ? { maxLength: o.maxLength } : {}) } : undefined,
);
const defined = <T extends object>(o: T): T => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;

/** The kind's own fields of a valid question (code, category, text, required and showIf are added around them). */
type KindFields = (scale: TScale) => fc.Arbitrary<Record<string, unknown>>;
const KIND_FIELDS: Record<QuestionKind, KindFields> = {
  rating: (scale) =>
    fc.record({ allowCannotJudge: fc.boolean(), allowComment: fc.boolean(), mean: fc.double({ min: 0, max: 1, noNaN: true }) }).map((r) =>
      defined({ allowCannotJudge: r.allowCannotJudge && scale.notApplicable ? true : undefined, allowComment: r.allowComment ? undefined : false, referenceMean: Math.round((scale.min + r.mean * (scale.max - scale.min)) * 100) / 100 }),
    ),
  'single-choice': () => fc.record({ options: arbOptions(2, 5), other: arbOther }).map(defined),
  'multi-choice': () =>
    fc.record({ options: arbOptions(2, 5), other: arbOther, exclusive: fc.boolean(), max: fc.option(fc.integer({ min: 1, max: 5 }), { nil: undefined }) }).map(({ options, other, exclusive, max }) => {
      const all = exclusive ? options.map((o, i) => (i === options.length - 1 ? { ...o, exclusive: true } : o)) : options;
      const limit = max !== undefined && max <= options.length ? max : undefined;
      return defined({ options: all, other, maxChoices: limit });
    }),
  ranking: () => fc.record({ options: arbOptions(2, 6), pick: fc.integer({ min: 1, max: 6 }) }).map(({ options, pick }) => ({ options, pick: Math.min(pick, options.length) })),
  number: () =>
    fc.record({ integer: fc.boolean(), lo: fc.option(fc.integer({ min: -50, max: 50 }), { nil: undefined }), span: fc.integer({ min: 0, max: 1000 }), hi: fc.boolean(), unit: fc.option(arbText, { nil: undefined }) }).map(
      ({ integer, lo, span, hi, unit }) => defined({ integer, min: lo, max: hi ? (lo ?? 0) + span : undefined, unit }),
    ),
  text: () => fc.record({ maxLength: fc.integer({ min: 1, max: 500 }), multiline: fc.boolean() }).map(({ maxLength, multiline }) => defined({ maxLength, multiline: multiline || undefined })),
};

interface Plan {
  scale: TScale;
  sections: number;
  ownScales: Array<TScale | null>;
  sectionConditions: Array<{ source: number; pick: number[] } | null>;
  profile: { required: boolean; options: Array<{ code: string; text: { kk: string; ru: string; en: string } }> } | null;
  items: Array<{ section: number; text: { kk: string; ru: string; en: string } }>;
  questions: Array<{ kind: QuestionKind; section: number; required: boolean; text: { kk: string; ru: string; en: string }; fields: Record<string, unknown>; condition: { source: number; pick: number[] } | null }>;
}

const arbCondition = fc.option(fc.record({ source: fc.nat(), pick: fc.array(fc.nat(), { minLength: 1, maxLength: 3 }) }), { nil: null });

/** Every kind at least once, then up to four more of any kind. */
const arbPlan: fc.Arbitrary<Plan> = fc
  .record({
    scale: arbScale,
    sections: fc.integer({ min: 1, max: 3 }),
    extra: fc.array(fc.constantFrom(...QUESTION_KINDS), { maxLength: 4 }),
    ownScales: fc.array(fc.option(arbScale, { nil: null }), { minLength: 3, maxLength: 3 }),
    sectionConditions: fc.array(arbCondition, { minLength: 3, maxLength: 3 }),
    profile: fc.option(fc.record({ required: fc.boolean(), options: arbOptions(2, 4) }), { nil: null }),
    items: fc.array(fc.record({ section: fc.nat(2), text: arbText }), { maxLength: 3 }),
  })
  .chain((p) => {
    const kinds = [...QUESTION_KINDS, ...p.extra];
    const question = (kind: QuestionKind, i: number) =>
      fc.record({
        kind: fc.constant(kind),
        section: i < p.sections ? fc.constant(i) : fc.nat(p.sections - 1),
        required: fc.boolean(),
        text: arbText,
        condition: arbCondition,
        fields: fc.constant(null),
      });
    return fc.tuple(...kinds.map(question)).chain((qs) =>
      fc.tuple(...qs.map((q) => KIND_FIELDS[q.kind](p.ownScales[q.section] ?? p.scale))).map((fields) => ({
        ...p,
        questions: qs.map((q, i) => ({ ...q, fields: fields[i]! })),
      })),
    );
  });

/** The exchange-format file of a plan; conditions point at choice questions on earlier pages. */
function definitionOf(plan: Plan, code: string): unknown {
  const categories = Array.from({ length: plan.sections }, (_, i) => ({ code: `S${i + 1}`, title: { kk: `Бөлім ${i + 1}`, ru: `Раздел ${i + 1}`, en: `Section ${i + 1}` } }));
  const profile = plan.profile ? [{ code: 'P1', type: 'choice' as const, required: plan.profile.required, text: { kk: 'Сала', ru: 'Отрасль', en: 'Sector' }, options: plan.profile.options }] : [];
  // Sources of conditions: the profile question (page -1) and choice questions by section.
  const sources: Array<{ code: string; page: number; options: string[] }> = profile.map((p) => ({ code: p.code, page: -1, options: p.options.map((o) => o.code) }));
  const questions: TQuestion[] = [];
  const condition = (c: { source: number; pick: number[] } | null, page: number) => {
    const earlier = sources.filter((s) => s.page < page);
    if (!c || earlier.length === 0) return undefined;
    const source = earlier[c.source % earlier.length]!;
    return { question: source.code, anyOf: [...new Set(c.pick.map((k) => source.options[k % source.options.length]!))] };
  };
  plan.questions.forEach((q, i) => {
    const own = plan.ownScales[q.section];
    const question = {
      code: `Q${i + 1}`,
      category: `S${q.section + 1}`,
      text: q.text,
      ...(q.required ? {} : { required: false }),
      kind: q.kind,
      ...q.fields,
      ...(q.kind === 'rating' && own ? { scale: own } : {}),
    } as TQuestion;
    questions.push(question);
  });
  // Conditions after all questions exist, so that a source is any earlier page's choice question.
  for (const q of questions) {
    const options = conditionOptions(q);
    if (options) sources.push({ code: q.code, page: Number(q.category.slice(1)) - 1, options });
  }
  plan.questions.forEach((q, i) => {
    const showIf = condition(q.condition, q.section);
    if (showIf) Object.assign(questions[i]!, { showIf });
  });
  categories.forEach((c, i) => {
    const showIf = condition(plan.sectionConditions[i] ?? null, i);
    if (showIf) Object.assign(c, { showIf });
  });
  // The original format's rating items, only in sections on the questionnaire's scale.
  const items = plan.items
    .filter((it) => it.section < plan.sections && !plan.ownScales[it.section])
    .map((it, i) => ({ code: `B${i + 1}`, category: `S${it.section + 1}`, text: it.text }));
  return { code, title: { kk: 'Сауалнама', ru: 'Анкета', en: 'Questionnaire' }, scale: plan.scale, categories, items, profile, questions };
}

// -- answering -------------------------------------------------------------------------------

const SAMPLE_TEXTS = ['Дешёвые кредиты', 'Нет "помещения", и всё', 'Қаржы жетіспейді <b>', 'Plain text'];

interface Answer {
  item: FormItem;
  raw: RawValue;
  other?: string;
  value: unknown;
}

/** One respondent's answers: a sampled valid value per question, some optional ones left blank. */
function respondentAnswers(form: QuestionnaireForm, seed: number): { profile: Record<string, string>; answers: Answer[] } {
  const random = mulberry32(seed);
  const profile: Record<string, string> = {};
  for (const p of form.profile) if (p.type === 'choice' && (p.required || random() < 0.7)) profile[p.code] = p.options[Math.floor(random() * p.options.length)]!.code;
  const answers: Answer[] = [];
  for (const item of form.items) {
    if (!item.required && random() < 0.2) continue;
    const value = kindDef(item.question).sample(item.question, { random, texts: SAMPLE_TEXTS });
    const other = (value as { other?: string }).other;
    answers.push({ item, raw: answerFormValue(item.question, value), ...(other !== undefined ? { other } : {}), value });
  }
  return { profile, answers };
}

/** The questions asked of a respondent with these answers, as the server decides between pages. */
function visibleCodes(form: QuestionnaireForm, profile: Record<string, string>, answers: Answer[]): Set<string> {
  // Page order: an answer counts for later conditions only if its own question was asked.
  const chosen = new Map<string, string[]>(Object.entries(profile).map(([k, v]) => [k, [v]]));
  const visible = new Set<string>();
  for (const item of form.items) {
    if (!item.showIf.every((c) => conditionHolds(c, chosen))) continue;
    visible.add(item.code);
    const a = answers.find((x) => x.item.code === item.code);
    const codes = a && chosenCodes(item.question, encodeAnswer(item.question, a.value));
    if (codes) chosen.set(item.code, codes);
  }
  return visible;
}

/** A raw value as form fields under answers[CODE]. */
function formFields(code: string, raw: RawValue): Record<string, string | string[]> {
  if (raw === null || raw === undefined) return {};
  if (typeof raw === 'string' || typeof raw === 'number') return { [`answers[${code}]`]: String(raw) };
  if (Array.isArray(raw)) return { [`answers[${code}]`]: raw };
  return Object.fromEntries(Object.entries(raw).map(([option, v]) => [`answers[${code}][${option}]`, v]));
}

/** Values a question of each kind must refuse (each with a reason the kind names). */
const BAD_VALUES: Record<QuestionKind, (q: KindQuestion) => Array<{ raw: RawValue; other?: string }>> = {
  rating: (q) => {
    if (q.kind !== 'rating') return [];
    return [{ raw: String(q.scale.max + 1) }, { raw: String(q.scale.min - 1) }, { raw: 'abc' }, { raw: '2.5' }, ...(q.allowCannotJudge ? [] : [{ raw: 'na' }])];
  },
  'single-choice': (q) => {
    if (q.kind !== 'single-choice') return [];
    return [{ raw: 'NOPE' }, { raw: [q.options[0]!.code, q.options[1]!.code] }, { raw: { x: '1' } }, ...(q.other ? [{ raw: q.other.code, other: '' }, { raw: q.other.code, other: 'x'.repeat((q.other.maxLength ?? 300) + 1) }] : [])];
  },
  'multi-choice': (q) => {
    if (q.kind !== 'multi-choice') return [];
    const exclusive = q.options.find((o) => o.exclusive);
    const plain = q.options.filter((o) => !o.exclusive).map((o) => o.code);
    return [
      { raw: ['NOPE'] },
      { raw: { x: '1' } },
      ...(exclusive && plain.length ? [{ raw: [plain[0]!, exclusive.code] }] : []),
      ...(q.maxChoices !== undefined && q.maxChoices < plain.length ? [{ raw: plain.slice(0, q.maxChoices + 1) }] : []),
      ...(q.other ? [{ raw: [q.other.code], other: '  ' }] : []),
    ];
  },
  ranking: (q) => {
    if (q.kind !== 'ranking') return [];
    const k = rankingDepth(q);
    const [a, b] = q.options;
    return [
      { raw: { [a!.code]: String(k + 1) } },
      { raw: { [a!.code]: '0' } },
      { raw: { NOPE: '1' } },
      { raw: ['NOPE'] },
      ...(k >= 2 ? [{ raw: { [a!.code]: '1', [b!.code]: '1' } }, { raw: { [a!.code]: '1' } }] : []),
    ];
  },
  number: (q) => {
    if (q.kind !== 'number') return [];
    return [{ raw: 'abc' }, { raw: '1e3' }, ...(q.max !== undefined ? [{ raw: String(q.max + 1) }] : []), ...(q.min !== undefined ? [{ raw: String(q.min - 1) }] : []), ...(q.integer ? [{ raw: '1.5' }] : [])];
  },
  text: (q) => {
    if (q.kind !== 'text') return [];
    return [{ raw: 'x'.repeat(q.maxLength + 1) }, { raw: ['a', 'b'] }];
  },
};

/** The messages a refused page shows (for a failing run's report). */
function errorsOf(html: string): string {
  return [...html.matchAll(/class="alert error respond-errors"[^>]*>([\s\S]*?)<\/div>/g)].map((m) => m[1]!.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ').trim()).join(' | ') || html.slice(0, 300);
}

/** A message key every catalogue has: not echoed back as the key, nor empty. */
function expectTranslated(key: string, params?: Record<string, unknown>): void {
  for (const lang of LANGUAGES) {
    const text = translator(lang)(key, params);
    expect(text, `${key} in ${lang}`).not.toBe(key);
    expect(text.trim().length, `${key} in ${lang}`).toBeGreaterThan(0);
  }
}

// -- the property ----------------------------------------------------------------------------

describe('any questionnaire generated from the kinds', () => {
  let t: TestApp;
  let token: string;
  let researcher: LoggedIn;
  let counter = 0;

  beforeAll(async () => {
    t = await createTestApp({ seed: 'none' });
    token = await apiTokenFor(t, 'researcher');
    researcher = await loginAs(t, 'researcher');
  });
  afterAll(async () => t?.close());

  it('has a generator and bad values for every kind of the registry', () => {
    // A kind added to the registry without them would silently be left out of the property.
    expect(Object.keys(KIND_FIELDS).sort()).toEqual([...QUESTION_KINDS].sort());
    expect(Object.keys(BAD_VALUES).sort()).toEqual([...QUESTION_KINDS].sort());
  });

  it('imports, answers through the service and the HTML pages, exports consistently, and refuses bad values', async () => {
    const exported = async (roundId: number, kind: 'csv' | 'xlsx' | 'codebook') => {
      const path = kind === 'codebook' ? 'responses-codebook.csv' : `responses.${kind}`;
      const res = await request(t.app)
        .get(`/api/v1/rounds/${roundId}/${path}`)
        .set('Authorization', `Bearer ${token}`)
        .buffer(true)
        .parse(binaryParser);
      expect(res.status).toBe(200);
      return res.body as Buffer;
    };

    await fc.assert(
      fc.asyncProperty(arbPlan, fc.integer({ min: 1, max: 2 ** 31 - 1 }), async (plan, seed) => {
        const code = `PROP-${++counter}`;
        const file = definitionOf(plan, code);
        // Valid by construction: the schema accepts it, and the exchange format comes back unchanged.
        const def = parseDefinition(file) as TQuestionnaireDefinition;
        const saved = await t.services.questionnaires.importDefinition(def, null);
        expect(saved.outcome).toBe('created');
        expect(await t.services.questionnaires.exportDefinition(saved.id)).toEqual(def);
        const form = (await t.services.questionnaires.respondentForm(saved.id, async () => []))!;
        expect(new Set(form.items.map((i) => i.question.kind))).toEqual(new Set(QUESTION_KINDS));
        const roundId = await createRound(t.ctx, saved.id);

        // Every generated question refuses each bad value of its kind, with a message in three languages.
        for (const item of form.items) {
          for (const bad of BAD_VALUES[item.question.kind](item.question)) {
            const parsed = parseAnswer(item.question, bad.raw, bad.other);
            expect('error' in parsed, `${item.code} (${item.question.kind}) accepted ${JSON.stringify(bad)}`).toBe(true);
            if ('error' in parsed) expectTranslated(parsed.error.key, parsed.error.params);
          }
        }

        // Respondents answer through the service (one request each, typed input).
        const expected = new Map<number, Map<string, unknown>>();
        for (let r = 0; r < 2; r++) {
          const { profile, answers } = respondentAnswers(form, seed + r);
          const visible = visibleCodes(form, profile, answers);
          const invitation = await createInvitation(t.ctx, roundId);
          const session = await t.services.responses.openSession(invitation.id);
          const result = await t.services.responses.submitAll(
            session,
            {
              profile,
              answers: Object.fromEntries(answers.map((a) => [a.item.code, a.raw as never])),
              others: Object.fromEntries(answers.filter((a) => a.other !== undefined).map((a) => [a.item.code, a.other!])),
              idempotencyKey: `property-${code}-${r}`,
            },
            'ru',
          ).catch((e: unknown) => {
            // Name what was posted for the refused questions: the counterexample alone does not show the sampled answers.
            const paths = e instanceof ValidationError ? e.fields.map((f) => f.path) : [];
            const posted = answers.filter((a) => paths.includes(`answers.${a.item.code}`)).map((a) => ({ question: a.item.question, raw: a.raw, other: a.other }));
            throw new Error(`submitAll refused ${JSON.stringify(paths)}: ${JSON.stringify(posted)}`, { cause: e });
          });
          expected.set(result.responseId, new Map<string, unknown>([...Object.entries(profile), ...answers.filter((a) => visible.has(a.item.code)).map((a) => [a.item.code, a.value] as const)]));
          // What the kind parses back from its own form value is the value itself.
          for (const a of answers) {
            const parsed = parseAnswer(a.item.question, a.raw, a.other);
            expect(parsed, `${a.item.code} round trip`).toEqual({ value: a.value });
          }
        }

        // One respondent through the HTML pages, without JavaScript: page by page, then review and submit.
        {
          const lang: Language = LANGUAGES[seed % 3]!;
          const { profile, answers } = respondentAnswers(form, seed + 7);
          const visible = visibleCodes(form, profile, answers);
          const invitation = await createInvitation(t.ctx, roundId);
          const agent = request.agent(t.app);
          await agent.get(`/r/${invitation.token}`);
          const csrf = /name="_csrf" value="([^"]+)"/.exec((await agent.get('/respond')).text)![1]!;
          await agent.post('/respond/language').type('form').send({ _csrf: csrf, lang });
          let res = await agent.post('/respond/profile').type('form').send({ _csrf: csrf, nav: 'next', ...profile });
          expect(res.status, res.text.slice(0, 500)).toBe(303);
          const byCategory = (category: string) => answers.filter((a) => a.item.categoryCode === category && visible.has(a.item.code));
          for (let step = 0; res.headers.location !== '/respond/review'; step++) {
            expect(step).toBeLessThan(plan.sections + 1);
            const category = /^\/respond\/page\/(.+)$/.exec(res.headers.location!)![1]!;
            const page = await agent.get(res.headers.location!);
            expect(page.status).toBe(200);
            const fields: Record<string, string | string[]> = {};
            for (const a of byCategory(category)) {
              Object.assign(fields, formFields(a.item.code, a.raw));
              if (a.other !== undefined) fields[`others[${a.item.code}]`] = a.other;
            }
            res = await agent.post(res.headers.location!).type('form').send({ _csrf: csrf, nav: 'next', ...fields });
            expect(res.status, `page ${category} ${JSON.stringify(fields)}: ${errorsOf(res.text)}`).toBe(303);
          }
          expect((await agent.get('/respond/review')).status).toBe(200);
          res = await agent.post('/respond/submit').type('form').send({ _csrf: csrf, idempotencyKey: `property-html-${code}` });
          expect(res.status, res.text.slice(0, 800)).toBe(303);
          const response = await t.ctx.db('responses').where({ invitation_id: invitation.id }).first();
          expect(response.status).toBe('submitted');
          expected.set(Number(response.id), new Map<string, unknown>([...Object.entries(profile), ...answers.filter((a) => visible.has(a.item.code)).map((a) => [a.item.code, a.value] as const)]));
        }

        // A bad value posted on a page is refused with its field named, and nothing of the page is stored.
        {
          const invitation = await createInvitation(t.ctx, roundId);
          const session = await t.services.responses.openSession(invitation.id);
          // The first page a respondent who has answered nothing is asked (conditions may hide them all).
          const step = t.services.responses.steps(session).find((s) => s !== 'profile' && s !== 'review');
          const items = step ? t.services.responses.itemsOf(session, step) : [];
          const target = items[0];
        if (step && target) {
          const bad = BAD_VALUES[target.question.kind](target.question)[seed % BAD_VALUES[target.question.kind](target.question).length]!;
          const onPage = new Set(items.map((i) => i.code));
          const good = respondentAnswers(form, seed + 11).answers.filter((a) => onPage.has(a.item.code) && a.item.code !== target.code);
          const input = {
            answers: { ...Object.fromEntries(good.map((a) => [a.item.code, a.raw as never])), [target.code]: bad.raw as never },
            others: { ...Object.fromEntries(good.filter((a) => a.other !== undefined).map((a) => [a.item.code, a.other!])), ...(bad.other !== undefined ? { [target.code]: bad.other } : {}) },
          };
          const refusal = await t.services.responses.savePage(session, step, input, 'kk').then(
            () => undefined,
            (e: unknown) => e,
          );
          expect(refusal).toBeInstanceOf(ValidationError);
          const field = (refusal as ValidationError).fields.find((f) => f.path === `answers.${target.code}`);
          expect(field, `refusal of ${JSON.stringify(bad)} for ${target.code}`).toBeDefined();
          expectTranslated(field!.key, field!.params);
          const response = await t.ctx.db('responses').where({ invitation_id: invitation.id }).first();
          expect(response ? Number((await t.ctx.db('answers').where({ response_id: response.id }).count({ n: '*' }).first())!.n) : 0).toBe(0);
        }
        }

        // The analysis: every kind summarised from its answers says how many answered (hidden and blank ones not counted);
        // profile questions are stored and summarised as ordinary answers too.
        await t.services.analysisCounter.settled(); // the submissions are counted in the background
        const ranking = await t.services.analysis.ranking(roundId);
        for (const q of ranking.questions) {
          const answered = [...expected.values()].filter((m) => m.has(q.code)).length;
          expect(q.n, `analysis n of ${q.code} (${q.kind})`).toBe(answered);
        }
        expect(new Set(ranking.questions.map((q) => q.code))).toEqual(new Set([...form.profile.map((p) => p.code), ...form.items.filter((i) => kindDef(i.question).analysis.source !== 'ranking').map((i) => i.code)]));
        const page = await researcher.agent.get(`/analysis/rounds/${roundId}`);
        expect(page.status).toBe(200);
        for (const q of ranking.questions) expect(page.text, `analysis page shows ${q.code}`).toContain(`id="q-${q.code}"`);

        // The exports: one header, the kinds' columns in form order, a codebook entry per column.
        // Columns follow the questionnaire's question order (items, then the questions array).
        const ordered = (await t.services.questionnaires.getQuestionnaire(saved.id)).questions;
        const columns = ordered.map((q) => exportColumns(q));
        const csv = parseCsv((await exported(roundId, 'csv')).toString('utf8').replace(/^\uFEFF/, ''), { columns: false, relax_column_count: false }) as string[][];
        const header = csv[0]!;
        const questionColumns = columns.flat().map((c) => c.code);
        expect(header.filter((h) => questionColumns.includes(h))).toEqual(questionColumns);
        expect(csv.length - 1).toBe(expected.size);
        for (const row of csv.slice(1)) {
          expect(row).toHaveLength(header.length);
          const want = expected.get(Number(row[header.indexOf('response_id')]))!;
          expect(want, `response ${row[0]} exported`).toBeDefined();
          ordered.forEach((q, i) => {
            const cells = exportCells(q, want.get(q.code));
            columns[i]!.forEach((c, j) => {
              const cell = cells[j];
              expect(row[header.indexOf(c.code)], `${c.code} of response ${row[0]}`).toBe(cell === null || cell === undefined ? '' : String(cell));
            });
          });
        }

        const wb = new ExcelJS.Workbook();
        await wb.xlsx.load((await exported(roundId, 'xlsx')) as unknown as ExcelJS.Buffer);
        const sheet = wb.getWorksheet('responses')!;
        expect((sheet.getRow(1).values as unknown[]).slice(1)).toEqual(header);
        expect(sheet.rowCount - 1).toBe(expected.size);
        for (let r = 2; r <= sheet.rowCount; r++) {
          const line = sheet.getRow(r);
          const csvRow = csv.find((c) => c[0] === String(line.getCell(1).value))!;
          for (const c of columns.flat()) {
            const v = line.getCell(header.indexOf(c.code) + 1).value;
            const text = csvRow[header.indexOf(c.code)]!;
            if (c.type === 'number' && text !== '') expect(v, c.code).toBe(Number(text));
            else expect(v ?? '', c.code).toBe(text);
          }
        }

        const codebook = parseCsv((await exported(roundId, 'codebook')).toString('utf8').replace(/^\uFEFF/, ''), { columns: true }) as Array<Record<string, string>>;
        const described = new Set(codebook.filter((r) => r.kind === 'column').map((r) => r.variable));
        for (const h of header) expect(described.has(h), `codebook column ${h}`).toBe(true);
        const itemCodes = new Set(def.items.map((i) => i.code));
        for (const c of columns.flat()) {
          if (c.values.length === 0 || itemCodes.has(c.code)) continue;
          const labelled = new Set(codebook.filter((r) => r.kind === 'value' && r.variable === c.code).map((r) => r.value));
          expect(labelled, c.code).toEqual(new Set(c.values.map((v) => String(v.code))));
          for (const row of csv.slice(1)) {
            const cell = row[header.indexOf(c.code)]!;
            if (cell !== '') expect(labelled.has(cell), `${c.code} = ${cell} has a value label`).toBe(true);
          }
        }
      }),
      { numRuns: RUNS, ...(SEED !== undefined ? { seed: SEED } : {}), endOnFailure: true },
    );
  });

  it('keeps every kind in the registry covered by the definition checks (a question of each kind survives a definition round trip)', () => {
    const sample = fc.sample(arbPlan, { numRuns: 3, seed: 42 });
    for (const plan of sample) {
      const def = parseDefinition(definitionOf(plan, 'ROUND-TRIP'));
      expect(new Set((def.questions ?? []).map((q) => q.kind))).toEqual(new Set(Object.keys(KINDS)));
    }
  });
});
