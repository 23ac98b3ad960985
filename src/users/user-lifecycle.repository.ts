// What the lifecycle reads of an account's provider records before it ends them: the
// sessions (with the apps used in each, for back-channel logout) and their handles. The
// revocations themselves are the sessions room's (payload.repository.ts, account-records).
import type { Db } from '../db/database.js';
import type { EndedSession } from '../sessions/ended-sessions.js';

export function createUserLifecycleRepository(db: Db) {
  return {
    /** Sessions of the account and the apps used in each, read before they are deleted. */
    async sessionsOf(accountId: string, tx?: Db): Promise<EndedSession[]> {
      const { rows } = await (tx ?? db).query<{ clients: { clientId: string; sid: string }[] }>(
        `SELECT coalesce((SELECT jsonb_agg(jsonb_build_object('clientId', a.key, 'sid', a.value->>'sid'))
                          FROM jsonb_each(coalesce(s.payload->'authorizations', '{}'::jsonb)) a),
                         '[]'::jsonb) AS clients
         FROM oidc_payloads s WHERE s.model = 'Session' AND s.account_id = $1`, [accountId]);
      return rows.map((r) => ({ clients: r.clients }));
    },

    /** The handles (stored ids) of the account's sessions. */
    async sessionHandles(accountId: string, tx?: Db): Promise<string[]> {
      const { rows } = await (tx ?? db).query<{ handle: string }>(
        `SELECT id AS handle FROM oidc_payloads WHERE model = 'Session' AND account_id = $1`, [accountId]);
      return rows.map((h) => h.handle);
    },
  };
}

export type UserLifecycleRepository = ReturnType<typeof createUserLifecycleRepository>;
