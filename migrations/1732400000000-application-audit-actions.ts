import type { MigrationInterface, QueryRunner } from 'typeorm';

// One name for one concept: what the console and the code call an application, its audit
// events now call so too (client.created → application.created, and so on). Past events are
// renamed with them, so a search by action finds old and new alike.
export class ApplicationAuditActions1732400000000 implements MigrationInterface {
  name = 'ApplicationAuditActions1732400000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`UPDATE audit_events SET action = 'application.' || substr(action, 8) WHERE action LIKE 'client.%'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`UPDATE audit_events SET action = 'client.' || substr(action, 13) WHERE action LIKE 'application.%'`);
  }
}
