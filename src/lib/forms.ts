import type { Response } from 'express';
import { AppError, type FieldError } from '../errors';
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
