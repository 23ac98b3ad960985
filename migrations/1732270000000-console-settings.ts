import type { MigrationInterface, QueryRunner } from 'typeorm';

// The admin console's settings (password policy, custom profile fields) and the indexes the
// events page filters by. Settings are rows, not config: admins change them at run time and
// every process reads the same ones.
export class ConsoleSettings1732270000000 implements MigrationInterface {
  name = 'ConsoleSettings1732270000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE directory_settings (
        name text PRIMARY KEY,
        value jsonb NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);

    await q.query(`
      CREATE TABLE custom_fields (
        key text PRIMARY KEY CHECK (key ~ '^[a-z][a-z0-9_]{0,39}$'),
        label text NOT NULL,
        type text NOT NULL CHECK (type IN ('text', 'number', 'date', 'boolean', 'select')),
        required boolean NOT NULL DEFAULT false,
        pattern text,
        options jsonb NOT NULL DEFAULT '[]'::jsonb,
        default_privacy text NOT NULL DEFAULT 'private' CHECK (default_privacy IN ('private', 'on_request', 'public')),
        position integer NOT NULL DEFAULT 0,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);

    await q.query('CREATE INDEX audit_events_actor_idx ON audit_events (actor_id, id DESC) WHERE actor_id IS NOT NULL');
    await q.query('CREATE INDEX audit_events_action_idx ON audit_events (action, id DESC)');
    await q.query('CREATE INDEX audit_events_time_idx ON audit_events (occurred_at)');
    // Managers see their organization's users in the list: the org filter with each sort.
    await q.query(`CREATE INDEX users_org_name_idx ON users (organization_id, (lower(coalesce(nickname, ''))), id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP INDEX users_org_name_idx');
    await q.query('DROP INDEX audit_events_time_idx');
    await q.query('DROP INDEX audit_events_action_idx');
    await q.query('DROP INDEX audit_events_actor_idx');
    await q.query('DROP TABLE custom_fields');
    await q.query('DROP TABLE directory_settings');
  }
}
