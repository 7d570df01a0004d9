import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import type { AppContext } from '../../context';
import { asyncHandler, parseOrThrow, ValidationError } from '../../errors';
import { withConfirmation } from '../../lib/confirm';
import { handleForm, renderForm } from '../../lib/forms';
import { requireRole } from '../../middleware/auth';
import { FormReader, QUESTION_KINDS, editorOf, QUESTION_ROLES, flattenForm, readScale, type FlatForm, type QuestionKind, type TLocalizedText, type TQuestion } from './kinds';
import type { DraftRow } from './questionnaire-drafts.repository';
import { readiness, type QuestionnaireDraftsService } from './questionnaire-drafts.service';
import {
  LANGS,
  builderQuestions,
  canMove,
  dependentsOf,
  findQuestion,
  editedProfileQuestion,
  missingTranslations,
  moveOptionRow,
  numberBlankOptionCodes,
  type DraftChange,
  type Lang,
  type MoveDirection,
  type Path,
  type ProfileEdit,
  type TCategory,
  type TDraftDefinition,
} from './questionnaires.drafts';
import { describeDiff } from './questionnaires.diff-text';
import { ZQuestionnaireId, type TProfileQuestion } from './questionnaires.schemas';
import type { QuestionnairesService } from './questionnaires.service';
import { previewRoutes } from './questionnaire-preview.routes';
import type { TerritoriesService } from '../territories/territories.service';

const BASE = '/admin/questionnaires/drafts';
const ZRevision = z.coerce.number().int().positive();
const ZDirection = z.enum(['up', 'down']);
const ZKind = z.enum(QUESTION_KINDS as [QuestionKind, ...QuestionKind[]]);
const ZMissingFilter = z.enum(['any', 'kk', 'ru', 'en']).optional().catch(undefined);
const ZDraftCode = z.string().trim().min(1).max(60).regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/);
const ZNewDraft = z.object({
  code: ZDraftCode,
  'title.kk': z.string().trim().max(2000),
  'title.ru': z.string().trim().max(2000),
  'title.en': z.string().trim().max(2000),
  scaleMin: z.coerce.number().int().min(0).max(100),
  scaleMax: z.coerce.number().int().min(1).max(100),
}).superRefine((v, ctx) => {
  // The same rule as the scale itself (ZScale): a range of 1 to 20 steps.
  if (v.scaleMax <= v.scaleMin) ctx.addIssue({ code: 'custom', path: ['scaleMax'], params: { key: 'questionnaires:errors.scaleRange' } });
  else if (v.scaleMax - v.scaleMin > 20) ctx.addIssue({ code: 'custom', path: ['scaleMax'], params: { key: 'questionnaires:errors.scaleTooLong' } });
});

/** An HTML id for a form field named by its path ("options.2.text.kk" -> "f-options-2-text-kk"). */
export function fieldId(path: string): string {
  return `f-${path.replace(/[^A-Za-z0-9_-]/g, '-')}`;
}

/**
 * A field's label in the user's language, from its path: "options.2.text.ru" -> "Option 3 — Text
 * (Russian)". Used by the error summary, which links each message to its field.
 */
export function fieldLabel(path: string, t: (key: string, params?: Record<string, unknown>) => string): string {
  const parts = path.split('.');
  const out: string[] = [];
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i]!;
    const next = parts[i + 1];
    if ((p === 'options' || p === 'labels') && next !== undefined && /^\d+$/.test(next)) {
      out.push(t(p === 'options' ? 'builder:field.optionN' : 'builder:field.labelN', { n: p === 'options' ? Number(next) + 1 : next }));
      i++;
    } else if ((LANGS as readonly string[]).includes(p) && out.length) {
      out[out.length - 1] += ` (${t(`builder:lang.${p}`)})`;
    } else {
      // The text of an option or of "other" is its label, not the question's text.
      out.push(t(p === 'text' && out.length ? 'builder:field.wording' : `builder:field.${p}`));
    }
  }
  return out.join(' — ');
}

/** The path of a draft issue as a link to the page where it is mended, and a label for it. */
function issueTarget(def: TDraftDefinition, draftId: number, path: Path): { href: string; where: string } {
  const base = `${BASE}/${draftId}`;
  const [head, index, ...rest] = path;
  const field = rest.length ? rest.map(String).join('.') : '';
  const anchor = (p: string) => (p ? `#${fieldId(p.startsWith('showIf.anyOf') ? 'showIf.option' : p)}` : '');
  if ((head === 'items' || head === 'questions') && typeof index === 'number') {
    const code = head === 'items' ? def.items[index]?.code : def.questions?.[index]?.code;
    if (code !== undefined) return { href: `${base}/questions/${encodeURIComponent(code)}${anchor(field)}`, where: code };
  }
  if (head === 'categories' && typeof index === 'number' && def.categories[index]) {
    const code = def.categories[index]!.code;
    return { href: `${base}/sections/${encodeURIComponent(code)}${anchor(field)}`, where: code };
  }
  if (head === 'profile' && typeof index === 'number' && def.profile[index]) {
    const code = def.profile[index]!.code;
    return { href: `${base}/profile/${encodeURIComponent(code)}${anchor(field)}`, where: code };
  }
  if (head === 'title' || head === 'source') return { href: `${base}/title${anchor(path.map(String).join('.'))}`, where: String(head) };
  if (head === 'scale') return { href: `${base}/scale${anchor(path.map(String).join('.'))}`, where: 'scale' };
  return { href: base, where: path.map(String).join('.') };
}

function revisionOf(req: Request): number {
  return parseOrThrow(ZRevision, (req.body as Record<string, unknown> | undefined)?.revision);
}

/** The questions a condition may name: choice questions of the profile or of an earlier section, with their options. */
function conditionSources(def: TDraftDefinition, beforeSection: number): Array<{ code: string; text: TLocalizedText; options: Array<{ code: string; text: TLocalizedText }> }> {
  const out: Array<{ code: string; text: TLocalizedText; options: Array<{ code: string; text: TLocalizedText }> }> = [];
  for (const p of def.profile) if (p.type === 'choice' || p.type === 'multi-choice') out.push({ code: p.code, text: p.text, options: p.options });
  for (const q of def.questions ?? []) {
    const page = def.categories.findIndex((c) => c.code === q.category);
    if (page < 0 || page >= beforeSection) continue;
    if (q.kind === 'single-choice' && q.options) out.push({ code: q.code, text: q.text, options: [...q.options, ...(q.other ? [q.other] : [])] });
    if (q.kind === 'multi-choice') out.push({ code: q.code, text: q.text, options: [...q.options, ...(q.other ? [q.other] : [])] });
  }
  return out;
}

/** A condition from the form: the question chosen and its ticked options ("question/option" values). */
function readCondition(form: FormReader): { question: string; anyOf: string[] } | undefined {
  const question = form.str('showIf.question');
  const ticked = form.list('showIf.option');
  if (!question) {
    if (ticked.length) form.errors.push({ path: 'showIf.question', key: 'builder:errors.conditionQuestion' });
    return undefined;
  }
  const anyOf = ticked.filter((v) => v.startsWith(`${question}/`)).map((v) => v.slice(question.length + 1));
  if (ticked.length !== anyOf.length) form.errors.push({ path: 'showIf.option', key: 'builder:errors.conditionOtherQuestion' });
  return { question, anyOf };
}

/** A condition as the form's fields. */
function conditionFields(showIf: { question: string; anyOf: string[] } | undefined): FlatForm {
  return showIf ? { 'showIf.question': showIf.question, 'showIf.option': showIf.anyOf.map((o) => `${showIf.question}/${o}`) } : {};
}

function readQuestion(body: FlatForm, kind: QuestionKind, isItem: boolean): { question: TQuestion; errors: FormReader['errors'] } {
  const form = new FormReader(body);
  const kindFields = editorOf(kind).read(form);
  if (Array.isArray(kindFields.options)) kindFields.options = numberBlankOptionCodes(kindFields.options as Array<{ code: string }>);
  const role = form.str('role');
  const showIf = isItem ? undefined : readCondition(form);
  if (isItem) {
    // An item of the original format has the questionnaire's scale and no condition or role.
    delete kindFields.scale;
  }
  const question = {
    code: form.str('code'),
    category: form.str('category'),
    kind,
    text: form.text('text'),
    ...(form.flag('required') ? {} : { required: false }),
    ...(role && !isItem ? { role } : {}),
    ...(showIf ? { showIf } : {}),
    ...kindFields,
  } as unknown as TQuestion;
  return { question, errors: form.errors };
}

function readSection(body: FlatForm): { section: TCategory; errors: FormReader['errors'] } {
  const form = new FormReader(body);
  const pest = form.str('pest');
  const showIf = readCondition(form);
  const section = { code: form.str('code'), ...(pest ? { pest } : {}), title: form.text('title'), ...(showIf ? { showIf } : {}) } as TCategory;
  return { section, errors: form.errors };
}

export function questionnaireBuilderRoutes(
  _ctx: AppContext,
  { questionnaires, questionnaireDrafts: drafts, territories }: { questionnaires: QuestionnairesService; questionnaireDrafts: QuestionnaireDraftsService; territories: TerritoriesService },
): Router {
  const router = Router();
  router.use(BASE, requireRole('admin'));
  router.use('/admin/questionnaires/:id/draft', requireRole('admin'));

  const draftOf = async (req: Request) => drafts.get(parseOrThrow(ZQuestionnaireId, req.params.draftId));

  /** What every builder page shows: the form helpers and the draft's identity. */
  const builderLocals = (req: Request, draft: DraftRow, extra: Record<string, unknown>) => {
    const t = req.t as unknown as (key: string, params?: Record<string, unknown>) => string;
    const values = (extra.values ?? {}) as FlatForm;
    const v = (name: string) => (typeof values[name] === 'string' ? (values[name] as string) : '');
    const vlist = (name: string) => {
      const x = values[name];
      return Array.isArray(x) ? x.map(String) : typeof x === 'string' ? [x] : [];
    };
    /** Row indexes to show for a list: those present, then `spare` blank ones. */
    const rowsOf = (name: string, spare: number) => {
      const form = new FormReader(values);
      const present = form.indexes(name);
      const next = present.length ? Math.max(...present) + 1 : 0;
      return [...present, ...Array.from({ length: spare }, (_, i) => next + i)];
    };
    const title = (text: TLocalizedText) => text[req.lang as Lang] || text.kk || text.ru || text.en;
    return {
      draft,
      base: `${BASE}/${draft.id}`,
      langs: LANGS,
      fid: fieldId,
      v,
      vlist,
      rowsOf,
      tx: title,
      errorLabel: (path: string) => fieldLabel(path, t),
      ...extra,
    };
  };

  const savedRedirect = (res: Response, draftId: number, anchor?: string) => res.redirect(303, `${BASE}/${draftId}?saved=1${anchor ? `#${anchor}` : ''}`);

  // The list of drafts and the new questionnaire form.
  const listLocals = async (req: Request, extra: Record<string, unknown> = {}) => ({
    title: req.t('builder:title'),
    drafts: await drafts.list(),
    versions: await questionnaires.list(),
    errorLabel: (path: string) => fieldLabel(path, req.t as unknown as (key: string) => string),
    fid: fieldId,
    langs: LANGS,
    ...extra,
  });

  router.get(
    BASE,
    asyncHandler(async (req, res) => {
      const discarded = typeof req.query.discarded === 'string' && ZDraftCode.safeParse(req.query.discarded).success ? req.query.discarded : undefined;
      renderForm(res, 'questionnaires/builder/list', await listLocals(req, {
        values: { scaleMin: '1', scaleMax: '5' },
        notice: discarded ? req.t('builder:discardedNew', { code: discarded }) : undefined,
      }));
    }),
  );

  router.post(
    BASE,
    asyncHandler(async (req, res) => {
      const body = (req.body ?? {}) as Record<string, unknown>;
      await handleForm(res, 'questionnaires/builder/list', await listLocals(req, { values: body }), async () => {
        const input = parseOrThrow(ZNewDraft, body);
        const id = await drafts.create(
          { code: input.code, title: { kk: input['title.kk'], ru: input['title.ru'], en: input['title.en'] }, scaleMin: input.scaleMin, scaleMax: input.scaleMax },
          req.user!.id,
        );
        res.redirect(303, `${BASE}/${id}`);
      });
    }),
  );

  // A draft of an existing questionnaire, from one of its versions.
  router.post(
    '/admin/questionnaires/:id/draft',
    asyncHandler(async (req, res) => {
      const { id } = await drafts.startFrom(parseOrThrow(ZQuestionnaireId, req.params.id), req.user!.id);
      res.redirect(303, `${BASE}/${id}`);
    }),
  );

  // The draft's page: everything side by side in three languages, what keeps it from being published.
  router.get(
    `${BASE}/:draftId`,
    asyncHandler(async (req, res) => {
      const draft = await draftOf(req);
      const def = draft.definition;
      const missingFilter = ZMissingFilter.parse(req.query.missing);
      const lacks = (value: unknown) => missingTranslations(value).some((m) => missingFilter === 'any' || m.lang === missingFilter);
      const r = readiness(def);
      const t = req.t as unknown as (key: string, params?: Record<string, unknown>) => string;
      const issues = r.issues.map((i) => ({ ...issueTarget(def, draft.id, i.path), message: t(i.key, i.params) }));
      const missingByTarget = new Map<string, { href: string; where: string; langs: Set<Lang> }>();
      for (const m of r.missing) {
        const target = issueTarget(def, draft.id, m.path);
        const key = target.href.split('#')[0]!;
        const entry = missingByTarget.get(key) ?? { ...target, href: key, langs: new Set<Lang>() };
        entry.langs.add(m.lang);
        missingByTarget.set(key, entry);
      }
      const questions = builderQuestions(def);
      const sections = def.categories
        .map((c, index) => ({
          section: c,
          index,
          missing: missingTranslations(c.title),
          questions: questions
            .filter((q) => q.question.category === c.code)
            .map((q) => ({ ...q, missing: missingTranslations(q.question), move: canMove(def, q.question.code) })),
        }))
        .map((s) => (missingFilter ? { ...s, questions: s.questions.filter((q) => lacks(q.question)) } : s))
        .filter((s) => !missingFilter || lacks(s.section.title) || s.questions.length > 0);
      const profile = def.profile.map((p) => ({ question: p, missing: missingTranslations(p) })).filter((p) => !missingFilter || lacks(p.question));
      const latest = await questionnaires.latestByCode(draft.code);
      res.render('questionnaires/builder/draft', builderLocals(req, draft, {
        title: req.t('builder:draftTitle', { code: draft.code }),
        def,
        sections,
        profile,
        issues,
        missingTargets: [...missingByTarget.values()].map((m) => ({ ...m, langs: [...m.langs] })),
        missingCount: r.missing.length,
        missingFilter,
        showTitle: !missingFilter || lacks(def.title),
        showScale: !missingFilter || lacks(def.scale),
        kinds: QUESTION_KINDS,
        latest,
        compareHref: latest ? `${BASE}/${draft.id}/changes` : undefined,
        notice: req.query.saved ? req.t('builder:saved') : undefined,
      }));
    }),
  );

  // What publishing would change: the latest version against the draft, question by question and language by language.
  router.get(
    `${BASE}/:draftId/changes`,
    asyncHandler(async (req, res) => {
      const draft = await draftOf(req);
      const latest = await questionnaires.latestByCode(draft.code);
      const comparison = latest ? await questionnaires.compare({ id: latest.id }, { definition: draft.definition }) : undefined;
      res.render('questionnaires/builder/changes', builderLocals(req, draft, {
        title: req.t('builder:changesTitle', { code: draft.code }),
        latest,
        diff: comparison ? describeDiff(comparison.diff, comparison.sectionTitles, req.t, req.lang) : undefined,
      }));
    }),
  );

  // Title (and source note).
  const titleLocals = (req: Request, draft: DraftRow, values: FlatForm) => builderLocals(req, draft, { title: req.t('builder:editTitle'), values });
  router.get(
    `${BASE}/:draftId/title`,
    asyncHandler(async (req, res) => {
      const draft = await draftOf(req);
      renderForm(res, 'questionnaires/builder/title', titleLocals(req, draft, flattenForm({ title: draft.definition.title, source: draft.definition.source })));
    }),
  );
  router.post(
    `${BASE}/:draftId/title`,
    asyncHandler(async (req, res) => {
      const draft = await draftOf(req);
      const form = new FormReader(req.body ?? {});
      const title = form.text('title');
      const source = form.str('source');
      await handleForm(res, 'questionnaires/builder/title', titleLocals(req, draft, flattenForm({ title, source })), async () => {
        await drafts.change(draft.id, revisionOf(req), { type: 'title', title, source: source || undefined }, req.user!.id);
        savedRedirect(res, draft.id, 'title');
      });
    }),
  );

  // The questionnaire's rating scale.
  const scaleLocals = (req: Request, draft: DraftRow, values: FlatForm) => builderLocals(req, draft, { title: req.t('builder:editScale'), values });
  router.get(
    `${BASE}/:draftId/scale`,
    asyncHandler(async (req, res) => {
      const draft = await draftOf(req);
      renderForm(res, 'questionnaires/builder/scale', scaleLocals(req, draft, flattenForm({ scale: draft.definition.scale })));
    }),
  );
  router.post(
    `${BASE}/:draftId/scale`,
    asyncHandler(async (req, res) => {
      const draft = await draftOf(req);
      const form = new FormReader(req.body ?? {});
      const scale = readScale(form, 'scale');
      await handleForm(res, 'questionnaires/builder/scale', scaleLocals(req, draft, flattenForm({ scale })), async () => {
        await drafts.change(draft.id, revisionOf(req), { type: 'scale', scale, readErrors: form.errors }, req.user!.id);
        savedRedirect(res, draft.id, 'scale');
      });
    }),
  );

  // Sections.
  const sectionLocals = (req: Request, draft: DraftRow, at: string | null, values: FlatForm) => {
    const index = at === null ? draft.definition.categories.length : draft.definition.categories.findIndex((c) => c.code === at);
    return builderLocals(req, draft, {
      title: at === null ? req.t('builder:newSection') : req.t('builder:editSection', { code: at }),
      at,
      values,
      sources: conditionSources(draft.definition, index),
    });
  };
  const sectionOf = (draft: DraftRow, code: string) => {
    const c = draft.definition.categories.find((x) => x.code === code);
    if (!c) throw new ValidationError([{ path: 'code', key: 'builder:errors.gone' }], 'builder:errors.gone');
    return c;
  };
  router.get(
    `${BASE}/:draftId/sections/new`,
    asyncHandler(async (req, res) => {
      const draft = await draftOf(req);
      renderForm(res, 'questionnaires/builder/section', sectionLocals(req, draft, null, { code: `S${draft.definition.categories.length + 1}` }));
    }),
  );
  router.get(
    `${BASE}/:draftId/sections/:code`,
    asyncHandler(async (req, res) => {
      const draft = await draftOf(req);
      const c = sectionOf(draft, String(req.params.code));
      renderForm(res, 'questionnaires/builder/section', sectionLocals(req, draft, c.code, { ...flattenForm({ code: c.code, pest: c.pest, title: c.title }), ...conditionFields(c.showIf) }));
    }),
  );
  const saveSection = (at: (req: Request) => string | null) =>
    asyncHandler(async (req, res) => {
      const draft = await draftOf(req);
      const where = at(req);
      const { section, errors } = readSection(req.body ?? {});
      const values = { ...flattenForm({ code: section.code, pest: section.pest, title: section.title }), ...conditionFields(section.showIf) };
      await handleForm(res, 'questionnaires/builder/section', sectionLocals(req, draft, where, values), async () => {
        if (errors.length) throw new ValidationError(errors, 'builder:errors.notSaved');
        const { code } = await drafts.change(draft.id, revisionOf(req), { type: 'saveSection', at: where, section }, req.user!.id);
        savedRedirect(res, draft.id, `section-${code}`);
      });
    });
  router.post(`${BASE}/:draftId/sections`, saveSection(() => null));
  router.post(`${BASE}/:draftId/sections/:code`, saveSection((req) => String(req.params.code)));

  const move = (type: 'moveSection' | 'moveQuestion', anchor: string) =>
    asyncHandler(async (req, res) => {
      const draft = await draftOf(req);
      const direction: MoveDirection = parseOrThrow(ZDirection, req.body?.direction);
      await drafts.change(draft.id, revisionOf(req), { type, code: String(req.params.code), direction } as DraftChange, req.user!.id);
      res.redirect(303, `${BASE}/${draft.id}#${anchor}-${req.params.code}`);
    });
  router.post(`${BASE}/:draftId/sections/:code/move`, move('moveSection', 'section'));
  router.post(`${BASE}/:draftId/questions/:code/move`, move('moveQuestion', 'question'));

  router.post(
    `${BASE}/:draftId/sections/:code/delete`,
    asyncHandler(async (req, res) => {
      const draft = await draftOf(req);
      const c = sectionOf(draft, String(req.params.code));
      const questions = builderQuestions(draft.definition).filter((q) => q.question.category === c.code);
      await withConfirmation(
        req,
        res,
        async () => ({
          title: req.t('builder:confirmDeleteSection', { section: `${c.code} · ${c.title[req.lang as Lang] || c.code}` }),
          consequences: [
            req.t('builder:deleteSectionQuestions', { count: questions.length }),
            ...questions.flatMap((q) => dependentsOf(draft.definition, q.question.code)).map((d) => req.t('builder:conditionBreaks', { code: d })),
            ...dependentsOf(draft.definition, c.code).map((d) => req.t('builder:conditionBreaks', { code: d })),
            req.t('builder:draftOnly'),
          ],
          confirmLabel: req.t('builder:deleteSection'),
          cancelHref: `${BASE}/${draft.id}#section-${c.code}`,
          fields: { revision: String(draft.revision) },
        }),
        async () => {
          await drafts.change(draft.id, revisionOf(req), { type: 'deleteSection', code: c.code }, req.user!.id);
          savedRedirect(res, draft.id);
        },
      );
    }),
  );

  // Questions.
  const questionLocals = (req: Request, draft: DraftRow, at: string | null, kind: QuestionKind, isItem: boolean, values: FlatForm) => {
    const section = typeof values.category === 'string' ? values.category : '';
    const index = draft.definition.categories.findIndex((c) => c.code === section);
    return builderLocals(req, draft, {
      title: at === null ? req.t('builder:newQuestion', { kind: req.t(`builder:kinds.${kind}`) }) : req.t('builder:editQuestion', { code: at }),
      at,
      kind,
      isItem,
      partial: `kinds/${editorOf(kind).partial}`,
      values,
      sections: draft.definition.categories,
      roles: QUESTION_ROLES,
      sources: conditionSources(draft.definition, index < 0 ? draft.definition.categories.length : index),
      questionnaireScale: draft.definition.scale,
    });
  };
  const questionFields = (q: TQuestion) => {
    const { showIf, scale, ...rest } = q as TQuestion & { scale?: unknown };
    return {
      ...flattenForm({ ...rest, required: q.required !== false, ...('allowComment' in q || q.kind === 'rating' ? { allowComment: (q as { allowComment?: boolean }).allowComment !== false } : {}), ...(q.kind === 'rating' ? { allowCannotJudge: q.allowCannotJudge !== false } : {}) }),
      ...(scale ? { ownScale: 'on', ...flattenForm({ scale }) } : {}),
      ...conditionFields(showIf),
    };
  };

  router.get(
    `${BASE}/:draftId/questions/new`,
    asyncHandler(async (req, res) => {
      const draft = await draftOf(req);
      const kind = parseOrThrow(ZKind, req.query.kind);
      const section = typeof req.query.section === 'string' && draft.definition.categories.some((c) => c.code === req.query.section) ? req.query.section : draft.definition.categories[0]?.code ?? '';
      const taken = new Set(builderQuestions(draft.definition).map((q) => q.question.code));
      let n = taken.size + 1;
      while (taken.has(`Q${n}`)) n++;
      const blank = { code: `Q${n}`, category: section, kind, text: { kk: '', ru: '', en: '' }, ...editorOf(kind).blank() } as unknown as TQuestion;
      renderForm(res, 'questionnaires/builder/question', questionLocals(req, draft, null, kind, false, questionFields(blank)));
    }),
  );
  router.get(
    `${BASE}/:draftId/questions/:code`,
    asyncHandler(async (req, res) => {
      const draft = await draftOf(req);
      const found = findQuestion(draft.definition, String(req.params.code));
      if (!found) throw new ValidationError([{ path: 'code', key: 'builder:errors.gone' }], 'builder:errors.gone');
      renderForm(res, 'questionnaires/builder/question', {
        ...questionLocals(req, draft, found.question.code, found.question.kind, found.source === 'items', questionFields(found.question)),
        notice: req.query.moved === '1' ? req.t('builder:optionMoved') : undefined,
      });
    }),
  );
  const saveQuestion = (at: (req: Request) => string | null) =>
    asyncHandler(async (req, res) => {
      const draft = await draftOf(req);
      const where = at(req);
      const found = where === null ? undefined : findQuestion(draft.definition, where);
      if (where !== null && !found) throw new ValidationError([{ path: 'code', key: 'builder:errors.gone' }], 'builder:errors.gone');
      const kind = found ? found.question.kind : parseOrThrow(ZKind, req.body?.kind);
      const isItem = found?.source === 'items';
      // "Move this option up/down" saves the question with that option moved, and comes back to it.
      const optionMove = /^option-(up|down)-(\d{1,4})$/.exec(String(req.body?.then ?? ''));
      const body = optionMove ? moveOptionRow(req.body ?? {}, Number(optionMove[2]), optionMove[1] as MoveDirection) : (req.body ?? {});
      const { question, errors } = readQuestion(body, kind, isItem);
      const values = { ...questionFields(question), ...(new FormReader(req.body ?? {}).flag('ownScale') ? { ownScale: 'on' } : {}) };
      await handleForm(res, 'questionnaires/builder/question', questionLocals(req, draft, where, kind, isItem, values), async () => {
        const { code } = await drafts.change(draft.id, revisionOf(req), { type: 'saveQuestion', at: where, question, readErrors: errors }, req.user!.id);
        // "Save and add options" comes back to the form with more empty rows.
        if (optionMove) return res.redirect(303, `${BASE}/${draft.id}/questions/${encodeURIComponent(code!)}?moved=1#${fieldId('options')}`);
        if (req.body?.then === 'more') return res.redirect(303, `${BASE}/${draft.id}/questions/${encodeURIComponent(code!)}?saved=1#${fieldId('options')}`);
        savedRedirect(res, draft.id, `question-${code}`);
      });
    });
  router.post(`${BASE}/:draftId/questions`, saveQuestion(() => null));
  router.post(`${BASE}/:draftId/questions/:code`, saveQuestion((req) => String(req.params.code)));

  router.post(
    `${BASE}/:draftId/questions/:code/delete`,
    asyncHandler(async (req, res) => {
      const draft = await draftOf(req);
      const found = findQuestion(draft.definition, String(req.params.code));
      if (!found) throw new ValidationError([{ path: 'code', key: 'builder:errors.gone' }], 'builder:errors.gone');
      const q = found.question;
      await withConfirmation(
        req,
        res,
        async () => ({
          title: req.t('builder:confirmDeleteQuestion', { question: `${q.code} · ${q.text[req.lang as Lang] || q.code}` }),
          consequences: [...dependentsOf(draft.definition, q.code).map((d) => req.t('builder:conditionBreaks', { code: d })), req.t('builder:draftOnly')],
          confirmLabel: req.t('builder:deleteQuestion'),
          cancelHref: `${BASE}/${draft.id}#question-${q.code}`,
          fields: { revision: String(draft.revision) },
        }),
        async () => {
          await drafts.change(draft.id, revisionOf(req), { type: 'deleteQuestion', code: q.code }, req.user!.id);
          savedRedirect(res, draft.id, `section-${q.category}`);
        },
      );
    }),
  );

  // The profile questions of the original format (the first page): what of them can change, see ProfileEdit.
  const profileOf = (draft: DraftRow, code: string) => {
    const p = draft.definition.profile.find((x) => x.code === code);
    if (!p) throw new ValidationError([{ path: 'code', key: 'builder:errors.gone' }], 'builder:errors.gone');
    return p;
  };
  const profileFields = (p: TProfileQuestion) =>
    flattenForm({ text: p.text, required: p.required, ...('options' in p ? { options: p.options.map((o) => ({ text: o.text })) } : {}), ...(p.type === 'integer' ? { min: p.min, max: p.max } : {}) });
  const profileLocals = (req: Request, draft: DraftRow, p: TProfileQuestion, values: FlatForm) =>
    builderLocals(req, draft, { title: req.t('builder:editProfileQuestion', { code: p.code }), profileQuestion: p, values });
  router.get(
    `${BASE}/:draftId/profile/:code`,
    asyncHandler(async (req, res) => {
      const draft = await draftOf(req);
      const p = profileOf(draft, String(req.params.code));
      renderForm(res, 'questionnaires/builder/profile-question', profileLocals(req, draft, p, profileFields(p)));
    }),
  );
  router.post(
    `${BASE}/:draftId/profile/:code`,
    asyncHandler(async (req, res) => {
      const draft = await draftOf(req);
      const p = profileOf(draft, String(req.params.code));
      const form = new FormReader(req.body ?? {});
      const edit: ProfileEdit = {
        text: form.text('text'),
        required: form.flag('required'),
        ...('options' in p ? { optionTexts: p.options.map((_, i) => form.text(`options.${i}.text`)) } : {}),
        ...(p.type === 'integer' ? { min: form.number('min', true), max: form.number('max', true) } : {}),
      };
      await handleForm(res, 'questionnaires/builder/profile-question', profileLocals(req, draft, p, profileFields(editedProfileQuestion(p, edit))), async () => {
        await drafts.change(draft.id, revisionOf(req), { type: 'saveProfile', code: p.code, edit, readErrors: form.errors }, req.user!.id);
        savedRedirect(res, draft.id, `profile-${p.code}`);
      });
    }),
  );

  // Publish and discard.
  router.post(
    `${BASE}/:draftId/publish`,
    asyncHandler(async (req, res) => {
      const draft = await draftOf(req);
      const result = await drafts.publish(draft.id, revisionOf(req), req.user!.id);
      res.redirect(303, `/admin/questionnaires/${result.id}?saved=${result.outcome === 'unchanged' ? 'unchanged' : 'created'}`);
    }),
  );
  // Discard: back to the published version, after a page that says what is lost.
  router.post(
    `${BASE}/:draftId/discard`,
    asyncHandler(async (req, res) => {
      const draft = await draftOf(req);
      await withConfirmation(
        req,
        res,
        async () => {
          const p = await drafts.discardPreview(draft.id);
          const lost = p.base
            ? p.base.lost === 0
              ? [req.t('builder:discardNothingLost', { version: p.base.version })]
              : [
                  req.t('builder:discardLost', { count: p.base.lost, version: p.base.version }),
                  req.t('exchange:diff.summary', p.base.counts),
                  ...(p.base.questionnaireChanges ? [req.t('builder:discardQuestionnaireChanges', { count: p.base.questionnaireChanges })] : []),
                ]
            : [req.t('builder:discardUnpublished', p.unpublished), req.t('builder:discardNew')];
          return {
            title: req.t('builder:confirmDiscard', { code: draft.code }),
            consequences: [
              ...lost,
              req.t('builder:discardEdits', { count: p.edits }),
              ...(p.latest ? [req.t('builder:discardBackTo', { version: p.latest.version })] : []),
            ],
            confirmLabel: req.t('builder:discard'),
            cancelHref: `${BASE}/${draft.id}`,
            fields: { revision: String(p.revision) },
          };
        },
        async () => {
          await drafts.discard(draft.id, revisionOf(req));
          const latest = await questionnaires.latestByCode(draft.code);
          res.redirect(303, latest ? `/admin/questionnaires/${latest.id}?saved=discarded` : `${BASE}?discarded=${encodeURIComponent(draft.code)}`);
        },
      );
    }),
  );

  router.use(previewRoutes({ questionnaires, questionnaireDrafts: drafts, territories }));
  return router;
}
