import type { NextFunction, Request, Response } from 'express';
import { NotFoundError, ValidationError, controlCharacterErrors, isApiRequest } from '../errors';

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
