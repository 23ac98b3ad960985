// Receives a multipart form with one CSV file (field `file`) and plain fields before it. The
// file is handed on as a stream while it arrives, so a large file is never held in memory;
// busboy stops it at the size limit (the stream is then marked `truncated`). A handler that
// refuses the file early (a bad header row) gets its answer out at once: the rest of the
// upload is not waited for (see readMultipart).
import type { Readable } from 'node:stream';
import type { Context } from 'koa';
import { ValidationError } from '../errors.js';
import { BodyReadError, readMultipart } from './body-parsing.js';

export type CsvHandler<T> = (file: Readable, fileName: string, fields: Record<string, string>) => Promise<T>;

export async function receiveCsvUpload<T>(ctx: Context, maxBytes: number, handle: CsvHandler<T>): Promise<T> {
  if (!ctx.is('multipart/form-data')) throw new ValidationError({ file: 'Choose a CSV file to upload' });
  let handled: { value: T } | undefined;
  let seen = false;
  try {
    await readMultipart(ctx, {
      limits: { files: 1, fileSize: maxBytes, fields: 10, fieldSize: 1000 },
      onFile({ name, stream, info, fields }) {
        if (name !== 'file' || seen) return;
        seen = true;
        return handle(stream, info.filename ?? 'upload.csv', fields).then((value) => (handled = { value }));
      },
    });
  } catch (err) {
    if (err instanceof BodyReadError) {
      throw new ValidationError({ file: 'The upload could not be read: it is incomplete or malformed. Choose the '
        + 'file and upload it again.' });
    }
    throw err;
  }
  if (!handled) throw new ValidationError({ file: 'Choose a CSV file to upload' });
  return handled.value;
}
