// A request id on every request (taken from X-Request-Id when a proxy set a sane one) and
// one structured log line per request. Only the path is logged: query strings can carry
// codes and tokens.
import { randomUUID } from 'node:crypto';
import type { Middleware } from 'koa';
import type { Logger } from './logger.js';

const SANE_ID = /^[A-Za-z0-9._-]{8,128}$/;

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
      logger.info({ requestId, method: ctx.method, path: ctx.path, status: ctx.status, ms }, 'request');
    }
  };
}
