// Profile photos: PNG, JPEG or WebP up to 2 MB, recognised by their content (not their name),
// stored in PostgreSQL and served at /public/images/profile/<key>.<ext>. The user's `picture`
// holds that path; claims and pages make it absolute with the issuer URL. A user uploads their
// own on the account page; an admin uploads or removes one with the console's create and edit
// forms, in the same unit as the rest of the form.
import { randomBytes } from 'node:crypto';
import type { Actor, AuditLog } from '../audit/audit.service.js';
import type { Db } from '../db/database.js';
import type { User } from '../db/entities/user.entity.js';
import type { StaffScope } from '../platform/access.js';
import { ValidationError } from '../platform/errors.js';
import type { ProfileInput } from './user-input.js';
import type { UserRepository } from './user.repository.js';
import { createProfilePhotoRepository } from './profile-photo.repository.js';
import { describeUser, type CreateUserInput, type UserService } from './user.service.js';

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

/** Whether `picture` is the path of an uploaded photo (not an address elsewhere). */
export const isUploadedPhoto = (picture: string | null | undefined): boolean =>
  Boolean(picture?.startsWith(PHOTO_PATH_PREFIX));

/** What a page shows of a user's picture: the image's address and whether it is an uploaded photo. */
export function presentPicture(picture: string | null, issuer: string): { url: string | null; uploaded: boolean } {
  return { url: absolutePicture(picture, issuer), uploaded: isUploadedPhoto(picture) };
}

/** Why these bytes cannot be a profile photo, in the words the form shows by its field; undefined if they can. */
export function photoProblem(bytes: Buffer): string | undefined {
  if (bytes.length > PHOTO_MAX_BYTES) return 'Choose an image of at most 2 MB';
  if (!sniffImage(bytes)) return 'Choose a PNG, JPEG or WebP image';
  return undefined;
}

/** What a profile form asks of the photo besides its fields: a new upload, or removing the one uploaded. */
export interface PhotoChange {
  upload?: Buffer;
  remove?: boolean;
}

export function createProfilePhotos({ db, users, repository, audit }: { db: Db; users: UserService;
  repository: UserRepository; audit: AuditLog; }) {
  const photos = createProfilePhotoRepository(db);

  /** Stores the photo and points the user's `picture` at it, audited; `outer`: a unit of work to join. */
  async function upload(userId: string, bytes: Buffer, actor: Actor, scope: StaffScope, outer?: Db): Promise<string> {
    const problem = photoProblem(bytes);
    if (problem) throw new ValidationError({ photo: problem });
    const kind = sniffImage(bytes)!;
    const key = randomBytes(16).toString('base64url');
    const path = `${PHOTO_PATH_PREFIX}${key}.${kind.ext}`;
    await (outer ?? db).transaction(async (tx) => {
      const user = await users.getChangeable(userId, scope, tx);
      await photos.replace(userId, key, kind.type, bytes, tx);
      await repository.update(userId, { picture: path }, tx);
      await audit.record({ actor, action: 'user.photo_uploaded', targetUserId: userId,
        targetLabel: describeUser(user), details: { type: kind.type, bytes: bytes.length } }, tx);
    });
    return path;
  }

  async function remove(userId: string, actor: Actor, scope: StaffScope, outer?: Db): Promise<void> {
    await (outer ?? db).transaction(async (tx) => {
      const user = await users.getChangeable(userId, scope, tx);
      await photos.removeFor(userId, tx);
      await repository.update(userId, { picture: null }, tx);
      await audit.record({ actor, action: 'user.photo_removed', targetUserId: userId,
        targetLabel: describeUser(user) }, tx);
    });
  }

  return {
    upload,
    remove,

    /** The console's create form: the user and their photo in one unit (a refused photo makes no user). */
    async createWithPhoto(input: CreateUserInput, change: PhotoChange, actor: Actor, scope: StaffScope): Promise<User> {
      return users.create(input, actor, scope, async (tx, user) => {
        if (change.upload) await upload(user.id, change.upload, actor, scope, tx);
      });
    },

    /**
     * The console's edit form with its photo: the fields, then the new photo or the removal, in
     * one unit. Without a `picture` in the input the picture stays as it is.
     */
    async updateWithPhoto(id: string, input: ProfileInput, change: PhotoChange, actor: Actor,
      scope: StaffScope): Promise<void> {
      await db.transaction(async (tx) => {
        await users.update(id, input, actor, scope, tx);
        if (change.upload) await upload(id, change.upload, actor, scope, tx);
        else if (change.remove) await remove(id, actor, scope, tx);
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
