// The one logger of the process, and the one place that decides what of an error reaches the
// log. A database error carries everything it was given: TypeORM's QueryFailedError has the SQL
// text and the bound `parameters` (bcrypt hashes, imported passwords), and PostgreSQL adds
// context (`detail` "Failing row contains (...)" quotes the whole row, `where`, `internalQuery`).
// pino's own error serializer copies every property, so each error goes through `safeError`:
// the name, the message with quoted values masked, the SQLSTATE code and the identifiers it
// names (table, column, constraint), and the JavaScript frames of the stack. Nothing else.
import pino, { type DestinationStream, type Logger } from 'pino';

export type { Logger };

type AnyError = Error & Record<string, unknown>;
export interface SafeError {
  type: string;
  message: string;
  stack?: string;
  code?: string;
  table?: string;
  column?: string;
  constraint?: string;
  cause?: SafeError;
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_$.]{0,62}$/;
const identifier = (v: unknown) => (typeof v === 'string' && IDENTIFIER.test(v) ? v : undefined);

/** A SQLSTATE code, or a Node / library code (ECONNREFUSED, Z_DATA_ERROR): short and free of values. */
const safeCode = (v: unknown) => (typeof v === 'string' && /^[A-Za-z0-9_.-]{1,40}$/.test(v) ? v : undefined);

/** Errors that come from the database or TypeORM: their message may quote the values. */
function fromDatabase(err: AnyError): boolean {
  return 'driverError' in err || 'parameters' in err || 'severity' in err || 'query' in err
    || /^(QueryFailedError|DatabaseError|TypeORMError|EntityNotFoundError|EntityPropertyNotFoundError)$/.test(err.name
      ?? '');
}

/**
 * A database message with its values masked: PostgreSQL quotes identifiers and values alike
 * ("duplicate key value violates unique constraint "users_login_key"", "invalid input syntax
 * for type integer: "abc""), so only the identifiers the error itself names stay readable.
 */
function maskDatabaseMessage(message: string, names: (string | undefined)[]): string {
  const known = new Set(names.filter(Boolean));
  return message
    .replace(/"((?:[^"\\]|\\.)*)"/g, (whole, inner: string) => (known.has(inner) ? whole : '"…"'))
    .replace(/\bmatching:[^]*$/, 'matching: …') // TypeORM's EntityNotFoundError prints the search criteria
    .replace(/\b0x[0-9a-f]{2}(?: 0x[0-9a-f]{2})*/gi, '0x…')
    .slice(0, 500);
}

/** Only the "    at ..." lines: the first line of a stack repeats the (unmasked) message. */
const framesOf = (stack: unknown) => (typeof stack === 'string'
  ? stack.split('\n').filter((l) => /^\s+at /.test(l)).slice(0, 30) : []);

/** What safeError made, so passing it through again (the serializer after a call site) keeps it. */
const redacted = new WeakSet<object>();

/**
 * The one redaction point for errors in logs: `logger.warn({ err: safeError(err) }, ...)` at
 * call sites, and the logger's `err` serializer for anything passed raw.
 */
export function safeError(value: unknown, depth = 0): SafeError | unknown {
  if (typeof value === 'object' && value !== null && redacted.has(value)) return value;
  if (!(value instanceof Error)) {
    // A non-Error thrown or passed as `err`: its type only (it could be anything, a row included).
    return value === undefined || value === null || typeof value === 'string' || typeof value === 'number' ? value
      : { type: typeof value, message: '(not an Error)' };
  }
  const err = value as AnyError;
  const type = err.name || err.constructor?.name || 'Error';
  const driver = (err.driverError instanceof Error ? err.driverError : err) as AnyError;
  const table = identifier(driver.table);
  const column = identifier(driver.column);
  const constraint = identifier(driver.constraint);
  const database = fromDatabase(err);
  const message = database ? maskDatabaseMessage(String(err.message ?? ''),
    [table, column, constraint, identifier(driver.schema), identifier(driver.dataType)])
    : String(err.message ?? '').slice(0, 1000);
  const frames = framesOf(err.stack);
  const out: SafeError = { type, message,
    ...(frames.length ? { stack: [`${type}: ${message}`, ...frames].join('\n') } : {}) };
  const code = safeCode(driver.code) ?? safeCode(err.code);
  if (code) out.code = code;
  if (table) out.table = table;
  if (column) out.column = column;
  if (constraint) out.constraint = constraint;
  if (err.cause !== undefined && depth < 3) out.cause = safeError(err.cause, depth + 1) as SafeError;
  redacted.add(out);
  return out;
}

/** `destination` defaults to stdout; tests pass a stream to read what was logged. */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino({
    level,
    base: { service: 'foyer' },
    serializers: { err: safeError, error: safeError },
    hooks: {
      // logger.error(err) and logger.error(err, 'msg'): pino would take err.message, unmasked, as the line's message.
      logMethod(args, method) {
        const [first, ...rest] = args as unknown[];
        if (first instanceof Error) {
          const safe = safeError(first) as SafeError;
          const msg = typeof rest[0] === 'string' ? rest : [safe.message, ...rest];
          return method.apply(this, [{ err: first }, ...msg] as Parameters<typeof method>);
        }
        return method.apply(this, args);
      },
    },
    // Belt and braces: these never get logged even if someone passes them by mistake.
    redact: { paths: ['password', '*.password', 'client_secret', '*.client_secret', 'token', '*.token',
      'req.headers.authorization', 'req.headers.cookie'], censor: '[redacted]' },
  }, destination);
}
