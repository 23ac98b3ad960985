import type { MigrationInterface, QueryRunner } from 'typeorm';

// CSV exports start with a UTF-8 byte-order mark unless the admin asks for plain UTF-8 (issue
// 17, item 9): without it, spreadsheets read the file in the locale's old code page and garble
// Петр and Seán. A job's file is served later, so the job keeps the choice; earlier jobs had
// none and get the default.
export class ExportByteOrderMark1732450000000 implements MigrationInterface {
  name = 'ExportByteOrderMark1732450000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE export_jobs ADD COLUMN bom boolean NOT NULL DEFAULT true');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE export_jobs DROP COLUMN bom');
  }
}
