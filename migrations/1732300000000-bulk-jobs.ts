import type { MigrationInterface, QueryRunner } from 'typeorm';

// Mass actions on users run as durable jobs: one row per job and one per user in it, so a
// restart loses nothing and the result page can say, per user, what happened and why.
export class BulkJobs1732300000000 implements MigrationInterface {
  name = 'BulkJobs1732300000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE bulk_jobs (
        id bigserial PRIMARY KEY,
        action text NOT NULL,
        actor_id bigint,
        actor_label text,
        scope jsonb NOT NULL,
        total integer NOT NULL DEFAULT 0,
        status text NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'finished')),
        created_at timestamptz NOT NULL DEFAULT now(),
        finished_at timestamptz
      )`);
    await q.query(`
      CREATE TABLE bulk_job_items (
        job_id bigint NOT NULL REFERENCES bulk_jobs (id) ON DELETE CASCADE,
        user_id bigint NOT NULL,
        label text,
        status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'running', 'done', 'failed')),
        claimed_at timestamptz,
        error text,
        PRIMARY KEY (job_id, user_id)
      )`);
    await q.query(`CREATE INDEX bulk_job_items_open_idx ON bulk_job_items (job_id, user_id) WHERE status IN `
      + `('pending', 'running')`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE bulk_job_items');
    await q.query('DROP TABLE bulk_jobs');
  }
}
