// Receives a multipart form of plain fields and at most one small file held in memory (a
// profile photo): the account page's photo form and the console's create and edit forms. The
// file is read up to its limit plus one byte, so the caller can tell "too big" from "just fits"
// without holding more. A form whose body cannot be read is a BodyReadError (4xx).
import type { Context } from 'koa';
import { readMultipart } from './body-parsing.js';

export interface FormWithFile {
  /** The plain fields, by the names the form used (`custom.team` stays dotted). */
  fields: Record<string, string>;
  /** The file's bytes, at most `maxBytes` + 1; undefined when none was chosen (an empty part). */
  file?: Buffer;
}

export async function receiveFormWithFile(ctx: Context, { fileField, maxBytes, maxFields = 100 }: {
  fileField: string; maxBytes: number; maxFields?: number; }): Promise<FormWithFile> {
  let file: Buffer | undefined;
  const fields = await readMultipart(ctx, {
    limits: { files: 1, fileSize: maxBytes + 1, fields: maxFields, fieldSize: 64 * 1024 },
    onFile({ name, stream }) {
      if (name !== fileField) return;
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      return new Promise<void>((resolve) => stream.on('end', () => {
        const bytes = Buffer.concat(chunks);
        if (bytes.length > 0) file = bytes;
        resolve();
      }));
    },
  });
  return { fields, file };
}
