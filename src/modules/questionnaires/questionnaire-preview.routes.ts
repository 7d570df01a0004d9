import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { ValidationError, asyncHandler, parseOrThrow, type FieldError } from '../../errors';
import { LANGUAGES, localized, translator, type Language } from '../../i18n';
import { requireRole } from '../../middleware/auth';
import type { TerritoriesService } from '../territories/territories.service';
import { partialOf, type TLocalizedText } from './kinds';
import type { PreviewSubject, TestAnswers } from './questionnaire-drafts.repository';
import type { QuestionnaireDraftsService } from './questionnaire-drafts.service';
import { PROFILE_CATEGORY } from './questionnaires.form';
import { fieldPath, previewPages, readPage, testSummary, visiblePages, type PreviewPage } from './questionnaires.preview';
import { ZQuestionnaireId, type TQuestionnaireDefinition } from './questionnaires.schemas';
import type { QuestionnairesService } from './questionnaires.service';

const ZLang = z.enum(LANGUAGES);
const ZDevice = z.enum(['phone', 'desktop']).catch('phone');
const ZPage = z.string().max(80).optional();
const ZNav = z.enum(['next', 'back']).catch('next');
/** The end of the test: what was answered, as the review page would show it. */
const DONE = '_done';

/** The same id scheme as the respondent pages (views/responses read ids made this way). */
function respondentFieldId(path: string): string {
  return path.replace(/[^A-Za-z0-9_-]+/g, '-');
}

interface Subject {
  key: PreviewSubject;
  base: string;
  back: string;
  name: string;
  definition: TQuestionnaireDefinition;
}

/**
 * Preview and test mode: the draft or a published version exactly as a respondent sees it (the
 * respondent views and kind partials), in any language, in a frame at phone width or full width,
 * page by page with conditions evaluated between pages. Test answers are kept per administrator
 * apart from responses, so they never reach results or exports.
 */
export function previewRoutes({ questionnaires, questionnaireDrafts: drafts, territories }: { questionnaires: QuestionnairesService; questionnaireDrafts: QuestionnaireDraftsService; territories: TerritoriesService }): Router {
  const router = Router();
  router.use(['/admin/questionnaires/:id/preview', '/admin/questionnaires/drafts/:id/preview'], requireRole('admin'));

  const draftSubject = async (req: Request): Promise<Subject> => {
    const draft = await drafts.get(parseOrThrow(ZQuestionnaireId, req.params.id));
    const base = `/admin/questionnaires/drafts/${draft.id}/preview`;
    return { key: { draftId: draft.id }, base, back: `/admin/questionnaires/drafts/${draft.id}`, name: req.t('builder:draftTitle', { code: draft.code }), definition: draft.definition };
  };
  const versionSubject = async (req: Request): Promise<Subject> => {
    const q = await questionnaires.getQuestionnaire(parseOrThrow(ZQuestionnaireId, req.params.id));
    const base = `/admin/questionnaires/${q.id}/preview`;
    return { key: { questionnaireId: q.id }, base, back: `/admin/questionnaires/${q.id}`, name: `${q.code} v${q.version}`, definition: q.definition };
  };

  const langOf = (req: Request): Language => {
    const parsed = ZLang.safeParse(req.query.lang);
    return parsed.success ? parsed.data : req.lang;
  };

  // The outer page: the builder's controls around a frame holding the respondent's view.
  const outer = (subjectOf: (req: Request) => Promise<Subject>) =>
    asyncHandler(async (req, res) => {
      const subject = await subjectOf(req);
      const lang = langOf(req);
      const device = ZDevice.parse(req.query.device);
      res.render('questionnaires/builder/preview', {
        title: req.t('builder:previewTitle', { name: subject.name }),
        subject,
        lang: req.lang,
        previewLang: lang,
        device,
        frameSrc: `${subject.base}/frame?lang=${lang}`,
        languages: LANGUAGES,
      });
    });

  const pagesOf = async (subject: Subject) => previewPages(subject.definition, await territories.listLeaves());

  /** Render one page of the test in `lang`, with the respondent's views. */
  const renderPage = async (req: Request, res: Response, subject: Subject, lang: Language, code: string, answers: TestAnswers, errors: FieldError[] = [], status = 200) => {
    // The frame may be shown inside the builder's own page, and nowhere else.
    const csp = String(res.getHeader('Content-Security-Policy') ?? '');
    if (csp) res.setHeader('Content-Security-Policy', csp.replace("frame-ancestors 'none'", "frame-ancestors 'self'"));
    res.setHeader('X-Frame-Options', 'SAMEORIGIN');
    res.set('Cache-Control', 'no-store');
    const t = translator(lang);
    const txt = (text: TLocalizedText | undefined) => (text ? text[lang] || text.kk : '');
    const all = await pagesOf(subject);
    const pages = visiblePages(all, answers);
    const common = {
      hideNav: true,
      t,
      lang,
      loc: (row: Record<string, unknown>, field: string) => localized(row, field, lang),
      txt,
      fieldId: respondentFieldId,
      partialOf,
      fromReview: false,
      testMode: { back: subject.back, restart: `${subject.base}/frame/restart?lang=${lang}`, name: subject.name },
    };
    if (code === DONE) {
      return res.status(status).render('questionnaires/builder/preview-done', {
        ...common,
        title: t('builder:testDone'),
        summary: testSummary(all, answers, lang),
        backHref: `${subject.base}/frame?lang=${lang}&page=${encodeURIComponent(pages[pages.length - 1]?.code ?? '')}`,
      });
    }
    const index = Math.max(0, pages.findIndex((p) => p.code === code));
    const page = pages[index];
    if (!page) return res.status(status).render('questionnaires/builder/preview-done', { ...common, title: t('builder:testDone'), summary: [], backHref: subject.back });
    const messages = errors.map((e) => ({ path: e.path, id: respondentFieldId(e.path), label: labelOf(page, e.path, txt), message: t(e.key, e.params) }));
    const locals = {
      ...common,
      step: { k: index + 1, n: pages.length },
      formAction: `${subject.base}/frame?lang=${lang}&page=${encodeURIComponent(page.code)}`,
      errors: messages,
      formMessage: messages.length ? t('respond:errors.incomplete') : undefined,
      fieldError: (path: string) => messages.find((m) => m.path === path)?.message,
    };
    if (page.code === PROFILE_CATEGORY) {
      const values: Record<string, unknown> = { ...answers.answers };
      return res.status(status).render('responses/profile', {
        ...locals,
        title: t('respond:profile.title'),
        questions: subject.definition.profile,
        territories: await territories.listLeaves(),
        values,
        prefilled: [],
      });
    }
    const category = subject.definition.categories.find((c) => c.code === page.code)!;
    res.status(status).render('responses/page', {
      ...locals,
      title: txt(category.title),
      category: { code: category.code, title_kk: category.title.kk, title_ru: category.title.ru, title_en: category.title.en },
      items: page.questions.map((n) => ({
        ...n.question,
        question: n.question,
        required: n.required,
        allowComment: n.allowComment,
        text_kk: n.question.text.kk,
        text_ru: n.question.text.ru,
        text_en: n.question.text.en,
      })),
      scale: subject.definition.scale,
      values: { answers: answers.answers, others: answers.others, comments: {} },
    });
  };

  const labelOf = (page: PreviewPage, path: string, txt: (t: TLocalizedText) => string) => {
    const n = page.questions.find((q) => fieldPath(page, q.question.code) === path);
    return n ? `${n.question.code}. ${txt(n.question.text)}` : path;
  };

  const frame = (subjectOf: (req: Request) => Promise<Subject>) =>
    asyncHandler(async (req, res) => {
      const subject = await subjectOf(req);
      const answers = (await drafts.testAnswers(subject.key, req.user!.id)) ?? { answers: {}, others: {} };
      const page = parseOrThrow(ZPage, req.query.page) ?? '';
      await renderPage(req, res, subject, langOf(req), page, answers);
    });

  const save = (subjectOf: (req: Request) => Promise<Subject>) =>
    asyncHandler(async (req, res) => {
      const subject = await subjectOf(req);
      const lang = langOf(req);
      const code = parseOrThrow(ZPage, req.query.page) ?? '';
      const nav = ZNav.parse(req.body?.nav);
      const previous = (await drafts.testAnswers(subject.key, req.user!.id)) ?? { answers: {}, others: {} };
      const before = visiblePages(await pagesOf(subject), previous);
      const page = before.find((p) => p.code === code);
      if (!page) throw new ValidationError([{ path: 'page', key: 'respond:errors.noSuchPage' }], 'respond:errors.noSuchPage');
      const { answers, errors } = readPage(page, (req.body ?? {}) as Record<string, unknown>, previous, nav === 'next');
      await drafts.saveTestAnswers(subject.key, req.user!.id, lang, answers);
      if (errors.length) return renderPage(req, res, subject, lang, code, answers, errors, 400);
      // The next page is chosen on the answers just given: conditions work between pages.
      const after = visiblePages(await pagesOf(subject), answers);
      const index = after.findIndex((p) => p.code === code);
      const target = nav === 'back' ? after[index - 1]?.code ?? after[0]?.code ?? '' : after[index + 1]?.code ?? DONE;
      res.redirect(303, `${subject.base}/frame?lang=${lang}&page=${encodeURIComponent(target)}`);
    });

  const restart = (subjectOf: (req: Request) => Promise<Subject>) =>
    asyncHandler(async (req, res) => {
      const subject = await subjectOf(req);
      await drafts.clearTestAnswers(subject.key, req.user!.id);
      res.redirect(303, `${subject.base}/frame?lang=${langOf(req)}`);
    });

  for (const [prefix, subjectOf] of [
    ['/admin/questionnaires/drafts/:id/preview', draftSubject],
    ['/admin/questionnaires/:id/preview', versionSubject],
  ] as const) {
    router.get(prefix, outer(subjectOf));
    router.get(`${prefix}/frame`, frame(subjectOf));
    router.post(`${prefix}/frame`, save(subjectOf));
    router.post(`${prefix}/frame/restart`, restart(subjectOf));
  }
  return router;
}
