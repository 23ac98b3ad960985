import type { MigrationInterface, QueryRunner } from 'typeorm';

// The admin users list at a million rows: statuses the later flows set (invited, password
// reset pending), substring search through pg_trgm, partial indexes for the rare statuses
// and one index per sort order (keyset pagination, never OFFSET).
export class UserDirectoryIndexes1732260000000 implements MigrationInterface {
  name = 'UserDirectoryIndexes1732260000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query('CREATE EXTENSION IF NOT EXISTS pg_trgm');
    await q.query('ALTER TABLE users ADD COLUMN invited_at timestamptz');
    await q.query('ALTER TABLE users ADD COLUMN password_reset_required boolean NOT NULL DEFAULT false');
    // One lower-cased text of everything the search box looks in.
    await q.query(`ALTER TABLE users ADD COLUMN search_text text GENERATED ALWAYS AS (lower(
      coalesce(login, '') || ' ' || coalesce(email, '') || ' ' || coalesce(phone_number, '') || ' ' ||
      coalesce(nickname, '') || ' ' || coalesce(given_name, '') || ' ' || coalesce(family_name, ''))) STORED`);
    await q.query('CREATE INDEX users_search_trgm_idx ON users USING gin (search_text gin_trgm_ops)');

    await q.query('CREATE INDEX users_blocked_idx ON users (id) WHERE blocked');
    await q.query('CREATE INDEX users_locked_idx ON users (id) WHERE locked_at IS NOT NULL');
    await q.query('CREATE INDEX users_invited_idx ON users (id) WHERE invited_at IS NOT NULL');
    await q.query('CREATE INDEX users_reset_pending_idx ON users (id) WHERE password_reset_required');
    await q.query(`CREATE INDEX users_email_unverified_idx ON users (id)
      WHERE email IS NOT NULL AND NOT email_verified`);
    await q.query(`CREATE INDEX users_phone_unverified_idx ON users (id)
      WHERE phone_number IS NOT NULL AND NOT phone_number_verified`);
    await q.query('CREATE INDEX users_deletion_scheduled_idx ON users (id) WHERE deletion_scheduled_at IS NOT NULL');

    await q.query(`CREATE INDEX users_sort_name_idx ON users ((lower(coalesce(nickname, ''))), id)`);
    await q.query(`CREATE INDEX users_sort_login_idx ON users ((lower(coalesce(login, ''))), id)`);
    await q.query('CREATE INDEX users_sort_created_idx ON users (created_at, id)');
    await q.query(`CREATE INDEX users_sort_last_sign_in_idx ON users ((coalesce(last_sign_in_at, `
      + `'-infinity'::timestamptz)), id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const index of ['users_sort_last_sign_in_idx', 'users_sort_created_idx', 'users_sort_login_idx',
      'users_sort_name_idx',
      'users_deletion_scheduled_idx', 'users_phone_unverified_idx', 'users_email_unverified_idx',
      'users_reset_pending_idx',
      'users_invited_idx', 'users_locked_idx', 'users_blocked_idx', 'users_search_trgm_idx']) {
      await q.query(`DROP INDEX ${index}`);
    }
    await q.query('ALTER TABLE users DROP COLUMN search_text');
    await q.query('ALTER TABLE users DROP COLUMN password_reset_required');
    await q.query('ALTER TABLE users DROP COLUMN invited_at');
    // pg_trgm stays: other databases objects may use it, and it costs nothing.
  }
}
