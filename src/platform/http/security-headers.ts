// The security headers of every response, set in one place, before anything else answers (the
// provider's routes included). The CSP allows no inline script: the pages' scripts are files
// under /static (src/platform/http/static-files.routes.ts). The provider's form_post page is the one
// page with an inline script; oidc-provider adds that script's sha256 to this script-src
// itself (lib/helpers/script_src_sha.js), which is why the header is set before next().
import type { Middleware } from 'koa';

const csp = (https: boolean) => [
  "default-src 'self'",
  "script-src 'self'",
  // layout.njk (and a few pages) have an inline <style>; templates carry no style attributes
  // (scripts/check-views.mjs). Styles cannot run code.
  "style-src 'self' 'unsafe-inline'",
  // Applications' logos (logo_uri) and profile pictures may be images elsewhere; an http
  // issuer (a development set-up) may show http ones, an https one would see them as mixed content.
  `img-src 'self' data: https:${https ? '' : ' http:'}`,
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
  // No form-action: the sign-in and consent forms post here, and the provider then redirects
  // to each application's redirect_uri (and form_post posts to it); browsers hold that
  // redirect chain to form-action, so any list here would break signing in to some app.
].join('; ');

/** A year: browsers remember that this host is https-only. */
const HSTS = 'max-age=31536000';

export function securityHeaders({ https }: { https: boolean }): Middleware {
  const policy = csp(https);
  return async function securityHeadersMiddleware(ctx, next) {
    ctx.set('Content-Security-Policy', policy);
    ctx.set('X-Content-Type-Options', 'nosniff');
    ctx.set('X-Frame-Options', 'DENY'); // frame-ancestors for browsers that predate it
    ctx.set('Referrer-Policy', 'same-origin'); // pages with secrets in the URL tighten it to no-referrer
    if (https) ctx.set('Strict-Transport-Security', HSTS);
    await next();
  };
}
