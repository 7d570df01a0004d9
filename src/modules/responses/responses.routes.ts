import crypto from 'node:crypto';
import { Router, type NextFunction, type Request, type Response } from 'express';
import rateLimit, { ipKeyGenerator } from 'express-rate-limit';
import type { AppContext } from '../../context';
import { AppError, ValidationError, asyncHandler, parseOrThrow, type FieldError } from '../../errors';
import { LANG_COOKIE } from '../../middleware/locale';
import { renderForm } from '../../lib/forms';
import { secureRequest } from '../../middleware/transport';
import type { RateLimitStores } from '../rate-limits/rate-limits.service';
import { signToken, verifyToken } from '../auth/auth.tokens';
import { answerFormValue, decodeAnswer, displayAnswer, partialOf, type TLocalizedText } from '../questionnaires/kinds';
import { ZCategoryCode, ZLanguageBody, ZNav, ZSubmitBody, parsePageBody, parseProfileBody, parseSubmitAllBody, type ProfileAnswers, type TNav } from './responses.schemas';

/** What a category page's fields hold: answers by question code, "other" texts, comments. */
interface FormValues {
  answers: Record<string, unknown>;
  others: Record<string, unknown>;
  comments: Record<string, unknown>;
}
import { RespondentStop, type ResponsesService, type RespondentSession } from './responses.service';

export const RESPONDENT_COOKIE = 'kedergi_respondent';
const RESPONDENT_TTL_SECONDS = 30 * 24 * 3600;
/** New questionnaires one address may start through public links in a window (an office behind one NAT stays well below it). */
export const PUBLIC_LINK_LIMIT = { windowMs: 10 * 60 * 1000, limit: 20 };

const LOCALES: Record<string, string> = { kk: 'kk-KZ', ru: 'ru-RU', en: 'en-GB' };

/** Dates are shown in Asia/Almaty time, whatever the server's zone. */
export function formatAlmaty(iso: string | null | undefined, lang: string): string {
  if (!iso) return '';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return '';
  return new Intl.DateTimeFormat(LOCALES[lang] ?? 'kk-KZ', { timeZone: 'Asia/Almaty', dateStyle: 'long', timeStyle: 'short' }).format(date);
}

function fieldId(path: string): string {
  return path.replace(/[^A-Za-z0-9_-]+/g, '-');
}

function wantsJson(req: Request): boolean {
  return req.is('application/json') === 'application/json' || (req.accepts(['html', 'json']) === 'json' && !req.is('application/x-www-form-urlencoded'));
}

export function responsesRoutes(ctx: AppContext, { responses: service, rateLimits }: { responses: ResponsesService; rateLimits: RateLimitStores }): Router {
  const router = Router();
  const secureCookies = (req: Request) => secureRequest(req, ctx.config);

  const publicLimiter = rateLimit({
    ...PUBLIC_LINK_LIMIT,
    standardHeaders: 'draft-7',
    legacyHeaders: false,
    store: rateLimits.store('public-link'),
    handler: (_req, _res, next) => next(new RespondentStop('tooMany')),
  });
  /** Counts one new public questionnaire against the caller's address, or stops with 429. */
  const countPublicCreation = (req: Request, res: Response) =>
    new Promise<void>((resolve, reject) => {
      void publicLimiter(req, res, (error?: unknown) => (error ? reject(error) : resolve()));
    });

  // The rate limiter and the handler both need the respondent: the cookie's signature is checked once per request.
  const verified = new WeakMap<Request, number | undefined>();
  const respondentId = (req: Request): number | undefined => {
    if (verified.has(req)) return verified.get(req);
    const raw = req.cookies?.[RESPONDENT_COOKIE];
    let id: number | undefined;
    if (typeof raw === 'string' && raw) {
      const claims = verifyToken(ctx.config.jwtSecret, raw, 'kedergi-respondent');
      id = claims && /^\d{1,12}$/.test(claims.sub) ? Number(claims.sub) : undefined;
    }
    verified.set(req, id);
    return id;
  };

  const setRespondentCookie = (req: Request, res: Response, invitationId: number) => {
    const { token, expiresAt } = signToken(ctx.config.jwtSecret, {
      subject: String(invitationId),
      tokenVersion: 0,
      audience: 'kedergi-respondent',
      ttlSeconds: RESPONDENT_TTL_SECONDS,
    });
    res.cookie(RESPONDENT_COOKIE, token, { httpOnly: true, sameSite: 'lax', secure: secureCookies(req), path: '/', expires: expiresAt });
  };

  const txt = (req: Request) => (text: TLocalizedText | undefined) => (text ? text[req.lang] || text.kk : '');

  /** Locals every respondent page shares: no staff navigation, the language helpers. */
  const pageLocals = (req: Request, title: string, extra: Record<string, unknown> = {}) => ({
    title,
    hideNav: true,
    txt: txt(req),
    fieldId,
    formatDate: (iso: string | null) => formatAlmaty(iso, req.lang),
    ...extra,
  });

  const renderStop = (req: Request, res: Response, stop: RespondentStop) => {
    // Looking at a submitted questionnaire again is not an error; posting to it is.
    const status = stop.kind === 'alreadySubmitted' && req.method === 'GET' ? 200 : stop.status;
    const params = { ...stop.params };
    const date = formatAlmaty((params.submittedAt ?? params.opensAt) as string | null, req.lang);
    res.status(status).render(
      'responses/stop',
      pageLocals(req, req.t(`respond:stop.${stop.kind}.title`), { kind: stop.kind, date, text: req.t(`respond:stop.${stop.kind}.text`, { date }) }),
    );
  };

  const renderRefusal = (req: Request, res: Response, error: AppError) =>
    res.status(error.status).render('errors/error', {
      ...pageLocals(req, req.t(error.messageKey, error.params)),
      status: error.status,
      message: req.t(error.messageKey, error.params),
      fields: error.fields.map((f) => ({ path: f.path, message: req.t(f.key, f.params) })),
    });

  /** Respondent handlers: stops become their own pages, everything else goes to the error middleware. */
  const respondent = (fn: (req: Request, res: Response, next: NextFunction) => Promise<unknown>) =>
    asyncHandler(async (req, res, next) => {
      try {
        await fn(req, res, next);
      } catch (error) {
        if (error instanceof RespondentStop) return renderStop(req, res, error);
        // Other refusals keep the respondent's layout (no staff navigation) rather than the generic error page.
        if (error instanceof AppError && error.status < 500) return renderRefusal(req, res, error);
        throw error;
      }
    });

  // Respondent pages hold personal answers: never keep them in a shared cache or the back-forward cache of a kiosk.
  router.use(['/r', '/p', '/respond'], (req, res, next) => {
    res.set('Cache-Control', 'no-store');
    // The language switcher sends the reader back to the current path; a link's token must not be echoed into the page.
    if (/^\/[rp]\//i.test(req.originalUrl)) res.locals.currentPath = '/respond';
    next();
  });

  // Requests per respondent (the invitation in the cookie; the address for those without one), in the
  // shared store: one respondent cannot keep the server busy for everyone else. Every respondent
  // request passes here, so the counts are written for all respondents at once a few times a
  // second instead of one statement per request (BufferedRateLimitStore; across processes the
  // limit may be passed by what each lets through within that interval).
  router.use(
    ['/r', '/p', '/respond'],
    rateLimit({
      windowMs: 60 * 1000,
      limit: ctx.config.respondentLimitPerMinute,
      standardHeaders: 'draft-7',
      legacyHeaders: false,
      keyGenerator: (req) => {
        const id = respondentId(req);
        return id === undefined ? `ip:${ipKeyGenerator(req.ip ?? '')}` : `respondent:${id}`;
      },
      store: rateLimits.buffered('respondent'),
      handler: (req, res) => renderStop(req, res, new RespondentStop('tooMany')),
    }),
  );

  /**
   * Profile and every answer in one request, for API clients and load tests. Answers JSON when
   * the request is JSON; a form post lands on the same pages as the step-by-step flow. First of
   * the routes (no other one matches its path): it is the request every respondent of a national
   * round ends with, and the router tries each route in turn.
   */
  router.post(
    '/respond/submit-all',
    asyncHandler(async (req, res) => {
      const json = wantsJson(req);
      try {
        const session = await service.openSession(respondentId(req), { allowSubmitted: true, wholeSubmission: true });
        if (ctx.config.faultInjection === 'ack-before-commit') {
          // Negative control of the crash tests only (refused outside NODE_ENV=test): a server
          // that acknowledges first and commits later must be caught losing answers.
          res.status(201).json({ status: 'submitted', replay: false });
          await new Promise((resolve) => setTimeout(resolve, 300));
          await service.submitAll(session, parseSubmitAllBody(req.body, session.form), req.lang);
          return;
        }
        const result = await service.submitAll(session, parseSubmitAllBody(req.body, session.form), req.lang);
        if (!json) return res.redirect(303, '/respond/done');
        res.status(result.replay ? 200 : 201).json({ responseId: result.responseId, status: 'submitted', replay: result.replay, submittedAt: result.submittedAt });
      } catch (error) {
        if (!(error instanceof AppError) || error.status >= 500) throw error;
        if (!json) {
          if (error instanceof RespondentStop) return renderStop(req, res, error);
          return renderRefusal(req, res, error);
        }
        const fields = error.fields.map((f) => ({ path: f.path, message: req.t(f.key, f.params) }));
        res.status(error.status).json({ error: { code: error.code, message: req.t(error.messageKey, error.params), ...(fields.length ? { fields } : {}) } });
      }
    }),
  );

  // -- link exchange --------------------------------------------------------------------------
  // GET (and HEAD) of a link changes nothing stored: mail scanners and link previews follow links.

  router.get(
    '/r/:token',
    respondent(async (req, res) => {
      const invitationId = await service.exchangeInvitationToken(String(req.params.token));
      setRespondentCookie(req, res, invitationId);
      // Resuming, perhaps on another device: the questionnaire continues in the language chosen when it began.
      const language = await service.resumeLanguage(invitationId);
      if (language) res.cookie(LANG_COOKIE, language, { httpOnly: true, sameSite: 'lax', secure: secureCookies(req), path: '/', maxAge: 365 * 24 * 3600 * 1000 });
      res.redirect(303, '/respond');
    }),
  );

  router.get(
    '/p/:token',
    respondent(async (req, res) => {
      const token = String(req.params.token);
      const found = await service.findPublicRound(token, respondentId(req));
      if (found.resumeInvitationId !== undefined) {
        setRespondentCookie(req, res, found.resumeInvitationId);
        const language = await service.resumeLanguage(found.resumeInvitationId);
        if (language) res.cookie(LANG_COOKIE, language, { httpOnly: true, sameSite: 'lax', secure: secureCookies(req), path: '/', maxAge: 365 * 24 * 3600 * 1000 });
        return res.redirect(303, '/respond');
      }
      res.render('responses/public-start', pageLocals(req, req.t('respond:start.title'), { form: found.form, action: `/p/${encodeURIComponent(token)}` }));
    }),
  );

  router.post(
    '/p/:token',
    respondent(async (req, res) => {
      const chosen = ZLanguageBody.safeParse(req.body);
      const lang = chosen.success ? chosen.data.lang : req.lang;
      const invitationId = await service.exchangePublicToken(String(req.params.token), respondentId(req), lang, () => countPublicCreation(req, res));
      setRespondentCookie(req, res, invitationId);
      if (chosen.success) res.cookie(LANG_COOKIE, lang, { httpOnly: true, sameSite: 'lax', secure: secureCookies(req), path: '/', maxAge: 365 * 24 * 3600 * 1000 });
      res.redirect(303, chosen.success ? '/respond/profile' : '/respond');
    }),
  );

  // -- answering ------------------------------------------------------------------------------

  const stepInfo = (session: RespondentSession, step: string) => {
    const steps = service.steps(session);
    const index = steps.indexOf(step);
    return { k: index + 1, n: steps.length, prev: index > 0 ? steps[index - 1] : undefined, next: steps[index + 1] };
  };
  const stepUrl = (step: string | undefined) => (!step || step === 'review' ? '/respond/review' : step === 'profile' ? '/respond/profile' : `/respond/page/${encodeURIComponent(step)}`);
  /**
   * Where a saved page leads. With conditions, the answers just saved decide which pages come
   * next (a page hidden before may be asked now, or the reverse), so the steps are read again.
   */
  const afterSave = async (req: Request, before: RespondentSession, step: string, nav: TNav | undefined) => {
    const session = before.form.items.some((i) => i.showIf.length > 0) ? await service.openSession(respondentId(req)) : before;
    const info = stepInfo(session, step);
    if (nav === 'review') return '/respond/review';
    if (nav === 'back') return info.prev ? stepUrl(info.prev) : '/respond';
    return stepUrl(info.next);
  };
  const navOf = (body: unknown): TNav | undefined => {
    const parsed = ZNav.safeParse((body as { nav?: unknown } | undefined)?.nav);
    return parsed.success ? parsed.data : undefined;
  };

  router.get(
    '/respond',
    respondent(async (req, res) => {
      const session = await service.openSession(respondentId(req));
      const resume = session.response ? service.resumeStep(session) : undefined;
      const step = resume ? stepInfo(session, resume) : undefined;
      res.render(
        'responses/start',
        pageLocals(req, req.t('respond:start.title'), {
          session,
          resumeUrl: resume ? stepUrl(resume) : undefined,
          resumeStep: step,
          lastSaved: session.response ? formatAlmaty(session.response.updatedAt ?? null, req.lang) : '',
          itemCount: session.form.items.length,
        }),
      );
    }),
  );

  router.post(
    '/respond/language',
    respondent(async (req, res) => {
      const session = await service.openSession(respondentId(req));
      const { lang } = parseOrThrow(ZLanguageBody, req.body);
      // Choosing a language is the respondent beginning: the invitation counts as opened from here.
      await service.markOpened(session);
      res.cookie(LANG_COOKIE, lang, { httpOnly: true, sameSite: 'lax', secure: secureCookies(req), path: '/', maxAge: 365 * 24 * 3600 * 1000 });
      res.redirect(303, stepUrl(session.response ? service.resumeStep(session) : 'profile'));
    }),
  );

  const profileLocals = async (req: Request, session: RespondentSession, values: Record<string, unknown>) =>
    pageLocals(req, req.t('respond:profile.title'), {
      session,
      questions: session.form.profile,
      territories: await service.territories(),
      step: stepInfo(session, 'profile'),
      fromReview: req.query.from === 'review',
      values,
      prefilled: [] as string[],
    });

  /** Errors beside the fields and in the summary, in the reader's language, with links to the fields. */
  const withErrors = (req: Request, error: AppError, labelFor: (path: string) => string) => {
    const errors = error.fields.map((f: FieldError) => ({ path: f.path, id: fieldId(f.path), label: labelFor(f.path), message: req.t(f.key, f.params) }));
    return {
      errors,
      formMessage: req.t(error.messageKey, error.params),
      fieldError: (path: string) => errors.find((e) => e.path === path)?.message,
    };
  };

  const profileLabel = (req: Request, session: RespondentSession) => (path: string) => {
    const q = session.form.profile.find((x) => `profile.${x.code}` === path);
    return q ? txt(req)(q.text) : path;
  };
  const itemLabel = (req: Request, session: RespondentSession) => (path: string) => {
    const code = path.replace(/^(answers|comments)\./, '');
    const item = session.form.items.find((i) => i.code === code);
    return item ? `${item.code}. ${item[`text_${req.lang}`]}` : path;
  };

  router.get(
    '/respond/profile',
    respondent(async (req, res) => {
      const session = await service.openSession(respondentId(req));
      const { values, prefilled } = await service.profileValues(session);
      renderForm(res, 'responses/profile', { ...(await profileLocals(req, session, values as Record<string, unknown>)), prefilled });
    }),
  );

  router.post(
    '/respond/profile',
    respondent(async (req, res) => {
      const session = await service.openSession(respondentId(req));
      const nav = navOf(req.body);
      try {
        const { missing } = await service.saveProfile(session, parseProfileBody(req.body, session.form.profile.length), req.lang);
        if (missing.length && nav !== 'back') throw new ValidationError(missing, 'respond:errors.incomplete');
        res.redirect(303, await afterSave(req, session, 'profile', nav));
      } catch (error) {
        if (!(error instanceof AppError) || error instanceof RespondentStop || error.status >= 500) throw error;
        const { nav: _nav, ...values } = (req.body ?? {}) as Record<string, unknown>;
        const locals = await profileLocals(req, session, values);
        res.status(error.status).render('responses/profile', { ...locals, ...withErrors(req, error, profileLabel(req, session)) });
      }
    }),
  );

  const pageLocalsFor = (req: Request, session: RespondentSession, code: string, values: FormValues) => {
    const category = session.form.categories.find((c) => c.code === code)!;
    return pageLocals(req, category[`title_${req.lang}`], {
      session,
      category,
      items: service.itemsOf(session, code),
      scale: session.form.scale,
      partialOf,
      step: stepInfo(session, code),
      fromReview: req.query.from === 'review',
      values,
    });
  };

  /** The stored answers as the form fields hold them, and as the review page reads them. */
  const storedValues = (session: RespondentSession, lang: Request['lang']): FormValues & { shown: Record<string, string> } => {
    const answers: Record<string, unknown> = {};
    const others: Record<string, unknown> = {};
    const comments: Record<string, unknown> = {};
    const shown: Record<string, string> = {};
    for (const item of session.form.items) {
      const a = session.answers.get(item.id);
      if (!a) continue;
      const value = decodeAnswer(item.question, a.columns);
      if (value === undefined) continue;
      answers[item.code] = answerFormValue(item.question, value);
      const other = (value as { other?: string }).other;
      if (other) others[item.code] = other;
      shown[item.code] = displayAnswer(item.question, value, lang);
      if (a.comment) comments[item.code] = a.comment;
    }
    return { answers, others, comments, shown };
  };

  const categoryOf = (session: RespondentSession, raw: unknown) => {
    const parsed = ZCategoryCode.safeParse(raw);
    // A category none of whose questions this respondent is asked is no page of theirs.
    const category = parsed.success && service.steps(session).includes(parsed.data) ? session.form.categories.find((c) => c.code === parsed.data) : undefined;
    if (!category) throw new AppError('not_found', 404, 'respond:errors.noSuchPage');
    return category.code;
  };

  router.get(
    '/respond/page/:code',
    respondent(async (req, res) => {
      const session = await service.openSession(respondentId(req));
      const code = categoryOf(session, req.params.code);
      renderForm(res, 'responses/page', pageLocalsFor(req, session, code, storedValues(session, req.lang)));
    }),
  );

  router.post(
    '/respond/page/:code',
    respondent(async (req, res) => {
      const session = await service.openSession(respondentId(req));
      const code = categoryOf(session, req.params.code);
      const nav = navOf(req.body);
      try {
        const { missing } = await service.savePage(session, code, parsePageBody(req.body, service.itemsOf(session, code).length), req.lang);
        if (missing.length && nav !== 'back') throw new ValidationError(missing, 'respond:errors.incomplete');
        res.redirect(303, await afterSave(req, session, code, nav));
      } catch (error) {
        if (!(error instanceof AppError) || error instanceof RespondentStop || error.status >= 500) throw error;
        const body = (req.body ?? {}) as { answers?: unknown; others?: unknown; comments?: unknown };
        const record = (x: unknown) => (x && typeof x === 'object' && !Array.isArray(x) ? (x as Record<string, unknown>) : {});
        // What was stored stays checked; what was just posted wins over it.
        const stored = storedValues(session, req.lang);
        const values = { answers: { ...stored.answers, ...record(body.answers) }, others: { ...stored.others, ...record(body.others) }, comments: { ...stored.comments, ...record(body.comments) } };
        res.status(error.status).render('responses/page', { ...pageLocalsFor(req, session, code, values), ...withErrors(req, error, itemLabel(req, session)) });
      }
    }),
  );

  const reviewLocals = (req: Request, session: RespondentSession) => {
    const territoriesPromise = service.territories();
    return territoriesPromise.then((territories) =>
      pageLocals(req, req.t('respond:review.title'), {
        session,
        profile: session.profile,
        territories,
        stored: storedValues(session, req.lang),
        visible: new Set(service.visible(session).map((i) => i.id)),
        step: stepInfo(session, 'review'),
        // A fresh key per rendering: a replay of this very form is recognised, a second tab is not.
        idempotencyKey: crypto.randomBytes(16).toString('base64url'),
        itemUrl: (code: string) => {
          const item = session.form.items.find((i) => i.code === code);
          return `${stepUrl(item?.categoryCode)}?from=review#${fieldId('answers.' + code)}`;
        },
      }),
    );
  };

  router.get(
    '/respond/review',
    respondent(async (req, res) => {
      const session = await service.openSession(respondentId(req));
      const locals = await reviewLocals(req, session);
      const missing = service.missing(session);
      const extra = missing.length
        ? withErrors(req, new ValidationError(missing, 'respond:review.stillMissing'), (p) => (p.startsWith('profile.') ? profileLabel(req, session)(p) : itemLabel(req, session)(p)))
        : { errors: [], fieldError: () => undefined };
      res.render('responses/review', { ...locals, ...extra });
    }),
  );

  router.post(
    '/respond/submit',
    respondent(async (req, res) => {
      const session = await service.openSession(respondentId(req), { allowSubmitted: true });
      try {
        const { idempotencyKey } = parseOrThrow(ZSubmitBody, req.body);
        await service.submit(session, idempotencyKey, req.lang);
        res.redirect(303, '/respond/done');
      } catch (error) {
        if (!(error instanceof AppError) || error instanceof RespondentStop || error.status >= 500) throw error;
        const fresh = await service.openSession(session.invitation.id);
        const locals = await reviewLocals(req, fresh);
        const labels = (p: string) => (p.startsWith('profile.') ? profileLabel(req, fresh)(p) : itemLabel(req, fresh)(p));
        res.status(error.status).render('responses/review', { ...locals, ...withErrors(req, error, labels) });
      }
    }),
  );

  router.get(
    '/respond/done',
    respondent(async (req, res) => {
      const session = await service.openSession(respondentId(req), { allowSubmitted: true });
      if (session.response?.status !== 'submitted') return res.redirect(303, '/respond');
      res.render('responses/done', pageLocals(req, req.t('respond:done.title'), { date: formatAlmaty(session.response.submittedAt, req.lang) }));
    }),
  );

  return router;
}
