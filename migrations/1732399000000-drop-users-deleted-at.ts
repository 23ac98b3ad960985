import type { MigrationInterface, QueryRunner } from 'typeorm';

// users.deleted_at was never written: deleting an account sets deletion_scheduled_at, and the
// purge then deletes the row for good. No index or constraint includes the column, so the
// column alone goes (and comes back, empty, on the way down).
export class DropUsersDeletedAt1732399000000 implements MigrationInterface {
  name = 'DropUsersDeletedAt1732399000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE users DROP COLUMN deleted_at');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE users ADD COLUMN deleted_at timestamptz');
  }
}
