// Post/redirect/get for a secret that is shown once (an API key, a client secret, a recovery
// link). The POST that makes it hands it to its result page in a short-lived, signed, HttpOnly,
// SameSite=Strict cookie scoped to that page's path, and answers 303: the secret is in no URL
// and no history entry, and a reload re-posts nothing. The result page takes the cookie and
// clears it at once, so reloading it (or coming back to it) finds nothing and says the secret
// was shown already: never the secret again, and never another one made. Both responses are
// no-store.
import type { Context } from 'koa';

/** Long enough for the redirect that follows the POST; the result page clears it at once. */
const HANDOVER_MS = 5 * 60_000;

export interface OneTimeView<T> {
  /** Hands `value` for `subject` to the result page at `location` (303). */
  showOnce(ctx: Context, subject: string, value: T, location: string): void;
  /** What was handed over for `subject`, if anything; whatever this path held is cleared. Sets no-store. */
  take(ctx: Context, subject: string): T | undefined;
}

/**
 * `cookie` names the handover; `path(subject)` is the cookie's path: the result page's own (or
 * a prefix of it). Values travel as signed JSON (app.keys), so they cannot be forged or changed.
 */
export function oneTimeView<T>({ cookie, path, secure }: { cookie: string; path: (subject: string) => string;
  secure: boolean; }): OneTimeView<T> {
  const options = (subject: string) => ({ httpOnly: true, sameSite: 'strict' as const, secure, path: path(subject),
    signed: true, overwrite: true });
  return {
    showOnce(ctx, subject, value, location) {
      const payload = Buffer.from(JSON.stringify({ subject, value })).toString('base64url');
      ctx.cookies.set(cookie, payload, { ...options(subject), maxAge: HANDOVER_MS });
      ctx.set('Cache-Control', 'no-store');
      ctx.status = 303;
      ctx.redirect(location);
    },

    take(ctx, subject) {
      ctx.set('Cache-Control', 'no-store');
      const payload = ctx.cookies.get(cookie, { signed: true });
      if (ctx.cookies.get(cookie) !== undefined) ctx.cookies.set(cookie, null, options(subject));
      if (!payload) return undefined;
      try {
        const handed = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { subject?: unknown;
          value?: T; };
        return handed.subject === subject ? handed.value : undefined;
      } catch {
        return undefined;
      }
    },
  };
}
