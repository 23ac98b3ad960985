// Typed domain errors. Each carries a stable machine-readable code and an HTTP status;
// src/platform/http/error-handler.ts maps them to a page or JSON in one place.
export class DomainError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** Input that failed validation; `fields` maps a form field to its message. */
export class ValidationError extends DomainError {
  constructor(readonly fields: Record<string, string>) {
    super('validation_failed', Object.entries(fields).map(([f, m]) => `${f}: ${m}`).join('; '), 422);
  }
}

export class NotFoundError extends DomainError {
  constructor(what: string) {
    super('not_found', `${what} not found`, 404);
  }
}
