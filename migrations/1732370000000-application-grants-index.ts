import type { MigrationInterface, QueryRunner } from 'typeorm';

// An application's page lists the users who granted it, and deleting an application removes
// its grants: both find Grant rows by client. Only Grant rows are indexed, so the token and
// session writes on the hot path pay nothing for it.
export class ApplicationGrantsIndex1732370000000 implements MigrationInterface {
  name = 'ApplicationGrantsIndex1732370000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX oidc_payloads_grant_client_idx ON oidc_payloads ((payload->>'clientId'), account_id) `
      + `WHERE model = 'Grant'`);
    await q.query('CREATE INDEX clients_kind_name_idx ON clients (kind, lower(name), client_id)');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP INDEX clients_kind_name_idx');
    await q.query('DROP INDEX oidc_payloads_grant_client_idx');
  }
}
