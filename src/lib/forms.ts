import type { Response } from 'express';
import { AppError, type FieldError } from '../errors';

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
  const errors = fields.map((f) => ({ path: f.path, message: t(f.key, f.params) }));
  res.status(status).render(view, {
    values: {},
    ...rest,
    formMessage: message ? t(message, error instanceof AppError ? error.params : {}) : undefined,
    errors,
    fieldError: (path: string) => errors.find((e) => e.path === path)?.message,
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
