import { Router, type Request } from 'express';
import type { AppContext } from '../../context';
import { AppError, asyncHandler, parseOrThrow, ValidationError } from '../../errors';
import { writeXlsx } from '../../lib/spreadsheet';
import { fileUpload, formPage, handleForm, renderForm } from '../../lib/forms';
import { requireRole } from '../../middleware/auth';
import { describeDiff } from './questionnaires.diff-text';
import { ZCompareQuery, ZImportForm, ZQuestionnaireId, type Questionnaire } from './questionnaires.schemas';
import { parseDefinition, parseDefinitionText, type QuestionnairesService, type SaveResult } from './questionnaires.service';
import { normaliseDefinition } from './questionnaires.form';
import { readXlsForm, xlsFormSheets } from './questionnaires.xlsform';

const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

function downloadName(q: { code: string; version: number }, ext: string): string {
  return `${q.code.replace(/[^A-Za-z0-9_.-]/g, '_')}-v${q.version}.${ext}`;
}

function uploadedFile(req: Request): { buffer: Buffer; name: string } {
  const file = (req as Request & { file?: Express.Multer.File }).file;
  if (!file || file.size === 0) throw new ValidationError([{ path: 'file', key: 'exchange:xlsform.nothingToImport' }], 'exchange:xlsform.importFailed');
  return { buffer: file.buffer, name: file.originalname };
}

const MAX_UPLOAD_BYTES = 2 * 1024 * 1024;

/** The pasted text, or the uploaded file when one was chosen (the file wins). */
function importText(req: Request): string {
  const file = (req as Request & { file?: Express.Multer.File }).file;
  if (file && file.size > 0) return file.buffer.toString('utf8');
  const { json } = parseOrThrow(ZImportForm, req.body ?? {});
  if (!json || !json.trim()) throw new ValidationError([{ path: 'json', key: 'questionnaires:errors.nothingToImport' }], 'questionnaires:errors.importFailed');
  return json;
}

function apiSummary(q: { id: number; code: string; version: number; title_kk: string; title_ru: string; title_en: string }) {
  return { id: q.id, code: q.code, version: q.version, title: { kk: q.title_kk, ru: q.title_ru, en: q.title_en } };
}

export function questionnairesRoutes(_ctx: AppContext, { questionnaires }: { questionnaires: QuestionnairesService }): Router {
  const router = Router();
  const uploadOrFieldError = fileUpload(
    { maxBytes: MAX_UPLOAD_BYTES, fieldSize: MAX_UPLOAD_BYTES, fields: 5 },
    { tooLarge: 'questionnaires:errors.fileTooLarge', formMessage: 'questionnaires:errors.importFailed' },
  );

  router.use('/admin/questionnaires', requireRole('admin'));

  const listLocals = async (req: Request, extra: Record<string, unknown> = {}) => ({
    title: req.t('questionnaires:title'),
    questionnaires: await questionnaires.list(),
    ...extra,
  });
  const listPage = formPage('questionnaires/list', (req) => listLocals(req));

  const savedNotice = (req: Request, q: Questionnaire) => {
    const saved = String(req.query.saved ?? '');
    if (!['created', 'updated', 'unchanged', 'discarded'].includes(saved)) return undefined;
    return req.t(`questionnaires:saved.${saved}`, { code: q.code, version: q.version });
  };

  router.get(
    '/admin/questionnaires',
    listPage.show((req) => {
      const importState = String(req.query.import ?? '');
      return { notice: ['gone', 'cancelled'].includes(importState) ? req.t(`exchange:xlsform.${importState}`) : undefined };
    }),
  );

  router.post(
    '/admin/questionnaires/import',
    uploadOrFieldError,
    listPage.submit(
      async (req, res) => {
        const result = await questionnaires.importDefinition(parseDefinitionText(importText(req)), req.user!.id);
        res.redirect(303, `/admin/questionnaires/${result.id}?saved=${result.outcome}`);
      },
      (req) => ({ values: { json: typeof req.body?.json === 'string' ? req.body.json : '' } }),
    ),
  );

  router.post(
    '/admin/questionnaires/import-xlsform',
    uploadOrFieldError,
    listPage.submit(async (req, res) => {
      try {
        const file = uploadedFile(req);
        // Read and checked now; imported only once the administrator has seen what it brings.
        const read = await readXlsForm(file.buffer, file.name);
        const importId = await questionnaires.stageImport(read, file.name, req.user!.id);
        res.redirect(303, `/admin/questionnaires/import-xlsform/${importId}`);
      } catch (e) {
        // Beside the XLSForm input, not the JSON one (both post a field named file).
        if (e instanceof AppError) e.fields.forEach((f) => f.path === 'file' && (f.path = 'xlsform'));
        throw e;
      }
    }, () => ({})),
  );

  router.get(
    '/admin/questionnaires/import-xlsform/:importId',
    asyncHandler(async (req, res) => {
      const staged = await questionnaires.stagedImport(parseOrThrow(ZQuestionnaireId, req.params.importId), req.user!.id);
      res.render('questionnaires/xlsform-confirm', {
        title: req.t('exchange:xlsform.confirmTitle', { code: staged.definition.code }),
        staged,
        questionCount: normaliseDefinition(staged.definition).length,
        notes: staged.warnings.map((w) => ({ path: w.path, message: req.t(w.key, w.params) })),
        diff: staged.comparison && !staged.comparison.diff.same ? describeDiff(staged.comparison.diff, staged.comparison.sectionTitles, req.t, req.lang) : undefined,
      });
    }),
  );

  router.post(
    '/admin/questionnaires/import-xlsform/:importId/confirm',
    asyncHandler(async (req, res) => {
      const result = await questionnaires.confirmImport(parseOrThrow(ZQuestionnaireId, req.params.importId), req.user!.id);
      // A second click, another tab or a day later: the import is no longer waiting.
      if (!result) return res.redirect(303, '/admin/questionnaires?import=gone#xlsform-heading');
      res.redirect(303, `/admin/questionnaires/${result.id}?saved=${result.outcome}${result.notes ? `&notes=${result.notes}` : ''}`);
    }),
  );

  router.post(
    '/admin/questionnaires/import-xlsform/:importId/cancel',
    asyncHandler(async (req, res) => {
      await questionnaires.cancelImport(parseOrThrow(ZQuestionnaireId, req.params.importId), req.user!.id);
      res.redirect(303, '/admin/questionnaires?import=cancelled#xlsform-heading');
    }),
  );

  router.get(
    '/admin/questionnaires/:id/export.xlsx',
    asyncHandler(async (req, res) => {
      const q = await questionnaires.getQuestionnaire(parseOrThrow(ZQuestionnaireId, req.params.id));
      res.set('Content-Disposition', `attachment; filename="${downloadName(q, 'xlsx')}"`);
      res.type(XLSX_TYPE);
      await writeXlsx(res, xlsFormSheets(q.definition, q.version));
    }),
  );

  router.get(
    '/admin/questionnaires/compare',
    asyncHandler(async (req, res) => {
      const query = parseOrThrow(ZCompareQuery, req.query);
      const to = await questionnaires.getQuestionnaire(query.to);
      const fromId = query.from ?? (await questionnaires.previousVersion(to.id))?.id;
      const comparison = fromId !== undefined && fromId !== to.id ? await questionnaires.compare({ id: fromId }, { id: to.id }) : undefined;
      res.render('questionnaires/compare', {
        title: req.t('exchange:diff.title', { code: to.code }),
        to,
        from: fromId === undefined ? undefined : { id: fromId, version: comparison?.before.version ?? to.version },
        versions: await questionnaires.versions(to.code),
        diff: comparison ? describeDiff(comparison.diff, comparison.sectionTitles, req.t, req.lang) : undefined,
      });
    }),
  );

  router.get(
    '/admin/questionnaires/:id',
    asyncHandler(async (req, res) => {
      const q = await questionnaires.getQuestionnaire(parseOrThrow(ZQuestionnaireId, req.params.id));
      res.render('questionnaires/detail', {
        title: `${q.code} v${q.version}`,
        q,
        roundCount: await questionnaires.roundsUsing(q.id),
        notice: savedNotice(req, q),
        importNotes: /^\d{1,4}$/.test(String(req.query.notes ?? '')) ? Number(req.query.notes) : 0,
      });
    }),
  );

  router.get(
    '/admin/questionnaires/:id/export.json',
    asyncHandler(async (req, res) => {
      const id = parseOrThrow(ZQuestionnaireId, req.params.id);
      const q = await questionnaires.getQuestionnaire(id);
      res.set('Content-Disposition', `attachment; filename="${q.code.replace(/[^A-Za-z0-9_.-]/g, '_')}-v${q.version}.json"`);
      res.type('application/json').send(JSON.stringify(q.definition, null, 2) + '\n');
    }),
  );

  const editLocals = async (req: Request, q: Questionnaire, json: string) => ({
    title: req.t('questionnaires:editTitle', { code: q.code, version: q.version }),
    q,
    roundCount: await questionnaires.roundsUsing(q.id),
    values: { json },
  });

  router.get(
    '/admin/questionnaires/:id/edit',
    asyncHandler(async (req, res) => {
      const q = await questionnaires.getQuestionnaire(parseOrThrow(ZQuestionnaireId, req.params.id));
      renderForm(res, 'questionnaires/edit', await editLocals(req, q, JSON.stringify(q.definition, null, 2)));
    }),
  );

  router.post(
    '/admin/questionnaires/:id/edit',
    asyncHandler(async (req, res) => {
      const q = await questionnaires.getQuestionnaire(parseOrThrow(ZQuestionnaireId, req.params.id));
      const json = typeof req.body?.json === 'string' ? req.body.json : '';
      await handleForm(res, 'questionnaires/edit', await editLocals(req, q, json), async () => {
        const result = await questionnaires.updateDefinition(q.id, parseDefinitionText(importText(req)), req.user!.id);
        res.redirect(303, `/admin/questionnaires/${result.id}?saved=${result.outcome}`);
      });
    }),
  );

  // JSON API
  router.get(
    '/api/v1/questionnaires',
    requireRole('admin', 'researcher'),
    asyncHandler(async (_req, res) => {
      const list = await questionnaires.list();
      res.json({ questionnaires: list.map((q) => ({ ...apiSummary(q), items: q.itemCount, rounds: q.roundCount, createdAt: q.createdAt })) });
    }),
  );

  router.get(
    '/api/v1/questionnaires/:id',
    requireRole('admin', 'researcher'),
    asyncHandler(async (req, res) => {
      const q = await questionnaires.getQuestionnaire(parseOrThrow(ZQuestionnaireId, req.params.id));
      res.json({
        ...apiSummary(q),
        createdAt: q.createdAt,
        rounds: await questionnaires.roundsUsing(q.id),
        definition: q.definition,
        categories: q.categories.map((c) => ({ id: c.id, code: c.code })),
        items: q.items.map((i) => ({ id: i.id, code: i.code, category: i.categoryCode })),
      });
    }),
  );

  router.get(
    '/api/v1/questionnaires/:id/xlsform',
    requireRole('admin', 'researcher'),
    asyncHandler(async (req, res) => {
      const q = await questionnaires.getQuestionnaire(parseOrThrow(ZQuestionnaireId, req.params.id));
      res.set('Content-Disposition', `attachment; filename="${downloadName(q, 'xlsx')}"`);
      res.type(XLSX_TYPE);
      await writeXlsx(res, xlsFormSheets(q.definition, q.version));
    }),
  );

  router.post(
    '/api/v1/questionnaires/xlsform',
    requireRole('admin'),
    uploadOrFieldError,
    asyncHandler(async (req, res) => {
      const file = uploadedFile(req);
      const { definition, warnings } = await readXlsForm(file.buffer, file.name);
      const result: SaveResult = await questionnaires.importDefinition(definition, req.user!.id);
      res.status(result.outcome === 'created' ? 201 : 200).json({ ...result, warnings: warnings.map((w) => ({ ...w, message: req.t(w.key, w.params) })) });
    }),
  );

  router.post(
    '/api/v1/questionnaires',
    requireRole('admin'),
    asyncHandler(async (req, res) => {
      const result: SaveResult = await questionnaires.importDefinition(parseDefinition(req.body), req.user!.id);
      res.status(result.outcome === 'created' ? 201 : 200).json(result);
    }),
  );

  return router;
}
