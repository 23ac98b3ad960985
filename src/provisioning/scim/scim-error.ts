// SCIM errors (RFC 7644 §3.12). They extend DomainError so that, should one escape the
// SCIM router, the app-wide error handler still answers with its status instead of a 500;
// the SCIM router itself answers with `toJSON()`, the body SCIM clients understand.
import { DomainError } from '../../platform/errors.js';

const SCIM_ERROR_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:Error';

/** The §3.12 error body. `status` is a string there, not a number. */
export interface ScimErrorBody {
  schemas: [typeof SCIM_ERROR_SCHEMA];
  status: string;
  scimType?: string;
  detail: string;
}

export class ScimError extends DomainError {
  constructor(
    status: number,
    /** The §3.12 `scimType` keyword; absent for errors that have none (404, 500). */
    readonly scimType: string | undefined,
    readonly detail: string,
  ) {
    super(scimType ?? (status === 404 ? 'not_found' : 'scim_error'), detail, status);
  }

  toJSON(): ScimErrorBody {
    return {
      schemas: [SCIM_ERROR_SCHEMA],
      status: String(this.status),
      ...(this.scimType ? { scimType: this.scimType } : {}),
      detail: this.detail,
    };
  }
}

export const invalidFilter = (detail: string) => new ScimError(400, 'invalidFilter', detail);
export const invalidPath = (detail: string) => new ScimError(400, 'invalidPath', detail);
export const invalidValue = (detail: string) => new ScimError(400, 'invalidValue', detail);
export const invalidSyntax = (detail: string) => new ScimError(400, 'invalidSyntax', detail);
export const noTarget = (detail: string) => new ScimError(400, 'noTarget', detail);
export const mutability = (detail: string) => new ScimError(400, 'mutability', detail);
export const tooMany = (detail: string) => new ScimError(400, 'tooMany', detail);
export const uniqueness = (detail: string) => new ScimError(409, 'uniqueness', detail);
export const notFound = (detail: string) => new ScimError(404, undefined, detail);
