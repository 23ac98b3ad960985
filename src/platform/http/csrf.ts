// CSRF protection for Foyer's own forms: a random per-browser cookie plus a form field
// holding an HMAC of it under a server secret. A cross-site page can neither read the
// cookie nor compute the HMAC, so it cannot forge the field.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Middleware } from 'koa';
import { DomainError } from '../errors.js';

const COOKIE = 'foyer.csrf';
const CSRF_FIELD = '_csrf';
const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export class CsrfError extends DomainError {
  constructor() {
    super('csrf_failed',
      'This form has expired or was not sent from this site. Go back, reload the page and try again.', 403);
  }
}

export function csrfProtection({ secret, secure }: { secret: string; secure: boolean }): Middleware {
  const tokenFor = (cookie: string) => createHmac('sha256', secret).update(cookie).digest('base64url');

  return async function csrfMiddleware(ctx, next) {
    let cookie = ctx.cookies.get(COOKIE);
    if (!cookie || !/^[A-Za-z0-9_-]{32,64}$/.test(cookie)) {
      cookie = randomBytes(32).toString('base64url');
      ctx.cookies.set(COOKIE, cookie, { httpOnly: true, sameSite: 'lax', secure, path: '/', overwrite: true });
      // A cookie just made cannot have been used by an earlier form.
      ctx.state.csrfFresh = true;
    }
    const expected = tokenFor(cookie);
    ctx.state.csrfToken = expected;

    if (UNSAFE.has(ctx.method)) {
      // A file upload (multipart) is not parsed before this check: its form carries the
      // token in its action URL instead.
      const fromQuery = ctx.is('multipart/form-data') ? ctx.query[CSRF_FIELD] : undefined;
      const sent = (ctx.request as { body?: Record<string, unknown> }).body?.[CSRF_FIELD] ?? fromQuery
        ?? ctx.get('x-csrf-token');
      const a = Buffer.from(typeof sent === 'string' ? sent : '');
      const b = Buffer.from(expected);
      if (ctx.state.csrfFresh || a.length !== b.length || !timingSafeEqual(a, b)) throw new CsrfError();
    }
    await next();
  };
}
