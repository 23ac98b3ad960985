// A request id on every request (taken from X-Request-Id when a proxy set a sane one) and
// one structured log line per request. Only the path is logged, never the query string
// (codes, tokens), and never a token that a one-time link carries in its path.
import { randomUUID } from 'node:crypto';
import type { Middleware } from 'koa';
import type { Logger } from '../logger.js';

const SANE_ID = /^[A-Za-z0-9._-]{8,128}$/;
// Path segments that look like tokens (one-time links carry them in the path).
const OPAQUE_SEGMENT = /\/[A-Za-z0-9_-]{20,}(?=\/|$)/g;

/**
 * What to log for a request's path: the route pattern when a router matched it
 * ("/setup/:token"), otherwise the path with token-like segments masked.
 */
function loggablePath(ctx: { path: string; _matchedRoute?: unknown }): string {
  return typeof ctx._matchedRoute === 'string' ? ctx._matchedRoute : ctx.path.replace(OPAQUE_SEGMENT, '/…');
}

/**
 * ctx.state of every request. The child logger is made only for requests that log
 * something of their own (most do not): on the token path every allocation counts.
 */
class RequestState {
  [key: string]: unknown;
  #log: Logger | undefined;

  constructor(private readonly logger: Logger, readonly requestId: string) {}

  get log(): Logger {
    this.#log ??= this.logger.child({ requestId: this.requestId });
    return this.#log;
  }
}

export function requestContext(logger: Logger): Middleware {
  return async function requestContextMiddleware(ctx, next) {
    const incoming = ctx.get('x-request-id');
    const requestId = SANE_ID.test(incoming) ? incoming : randomUUID();
    ctx.state = new RequestState(logger, requestId);
    ctx.set('X-Request-Id', requestId);
    const started = performance.now();
    try {
      await next();
    } finally {
      const ms = Math.round((performance.now() - started) * 10) / 10;
      logger.info({ requestId, method: ctx.method, path: loggablePath(ctx), status: ctx.status, ms }, 'request');
    }
  };
}
