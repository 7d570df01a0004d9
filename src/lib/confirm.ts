import type { Request, Response } from 'express';

/**
 * The confirmation step before a destructive or irreversible action, without JavaScript: the
 * action's POST, when it does not carry `confirm=yes`, changes nothing and answers with a page
 * that says what will happen (and how many rows it touches) and repeats the POST with the same
 * fields plus `confirm=yes`.
 */
export interface Confirmation {
  /** Heading: the action, e.g. "Reset the password of a@b.kz?". */
  title: string;
  /** What will happen, one sentence per item (counts included). */
  consequences: string[];
  /** The button's label, e.g. "Reset the password". */
  confirmLabel: string;
  /** Where "Cancel" goes back to. */
  cancelHref: string;
  /** Form fields to send again with the confirmation (the user's choice, e.g. a new status). */
  fields?: Record<string, string>;
}

/**
 * Whether the POST carries the confirmation. The field is taken out of the body, so the strict
 * schemas that parse the rest of the form never see it; call this before parsing.
 */
export function takeConfirmation(req: Request): boolean {
  const body = req.body && typeof req.body === 'object' ? (req.body as Record<string, unknown>) : undefined;
  const confirmed = body?.confirm === 'yes';
  if (body) delete body.confirm;
  return confirmed;
}

export function renderConfirmation(req: Request, res: Response, c: Confirmation): void {
  res.set('Cache-Control', 'no-store');
  res.status(200).render('confirm', { ...c, title: c.title, action: req.originalUrl, fields: c.fields ?? {} });
}

/** Run `action` only once confirmed; otherwise show the confirmation page and change nothing. */
export async function withConfirmation(req: Request, res: Response, confirmation: () => Promise<Confirmation>, action: () => Promise<void>): Promise<void> {
  if (!takeConfirmation(req)) return renderConfirmation(req, res, await confirmation());
  await action();
}
