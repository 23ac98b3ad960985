import type { MigrationInterface, QueryRunner } from 'typeorm';

// The foundation: directory (organizations, users), the provider's storage (one table for
// every model but Client, clients, secrets), one-time tokens and the audit log.
export class InitialSchema1732250000000 implements MigrationInterface {
  name = 'InitialSchema1732250000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE organizations (
        id serial PRIMARY KEY,
        name text NOT NULL,
        slug text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE UNIQUE INDEX organizations_slug_key ON organizations (lower(slug))`);

    await q.query(`
      CREATE TABLE users (
        id bigserial PRIMARY KEY,
        login text,
        email text,
        email_verified boolean NOT NULL DEFAULT false,
        phone_number text,
        phone_number_verified boolean NOT NULL DEFAULT false,
        nickname text,
        given_name text,
        family_name text,
        birthdate date,
        picture text,
        password_hash text,
        password_updated_at timestamptz,
        custom_fields jsonb NOT NULL DEFAULT '{}'::jsonb,
        role text NOT NULL DEFAULT 'MEMBER' CHECK (role IN ('MEMBER', 'MANAGER', 'ADMIN')),
        organization_id integer REFERENCES organizations (id) ON DELETE RESTRICT,
        blocked boolean NOT NULL DEFAULT false,
        blocked_at timestamptz,
        locked_at timestamptz,
        locked_reason text,
        locked_until timestamptz,
        deletion_scheduled_at timestamptz,
        deleted_at timestamptz,
        claim_privacy jsonb NOT NULL DEFAULT '{}'::jsonb,
        last_sign_in_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT users_has_identifier CHECK (login IS NOT NULL OR email IS NOT NULL OR phone_number IS NOT NULL),
        CONSTRAINT users_phone_e164 CHECK (phone_number IS NULL OR phone_number ~ '^\\+[1-9][0-9]{6,14}$')
      )`);
    await q.query(`CREATE UNIQUE INDEX users_login_key ON users (lower(login)) WHERE login IS NOT NULL`);
    await q.query(`CREATE UNIQUE INDEX users_email_key ON users (lower(email)) WHERE email IS NOT NULL`);
    await q.query(`CREATE UNIQUE INDEX users_phone_number_key ON users (phone_number) WHERE phone_number IS NOT NULL`);
    await q.query(`CREATE INDEX users_role_idx ON users (role)`);
    await q.query(`CREATE INDEX users_organization_idx ON users (organization_id)`);

    // Every provider model except Client. The ids the provider looks things up by get
    // their own indexed columns so revocation by account or grant is one indexed DELETE.
    await q.query(`
      CREATE TABLE oidc_payloads (
        model text NOT NULL,
        id text NOT NULL,
        payload jsonb NOT NULL,
        account_id text,
        grant_id text,
        uid text,
        user_code text,
        expires_at timestamptz,
        consumed_at timestamptz,
        PRIMARY KEY (model, id)
      )`);
    await q.query(`CREATE INDEX oidc_payloads_account_idx ON oidc_payloads (account_id) WHERE account_id IS NOT NULL`);
    await q.query(`CREATE INDEX oidc_payloads_grant_idx ON oidc_payloads (grant_id) WHERE grant_id IS NOT NULL`);
    await q.query(`CREATE INDEX oidc_payloads_uid_idx ON oidc_payloads (uid) WHERE uid IS NOT NULL`);
    await q.query(`CREATE INDEX oidc_payloads_user_code_idx ON oidc_payloads (user_code) WHERE user_code IS NOT NULL`);
    await q.query(`CREATE INDEX oidc_payloads_expires_idx ON oidc_payloads (expires_at) WHERE expires_at IS NOT NULL`);

    await q.query(`
      CREATE TABLE clients (
        client_id text PRIMARY KEY,
        client_secret_hash text,
        name text NOT NULL,
        metadata jsonb NOT NULL,
        active boolean NOT NULL DEFAULT true,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);

    // Signing keys, cookie keys and the CSRF secret: made once, shared by every process.
    await q.query(`
      CREATE TABLE provider_secrets (
        name text PRIMARY KEY,
        value jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);

    await q.query(`
      CREATE TABLE one_time_tokens (
        id bigserial PRIMARY KEY,
        purpose text NOT NULL,
        token_hash text NOT NULL,
        user_id bigint REFERENCES users (id) ON DELETE CASCADE,
        expires_at timestamptz,
        used_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE UNIQUE INDEX one_time_tokens_hash_key ON one_time_tokens (token_hash)`);

    await q.query(`
      CREATE TABLE audit_events (
        id bigserial PRIMARY KEY,
        occurred_at timestamptz NOT NULL DEFAULT now(),
        actor_type text NOT NULL,
        actor_id bigint,
        actor_label text,
        action text NOT NULL,
        target_user_id bigint,
        target_label text,
        details jsonb NOT NULL DEFAULT '{}'::jsonb
      )`);
    await q.query(`CREATE INDEX audit_events_target_idx ON audit_events (target_user_id, id DESC)`);
    await q.query(`CREATE INDEX audit_events_occurred_idx ON audit_events (id DESC)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE audit_events');
    await q.query('DROP TABLE one_time_tokens');
    await q.query('DROP TABLE provider_secrets');
    await q.query('DROP TABLE clients');
    await q.query('DROP TABLE oidc_payloads');
    await q.query('DROP TABLE users');
    await q.query('DROP TABLE organizations');
  }
}
