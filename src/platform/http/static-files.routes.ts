// The pages' scripts (public/*.js): a fixed list read once at start-up, so no request can name
// another file. They are small and change only with a release, hence an hour of caching with
// an ETag to revalidate.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Router from '@koa/router';

const PUBLIC_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../public');
const FILES = ['row-links.js', 'privacy-forms.js', 'copy-field.js', 'set-password.js'] as const;

export function staticFileRoutes(): Router {
  const files = new Map(FILES.map((name) => {
    const body = readFileSync(path.join(PUBLIC_DIR, name));
    return [name, { body, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"` }] as const;
  }));
  const router = new Router();
  router.get('/static/:file', function serveStaticFile(ctx) {
    const file = files.get(ctx.params.file as (typeof FILES)[number]);
    if (!file) return; // the not-found page
    ctx.set('Cache-Control', 'public, max-age=3600');
    ctx.set('ETag', file.etag);
    ctx.type = 'text/javascript; charset=utf-8';
    if (ctx.get('if-none-match') === file.etag) {
      ctx.status = 304;
      return;
    }
    ctx.body = file.body;
  });
  return router;
}
