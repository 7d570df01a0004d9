import path from 'node:path';
import compression from 'compression';
import cookieParser from 'cookie-parser';
import ejs from 'ejs';
import express, { type NextFunction, type Request, type Response } from 'express';
import helmet from 'helmet';
import { pinoHttp } from 'pino-http';
import { buildServices, type Services } from './composition';
import type { AppContext } from './context';
import { AppError, NotFoundError, isApiRequest } from './errors';
import { authenticateMiddleware } from './middleware/auth';
import { chartDownloads } from './middleware/chart-download';
import { csrfMiddleware } from './middleware/csrf';
import { inputHygiene, verifyJsonEntries } from './middleware/input';
import { localeMiddleware, userLanguageMiddleware } from './middleware/locale';
import { staticFiles } from './middleware/static';
import { noStore, secureRequest, strictTransportSecurity } from './middleware/transport';
import { authRoutes } from './modules/auth/auth.routes';
import { featureRoutes } from './modules';
import { publicDir, viewsDir } from './paths';
import { translator, DEFAULT_LANGUAGE } from './i18n';
import { annotateFormErrors } from './lib/form-errors';
import { formErrorFlash } from './lib/form-flash';
import type { FormErrorLocals } from './lib/forms';

/**
 * Views render inside views/layout.ejs unless they pass `layout: false`
 * (CSV-like or print-only pages). EJS has no layouts of its own.
 */
function renderWithLayout(file: string, opts: object, callback: (e: Error | null, html?: string) => void): void {
  const options = opts as Record<string, unknown>;
  ejs.renderFile(file, options, { cache: process.env.NODE_ENV === 'production' }, (err, body) => {
    if (err) return callback(err);
    // A form that failed validation: each message beside its field, named by its label, and the summary.
    const formErrors = options.formErrors as FormErrorLocals | undefined;
    if (formErrors && body) body = annotateFormErrors(body, formErrors.items, formErrors.texts, formErrors.shown, formErrors.values);
    if (options.layout === false) return callback(null, body);
    ejs.renderFile(path.join(viewsDir, 'layout.ejs'), { ...options, body }, { cache: process.env.NODE_ENV === 'production' }, callback);
  });
}

export function createApp(ctx: AppContext, services: Services = buildServices(ctx)): express.Express {
  const app = express();
  const secureCookies = (req: Request) => secureRequest(req, ctx.config);
  const { auth } = services;

  // Only the proxies the operator names may speak for the client (address for the rate limits, scheme for Secure and HSTS).
  app.set('trust proxy', ctx.config.trustProxy);
  app.disable('x-powered-by');
  app.engine('ejs', renderWithLayout);
  app.set('view engine', 'ejs');
  app.set('views', viewsDir);

  // Brotli or gzip where the client accepts it (the package's defaults: brotli quality 4, answers
  // over 1 kB): respondents on phones with poor connections get pages of a few kilobytes.
  app.use(compression());
  app.use(
    pinoHttp({
      logger: ctx.logger,
      // Query strings can carry tokens; log the path only, with link tokens masked.
      // Our serializers read the request and response themselves: pino's wrappers would first copy
      // every response header (res.getHeaders()) into an object these lines never print.
      wrapSerializers: false,
      serializers: {
        req: (req: { method: string; url: string; originalUrl?: string; id: unknown }) => ({ id: req.id, method: req.method, path: loggablePath(req.originalUrl ?? req.url) }),
        // The status only: the response headers (the same security headers on every line, about
        // 1 kB) were most of each access-log line and of its cost on the respondents' hot path.
        res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
      },
      autoLogging: { ignore: (req) => req.url === '/healthz' || req.url === '/readyz' },
    }),
  );
  app.use(
    helmet({
      contentSecurityPolicy: {
        useDefaults: true,
        directives: {
          'script-src': ["'self'"],
          'style-src': ["'self'"],
          // Server-rendered SVG charts and progress bars set widths through style attributes.
          'style-src-attr': ["'unsafe-inline'"],
          'img-src': ["'self'", 'data:'],
          'form-action': ["'self'"],
          'frame-ancestors': ["'none'"],
          'upgrade-insecure-requests': null,
        },
      },
      referrerPolicy: { policy: 'no-referrer' },
      strictTransportSecurity: false,
    }),
  );
  // While draining, every answer closes its connection, so keep-alive clients reconnect elsewhere.
  app.use((_req, res, next) => {
    if (ctx.lifecycle.draining) res.setHeader('Connection', 'close');
    next();
  });
  app.use(strictTransportSecurity);
  const assets = staticFiles(publicDir);
  app.locals.asset = assets.url;
  app.use('/static', assets.handler);
  app.use(noStore);
  app.use(cookieParser());
  app.use(localeMiddleware);
  // Forms stop at 5000 fields; JSON bodies are counted before they are parsed (see verifyJsonEntries).
  app.use(express.urlencoded({ extended: true, limit: '200kb', parameterLimit: 5000 }));
  app.use(express.json({ limit: '2mb', verify: verifyJsonEntries }));
  app.use(authenticateMiddleware(auth, secureCookies));
  app.use(userLanguageMiddleware);
  app.use(csrfMiddleware(secureCookies));
  app.use(inputHygiene);
  const formErrors = formErrorFlash(ctx.config);
  app.use(formErrors.middleware);
  app.use(chartDownloads);

  app.use(authRoutes(ctx, services));
  for (const routes of featureRoutes) app.use(routes(ctx, services));

  app.use((_req, _res, next) => next(new NotFoundError()));
  app.use(errorMiddleware(ctx, formErrors));
  return app;
}

/**
 * A request path fit for the log: no query string, and the token of an invitation or public link
 * (/r/<token>, /p/<token>) masked, since whoever reads the log could otherwise answer as that
 * enterprise.
 */
export function loggablePath(url: string): string {
  // Routing ignores case, so /R/<token> and /P/<token> reach the same handlers and are masked too.
  return String(url).split('?')[0]!.replace(/^\/([rp])\/[^/]+/i, (_m, letter: string) => `/${letter.toLowerCase()}/[token]`);
}

function errorMiddleware(ctx: AppContext, formErrors: ReturnType<typeof formErrorFlash>) {
  return (err: unknown, req: Request, res: Response, _next: NextFunction): void => {
    let error: AppError;
    const refused = err instanceof AppError ? undefined : (clientError(err) ?? databaseInputError(err));
    if (err instanceof AppError) {
      error = err;
    } else if (refused) {
      error = refused;
    } else {
      ctx.logger.error({ err, path: loggablePath(req.originalUrl) }, 'unhandled error');
      error = new AppError('internal', 500, 'errors:internal');
    }
    if (res.headersSent) {
      res.end();
      return;
    }
    const t = req.t ?? translator(DEFAULT_LANGUAGE);
    const message = t(error.messageKey, error.params);
    // A JSON body (the respondents' submit-all, API clients) gets a JSON answer, even when the
    // request failed before reaching its route (body too large, not JSON, NUL character).
    if (isApiRequest(req) || req.is('application/json')) {
      const fields = error.fields.map((f) => ({ path: f.path, message: t(f.key, f.params) }));
      res.status(error.status).json({ error: { code: error.code, message, ...(fields.length ? { fields } : {}), ...(error.fieldsOmitted ? { fieldsOmitted: error.fieldsOmitted } : {}) } });
      return;
    }
    // A refused form POST goes back to its page, with the errors beside its fields and a summary.
    if (formErrors.redirectBack(req, res, error)) return;
    const showStack = ctx.config.env === 'development' && !(err instanceof AppError) && err instanceof Error;
    res.status(error.status).render('errors/error', {
      title: message,
      status: error.status,
      message,
      fields: error.fields.map((f) => ({ path: f.path, message: t(f.key, f.params) })),
      stack: showStack ? (err as Error).stack : undefined,
    });
  };
}

/**
 * Errors that body-parser and the router raise for a malformed request (http-errors with a 4xx
 * status and a `type`): the client's fault, answered as such rather than as a 500.
 */
function clientError(err: unknown): AppError | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const { type, status, expose } = err as { type?: unknown; status?: unknown; expose?: unknown };
  switch (type) {
    case 'entity.too.large':
    case 'parameters.too.many':
      return new AppError('payload_too_large', 413, 'errors:tooLarge');
    case 'entity.parse.failed':
      return new AppError('invalid_json', 400, 'errors:invalidJson');
    case 'charset.unsupported':
    case 'encoding.unsupported':
      return new AppError('unsupported_encoding', 415, 'errors:unsupportedEncoding');
  }
  if (typeof status === 'number' && status >= 400 && status < 500 && expose !== false) return new AppError('bad_request', status, 'errors:badRequest');
  return undefined;
}

/**
 * A value that passed validation but that the database refuses to store: a NUL character (PostgreSQL
 * text cannot hold it), a number outside the column's range, a string longer than a varchar column
 * (SQLite does not enforce lengths, PostgreSQL does). The statement failed, so its transaction was
 * rolled back and nothing changed; the input is at fault, not the server.
 */
function databaseInputError(err: unknown): AppError | undefined {
  const code = typeof err === 'object' && err !== null ? (err as { code?: unknown }).code : undefined;
  switch (code) {
    case '22021': // character_not_in_repertoire (0x00 in a UTF-8 text)
    case '22P05': // untranslatable_character
      return new AppError('invalid_characters', 400, 'errors:controlCharacters');
    case '22003': // numeric_value_out_of_range
      return new AppError('value_out_of_range', 400, 'errors:outOfRange');
    case '22001': // string_data_right_truncation
      return new AppError('value_too_long', 400, 'errors:tooLongToStore');
  }
  return undefined;
}
