// Append-only audit log. Written inside the caller's transaction so an action and its
// record land (or fail) together. Never pass passwords or secrets in `details`.
import type { Db } from '../db/database.js';
import { createAuditRepository } from './audit.repository.js';

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

export function createAuditLog(db: Db) {
  const events = createAuditRepository(db);
  return {
    async record(event: AuditEvent, tx?: Db): Promise<void> {
      await events.insert({
        actorType: event.actor.type, actorId: event.actor.id ?? null, actorLabel: event.actor.label ?? null,
        action: event.action,
        targetUserId: event.targetUserId ?? null, targetLabel: event.targetLabel ?? null, details: event.details ?? {},
      }, tx);
    },

    /** After a user is deleted, in its transaction: past events keep only `label` about them. */
    relabelUser: (userId: string, label: string, tx: Db) => events.relabelUser(userId, label, tx),
  };
}

export type AuditLog = ReturnType<typeof createAuditLog>;
