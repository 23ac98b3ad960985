// Reading request bodies, the one place that turns "this body cannot be read" into a 4xx.
// Forms and SCIM parse JSON and urlencoded bodies through `parseBodies`; the two uploads read
// multipart through `readMultipart`. Whatever the client sends (gzip that is not gzip, an
// unknown encoding, malformed JSON, too many bytes, a multipart body cut off half-way, a
// connection dropped mid-upload), the answer is a BodyReadError with a 4xx status and a clear
// message, never a 500, and no stream is left without an `error` listener (an unhandled
// stream error would end the process).
import type { Readable } from 'node:stream';
import { bodyParser } from '@koa/bodyparser';
import busboy from 'busboy';
import type { Context, Middleware } from 'koa';
import { DomainError } from '../errors.js';

/** A request body that could not be read; status 400, 413 or 415. */
export class BodyReadError extends DomainError {
  constructor(message: string, status: 400 | 413 | 415 = 400) {
    super(status === 413 ? 'body_too_large' : status === 415 ? 'unsupported_body' : 'unreadable_body', message, status);
  }
}

const PREFIX = 'The request body could not be read';

/** What went wrong reading a body, in words for the client; never the parser's own text (it can quote the body). */
function bodyReadErrorOf(err: unknown): BodyReadError {
  if (err instanceof BodyReadError) return err;
  const e = (err ?? {}) as { status?: unknown; type?: unknown; code?: unknown; message?: unknown; limit?: unknown };
  if (e.status === 413 || e.type === 'entity.too.large') {
    const limit = typeof e.limit === 'number' ? ` of ${e.limit} bytes` : '';
    return new BodyReadError(`${PREFIX}: it is larger than the limit${limit}.`, 413);
  }
  if (typeof e.message === 'string' && e.message.startsWith('Unsupported Content-Encoding')) {
    return new BodyReadError(`${PREFIX}: its Content-Encoding is not supported (use gzip, deflate, br or none).`, 415);
  }
  if (e.status === 415 || e.type === 'charset.unsupported' || e.type === 'encoding.unsupported') {
    return new BodyReadError(`${PREFIX}: its character set is not supported (use UTF-8).`, 415);
  }
  if (typeof e.code === 'string' && e.code.startsWith('Z_')) {
    return new BodyReadError(`${PREFIX}: it does not match its Content-Encoding.`);
  }
  if (e.type === 'request.aborted' || e.code === 'ECONNRESET' || e.code === 'ECONNABORTED') {
    return new BodyReadError(`${PREFIX}: the connection ended before the whole body arrived.`);
  }
  if (e.type === 'request.size.invalid') {
    return new BodyReadError(`${PREFIX}: it is shorter or longer than its Content-Length.`);
  }
  if (err instanceof SyntaxError || (e.status === 400 && typeof e.message === 'string' && /JSON/i.test(e.message))) {
    return new BodyReadError(`${PREFIX}: it is not valid JSON.`);
  }
  return new BodyReadError(`${PREFIX}.`);
}

export interface BodyOptions {
  /** 'json' and/or 'form'. */
  types: ('json' | 'form')[];
  /** Extra media types read as JSON (SCIM's application/scim+json). */
  jsonTypes?: string[];
  limit: string;
  /**
   * Turns the read error into the error this API answers with (SCIM: a SCIM error); default: the
   * BodyReadError itself.
   */
  errorAs?: (err: BodyReadError) => Error;
}

/** JSON and urlencoded bodies; any failure to read one becomes a 4xx (see bodyReadErrorOf). */
export function parseBodies({ types, jsonTypes = [], limit, errorAs = (e) => e }: BodyOptions): Middleware {
  return bodyParser({
    enableTypes: types, extendTypes: jsonTypes.length ? { json: jsonTypes } : {}, formLimit: limit, jsonLimit: limit,
    onError(err) {
      throw errorAs(bodyReadErrorOf(err));
    },
  }) as Middleware;
}

/**
 * A client that is refused before it finished sending: answer now, not once the rest has
 * arrived. The rest of the body is read and dropped (so the answer is not lost to a reset
 * connection), for a few seconds at most; a client still sending after that is cut off.
 */
function stopReadingBody(ctx: Context, graceMs = 5000): void {
  const { req } = ctx;
  req.unpipe();
  if (req.complete || req.destroyed) return;
  ctx.set('Connection', 'close');
  req.resume();
  const timer = setTimeout(() => req.socket?.destroy(), graceMs);
  timer.unref();
  req.once('end', () => clearTimeout(timer));
  req.once('close', () => clearTimeout(timer));
}

export type FilePart = { name: string; stream: Readable; info: busboy.FileInfo; fields: Record<string, string> };

export interface MultipartOptions {
  limits: busboy.Limits;
  /**
   * Called for each file part with the fields read before it. A returned promise says when the
   * part is dealt with; if it rejects, the upload is refused with that error at once (the rest
   * of the body is not waited for). A part the callback leaves unread is drained.
   */
  onFile(part: FilePart): Promise<unknown> | void;
}

/**
 * Reads a multipart/form-data request with busboy. Resolves with the plain fields once the
 * whole body has been read and every file part dealt with; rejects with a BodyReadError
 * (truncated or malformed body, dropped connection) or with the error of `onFile`.
 */
export function readMultipart(ctx: Context, { limits, onFile }: MultipartOptions): Promise<Record<string, string>> {
  return new Promise((resolve, reject) => {
    let parser: busboy.Busboy;
    try {
      parser = busboy({ headers: ctx.req.headers, limits });
    } catch {
      return reject(new BodyReadError('The upload could not be read: it is not a multipart form with a boundary.'));
    }
    const fields: Record<string, string> = {};
    const parts: Promise<unknown>[] = [];
    let settled = false;
    const fail = (err: Error) => {
      if (settled) return;
      settled = true;
      stopReadingBody(ctx);
      reject(err);
    };
    const unreadable = () => fail(new BodyReadError('The upload could not be read: it is incomplete or malformed. '
      + 'Try again.'));

    parser.on('field', (name, value) => (fields[name] = value));
    parser.on('file', (name, stream, info) => {
      stream.on('error', unreadable);
      let part: Promise<unknown> | void;
      try {
        part = onFile({ name, stream, info, fields: { ...fields } });
      } catch (err) {
        part = Promise.reject(err);
      }
      if (!part) {
        stream.resume();
        return;
      }
      parts.push(part.then(
        () => stream.resume(),
        (err: unknown) => {
          // A file stream that broke makes its reader fail too: that is the body's fault, said as such.
          if (stream.errored) unreadable();
          else fail(err instanceof Error ? err : new Error(String(err)));
        },
      ));
    });
    parser.on('error', unreadable);
    parser.on('close', () => {
      void Promise.all(parts).then(() => {
        if (settled) return;
        settled = true;
        resolve(fields);
      });
    });
    ctx.req.on('error', unreadable);
    ctx.req.on('aborted', unreadable);
    ctx.req.pipe(parser);
  });
}
