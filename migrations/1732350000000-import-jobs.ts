import type { MigrationInterface, QueryRunner } from 'typeorm';

// CSV imports: the uploaded rows are staged here (never in the directory) so the dry run
// can be shown, confirmed later and applied by a worker in any process; each row keeps what
// the dry run found and what applying it did. Export files and staged rows hold personal
// data, so both are removed some days after their job ends; the job row remembers when.
export class ImportJobs1732350000000 implements MigrationInterface {
  name = 'ImportJobs1732350000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE import_jobs (
        id bigserial PRIMARY KEY,
        actor_id bigint,
        actor_label text,
        actor_email text,
        scope jsonb NOT NULL,
        file_name text NOT NULL,
        columns jsonb NOT NULL,
        password_mode text NOT NULL CHECK (password_mode IN ('invite', 'given', 'hash')),
        total integer NOT NULL DEFAULT 0,
        analyzed integer NOT NULL DEFAULT 0,
        applied integer NOT NULL DEFAULT 0,
        summary jsonb NOT NULL DEFAULT '{}'::jsonb,
        status text NOT NULL DEFAULT 'uploading'
          CHECK (status IN ('uploading', 'analyzing', 'ready', 'queued', 'running', 'finished', 'failed', 'cancelled')),
        claimed_at timestamptz,
        error text,
        created_at timestamptz NOT NULL DEFAULT now(),
        confirmed_at timestamptz,
        finished_at timestamptz,
        rows_removed_at timestamptz
      )`);
    await q.query(`
      CREATE TABLE import_rows (
        job_id bigint NOT NULL REFERENCES import_jobs (id) ON DELETE CASCADE,
        row_no integer NOT NULL,
        cells jsonb NOT NULL,
        -- Problems found while reading the file (a row with too many cells), before any dry run.
        read_errors jsonb NOT NULL DEFAULT '[]'::jsonb,
        action text CHECK (action IN ('create', 'update', 'unchanged', 'error')),
        changes jsonb,
        errors jsonb NOT NULL DEFAULT '[]'::jsonb,
        user_id bigint,
        outcome text CHECK (outcome IN ('created', 'updated', 'unchanged', 'failed')),
        outcome_errors jsonb,
        PRIMARY KEY (job_id, row_no)
      )`);
    await q.query('ALTER TABLE export_jobs ADD COLUMN file_removed_at timestamptz');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE export_jobs DROP COLUMN file_removed_at');
    await q.query('DROP TABLE import_rows');
    await q.query('DROP TABLE import_jobs');
  }
}
