import type { MigrationInterface, QueryRunner } from 'typeorm';

// Service accounts for provisioning (issue 16, item 9): a users row marked service_account is no
// person. It holds the API key a provisioning system (SCIM) uses, so the integration no longer
// stops when the staff member who made a key is blocked, locked or leaves. It has no password and
// no email, never signs in, gets no mail and is not counted as an Administrator who can get back
// in. API keys can expire: a key whose expires_at has passed is refused like an unknown one.
//
// down(): the code before this migration knows neither marker nor expiry. So that a rollback
// hands no one a working non-human Administrator or a key past (or without) its end, service
// accounts are blocked (their keys stop; the rows and their audit trail stay for an admin to
// delete) and every key that has an expiry is deleted.
export class ServiceAccounts1732420000000 implements MigrationInterface {
  name = 'ServiceAccounts1732420000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE users ADD COLUMN service_account boolean NOT NULL DEFAULT false');
    // The Service accounts page lists them out of a directory of any size.
    await q.query('CREATE INDEX users_service_account_idx ON users (id) WHERE service_account');
    await q.query('ALTER TABLE api_keys ADD COLUMN expires_at timestamptz');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DELETE FROM api_keys WHERE expires_at IS NOT NULL');
    await q.query('ALTER TABLE api_keys DROP COLUMN expires_at');
    await q.query(`UPDATE users SET blocked = true, blocked_at = coalesce(blocked_at, now())
      WHERE service_account AND NOT blocked`);
    await q.query('DROP INDEX users_service_account_idx');
    await q.query('ALTER TABLE users DROP COLUMN service_account');
  }
}
