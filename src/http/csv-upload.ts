// Receives a multipart form with one CSV file (field `file`) and plain fields before it. The
// file is handed on as a stream while it arrives, so a large file is never held in memory;
// busboy stops it at the size limit (the stream is then marked `truncated`).
import type { Readable } from 'node:stream';
import busboy from 'busboy';
import type { Context } from 'koa';
import { ValidationError } from '../directory/errors.js';

export type CsvHandler<T> = (file: Readable, fileName: string, fields: Record<string, string>) => Promise<T>;

export function receiveCsvUpload<T>(ctx: Context, maxBytes: number, handle: CsvHandler<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    if (!ctx.is('multipart/form-data')) return reject(new ValidationError({ file: 'Choose a CSV file to upload' }));
    let parser: busboy.Busboy;
    try {
      parser = busboy({ headers: ctx.req.headers, limits: { files: 1, fileSize: maxBytes, fields: 10, fieldSize: 1000 } });
    } catch {
      return reject(new ValidationError({ file: 'The upload could not be read' }));
    }
    const fields: Record<string, string> = {};
    let handled: Promise<T> | undefined;
    parser.on('field', (name, value) => (fields[name] = value));
    parser.on('file', (name, stream, info) => {
      if (name !== 'file' || handled) {
        stream.resume();
        return;
      }
      // Whatever the handler does not read (it stopped at a bad header) is drained, so the request completes.
      handled = handle(stream, info.filename ?? 'upload.csv', { ...fields }).finally(() => stream.resume());
      handled.catch(() => undefined);
    });
    parser.on('error', () => reject(new ValidationError({ file: 'The upload could not be read' })));
    parser.on('close', () => {
      if (!handled) reject(new ValidationError({ file: 'Choose a CSV file to upload' }));
      else handled.then(resolve, reject);
    });
    ctx.req.pipe(parser);
  });
}
