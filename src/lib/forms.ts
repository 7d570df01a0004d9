import type { NextFunction, Request, RequestHandler, Response } from 'express';
import multer from 'multer';
import { AppError, asyncHandler, ValidationError, type FieldError } from '../errors';
import type { FormErrorItem, SummaryTexts } from './form-errors';

/**
 * What the view engine needs to annotate a form that failed (see src/lib/form-errors.ts):
 * the errors, the summary texts and the paths the view printed a message for itself.
 */
export interface FormErrorLocals {
  items: FormErrorItem[];
  texts: SummaryTexts;
  shown: Set<string>;
  /** Typed text to put back (a form carried back to its page; a re-rendered form has its own values). */
  values?: Record<string, string>;
}

/**
 * Re-render a form with the user's values and its errors in the user's language.
 * Views read `errors` (list for the summary) and `fieldError(path)` beside each input.
 */
export function renderForm(
  res: Response,
  view: string,
  locals: Record<string, unknown> & { values?: Record<string, unknown>; error?: unknown },
  status = 200,
): void {
  const { error, ...rest } = locals;
  let fields: FieldError[] = [];
  let message: string | undefined;
  if (error instanceof AppError) {
    fields = error.fields;
    status = error.status;
    message = error.messageKey;
  } else if (error) {
    throw error;
  }
  const t = res.locals.t as (k: string, p?: Record<string, unknown>) => string;
  let errors: FormErrorItem[] = fields.map((f) => ({ path: f.path, message: t(f.key, f.params) }));
  let formMessage = message ? t(message, error instanceof AppError ? error.params : {}) : (rest.formMessage as string | undefined);
  // Errors carried back from a form elsewhere on this page (src/lib/form-flash.ts).
  const carried = res.locals.formErrors as FormErrorLocals | undefined;
  if (!error && carried) {
    errors = carried.items;
    formMessage = carried.texts.message;
  }
  const shown = new Set<string>();
  const formErrors: FormErrorLocals | undefined =
    errors.length || formMessage ? { items: errors, texts: { title: t('errors:summaryTitle'), message: formMessage }, shown, values: error ? undefined : carried?.values } : undefined;
  res.status(status).render(view, {
    values: {},
    ...rest,
    formMessage,
    errors,
    formErrors,
    fieldError: (path: string) => {
      const found = errors.find((e) => e.path === path)?.message;
      if (found) shown.add(path);
      return found;
    },
  });
}

/** Run a form action; on a validation or rule error re-render the form, otherwise rethrow. */
export async function handleForm(
  res: Response,
  view: string,
  locals: Record<string, unknown>,
  action: () => Promise<void>,
): Promise<void> {
  try {
    await action();
  } catch (error) {
    if (error instanceof AppError && error.status < 500 && error.status !== 403 && error.status !== 404) {
      return renderForm(res, view, { ...locals, error });
    }
    throw error;
  }
}

/**
 * A page with forms: `load` gathers what the page shows. GET renders it; each POST runs its action
 * and, when the form is refused (a validation or rule error), renders the same page again with the
 * values sent and each message beside its field. One loader, so the page after an error is the page
 * the person saw, with everything else on it.
 */
export function formPage<L extends Record<string, unknown>>(view: string, load: (req: Request) => Promise<L>) {
  return {
    /** GET: the page; `extra` adds what comes from the query (a notice after a redirect). */
    show: (extra?: (req: Request) => Record<string, unknown>): RequestHandler =>
      asyncHandler(async (req, res) => renderForm(res, view, { ...(await load(req)), ...extra?.(req) })),
    /**
     * POST: `action` does the work and answers (usually a 303). `sent` names where the typed values go
     * back on the page (default `values`, the form's own; a page with several forms keeps the others').
     */
    submit: (action: (req: Request, res: Response, locals: L) => Promise<void>, sent: (req: Request) => Record<string, unknown> = (req) => ({ values: req.body ?? {} })): RequestHandler =>
      asyncHandler(async (req, res) => {
        const locals = { ...(await load(req)), ...sent(req) } as L;
        await handleForm(res, view, locals, () => action(req, res, locals));
      }),
  };
}

/** How a refused upload is reported: the message for a file over the limit, and the form's summary message. */
export interface UploadMessages {
  tooLarge: string;
  params?: Record<string, unknown>;
  formMessage?: string;
}

/**
 * One uploaded file (field `file`) kept in memory, names in UTF-8. A file over the limit, a second
 * file or too many fields is a refused form (a message beside the file input, in the user's
 * language), not a server error; the request then goes no further.
 */
export function fileUpload(limits: { maxBytes: number; fields: number; fieldSize?: number }, messages: UploadMessages): RequestHandler {
  // busboy reads file names as Latin-1 by default, which garbles Kazakh and Russian names.
  const upload = multer({ storage: multer.memoryStorage(), defParamCharset: 'utf8', limits: { fileSize: limits.maxBytes, files: 1, fields: limits.fields, ...(limits.fieldSize ? { fieldSize: limits.fieldSize } : {}) } }).single('file');
  return (req: Request, res: Response, next: NextFunction) =>
    upload(req, res, (err: unknown) => {
      if (err instanceof multer.MulterError) {
        const key = err.code === 'LIMIT_FILE_SIZE' ? messages.tooLarge : 'errors:field.invalid';
        return next(new ValidationError([{ path: 'file', key, params: messages.params }], messages.formMessage));
      }
      next(err);
    });
}
