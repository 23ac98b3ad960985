import Router from '@koa/router';
import { type Db } from '../../db/database.js';

/** 200 when the database answers within two seconds, 503 otherwise. */
export function healthRoutes(db: Db): Router {
  const router = new Router();
  router.get('/healthz', async function healthz(ctx) {
    ctx.set('Cache-Control', 'no-store');
    try {
      await Promise.race([
        db.query('SELECT 1'),
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
