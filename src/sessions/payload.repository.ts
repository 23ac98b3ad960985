// Provider records outside the provider: revoking everything an account holds, and
// sweeping expired rows.
import type { EntityManager } from 'typeorm';
import type { Sql } from '../db/sql.js';

/** Deletes every session, grant, code and token of an account; returns how many rows went. */
export async function revokeAccountTokens(manager: EntityManager, accountId: string): Promise<number> {
  const result = await manager.query('DELETE FROM oidc_payloads WHERE account_id = $1', [accountId]);
  // TypeORM returns [rows, affected] for DELETE on postgres.
  return Array.isArray(result) && typeof result[1] === 'number' ? result[1] : 0;
}

/** Deletes expired rows in small batches so the sweep never holds long locks. */
export async function sweepExpiredPayloads(sql: Sql, batchSize = 5000): Promise<number> {
  let total = 0;
  for (;;) {
    const { rowCount } = await sql.query(
      `DELETE FROM oidc_payloads WHERE ctid IN (
         SELECT ctid FROM oidc_payloads WHERE expires_at < now() LIMIT $1)`, [batchSize]);
    total += rowCount ?? 0;
    if ((rowCount ?? 0) < batchSize) return total;
  }
}
