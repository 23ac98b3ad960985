import type { MigrationInterface, QueryRunner } from 'typeorm';

// Large CSV exports run as jobs: the file is written into PostgreSQL in chunks (any process
// can serve the download), with progress for the page that watches it.
export class ExportJobs1732340000000 implements MigrationInterface {
  name = 'ExportJobs1732340000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE export_jobs (
        id bigserial PRIMARY KEY,
        actor_id bigint,
        actor_label text,
        actor_email text,
        filter jsonb NOT NULL,
        columns jsonb NOT NULL,
        total integer NOT NULL,
        rows_done integer NOT NULL DEFAULT 0,
        status text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'running', 'finished', 'failed')),
        claimed_at timestamptz,
        error text,
        created_at timestamptz NOT NULL DEFAULT now(),
        finished_at timestamptz
      )`);
    await q.query(`
      CREATE TABLE export_chunks (
        job_id bigint NOT NULL REFERENCES export_jobs (id) ON DELETE CASCADE,
        seq integer NOT NULL,
        data text NOT NULL,
        PRIMARY KEY (job_id, seq)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE export_chunks');
    await q.query('DROP TABLE export_jobs');
  }
}
