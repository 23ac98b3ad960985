import type { MigrationInterface, QueryRunner } from 'typeorm';

// Applications get people: owners and application administrators (who may edit the app and
// see its users without being system Administrators). The first-party mark lets an
// Administrator skip the consent page for on-request claims; personal applications are a
// user's own machine clients (client credentials) within an organization.
export class ApplicationMembers1732360000000 implements MigrationInterface {
  name = 'ApplicationMembers1732360000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE clients ADD COLUMN first_party boolean NOT NULL DEFAULT false`);
    await q.query(`ALTER TABLE clients ADD COLUMN kind text NOT NULL DEFAULT 'application' CHECK (kind IN `
      + `('application', 'personal'))`);
    await q.query('ALTER TABLE clients ADD COLUMN organization_id integer REFERENCES organizations (id) ON DELETE '
      + 'RESTRICT');
    await q.query(`
      CREATE TABLE client_members (
        client_id text NOT NULL REFERENCES clients (client_id) ON DELETE CASCADE,
        user_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        role text NOT NULL CHECK (role IN ('owner', 'admin')),
        added_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (client_id, user_id)
      )`);
    await q.query('CREATE INDEX client_members_user_idx ON client_members (user_id)');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE client_members');
    await q.query('ALTER TABLE clients DROP COLUMN organization_id');
    await q.query('ALTER TABLE clients DROP COLUMN kind');
    await q.query('ALTER TABLE clients DROP COLUMN first_party');
  }
}
