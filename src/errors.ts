import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { ZodError } from 'zod';

export interface FieldError {
  /** Dotted path of the offending field, e.g. "answers.B01" or "enterprises.3.territory". */
  path: string;
  /** i18n key of the message (namespace included). */
  key: string;
  params?: Record<string, unknown>;
}

/**
 * Every error the app raises on purpose. The message is an i18n key so that pages show it
 * in the user's language; the code is stable for API clients.
 */
export class AppError extends Error {
  readonly fields: FieldError[];
  /** Field errors beyond MAX_FIELD_ERRORS, counted but not kept: a bad body must not buy a huge answer. */
  readonly fieldsOmitted: number;

  constructor(
    readonly code: string,
    readonly status: number,
    readonly messageKey: string,
    readonly params: Record<string, unknown> = {},
    fields: FieldError[] = [],
  ) {
    super(code);
    this.name = 'AppError';
    this.fields = fields.length > MAX_FIELD_ERRORS ? fields.slice(0, MAX_FIELD_ERRORS) : fields;
    this.fieldsOmitted = fields.length - this.fields.length;
  }
}

/** Field errors one refusal lists at most (a form has fewer fields; a hostile body may have thousands). */
export const MAX_FIELD_ERRORS = 100;

export class ValidationError extends AppError {
  constructor(fields: FieldError[], messageKey = 'errors:validation') {
    super('validation_failed', 400, messageKey, {}, fields);
  }
}
export class NotFoundError extends AppError {
  constructor(messageKey = 'errors:notFound') {
    super('not_found', 404, messageKey);
  }
}
export class UnauthorizedError extends AppError {
  constructor(messageKey = 'errors:unauthorized') {
    super('unauthorized', 401, messageKey);
  }
}
export class ForbiddenError extends AppError {
  constructor(messageKey = 'errors:forbidden') {
    super('forbidden', 403, messageKey);
  }
}
export class ConflictError extends AppError {
  constructor(code: string, messageKey: string, params: Record<string, unknown> = {}) {
    super(code, 409, messageKey, params);
  }
}

/** Map zod issues to field errors whose messages come from the catalogues. */
export function zodFieldErrors(error: ZodError): FieldError[] {
  return error.issues.map((issue) => {
    const path = issue.path.map(String).join('.');
    const i = issue as unknown as Record<string, unknown>;
    switch (issue.code) {
      case 'invalid_type': {
        // zod 4 reports what it received ("undefined", "null", "NaN", "string" ...), not the input.
        // "expected int" comes without `received`: it is only raised for a number that is not whole.
        const received = i.received !== undefined ? String(i.received) : i.expected === 'int' ? 'number' : i.input === undefined ? 'undefined' : typeof i.input;
        if (received === 'undefined' || received === 'null') return { path, key: 'errors:field.required' };
        switch (i.expected) {
          case 'number':
            return { path, key: 'errors:field.number' };
          case 'int':
            return { path, key: 'errors:field.integer' };
          case 'date':
            return { path, key: 'errors:field.date' };
          case 'boolean':
            return { path, key: 'errors:field.boolean' };
          case 'string':
            return { path, key: 'errors:field.text' };
          default:
            return { path, key: 'errors:field.invalidType' };
        }
      }
      case 'too_small':
        if (i.origin === 'string') {
          return Number(i.minimum) <= 1 ? { path, key: 'errors:field.required' } : { path, key: 'errors:field.tooShort', params: { min: i.minimum, count: Number(i.minimum) } };
        }
        if (i.origin === 'array' || i.origin === 'set') return { path, key: 'errors:field.tooFewItems', params: { count: Number(i.minimum) } };
        return i.inclusive === false
          ? { path, key: Number(i.minimum) === 0 ? 'errors:field.positive' : 'errors:field.greaterThan', params: { min: i.minimum } }
          : { path, key: 'errors:field.tooSmall', params: { min: i.minimum } };
      case 'too_big':
        if (i.origin === 'string') return { path, key: 'errors:field.tooLong', params: { max: i.maximum, count: Number(i.maximum) } };
        if (i.origin === 'array' || i.origin === 'set') return { path, key: 'errors:field.tooManyItems', params: { count: Number(i.maximum) } };
        return i.inclusive === false
          ? { path, key: 'errors:field.lessThan', params: { max: i.maximum } }
          : { path, key: 'errors:field.tooBig', params: { max: i.maximum } };
      case 'invalid_value':
        return { path, key: 'errors:field.invalidChoice' };
      case 'unrecognized_keys':
        return { path: path || String((i.keys as string[] | undefined)?.[0] ?? ''), key: 'errors:field.unknown' };
      case 'invalid_format':
        return { path, key: i.format === 'email' ? 'errors:field.email' : 'errors:field.invalidFormat' };
      case 'custom': {
        const key = (i.params as { key?: string } | undefined)?.key;
        return { path, key: key ?? 'errors:field.invalid' };
      }
      default:
        return { path, key: 'errors:field.invalid' };
    }
  });
}

/**
 * Field errors for every string (or key) holding a NUL character. No text a person types contains
 * one, PostgreSQL cannot store one in a text column, and SQLite would keep a string that C-based
 * tools cut short; so it is refused like any other invalid value.
 */
export function controlCharacterErrors(value: unknown, path = '', out: FieldError[] = [], depth = 0): FieldError[] {
  if (out.length >= 20 || depth > 32) return out;
  if (typeof value === 'string') {
    if (value.includes('\u0000')) out.push({ path, key: 'errors:field.controlCharacter' });
  } else if (Array.isArray(value)) {
    value.forEach((v, i) => controlCharacterErrors(v, path ? `${path}.${i}` : String(i), out, depth + 1));
  } else if (value && typeof value === 'object' && !(value instanceof Date) && !Buffer.isBuffer(value)) {
    for (const [k, v] of Object.entries(value)) {
      const at = path ? `${path}.${k}` : k;
      if (k.includes('\u0000')) out.push({ path: at, key: 'errors:field.controlCharacter' });
      else controlCharacterErrors(v, at, out, depth + 1);
    }
  }
  return out;
}

/** Parse with zod or throw a ValidationError naming every bad field (a NUL character in any text included). */
export function parseOrThrow<T>(schema: { safeParse(v: unknown): { success: true; data: T } | { success: false; error: ZodError } }, value: unknown): T {
  const result = schema.safeParse(value);
  if (!result.success) throw new ValidationError(zodFieldErrors(result.error));
  const nul = controlCharacterErrors(result.data);
  if (nul.length) throw new ValidationError(nul);
  return result.data;
}

/** The one async wrapper: a rejected promise reaches the error middleware. */
export function asyncHandler<Req extends Request = Request>(
  fn: (req: Req, res: Response, next: NextFunction) => Promise<unknown> | unknown,
): RequestHandler {
  return (req, res, next) => {
    Promise.resolve()
      .then(() => fn(req as Req, res, next))
      .catch(next);
  };
}

export function isApiRequest(req: Request): boolean {
  return req.originalUrl.startsWith('/api/');
}
