// Append-only audit log. Written inside the caller's transaction so an action and its
// record land (or fail) together. Never pass passwords or secrets in `details`.
import type { DataSource, EntityManager } from 'typeorm';

export interface Actor {
  type: 'user' | 'cli' | 'system' | 'setup';
  id?: string | null;
  label?: string | null;
}

export interface AuditEvent {
  actor: Actor;
  action: string;
  targetUserId?: string | null;
  targetLabel?: string | null;
  details?: Record<string, unknown>;
}

export const CLI_ACTOR: Actor = { type: 'cli', label: 'command line' };

export function createAuditLog(dataSource: DataSource) {
  return {
    async record(event: AuditEvent, manager?: EntityManager): Promise<void> {
      await (manager ?? dataSource.manager).query(
        `INSERT INTO audit_events (actor_type, actor_id, actor_label, action, target_user_id, target_label, details)
         VALUES ($1, $2, $3, $4, $5, $6, $7)`,
        [event.actor.type, event.actor.id ?? null, event.actor.label ?? null, event.action,
          event.targetUserId ?? null, event.targetLabel ?? null, JSON.stringify(event.details ?? {})],
      );
    },
  };
}

export type AuditLog = ReturnType<typeof createAuditLog>;
