// Uploading and serving profile photos. The upload is a plain multipart form (works without
// JavaScript), read with busboy with a hard size limit; the image type is judged by content.
import Router from '@koa/router';
import type { Context, Middleware } from 'koa';
import { NotFoundError, ValidationError } from '../platform/errors.js';
import { PHOTO_MAX_BYTES, type ProfilePhotos } from '../users/profile-photo.service.js';
import { describeUser } from '../users/user.service.js';
import type { User } from '../db/entities/user.entity.js';
import { ALL_USERS } from '../platform/access.js';
import { BodyReadError } from '../platform/http/body-parsing.js';
import { receiveFormWithFile } from '../platform/http/form-upload.js';
import { codeFor } from '../platform/http/notices.js';
import { PHOTO_ERRORS } from './photo-errors.js';

/** The bytes of the one file field `photo`, or a ValidationError; never more than the limit plus one byte. */
async function readPhoto(ctx: Context): Promise<Buffer> {
  if (!ctx.is('multipart/form-data')) throw new ValidationError({ photo: 'Choose an image file to upload' });
  let file: Buffer | undefined;
  try {
    ({ file } = await receiveFormWithFile(ctx, { fileField: 'photo', maxBytes: PHOTO_MAX_BYTES, maxFields: 5 }));
  } catch (err) {
    if (err instanceof BodyReadError) throw new ValidationError({ photo: 'The upload could not be read' });
    throw err;
  }
  if (!file) throw new ValidationError({ photo: 'Choose an image file to upload' });
  return file;
}

export function photoRoutes({ photos, requireSignedIn, csrf }: { photos: ProfilePhotos; requireSignedIn: Middleware;
  csrf: Middleware; }): Router {
  const router = new Router();

  router.post('/account/photo', requireSignedIn, csrf, async function uploadPhoto(ctx) {
    const user = ctx.state.user as User;
    try {
      await photos.upload(user.id, await readPhoto(ctx), { type: 'user', id: user.id, label: describeUser(user) },
        ALL_USERS);
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      ctx.status = 303;
      // A code, not the text: the page shows only messages of its own (src/platform/http/notices.ts).
      return ctx.redirect(`/account?photo_error=${codeFor(PHOTO_ERRORS, err.fields.photo, 'unusable')}#photo`);
    }
    ctx.status = 303;
    ctx.redirect('/account?done=photo#photo');
  });

  router.get('/public/images/profile/:file', async function servePhoto(ctx) {
    const photo = await photos.find(ctx.params.file);
    if (!photo) throw new NotFoundError('Image');
    ctx.type = photo.type;
    // A new upload gets a new key, so this address never changes meaning.
    ctx.set('Cache-Control', 'public, max-age=31536000, immutable');
    ctx.set('Content-Security-Policy', "default-src 'none'");
    ctx.body = photo.data;
  });

  return router;
}
