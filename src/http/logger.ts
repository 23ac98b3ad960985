import pino, { type DestinationStream, type Logger } from 'pino';

export type { Logger };

/** `destination` defaults to stdout; tests pass a stream to read what was logged. */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino({
    level,
    base: { service: 'foyer' },
    // Belt and braces: these never get logged even if someone passes them by mistake.
    redact: { paths: ['password', '*.password', 'client_secret', '*.client_secret', 'token', '*.token', 'req.headers.authorization', 'req.headers.cookie'], censor: '[redacted]' },
  }, destination);
}
