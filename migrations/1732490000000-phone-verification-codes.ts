import type { MigrationInterface, QueryRunner } from 'typeorm';

// Phone verification: a 6-digit code sent by SMS is a one-time token (purpose
// phone_verification) that also counts the wrong codes typed against it; after a few it is
// dead. Links never count attempts (256 random bits cannot be guessed), so the column stays 0
// for them.
export class PhoneVerificationCodes1732490000000 implements MigrationInterface {
  name = 'PhoneVerificationCodes1732490000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE one_time_tokens ADD COLUMN failed_attempts integer NOT NULL DEFAULT 0');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE one_time_tokens DROP COLUMN failed_attempts');
  }
}
