// Profile photos: PNG, JPEG or WebP up to 2 MB, recognised by their content (not their name),
// stored in PostgreSQL and served at /public/images/profile/<key>.<ext>. The user's `picture`
// holds that path; claims and pages make it absolute with the issuer URL.
import { randomBytes } from 'node:crypto';
import type { Actor, AuditLog } from '../audit/audit.service.js';
import type { Db } from '../db/database.js';
import { ValidationError } from '../platform/errors.js';
import type { UserRepository } from './user.repository.js';
import { createProfilePhotoRepository } from './profile-photo.repository.js';
import { describeUser, type UserService } from './user.service.js';

export const PHOTO_MAX_BYTES = 2 * 1024 * 1024;
const PHOTO_PATH_PREFIX = 'public/images/profile/';

const KINDS = [
  { type: 'image/png', ext: 'png',
    matches: (b: Buffer) => b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) },
  { type: 'image/jpeg', ext: 'jpg', matches: (b: Buffer) => b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff },
  { type: 'image/webp', ext: 'webp',
    matches: (b: Buffer) => b.toString('latin1', 0, 4) === 'RIFF' && b.toString('latin1', 8, 12) === 'WEBP' },
] as const;

/** What an upload is, judged by its first bytes; undefined for anything but PNG, JPEG and WebP. */
function sniffImage(bytes: Buffer): { type: string; ext: string } | undefined {
  return bytes.length >= 12 ? KINDS.find((k) => k.matches(bytes)) : undefined;
}

/** `picture` as apps and pages see it: an uploaded photo's path made absolute; a URL as it is. */
export function absolutePicture(picture: string | null, issuer: string): string | null {
  if (!picture) return null;
  return picture.startsWith(PHOTO_PATH_PREFIX) ? `${issuer}/${picture}` : picture;
}

export function createProfilePhotos({ db, users, repository, audit }: { db: Db; users: UserService;
  repository: UserRepository; audit: AuditLog; }) {
  const photos = createProfilePhotoRepository(db);
  return {
    async upload(userId: string, bytes: Buffer, actor: Actor): Promise<string> {
      if (bytes.length > PHOTO_MAX_BYTES) throw new ValidationError({ photo: 'Choose an image of at most 2 MB' });
      const kind = sniffImage(bytes);
      if (!kind) throw new ValidationError({ photo: 'Choose a PNG, JPEG or WebP image' });
      const key = randomBytes(16).toString('base64url');
      const path = `${PHOTO_PATH_PREFIX}${key}.${kind.ext}`;
      await db.transaction(async (tx) => {
        const user = await users.getChangeable(userId, { kind: 'all' }, tx);
        await photos.replace(userId, key, kind.type, bytes, tx);
        await repository.update(userId, { picture: path }, tx);
        await audit.record({ actor, action: 'user.photo_uploaded', targetUserId: userId,
          targetLabel: describeUser(user), details: { type: kind.type, bytes: bytes.length } }, tx);
      });
      return path;
    },

    async remove(userId: string, actor: Actor): Promise<void> {
      await db.transaction(async (tx) => {
        const user = await users.getChangeable(userId, { kind: 'all' }, tx);
        await photos.removeFor(userId, tx);
        await repository.update(userId, { picture: null }, tx);
        await audit.record({ actor, action: 'user.photo_removed', targetUserId: userId,
          targetLabel: describeUser(user) }, tx);
      });
    },

    /** The stored image for a served file name (`<key>.<ext>`), if it exists. */
    async find(file: string): Promise<{ type: string; data: Buffer } | undefined> {
      const match = /^([A-Za-z0-9_-]{22})\.(png|jpg|webp)$/.exec(file);
      if (!match) return undefined;
      const photo = await photos.findByKey(match[1]);
      return photo ? { type: photo.content_type, data: photo.data } : undefined;
    },
  };
}

export type ProfilePhotos = ReturnType<typeof createProfilePhotos>;
