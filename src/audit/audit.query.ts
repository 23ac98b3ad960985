// Reading the audit log for the console: newest first, filtered, keyset-paginated by id
// (ids only grow, so "older than this id" is a stable page boundary).
import { type Db } from '../db/database.js';
import type { AuditEventRecord } from './audit.repository.js';
import type { StaffScope } from '../platform/access.js';

/** A stored event: what was recorded (audit.repository.ts), with its id and time. */
export interface AuditEventRow extends AuditEventRecord {
  id: string;
  occurredAt: Date;
}

export interface AuditEventQuery {
  scope: StaffScope;
  targetUserId?: string;
  actorId?: string;
  /** An exact action ("user.created") or a prefix ending in a dot ("user."). */
  action?: string;
  from?: Date;
  to?: Date;
  /** Older than this id (next page) or newer than it (previous page). */
  before?: string;
  after?: string;
  limit: number;
}

export interface AuditEventPage {
  rows: AuditEventRow[];
  next?: string;
  prev?: string;
}

const COLUMNS = `e.id::text AS id, e.occurred_at AS "occurredAt", e.actor_type AS "actorType",
  e.actor_id::text AS "actorId", e.actor_label AS "actorLabel", e.action, e.target_user_id::text AS "targetUserId",
  e.target_label AS "targetLabel", e.details`;

const ID = /^[0-9]{1,18}$/;

export function createAuditQuery(sql: Db) {
  return {
    async list(query: AuditEventQuery): Promise<AuditEventPage> {
      const conditions: string[] = [];
      const values: unknown[] = [];
      const param = (v: unknown) => `$${values.push(v)}`;
      if (query.scope.kind === 'organization') {
        // A Manager sees what happened to the users of their organization.
        conditions.push(query.scope.organizationId === null ? 'false'
          : `e.target_user_id IN (SELECT id FROM users WHERE organization_id = ${param(query.scope.organizationId)})`);
      }
      if (query.targetUserId) conditions.push(`e.target_user_id = ${param(query.targetUserId)}::bigint`);
      if (query.actorId) conditions.push(`e.actor_id = ${param(query.actorId)}::bigint`);
      if (query.action) {
        conditions.push(query.action.endsWith('.')
          ? `e.action LIKE ${param(`${query.action.replace(/[\\%_]/g, (c) => `\\${c}`)}%`)}`
          : `e.action = ${param(query.action)}`);
      }
      if (query.from) conditions.push(`e.occurred_at >= ${param(query.from)}`);
      if (query.to) conditions.push(`e.occurred_at < ${param(query.to)}`);
      const backwards = Boolean(query.after && ID.test(query.after));
      if (backwards) conditions.push(`e.id > ${param(query.after)}::bigint`);
      else if (query.before && ID.test(query.before)) conditions.push(`e.id < ${param(query.before)}::bigint`);
      const where = conditions.length ? `WHERE ${conditions.join(' AND ')}` : '';
      const { rows } = await sql.query<AuditEventRow>(
        `SELECT ${COLUMNS} FROM audit_events e ${where} ORDER BY e.id ${backwards ? 'ASC' : 'DESC'} LIMIT `
          + `${query.limit + 1}`, values);
      const more = rows.length > query.limit;
      const page = rows.slice(0, query.limit);
      if (backwards) page.reverse();
      const result: AuditEventPage = { rows: page };
      const newest = page[0];
      const oldest = page[page.length - 1];
      if (backwards) {
        if (more && newest) result.prev = newest.id;
        if (oldest) result.next = oldest.id;
      } else {
        if (more && oldest) result.next = oldest.id;
        if (query.before && newest) result.prev = newest.id;
      }
      return result;
    },

    /** Distinct action names, for the filter's choices: a skip scan of the action index, cheap however long the log. */
    async actions(): Promise<string[]> {
      const { rows } = await sql.query<{ action: string }>(`
        WITH RECURSIVE a AS (
          SELECT min(action) AS action FROM audit_events
          UNION ALL
          SELECT (SELECT min(action) FROM audit_events WHERE action > a.action) FROM a WHERE a.action IS NOT NULL
        ) SELECT action FROM a WHERE action IS NOT NULL`);
      return rows.map((r) => r.action);
    },
  };
}

export type AuditQuery = ReturnType<typeof createAuditQuery>;
