// The provider's view of the directory: findAccount and the claims it may release.
import type { Account, AccountClaims, FindAccount, Grant, KoaContextWithOIDC } from 'oidc-provider';
import type { User } from '../db/entities/user.entity.js';
import { claimsOfField, splitByPrivacy, type PrivacyField, type PrivacyLevels } from '../users/privacy.js';
import type { UserService } from '../users/user.service.js';
import { presentFields, releasableClaims } from './claims.js';
import { prefetched } from './request-prefetch.js';

export interface FoyerAccount extends Account {
  user: User;
  levels: PrivacyLevels;
}

/** The fields the user consented to in this grant. */
function consentedFields(grant: Grant | undefined): Set<string> {
  return new Set(grant?.getOIDCClaims() ?? []);
}

/**
 * Blocked, locked and deleted accounts are not found, so the provider refuses their
 * sessions, refresh tokens and userinfo calls.
 */
export function createFindAccount(users: UserService, issuer: string,
  groupNames: (userId: string) => Promise<string[]>): FindAccount {
  return async (ctx: KoaContextWithOIDC, sub: string): Promise<FoyerAccount | undefined> => {
    // Userinfo read the user together with the access token (request-prefetch.ts).
    const early = prefetched(ctx)?.users;
    const user = early?.has(sub) ? users.ifActive(early.get(sub) ?? null) : await users.findActive(sub);
    if (!user) return undefined;
    const levels = await users.privacyLevels(user);
    return {
      accountId: user.id,
      user,
      levels,
      // Levels are read fresh on every call, so a change applies to the next token or userinfo.
      claims: async (_use, scope) => {
        const released = releasableClaims(user, levels, consentedFields(ctx.oidc.entities.Grant), issuer);
        // Group names are read only when an app was granted the groups scope.
        if (String(scope ?? '').split(' ').includes('groups')) released.groups = await groupNames(user.id);
        return released as AccountClaims;
      },
    };
  };
}

/**
 * On-request fields among the requested claims, with a value, that this grant has neither
 * granted nor refused. With `reconsent` (the app sent prompt=consent) decided ones count too.
 */
export function undecidedFields(requested: Iterable<string>, user: User, levels: PrivacyLevels,
  grant: Grant | undefined, reconsent = false): PrivacyField[] {
  const encountered = new Set(reconsent ? [] : grant?.getOIDCClaimsEncountered() ?? []);
  const present = presentFields(user, levels);
  return splitByPrivacy(requested, levels).onRequest.filter((field) => present.has(field) && !encountered.has(field));
}

/** Records the user's decision on each asked field in the grant. */
export function recordDecisions(grant: Grant, approved: PrivacyField[], declined: PrivacyField[]): void {
  const approvedClaims = approved.flatMap(claimsOfField);
  if (approvedClaims.length) {
    grant.addOIDCClaims(approvedClaims);
    // A re-consent (prompt=consent) may approve what was refused before: forget that refusal.
    const rejected = (grant as unknown as { rejected?: { openid?: { claims?: string[] } } }).rejected?.openid;
    if (rejected?.claims) rejected.claims = rejected.claims.filter((c) => !approvedClaims.includes(c));
  }
  const declinedClaims = declined.flatMap(claimsOfField);
  if (declinedClaims.length) grant.rejectOIDCClaims(declinedClaims);
}
