import type { MigrationInterface, QueryRunner } from 'typeorm';

// Email flows: a durable outbox of messages to send (each row says what to send; a link's
// token is made only when the message goes out, so no usable link waits in the table),
// one-time links bound to data (the address a verification link confirms), the
// temporary-password flag, and counters for limiting password-reset requests.
export class MailAndLinks1732310000000 implements MigrationInterface {
  name = 'MailAndLinks1732310000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE mail_outbox (
        id bigserial PRIMARY KEY,
        template text NOT NULL,
        to_address text,
        user_id bigint,
        params jsonb NOT NULL DEFAULT '{}'::jsonb,
        status text NOT NULL DEFAULT 'queued'
          CHECK (status IN ('queued', 'sending', 'sent', 'outbox', 'failed', 'dropped')),
        attempts integer NOT NULL DEFAULT 0,
        next_attempt_at timestamptz NOT NULL DEFAULT now(),
        claimed_at timestamptz,
        last_error text,
        subject text,
        -- Only for the dev outbox (no SMTP configured): the message as the recipient would see it.
        text_body text,
        html_body text,
        created_at timestamptz NOT NULL DEFAULT now(),
        sent_at timestamptz
      )`);
    await q.query(`CREATE INDEX mail_outbox_due_idx ON mail_outbox (next_attempt_at) WHERE status IN ('queued', `
      + `'sending')`);
    await q.query('CREATE INDEX mail_outbox_recent_idx ON mail_outbox (id DESC)');

    await q.query('ALTER TABLE one_time_tokens ADD COLUMN data jsonb');
    await q.query('CREATE INDEX one_time_tokens_user_idx ON one_time_tokens (user_id, purpose) WHERE user_id IS NOT '
      + 'NULL');
    await q.query('ALTER TABLE users ADD COLUMN password_change_required boolean NOT NULL DEFAULT false');

    await q.query(`
      CREATE TABLE rate_limits (
        key text PRIMARY KEY,
        window_started_at timestamptz NOT NULL DEFAULT now(),
        hits integer NOT NULL DEFAULT 0
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE rate_limits');
    await q.query('ALTER TABLE users DROP COLUMN password_change_required');
    await q.query('DROP INDEX one_time_tokens_user_idx');
    await q.query('ALTER TABLE one_time_tokens DROP COLUMN data');
    await q.query('DROP TABLE mail_outbox');
  }
}
