// Uploading and serving profile photos. The upload is a plain multipart form (works without
// JavaScript), read with busboy with a hard size limit; the image type is judged by content.
import Router from '@koa/router';
import busboy from 'busboy';
import type { Context, Middleware } from 'koa';
import { NotFoundError, ValidationError } from '../directory/errors.js';
import { PHOTO_MAX_BYTES, type ProfilePhotos } from '../directory/profile-photo.service.js';
import { describeUser } from '../directory/user.service.js';
import type { User } from '../db/entities/user.entity.js';

/** The bytes of the one file field `photo`, or a ValidationError; never more than the limit plus one byte. */
function readPhoto(ctx: Context): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    if (!ctx.is('multipart/form-data')) return reject(new ValidationError({ photo: 'Choose an image file to upload' }));
    let parser: busboy.Busboy;
    try {
      parser = busboy({ headers: ctx.req.headers, limits: { files: 1, fileSize: PHOTO_MAX_BYTES, fields: 5 } });
    } catch {
      return reject(new ValidationError({ photo: 'The upload could not be read' }));
    }
    let result: Buffer | undefined;
    let tooBig = false;
    parser.on('file', (name, stream) => {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('limit', () => (tooBig = true));
      stream.on('end', () => {
        if (name === 'photo') result = Buffer.concat(chunks);
      });
    });
    parser.on('error', () => reject(new ValidationError({ photo: 'The upload could not be read' })));
    parser.on('close', () => {
      if (tooBig) reject(new ValidationError({ photo: 'Choose an image of at most 2 MB' }));
      else if (!result || result.length === 0) reject(new ValidationError({ photo: 'Choose an image file to upload' }));
      else resolve(result);
    });
    ctx.req.pipe(parser);
  });
}

export function photoRoutes({ photos, requireSignedIn, csrf }: { photos: ProfilePhotos; requireSignedIn: Middleware; csrf: Middleware }): Router {
  const router = new Router();

  router.post('/account/photo', requireSignedIn, csrf, async function uploadPhoto(ctx) {
    const user = ctx.state.user as User;
    try {
      await photos.upload(user.id, await readPhoto(ctx), { type: 'user', id: user.id, label: describeUser(user) });
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      ctx.status = 303;
      return ctx.redirect(`/account?photo_error=${encodeURIComponent(err.fields.photo ?? 'The upload could not be used')}#photo`);
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
