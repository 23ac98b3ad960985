// The Jobs page's query: one kind of job or all, and the page cursor. A value that cannot be
// one is dropped: the first page of every job.
import { z } from 'zod';
import { JOB_KINDS } from '../jobs/jobs.query.js';

const first = (v: unknown) => (Array.isArray(v) ? v[0] : v) || undefined;

const jobsQuery = z.object({
  kind: z.preprocess(first, z.enum(JOB_KINDS).optional().catch(undefined)),
  before: z.preprocess(first, z.string().max(200).regex(/^[A-Za-z0-9_-]+$/).optional().catch(undefined)),
});

export const parseJobsQuery = (query: Record<string, unknown>): z.output<typeof jobsQuery> => jobsQuery.parse(query);
