import type { MigrationInterface, QueryRunner } from 'typeorm';

// Automatic lock after repeated failed sign-ins: failures are counted per account within a
// window that starts at the first failure.
export class SignInFailures1732280000000 implements MigrationInterface {
  name = 'SignInFailures1732280000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE users ADD COLUMN failed_sign_ins integer NOT NULL DEFAULT 0');
    await q.query('ALTER TABLE users ADD COLUMN failed_sign_ins_since timestamptz');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE users DROP COLUMN failed_sign_ins_since');
    await q.query('ALTER TABLE users DROP COLUMN failed_sign_ins');
  }
}
