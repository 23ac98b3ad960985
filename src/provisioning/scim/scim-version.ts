// Versions of SCIM resources (RFC 7644 §3.14): a weak ETag computed from what a client reads,
// so it changes exactly when the representation does (a group's members included) and needs
// no column. `If-Match` on a write is checked against the version read under the row's lock.
import { createHash } from 'node:crypto';
import { ScimError } from './scim-error.js';
import type { Json } from './scim-json.js';

/** The resource with `meta.version` set: a weak ETag of everything but `meta`. */
export function withVersion(resource: Json): Json {
  const { meta, ...attributes } = resource;
  const digest = createHash('sha256').update(JSON.stringify(attributes)).digest('base64url').slice(0, 22);
  return { ...attributes, meta: { ...(meta as Json), version: `W/"${digest}"` } };
}

export function versionOf(resource: Json): string {
  return String((resource.meta as Json | undefined)?.version ?? '');
}

/** Whether an If-Match / If-None-Match header names this version (weak comparison; `*` names any). */
export function namesVersion(header: string | undefined, version: string): boolean {
  if (!header) return false;
  const opaque = (tag: string) => tag.trim().replace(/^W\//i, '');
  return header.split(',').some((tag) => tag.trim() === '*' || opaque(tag) === opaque(version));
}

/** A write with `If-Match` goes ahead only on the version the client last read. */
export function assertVersion(current: Json, ifMatch: string | undefined): void {
  if (ifMatch && !namesVersion(ifMatch, versionOf(current))) {
    throw new ScimError(412, undefined, 'The resource has changed since that version was read; read it again '
      + '(its ETag is the new version) and retry');
  }
}
