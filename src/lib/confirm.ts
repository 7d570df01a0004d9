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

export function isConfirmed(req: Request): boolean {
  return req.body?.confirm === 'yes';
}

export function renderConfirmation(req: Request, res: Response, c: Confirmation): void {
  res.set('Cache-Control', 'no-store');
  res.status(200).render('confirm', { ...c, title: c.title, action: req.originalUrl, fields: c.fields ?? {} });
}

/** Run `action` only once confirmed; otherwise show the confirmation page and change nothing. */
export async function withConfirmation(req: Request, res: Response, confirmation: () => Promise<Confirmation>, action: () => Promise<void>): Promise<void> {
  if (!isConfirmed(req)) return renderConfirmation(req, res, await confirmation());
  await action();
}
