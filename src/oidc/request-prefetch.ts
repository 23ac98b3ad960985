// Rows read together with an access token, kept on that request's context for the two
// lookups the provider makes right after it (the grant and the account). It saves two
// round trips on every userinfo call. Scoped to the one request: nothing outlives it, so
// every request still sees the database as it is.
import Provider, { type AdapterPayload } from 'oidc-provider';
import type { User } from '../db/entities/user.entity.js';

export interface Prefetched {
  grants: Map<string, AdapterPayload | undefined>;
  users: Map<string, User | null>;
}

const byRequest = new WeakMap<object, Prefetched>();

/** What the current request (the provider's context) has prefetched, if anything. */
export function prefetched(ctx: object | undefined = Provider.ctx): Prefetched | undefined {
  return ctx ? byRequest.get(ctx) : undefined;
}

/** Remembers rows for the current request; outside a request it does nothing. */
export function remember(grantId: string | undefined, grant: AdapterPayload | undefined, accountId: string | undefined,
  user: User | null): void {
  const ctx = Provider.ctx;
  if (!ctx) return;
  let entry = byRequest.get(ctx);
  if (!entry) byRequest.set(ctx, (entry = { grants: new Map(), users: new Map() }));
  if (grantId) entry.grants.set(grantId, grant);
  if (accountId) entry.users.set(accountId, user);
}
