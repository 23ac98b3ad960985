import type { MigrationInterface, QueryRunner } from 'typeorm';

// Uploaded profile photos live in PostgreSQL, so every Foyer process can serve them. The key
// is random and changes with each upload, so a photo's URL can be cached for good.
export class ProfilePhotos1732320000000 implements MigrationInterface {
  name = 'ProfilePhotos1732320000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE profile_photos (
        key text PRIMARY KEY,
        user_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        content_type text NOT NULL CHECK (content_type IN ('image/png', 'image/jpeg', 'image/webp')),
        data bytea NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query('CREATE INDEX profile_photos_user_idx ON profile_photos (user_id)');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE profile_photos');
  }
}
