import type { NextFunction, Request, Response } from 'express';
import { jsonEntriesAtMost } from '../lib/json-entries';
import { AppError, NotFoundError, ValidationError, controlCharacterErrors, isApiRequest } from '../errors';

/** Ids are 32-bit integer columns on PostgreSQL: a longer number in the path names nothing. */
const MAX_ID = 2_147_483_647;

/**
 * Input hygiene before any handler runs: an id beyond the integer range in the path is 404 (no
 * such object can exist, and PostgreSQL would fail the lookup); a NUL character in the path, the
 * query or an API body is a field error. Forms are checked by parseOrThrow instead, so that the
 * form comes back with the message beside the field; the database refusing a NUL that slipped
 * through is a 400 too (see the error middleware).
 */
export function inputHygiene(req: Request, _res: Response, next: NextFunction): void {
  let decodedPath = req.path;
  try {
    decodedPath = decodeURIComponent(req.path);
  } catch {
    // A malformed escape is left to the router, which answers 400.
  }
  const errors = decodedPath.includes('\u0000') ? [{ path: 'path', key: 'errors:field.controlCharacter' }] : [];
  if (errors.length === 0 && decodedPath.split('/').some((segment) => /^\d+$/.test(segment) && Number(segment) > MAX_ID)) return next(new NotFoundError());
  controlCharacterErrors(req.query, '', errors);
  if (isApiRequest(req) && req.body && typeof req.body === 'object') controlCharacterErrors(req.body, '', errors);
  next(errors.length ? new ValidationError(errors) : undefined);
}

/**
 * How many keys and array elements a request body may hold in all, at any depth. Forms have at
 * most a few thousand fields (the form parser stops at 5000); the byte limit alone let a 2 MB JSON
 * body carry 140,000 keys, each costing a validation and an error line. The JSON APIs that take
 * whole tables say how much they take (their schemas then bound each collection).
 */
export const DEFAULT_BODY_ENTRIES = 10_000;
const BODY_ENTRY_BUDGETS: Array<[RegExp, number]> = [
  // Up to 100,000 enterprises (MAX_ENTERPRISES) of a few fields each.
  [/^\/api\/v1\/rounds\/[^/]+\/invitations\/?$/, 800_000],
  // Up to 10,000 data rows of up to 20 columns (models.spec.ts).
  [/^\/api\/v1\/models\//, 250_000],
];

export function bodyEntryBudget(path: string): number {
  return BODY_ENTRY_BUDGETS.find(([pattern]) => pattern.test(path))?.[1] ?? DEFAULT_BODY_ENTRIES;
}

/** body-parser's verify hook for JSON: refuses a body with more entries than its route takes, before it is parsed. */
export function verifyJsonEntries(req: Request, _res: Response, buf: Buffer): void {
  const budget = bodyEntryBudget(req.originalUrl.split('?')[0]!);
  if (!jsonEntriesAtMost(buf, budget)) throw new AppError('too_many_entries', 413, 'errors:tooManyEntries', { max: budget });
}
