// What a client gets while the database is unreachable: 503 with Retry-After, as a page for
// browsers and as `temporarily_unavailable` for JSON and OAuth clients. Foyer's own error
// handler answers its routes (one branch there); the provider, which catches its errors
// itself and would answer `server_error` 500, is covered by the middleware below.
import type { Context, Middleware } from 'koa';
import type Provider from 'oidc-provider';
import { isDatabaseOutage, RETRY_AFTER_SECONDS, TEMPORARILY_UNAVAILABLE } from '../../db/database-outage.js';
import type { Views } from '../views.js';

const UNAVAILABLE_PAGE = {
  title: 'Try again shortly',
  message: 'This service is briefly unavailable. Nothing you did caused it; please try again shortly.',
} as const;

/** Tells the process's outage monitor (it logs once per outage); true when `err` is an outage. */
export function reportOutage(ctx: Context, err: unknown): boolean {
  return ctx.databaseOutage ? ctx.databaseOutage.report(err) : isDatabaseOutage(err);
}

export function answerUnavailable(ctx: Context, views: Views, html: boolean): void {
  ctx.status = 503;
  ctx.remove('Location');
  ctx.remove('WWW-Authenticate');
  ctx.set('Retry-After', String(RETRY_AFTER_SECONDS));
  ctx.set('Cache-Control', 'no-store');
  if (html) {
    ctx.type = 'html';
    ctx.body = views.render('errors/error.njk', { ...UNAVAILABLE_PAGE, status: 503, requestId: ctx.state.requestId });
  } else {
    ctx.body = { ...TEMPORARILY_UNAVAILABLE };
  }
}

/**
 * Goes around `mount(provider)`. The provider's error handler turns an adapter, findAccount
 * or client lookup failure into a `server_error` 500 (JSON, its error page, or a redirect to
 * the app) and emits `server_error` with the cause; when that cause is an outage, the answer
 * is replaced here by 503 `temporarily_unavailable` with Retry-After, in the same format the
 * provider chose (JSON unless the client prefers HTML, as the provider decides).
 */
export function providerOutageAnswers(provider: Provider, views: Views): Middleware {
  const outages = new WeakMap<object, unknown>();
  (provider as unknown as NodeJS.EventEmitter).on('server_error', (ctx: object, err: unknown) => {
    if (isDatabaseOutage(err)) outages.set(ctx, err);
  });
  const prefersHtml = (ctx: Context) => ctx.accepts('json', 'html') === 'html';
  return async function providerOutageMiddleware(ctx, next) {
    try {
      await next();
    } catch (err) {
      // What escapes the provider's own handler (its session save runs outside it).
      if (!reportOutage(ctx, err)) throw err;
      answerUnavailable(ctx, views, prefersHtml(ctx));
      return;
    }
    if (outages.has(ctx)) {
      reportOutage(ctx, outages.get(ctx));
      answerUnavailable(ctx, views, prefersHtml(ctx));
    }
  };
}
