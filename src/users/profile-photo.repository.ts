// SQL for uploaded profile photos (one per user; the user's `picture` holds its path).
import type { Db } from '../db/database.js';

export function createProfilePhotoRepository(db: Db) {
  return {
    /** Stores the user's photo under `key`, replacing the one they had. */
    async replace(userId: string, key: string, contentType: string, data: Buffer, tx?: Db): Promise<void> {
      await (tx ?? db).query('DELETE FROM profile_photos WHERE user_id = $1', [userId]);
      await (tx ?? db).query('INSERT INTO profile_photos (key, user_id, content_type, data) VALUES ($1, $2, $3, $4)',
        [key, userId, contentType, data]);
    },

    async removeFor(userId: string, tx?: Db): Promise<void> {
      await (tx ?? db).query('DELETE FROM profile_photos WHERE user_id = $1', [userId]);
    },

    async findByKey(key: string): Promise<{ content_type: string; data: Buffer } | undefined> {
      const { rows } = await db.query<{ content_type: string;
        data: Buffer; }>('SELECT content_type, data FROM profile_photos WHERE key = $1', [key]);
      return rows[0];
    },
  };
}

export type ProfilePhotoRepository = ReturnType<typeof createProfilePhotoRepository>;
