import type { Language } from '../../i18n';
import { localized } from '../../i18n';
import { Router, type Request, type Response } from 'express';
import type { AppContext } from '../../context';
import { baseUrl } from '../../context';
import { asyncHandler, parseOrThrow, ValidationError, type FieldError } from '../../errors';
import { formatAlmaty, toAlmatyLocalInput } from '../../lib/almaty-time';
import { renderConfirmation, takeConfirmation, withConfirmation } from '../../lib/confirm';
import { handleForm, renderForm } from '../../lib/forms';
import { requireRole } from '../../middleware/auth';
import type { QuestionnairesService } from '../questionnaires/questionnaires.service';
import type { TerritoriesService } from '../territories/territories.service';
import {
  AUDIENCES,
  ROUND_TRANSITIONS,
  ZRoundApiCreate,
  ZRoundForm,
  ZRoundId,
  ZStatusChange,
  roundInputFromForm,
  type RoundInput,
  type TRoundApiCreate,
} from './rounds.schemas';
import { isRoundAcceptingAnswers, roundWindowState, type RoundsService, type RoundWithTargets } from './rounds.service';

/** The public contract of a round in the JSON API (GET list items carry the same fields). */
export function roundJson(r: RoundWithTargets | (Omit<RoundWithTargets, 'targets'> & { targets?: RoundWithTargets['targets'] })) {
  return {
    id: r.id,
    title: r.title,
    titles: { kk: r.title_kk, ru: r.title_ru, en: r.title_en },
    status: r.status,
    questionnaireId: r.questionnaireId,
    opensAt: r.opensAt,
    closesAt: r.closesAt,
    audience: r.audience,
    targetTotal: r.targetTotal,
    acceptingAnswers: isRoundAcceptingAnswers(r),
    ...(r.targets ? { targets: r.targets } : {}),
    createdAt: r.createdAt,
    updatedAt: r.updatedAt,
  };
}

export function publicLinkFor(ctx: AppContext, req: Request, token: string): string {
  return `${baseUrl(ctx, req)}/p/${token}`;
}

export function roundsRoutes(
  ctx: AppContext,
  { rounds, questionnaires, territories }: { rounds: RoundsService; questionnaires: QuestionnairesService; territories: TerritoriesService },
): Router {
  const router = Router();

  router.use('/admin/rounds', requireRole('admin'));

  const timeHelpers = (req: Request) => ({ formatTime: (iso: string | null) => formatAlmaty(iso, req.lang) });

  const formLocals = async (req: Request, extra: Record<string, unknown>) => ({
    questionnaires: await questionnaires.list(),
    territories: await territories.listLeaves(),
    audiences: AUDIENCES,
    ...timeHelpers(req),
    ...extra,
  });

  async function renderDetail(req: Request, res: Response, id: number, extra: Record<string, unknown> = {}, status = 200) {
    const round = await rounds.get(id);
    const [questionnaire, allTerritories] = await Promise.all([questionnaires.getQuestionnaire(round.questionnaireId), territories.list()]);
    renderForm(
      res,
      'rounds/detail',
      {
        title: round.title,
        round,
        questionnaire,
        territoryById: new Map(allTerritories.map((t) => [t.id, t])),
        transitions: ROUND_TRANSITIONS[round.status],
        windowState: roundWindowState(round),
        currentLink: round.hasPublicLink ? await rounds.publicToken(id).then((token) => (token ? publicLinkFor(ctx, req, token) : undefined)) : undefined,
        ...timeHelpers(req),
        ...extra,
      },
      status,
    );
  }

  router.get(
    '/admin/rounds',
    asyncHandler(async (req, res) => {
      res.render('rounds/list', { title: req.t('rounds:title'), rounds: await rounds.list(), ...timeHelpers(req) });
    }),
  );

  router.get(
    '/admin/rounds/new',
    asyncHandler(async (req, res) => {
      const list = await questionnaires.list();
      renderForm(res, 'rounds/form', await formLocals(req, { title: req.t('rounds:new'), round: null, values: { audience: 'invitation', questionnaireId: list[0]?.id } }));
    }),
  );

  router.post(
    '/admin/rounds',
    asyncHandler(async (req, res) => {
      const locals = await formLocals(req, { title: req.t('rounds:new'), round: null, values: req.body ?? {} });
      await handleForm(res, 'rounds/form', locals, async () => {
        const input = roundInputFromForm(parseOrThrow(ZRoundForm, req.body), req.lang);
        // A public round's link is kept sealed and shown on the round's page at any time.
        const { round } = await rounds.create(input, req.user!.id);
        res.redirect(303, `/admin/rounds/${round.id}?saved=created`);
      });
    }),
  );

  router.get(
    '/admin/rounds/:id',
    asyncHandler(async (req, res) => {
      const id = parseOrThrow(ZRoundId, req.params.id);
      const saved = String(req.query.saved ?? '');
      const notice =
        saved === 'created' ? req.t('rounds:created') : saved === 'saved' ? req.t('rounds:saved') : saved === 'status' ? req.t('rounds:statusChanged') : saved === 'link' ? req.t('rounds:linkRegenerated') : undefined;
      await renderDetail(req, res, id, { notice });
    }),
  );

  const editValues = (round: RoundWithTargets, lang: Language) => ({
    // The form asks for the title in the page's language and for its translations.
    title: round[`title_${lang}`] ?? round.title,
    title_kk: round.title_kk ?? '',
    title_ru: round.title_ru ?? '',
    title_en: round.title_en ?? '',
    questionnaireId: round.questionnaireId,
    audience: round.audience,
    opensAt: toAlmatyLocalInput(round.opensAt),
    closesAt: toAlmatyLocalInput(round.closesAt),
    targetTotal: round.targetTotal ?? '',
    targets: Object.fromEntries(round.targets.map((t) => [`t${t.territoryId}`, t.target])),
  });

  router.get(
    '/admin/rounds/:id/edit',
    asyncHandler(async (req, res) => {
      const round = await rounds.get(parseOrThrow(ZRoundId, req.params.id));
      renderForm(res, 'rounds/form', await formLocals(req, { title: req.t('rounds:editTitle'), round, values: editValues(round, req.lang) }));
    }),
  );

  router.post(
    '/admin/rounds/:id',
    asyncHandler(async (req, res) => {
      const round = await rounds.get(parseOrThrow(ZRoundId, req.params.id));
      const locals = await formLocals(req, { title: req.t('rounds:editTitle'), round, values: req.body ?? {} });
      await handleForm(res, 'rounds/form', locals, async () => {
        const input = roundInputFromForm(parseOrThrow(ZRoundForm, req.body), req.lang);
        await rounds.update(round.id, input);
        res.redirect(303, `/admin/rounds/${round.id}?saved=saved`);
      });
    }),
  );

  router.post(
    '/admin/rounds/:id/status',
    asyncHandler(async (req, res) => {
      const id = parseOrThrow(ZRoundId, req.params.id);
      const confirmed = takeConfirmation(req);
      try {
        const { status } = parseOrThrow(ZStatusChange, req.body);
        // Closing stops answers at once and archiving is final: both ask first.
        const round = await rounds.get(id);
        const asks = (status === 'closed' || status === 'archived') && ROUND_TRANSITIONS[round.status].includes(status);
        if (asks && !confirmed) {
          const submitted = Number((await rounds.list()).find((r) => r.id === id)?.submitted ?? 0);
          return renderConfirmation(req, res, {
            title: req.t(`rounds:confirm.${status}Title`, { title: localized(round, 'title', req.lang) }),
            consequences: [req.t(`rounds:confirm.${status}Effect`), req.t('rounds:confirm.submittedKept', { count: submitted })],
            confirmLabel: req.t(`rounds:transitions.${round.status}_${status}`),
            cancelHref: `/admin/rounds/${id}`,
            fields: { status },
          });
        }
        await rounds.changeStatus(id, status);
      } catch (error) {
        // A refused change (not allowed from this status, closing time already past) is explained on the page.
        if (error instanceof ValidationError || (error as { status?: number }).status === 409) return renderDetail(req, res, id, { error });
        throw error;
      }
      res.redirect(303, `/admin/rounds/${id}?saved=status`);
    }),
  );

  router.post(
    '/admin/rounds/:id/public-link',
    asyncHandler(async (req, res) => {
      const id = parseOrThrow(ZRoundId, req.params.id);
      const round = await rounds.get(id);
      // Replacing a link breaks the old one for everybody who has it; creating the first breaks nothing.
      const regenerate = async () => {
        await rounds.regeneratePublicLink(id);
        res.redirect(303, `/admin/rounds/${id}?saved=link`);
      };
      if (!round.hasPublicLink) return regenerate();
      await withConfirmation(
        req,
        res,
        async () => ({
          title: req.t('rounds:confirm.linkTitle', { title: localized(round, 'title', req.lang) }),
          consequences: [req.t('rounds:confirm.linkEffect')],
          confirmLabel: req.t('rounds:regenerateLink'),
          cancelHref: `/admin/rounds/${id}`,
        }),
        regenerate,
      );
    }),
  );

  // JSON API: researchers read, administrators write.
  router.get(
    '/api/v1/rounds',
    requireRole('admin', 'researcher'),
    asyncHandler(async (_req, res) => {
      const list = await rounds.list();
      res.json({
        rounds: list.map((r) => ({
          ...roundJson(r),
          questionnaire: { id: r.questionnaireId, code: r.questionnaireCode, version: r.questionnaireVersion },
          submitted: r.submitted,
        })),
      });
    }),
  );

  router.get(
    '/api/v1/rounds/:id',
    requireRole('admin', 'researcher'),
    asyncHandler(async (req, res) => {
      const round = await rounds.get(parseOrThrow(ZRoundId, req.params.id));
      const q = await questionnaires.getQuestionnaire(round.questionnaireId);
      res.json({ ...roundJson(round), questionnaire: { id: q.id, code: q.code, version: q.version, title: { kk: q.title_kk, ru: q.title_ru, en: q.title_en } } });
    }),
  );

  async function apiInput(body: TRoundApiCreate): Promise<RoundInput> {
    const match = await territories.matcher();
    const fields: FieldError[] = [];
    const targets = (body.targets ?? []).map((t, i) => {
      const found = typeof t.territory === 'number' ? { id: t.territory } : match(t.territory);
      if (!found) fields.push({ path: `targets.${i}.territory`, key: 'rounds:errors.unknownTerritory' });
      return { territoryId: found?.id ?? 0, target: t.target };
    });
    if (fields.length) throw new ValidationError(fields);
    return {
      title: body.title,
      ...(body.titles ? { titles: Object.fromEntries(Object.entries(body.titles).filter(([, v]) => v)) } : {}),
      questionnaireId: body.questionnaireId,
      audience: body.audience,
      opensAt: body.opensAt ?? null,
      closesAt: body.closesAt ?? null,
      targetTotal: body.targetTotal ?? null,
      targets,
    };
  }

  router.post(
    '/api/v1/rounds',
    requireRole('admin'),
    asyncHandler(async (req, res) => {
      const body = parseOrThrow(ZRoundApiCreate, req.body);
      const { round, publicToken } = await rounds.create(await apiInput(body), req.user!.id, body.status ?? 'draft');
      res.status(201).json({ ...roundJson(round), ...(publicToken ? { publicLink: publicLinkFor(ctx, req, publicToken) } : {}) });
    }),
  );

  router.post(
    '/api/v1/rounds/:id/status',
    requireRole('admin'),
    asyncHandler(async (req, res) => {
      const id = parseOrThrow(ZRoundId, req.params.id);
      const { status } = parseOrThrow(ZStatusChange, req.body);
      res.json(roundJson(await rounds.changeStatus(id, status)));
    }),
  );

  return router;
}
