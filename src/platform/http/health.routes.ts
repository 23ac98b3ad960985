import Router from '@koa/router';
import type { Sql } from '../../db/sql.js';

/** 200 when the database answers within two seconds, 503 otherwise. */
export function healthRoutes(sql: Sql): Router {
  const router = new Router();
  router.get('/healthz', async function healthz(ctx) {
    ctx.set('Cache-Control', 'no-store');
    try {
      await Promise.race([
        sql.query('SELECT 1'),
        new Promise((_, reject) => setTimeout(() => reject(new Error('database timeout')), 2000).unref()),
      ]);
      ctx.body = { status: 'ok', database: 'up' };
    } catch {
      ctx.status = 503;
      ctx.body = { status: 'unavailable', database: 'down' };
    }
  });
  return router;
}
