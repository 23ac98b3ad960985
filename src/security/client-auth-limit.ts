// Guessing client secrets at the token endpoint: in front of the provider's mount, an address
// with too many failed client authentications (the provider's 401 invalid_client) gets 429
// with an OAuth error body and Retry-After until its window ends. The provider itself is not
// touched: its answer is read after it ran.
import type { Middleware } from 'koa';
import type { Logger } from '../platform/logger.js';
import { retryText, type FailureLimit } from './rate-limits.js';

/** The endpoints that authenticate clients (oidc-provider's default routes). */
const CLIENT_AUTH_PATHS = new Set(['/token', '/token/introspection', '/token/revocation']);

const WARN_EVERY_MS = 60_000;

export function clientAuthRateLimit(limit: FailureLimit, logger: Logger): Middleware {
  let lastWarning = 0;
  // The counter is a safeguard, not the gate: if it cannot be read the provider still answers
  // (it needs the same database), and the problem is logged at most once a minute, without the error object.
  const unavailable = (err: unknown) => {
    if (Date.now() - lastWarning < WARN_EVERY_MS) return;
    lastWarning = Date.now();
    logger.warn({ code: (err as { code?: unknown })?.code },
      'client authentication rate limit unavailable; requests are let through');
  };

  return async function clientAuthRateLimitMiddleware(ctx, next) {
    if (ctx.method !== 'POST' || !CLIENT_AUTH_PATHS.has(ctx.path)) return next();
    const check = await limit.check(ctx.ip).catch((err: unknown) => {
      unavailable(err);
      return undefined;
    });
    if (check?.refused) {
      ctx.status = 429;
      ctx.set('Retry-After', String(check.retryAfterSeconds));
      ctx.set('Cache-Control', 'no-store');
      // slow_down: the registered token-endpoint error that tells a client to back off.
      ctx.body = {
        error: 'slow_down',
        error_description: `too many failed client authentications from this address; try again ${retryText(check)}`,
      };
      return;
    }
    await next();
    if (ctx.status === 401 && (ctx.body as { error?: unknown } | undefined)?.error === 'invalid_client') {
      await limit.fail(ctx.ip).catch(unavailable);
    }
  };
}
