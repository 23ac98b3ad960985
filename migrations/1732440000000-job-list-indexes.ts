import type { MigrationInterface, QueryRunner } from 'typeorm';

// The console's Jobs page (src/jobs/jobs.query.ts) lists mass actions, imports and exports
// newest first, keyset-paginated on (created_at, id), everyone's for an Administrator and
// their own for other staff. Job rows stay after their data is deleted, so each table gets an
// index per order: one for all jobs, one per actor.
const TABLES = ['bulk_jobs', 'import_jobs', 'export_jobs'];

export class JobListIndexes1732440000000 implements MigrationInterface {
  name = 'JobListIndexes1732440000000';

  async up(q: QueryRunner): Promise<void> {
    for (const table of TABLES) {
      await q.query(`CREATE INDEX ${table}_created_idx ON ${table} (created_at, id)`);
      await q.query(`CREATE INDEX ${table}_actor_created_idx ON ${table} (actor_id, created_at, id)`);
    }
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of TABLES) {
      await q.query(`DROP INDEX ${table}_actor_created_idx`);
      await q.query(`DROP INDEX ${table}_created_idx`);
    }
  }
}
