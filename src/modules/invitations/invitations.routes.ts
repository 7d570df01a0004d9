import { Router, type Request, type Response } from 'express';
import multer from 'multer';
import { baseUrl, type AppContext } from '../../context';
import { asyncHandler, parseOrThrow, ValidationError } from '../../errors';
import { localized } from '../../i18n';
import { handleForm, renderForm } from '../../lib/forms';
import { oneTimeSecretsFor } from '../../lib/one-time';
import { writeCsv } from '../../lib/spreadsheet';
import { requireRole } from '../../middleware/auth';
import type { EnterpriseLookups, ChoiceOption, ImportOutcome, InvitationsService } from './invitations.service';
import {
  INVITATION_STATES,
  LINKS_SHOWN_ON_PAGE,
  MAX_ENTERPRISES,
  MAX_UPLOAD_BYTES,
  ZInvitationFilters,
  ZOpaqueId,
  ZPasteForm,
  ZRoundId,
  ZUploadForm,
  parseCreateInvitations,
  type CreatedInvitation,
} from './invitations.schemas';
import type { RoundRecord } from '../rounds/rounds.schemas';

/** Where a round's invitation pages live; the rounds pages link here. */
export const invitationsPath = (roundId: number) => `/admin/rounds/${roundId}/invitations`;

/** Labels for views: territory names and questionnaire option texts in the reader's language. */
function labelHelpers(lookups: EnterpriseLookups, lang: string) {
  const territories = new Map(lookups.territories.map((t) => [t.id, t]));
  const option = (options: ChoiceOption[]) => (code: string | null) => {
    if (!code) return '';
    const o = options.find((x) => x.code === code);
    return o ? (o.text as Record<string, string>)[lang] ?? o.code : code;
  };
  return {
    territoryName: (id: number | null) => {
      const t = id ? territories.get(id) : undefined;
      return t ? localized(t as unknown as Record<string, unknown>, 'name', lang as 'kk') : '';
    },
    sectorLabel: option(lookups.sectorOptions),
    sizeLabel: option(lookups.sizeOptions),
  };
}

export function invitationsRoutes(ctx: AppContext, { invitations: service }: { invitations: InvitationsService }): Router {
  const router = Router();
  const once = oneTimeSecretsFor(ctx.config);
  const upload = multer({ storage: multer.memoryStorage(), limits: { fileSize: MAX_UPLOAD_BYTES, files: 1, fields: 5 } });

  router.use('/admin/rounds/:id/invitations', requireRole('admin'));
  router.use('/api/v1/rounds/:id/invitations', requireRole('admin'));

  const roundOf = (req: Request) => service.getRound(parseOrThrow(ZRoundId, req.params.id));

  const commonLocals = async (req: Request, round: RoundRecord) => {
    const lookups = await service.lookups(round);
    return { round, lookups, ...labelHelpers(lookups, req.lang) };
  };

  const newFormLocals = async (req: Request, round: RoundRecord, values: Record<string, unknown> = {}) => ({
    title: req.t('invitations:new.title'),
    ...(await commonLocals(req, round)),
    maxRows: MAX_ENTERPRISES,
    maxMegabytes: Math.round(MAX_UPLOAD_BYTES / 1024 / 1024),
    values,
  });

  /**
   * Post/redirect/get to the new batch's page; a one-time cookie lets its first view show the
   * links, so a reload neither imports the list again nor shows the links again.
   */
  const renderResult = async (_req: Request, res: Response, round: RoundRecord, created: { batchId: string }) => {
    const page = `${invitationsPath(round.id)}/batches/${created.batchId}`;
    once.put(res, page, { kind: 'invitationLinks', data: { batchId: created.batchId } });
    res.redirect(303, page);
  };

  router.get(
    '/admin/rounds/:id/invitations/batches/:batchId',
    asyncHandler(async (req, res) => {
      const round = await roundOf(req);
      const batchId = parseOrThrow(ZOpaqueId, req.params.batchId);
      const firstView = once.take(req, res)?.data.batchId === batchId;
      const batch = await service.viewBatch(round.id, req.user!.id, batchId, baseUrl(ctx, req), firstView, LINKS_SHOWN_ON_PAGE);
      res.set('Cache-Control', 'no-store');
      res.render('invitations/result', { title: req.t('invitations:result.title'), ...(await commonLocals(req, round)), ...batch, batchId, firstView });
    }),
  );

  const afterImport = async (req: Request, res: Response, round: RoundRecord, outcome: ImportOutcome) => {
    if (outcome.kind === 'imported') return renderResult(req, res, round, outcome);
    res.redirect(303, `${invitationsPath(round.id)}/imports/${outcome.importId}`);
  };

  router.get(
    '/admin/rounds/:id/invitations',
    asyncHandler(async (req, res) => {
      const round = await roundOf(req);
      const filters = ZInvitationFilters.parse(req.query);
      const list = await service.list(round.id, filters);
      const query = (overrides: Record<string, unknown>) => {
        const params = new URLSearchParams();
        for (const [k, v] of Object.entries({ ...filters, ...overrides })) if (v !== undefined && v !== '' && !(k === 'page' && v === 1)) params.set(k, String(v));
        const s = params.toString();
        return s ? `?${s}` : '';
      };
      res.render('invitations/list', {
        title: req.t('invitations:list.title'),
        ...(await commonLocals(req, round)),
        filters,
        states: INVITATION_STATES,
        query,
        ...list,
      });
    }),
  );

  router.get(
    '/admin/rounds/:id/invitations/new',
    asyncHandler(async (req, res) => {
      const round = await roundOf(req);
      renderForm(res, 'invitations/new', await newFormLocals(req, round));
    }),
  );

  router.post(
    '/admin/rounds/:id/invitations/paste',
    asyncHandler(async (req, res) => {
      const round = await roundOf(req);
      await handleForm(res, 'invitations/new', await newFormLocals(req, round, req.body ?? {}), async () => {
        const { text } = parseOrThrow(ZPasteForm, req.body);
        await afterImport(req, res, round, await service.importList(round.id, req.user!.id, { text }, null, 'text'));
      });
    }),
  );

  router.post(
    '/admin/rounds/:id/invitations/upload',
    asyncHandler(async (req, res) => {
      const round = await roundOf(req);
      await handleForm(res, 'invitations/new', await newFormLocals(req, round), async () => {
        await new Promise<void>((resolve, reject) => {
          upload.single('file')(req, res, (err: unknown) => {
            if (!err) return resolve();
            if (err instanceof multer.MulterError) {
              const key = err.code === 'LIMIT_FILE_SIZE' ? 'invitations:errors.file.tooLarge' : 'invitations:errors.file.format';
              return reject(new ValidationError([{ path: 'file', key, params: { max: Math.round(MAX_UPLOAD_BYTES / 1024 / 1024), line: '?' } }]));
            }
            reject(err);
          });
        });
        parseOrThrow(ZUploadForm, { ...(req.body ?? {}) });
        if (!req.file) throw new ValidationError([{ path: 'file', key: 'invitations:errors.file.missing' }]);
        await afterImport(req, res, round, await service.importList(round.id, req.user!.id, { buffer: req.file.buffer }, req.file.originalname, 'file'));
      });
    }),
  );

  router.get(
    '/admin/rounds/:id/invitations/imports/:importId',
    asyncHandler(async (req, res) => {
      const round = await roundOf(req);
      const importId = parseOrThrow(ZOpaqueId, req.params.importId);
      const summary = await service.importSummary(round.id, req.user!.id, importId);
      res.render('invitations/preview', {
        title: req.t('invitations:preview.title'),
        ...(await commonLocals(req, round)),
        importId,
        ...summary,
      });
    }),
  );

  router.get(
    '/admin/rounds/:id/invitations/imports/:importId/errors.csv',
    asyncHandler(async (req, res) => {
      const round = await roundOf(req);
      const importId = parseOrThrow(ZOpaqueId, req.params.importId);
      const bad = await service.importErrors(round.id, req.user!.id, importId);
      res.set('Content-Type', 'text/csv; charset=utf-8');
      res.set('Content-Disposition', `attachment; filename="round-${round.id}-invitation-errors.csv"`);
      await writeCsv(
        res,
        ['line', 'column', 'value', 'reason'],
        bad.map((b) => [b.line, b.column, b.value, req.t(b.key, b.params)]),
      );
    }),
  );

  router.post(
    '/admin/rounds/:id/invitations/imports/:importId/confirm',
    asyncHandler(async (req, res) => {
      const round = await roundOf(req);
      const importId = parseOrThrow(ZOpaqueId, req.params.importId);
      const created = await service.confirmImport(round.id, req.user!.id, importId);
      await renderResult(req, res, round, created);
    }),
  );

  router.post(
    '/admin/rounds/:id/invitations/imports/:importId/cancel',
    asyncHandler(async (req, res) => {
      const round = await roundOf(req);
      const importId = parseOrThrow(ZOpaqueId, req.params.importId);
      await service.cancelImport(round.id, req.user!.id, importId);
      res.redirect(303, `${invitationsPath(round.id)}/new`);
    }),
  );

  // A POST, not a GET: the download destroys the only copy of the links.
  router.post(
    '/admin/rounds/:id/invitations/links/:batchId',
    asyncHandler(async (req, res) => {
      const round = await roundOf(req);
      const batchId = parseOrThrow(ZOpaqueId, req.params.batchId);
      const { rows } = await service.takeLinks(round.id, req.user!.id, batchId, baseUrl(ctx, req), req.lang);
      res.set('Cache-Control', 'no-store');
      res.set('Content-Type', 'text/csv; charset=utf-8');
      res.set('Content-Disposition', `attachment; filename="round-${round.id}-invitation-links.csv"`);
      await writeCsv(res, ['name', 'contact', 'territory', 'sector', 'size', 'link'], rows);
    }),
  );

  router.post(
    '/api/v1/rounds/:id/invitations',
    asyncHandler(async (req, res) => {
      const roundId = parseOrThrow(ZRoundId, req.params.id);
      const invitations = await service.createFromApi(roundId, req.user!.id, parseCreateInvitations(req.body), baseUrl(ctx, req));
      res.set('Cache-Control', 'no-store');
      res.status(201).json({ invitations: invitations.map((i) => ({ id: i.id, link: i.link, name: i.name })) });
    }),
  );

  return router;
}
