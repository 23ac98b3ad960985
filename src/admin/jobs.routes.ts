// /admin/jobs: the mass actions, imports and exports, newest first, each linking to its own
// page (/admin/jobs/:id, /admin/imports/:id, /admin/exports/:id). Administrators see every
// job, other staff the jobs they started (job.policy.ts).
import Router from '@koa/router';
import type { JobsQuery } from '../jobs/jobs.query.js';
import type { Views } from '../platform/views.js';
import { renderConsole, staffOf } from './console-context.js';
import { parseJobsQuery } from './jobs.input.js';
import { JOB_KIND_LABELS, presentJob } from './jobs.presenter.js';

/** The services this section uses, and no others. */
export interface JobSectionServices {
  jobs: JobsQuery;
}

const PAGE = 50;

export function jobRoutes({ services, views }: { services: JobSectionServices; views: Views }): Router {
  const router = new Router();

  router.get('/jobs', async function listJobs(ctx) {
    const { kind, before } = parseJobsQuery(ctx.query);
    const staff = staffOf(ctx);
    const page = await services.jobs.list({ viewer: staff, kind, before, limit: PAGE });
    const link = (cursor: Record<string, string>) => {
      const qs = new URLSearchParams({ ...(kind ? { kind } : {}), ...cursor });
      return `/admin/jobs${qs.size ? `?${qs}` : ''}`;
    };
    ctx.set('Cache-Control', 'no-store');
    renderConsole(ctx, views, 'admin/jobs/list.njk', 'jobs', {
      kind, everyone: staff.isAdmin, rows: page.rows.map(presentJob),
      kinds: Object.entries(JOB_KIND_LABELS).map(([value, label]) => ({ value, label })),
      next: page.next ? link({ before: page.next }) : undefined,
      newest: before ? link({}) : undefined,
    });
  });

  return router;
}
