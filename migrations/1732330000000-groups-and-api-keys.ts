import type { MigrationInterface, QueryRunner } from 'typeorm';

// Provisioning: groups (per organization, or directory-wide), their members, per-user API
// keys for the SCIM API (stored hashed, one per user and organization), the SCIM externalId,
// and parameters for mass actions that need one (the group to add users to).
export class GroupsAndApiKeys1732330000000 implements MigrationInterface {
  name = 'GroupsAndApiKeys1732330000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE groups (
        id bigserial PRIMARY KEY,
        name text NOT NULL,
        organization_id integer REFERENCES organizations (id) ON DELETE RESTRICT,
        external_id text,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query('CREATE UNIQUE INDEX groups_name_key ON groups (coalesce(organization_id, 0), lower(name))');
    await q.query(`
      CREATE TABLE group_members (
        group_id bigint NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
        user_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        added_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (group_id, user_id)
      )`);
    await q.query('CREATE INDEX group_members_user_idx ON group_members (user_id)');

    await q.query(`
      CREATE TABLE api_keys (
        id bigserial PRIMARY KEY,
        user_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        organization_id integer REFERENCES organizations (id) ON DELETE CASCADE,
        key_hash text NOT NULL,
        hint text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        last_used_at timestamptz
      )`);
    await q.query('CREATE UNIQUE INDEX api_keys_hash_key ON api_keys (key_hash)');
    await q.query('CREATE UNIQUE INDEX api_keys_owner_key ON api_keys (user_id, coalesce(organization_id, 0))');

    await q.query('ALTER TABLE users ADD COLUMN external_id text');
    await q.query('CREATE INDEX users_external_id_idx ON users (external_id) WHERE external_id IS NOT NULL');
    await q.query(`ALTER TABLE bulk_jobs ADD COLUMN params jsonb NOT NULL DEFAULT '{}'::jsonb`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE bulk_jobs DROP COLUMN params');
    await q.query('DROP INDEX users_external_id_idx');
    await q.query('ALTER TABLE users DROP COLUMN external_id');
    await q.query('DROP TABLE api_keys');
    await q.query('DROP TABLE group_members');
    await q.query('DROP TABLE groups');
  }
}
