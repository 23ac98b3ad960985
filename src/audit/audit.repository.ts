// SQL for the audit log's writes (reading it for the console is audit.query.ts).
import type { Db } from '../db/database.js';

export interface AuditEventRecord {
  actorType: string;
  actorId: string | null;
  actorLabel: string | null;
  action: string;
  targetUserId: string | null;
  targetLabel: string | null;
  details: Record<string, unknown>;
}

export function createAuditRepository(db: Db) {
  return {
    async insert(event: AuditEventRecord, tx?: Db): Promise<void> {
      await (tx ?? db).query(
        `INSERT INTO audit_events (actor_type, actor_id, actor_label, action, target_user_id, target_label, details)
         VALUES ($1, $2, $3, $4, $5, $6, $7)`,
        [event.actorType, event.actorId, event.actorLabel, event.action, event.targetUserId, event.targetLabel,
          JSON.stringify(event.details)],
      );
    },

    /** A deleted user's past events keep only `label` (their login, or the id) as target and actor label. */
    async relabelUser(userId: string, label: string, tx?: Db): Promise<void> {
      await (tx ?? db).query('UPDATE audit_events SET target_label = $2 WHERE target_user_id = $1', [userId, label]);
      await (tx ?? db).query("UPDATE audit_events SET actor_label = $2 WHERE actor_type = 'user' AND actor_id = $1",
        [userId, label]);
    },
  };
}

export type AuditRepository = ReturnType<typeof createAuditRepository>;
