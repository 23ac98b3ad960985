// Read model of the console's Jobs page: mass actions (bulk_jobs), CSV imports (import_jobs)
// and CSV exports (export_jobs) in one list, newest first, keyset-paginated on (created_at,
// kind, id) with the id compared as a number. Each table is read through its own
// (created_at, id) index, at most a page of it, and only the page's mass actions have their
// items counted. Whose jobs are listed is job.policy.ts's listedJobs.
import { type Db } from '../db/database.js';
import { listedJobs, type JobViewer } from './job.policy.js';

export const JOB_KINDS = ['mass-action', 'import', 'export'] as const;
export type JobKind = (typeof JOB_KINDS)[number];

export interface JobListRow {
  kind: JobKind;
  id: string;
  actorId: string | null;
  actorLabel: string | null;
  createdAt: Date;
  finishedAt: Date | null;
  /** As the job's own table says it (bulk_jobs, import_jobs and export_jobs each have their statuses). */
  status: string;
  /** Users of a mass action or an export, rows of an import. */
  total: number;
  /** Of `total`: settled (mass action), analyzed or applied (import), written (export). */
  progress: number;
  /** A mass action's users done and failed so far; null for the other kinds. */
  done: number | null;
  failed: number | null;
  /** A mass action's action, and the group's name for the group actions. */
  action: string | null;
  groupName: string | null;
  /** An import's file and summary (import-job.repository.ts ImportSummary). */
  fileName: string | null;
  summary: Record<string, unknown> | null;
  error: string | null;
  /** When an import's rows or an export's file were deleted (job-retention.ts). */
  removedAt: Date | null;
}

export interface JobListQuery {
  viewer: JobViewer;
  /** One kind only; all three without. */
  kind?: JobKind;
  /** Older than this cursor (a row's `cursor` from an earlier page). */
  before?: string;
  limit: number;
}

export interface JobListPage {
  rows: JobListRow[];
  /** The cursor of the next (older) page, when there is one. */
  next?: string;
}

interface Cursor { time: string; kind: JobKind; id: string }

const TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;

function encodeCursor(c: Cursor): string {
  return Buffer.from(JSON.stringify([c.time, c.kind, c.id])).toString('base64url');
}

/** A cursor that cannot be one reads as none: the first page. */
function decodeCursor(raw: string | undefined): Cursor | undefined {
  if (!raw || raw.length > 200) return undefined;
  try {
    const [time, kind, id] = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
    if (typeof time === 'string' && TIME.test(time) && (JOB_KINDS as readonly string[]).includes(kind)
      && typeof id === 'string' && /^[0-9]{1,18}$/.test(id)) {
      return { time, kind, id };
    }
  } catch {
    // not a cursor
  }
  return undefined;
}

/** Each kind's table as the list's columns, on alias `j`, each named (any may come first). Constants, never input. */
const BRANCHES: Record<JobKind, { table: string; columns: string }> = {
  'mass-action': { table: 'bulk_jobs', columns: `NULL::int AS progress, j.action, j.params, NULL::text AS file_name,
    NULL::jsonb AS summary, NULL::text AS error, NULL::timestamptz AS removed_at` },
  import: { table: 'import_jobs', columns: `CASE WHEN j.status = 'analyzing' THEN j.analyzed ELSE j.applied END
    AS progress, NULL::text AS action, NULL::jsonb AS params, j.file_name, j.summary, j.error,
    j.rows_removed_at AS removed_at` },
  export: { table: 'export_jobs', columns: `j.rows_done AS progress, NULL::text AS action, NULL::jsonb AS params,
    NULL::text AS file_name, NULL::jsonb AS summary, j.error, j.file_removed_at AS removed_at` },
};

const TIME_TEXT = (column: string) => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

export function createJobsQuery(db: Db) {
  return {
    async list(query: JobListQuery): Promise<JobListPage> {
      const values: unknown[] = [];
      const param = (v: unknown) => `$${values.push(v)}`;
      const whose = listedJobs(query.viewer);
      const owner = whose.all ? undefined : param(whose.actorId);
      const cursor = decodeCursor(query.before);
      const at = cursor ? param(cursor.time) : undefined;
      const limit = param(query.limit + 1);
      const kinds = query.kind ? [query.kind] : [...JOB_KINDS];
      const branches = kinds.map((kind) => {
        const { table, columns } = BRANCHES[kind];
        const conditions: string[] = [];
        if (owner) conditions.push(`j.actor_id = ${owner}::bigint`);
        // (created_at, kind, id) < the cursor's, with this branch's kind a constant: index-friendly.
        if (cursor && at) {
          conditions.push(kind < cursor.kind ? `j.created_at <= ${at}::timestamptz`
            : kind > cursor.kind ? `j.created_at < ${at}::timestamptz`
            : `(j.created_at, j.id) < (${at}::timestamptz, ${param(cursor.id)}::bigint)`);
        }
        return `(SELECT '${kind}'::text AS kind, j.id, j.actor_id, j.actor_label, j.created_at, j.finished_at, j.status,
            j.total, ${columns}
          FROM ${table} j ${conditions.length ? `WHERE ${conditions.join(' AND ')}` : ''}
          ORDER BY j.created_at DESC, j.id DESC LIMIT ${limit})`;
      });
      // p.id and p.created_at, never the select list's text id and cursor: ordered as numbers and times.
      const { rows } = await db.query<JobListRow & { cursorTime: string }>(
        `SELECT p.kind, p.id::text AS id, p.actor_id::text AS "actorId", p.actor_label AS "actorLabel",
           p.created_at AS "createdAt", p.finished_at AS "finishedAt", p.status, p.total,
           CASE WHEN p.kind = 'mass-action' THEN c.done + c.failed ELSE p.progress END AS progress,
           CASE WHEN p.kind = 'mass-action' THEN c.done END AS done,
           CASE WHEN p.kind = 'mass-action' THEN c.failed END AS failed, p.action, g.name AS "groupName",
           p.file_name AS "fileName", p.summary, p.error, p.removed_at AS "removedAt",
           ${TIME_TEXT('p.created_at')} AS "cursorTime"
         FROM (SELECT * FROM (${branches.join(' UNION ALL ')}) u
               ORDER BY u.created_at DESC, u.kind DESC, u.id DESC LIMIT ${limit}) p
         LEFT JOIN LATERAL (
           SELECT count(*) FILTER (WHERE i.status = 'done')::int AS done,
             count(*) FILTER (WHERE i.status = 'failed')::int AS failed
           FROM bulk_job_items i WHERE p.kind = 'mass-action' AND i.job_id = p.id) c ON true
         LEFT JOIN groups g ON p.kind = 'mass-action'
           AND g.id = CASE WHEN p.params->>'groupId' ~ '^[0-9]{1,18}$' THEN (p.params->>'groupId')::bigint END
         ORDER BY p.created_at DESC, p.kind DESC, p.id DESC`, values);
      const more = rows.length > query.limit;
      const page = rows.slice(0, query.limit);
      const last = page.at(-1);
      const next = more && last ? encodeCursor({ time: last.cursorTime, kind: last.kind, id: last.id }) : undefined;
      return { rows: page.map(({ cursorTime: _, ...row }) => row), next };
    },
  };
}

export type JobsQuery = ReturnType<typeof createJobsQuery>;
