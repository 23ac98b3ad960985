// Errors mapped once: domain errors become a page or JSON with their own status and code;
// a vanished interaction gets a page that explains it; anything else is a generic 500
// with the detail in the log only.
import type { Middleware } from 'koa';
import { errors as oidcErrors } from 'oidc-provider';
import { DomainError, ValidationError } from '../errors.js';
import { answerUnavailable, reportOutage } from './database-unavailable.js';
import { safeError } from '../logger.js';
import type { Views } from '../views.js';

/** Errors about the request itself from Koa or the body parser (malformed body, too large): 4xx, never 500. */
function isClientError(err: unknown): boolean {
  const status = (err as { status?: unknown }).status;
  return typeof status === 'number' && status >= 400 && status < 500;
}

export function errorHandler(views: Views): Middleware {
  return async function errorHandlerMiddleware(ctx, next) {
    try {
      await next();
    } catch (err) {
      let status = 500;
      let code = 'server_error';
      let message = 'Something went wrong on our side. Please try again; if it keeps happening, contact your '
        + 'administrator.';
      let title = 'Something went wrong';
      let fields: Record<string, string> | undefined;

      if (err instanceof oidcErrors.SessionNotFound || err instanceof oidcErrors.InvalidRequest) {
        status = 400;
        code = 'interaction_expired';
        title = 'This sign-in has expired';
        message = 'The sign-in request was not found or took too long. Go back to the application you came from and '
          + 'start signing in again.';
      } else if (err instanceof DomainError) {
        status = err.status;
        code = err.code;
        message = err.message;
        title = status === 404 ? 'Not found' : status === 403 ? 'Not allowed' : 'That did not work';
        if (err instanceof ValidationError) fields = err.fields;
      } else if (isClientError(err)) {
        // Koa / body parser client errors (malformed body, too large, ...).
        status = (err as { status: number }).status;
        code = 'bad_request';
        title = 'That request could not be read';
        message = (err as Error).message;
      } else if (reportOutage(ctx, err)) {
        // The database is unreachable: 503 with Retry-After; the outage monitor logs it once.
        return answerUnavailable(ctx, views, ctx.accepts('html', 'json') !== 'json');
      } else {
        // Through the logger's error serializer (src/platform/logger.ts): no query parameters, SQL or database context.
        if (ctx.state.log) ctx.state.log.error({ err: safeError(err) }, 'unhandled error');
        else console.error('unhandled error', JSON.stringify(safeError(err)));
      }

      ctx.status = status;
      ctx.set('Cache-Control', 'no-store');
      if (ctx.accepts('html', 'json') === 'json') {
        ctx.body = { error: code, error_description: message, ...(fields ? { fields } : {}) };
      } else {
        ctx.type = 'html';
        ctx.body = views.render('errors/error.njk', { title, message, status, requestId: ctx.state.requestId });
      }
    }
  };
}

/** The last middleware: a page (or JSON) for paths nothing answered. */
export function notFound(views: Views): Middleware {
  return function notFoundMiddleware(ctx) {
    ctx.status = 404;
    if (ctx.accepts('html', 'json') === 'json') {
      ctx.body = { error: 'not_found', error_description: 'Nothing is here.' };
    } else {
      ctx.type = 'html';
      ctx.body = views.render('errors/error.njk',
        { title: 'Not found', message: 'There is no page at this address.', status: 404,
          requestId: ctx.state.requestId });
    }
  };
}
