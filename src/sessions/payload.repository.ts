// Provider records outside the provider: revoking everything an account holds, and
// sweeping expired rows.
import { type Db } from '../db/database.js';

/** Deletes every session, grant, code and token of an account; returns how many rows went. */
export async function revokeAccountTokens(tx: Db, accountId: string): Promise<number> {
  const { rowCount } = await tx.query('DELETE FROM oidc_payloads WHERE account_id = $1', [accountId]);
  return rowCount ?? 0;
}

/** Deletes expired rows in small batches so the sweep never holds long locks. */
export async function sweepExpiredPayloads(db: Db, batchSize = 5000): Promise<number> {
  let total = 0;
  for (;;) {
    const { rowCount } = await db.query(
      `DELETE FROM oidc_payloads WHERE ctid IN (
         SELECT ctid FROM oidc_payloads WHERE expires_at < now() LIMIT $1)`, [batchSize]);
    total += rowCount ?? 0;
    if ((rowCount ?? 0) < batchSize) return total;
  }
}
