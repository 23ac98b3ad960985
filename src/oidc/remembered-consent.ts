// Consent belongs to the user and the application, not to one browser session. The provider
// keeps a Grant per session (it ends with the session, with every token issued under it);
// the user's decisions for an application live in the consents table
// (src/sessions/account-records.repository.ts). Each session's Grant is made from them when
// the provider loads it (loadExistingGrant), so a new device asks nothing already decided —
// approved or declined — and the consent step writes the answers back (consent.service.ts).
import type { Grant, KoaContextWithOIDC } from 'oidc-provider';
import type { ConsentDecisions } from '../sessions/account-records.repository.js';

export type ConsentLookup = (accountId: string, clientId: string) => Promise<ConsentDecisions | undefined>;

const words = (scope: string | undefined) => (scope ?? '').split(' ').filter(Boolean);
const sameSet = (a: readonly string[], b: readonly string[]) => {
  const left = new Set(a);
  const right = new Set(b);
  return left.size === right.size && [...left].every((x) => right.has(x));
};

/** The decisions a grant holds, as the consents table keeps them. */
export function decisionsOf(grant: Grant): ConsentDecisions {
  return {
    scopes: words(grant.openid?.scope),
    claims: [...new Set(grant.openid?.claims ?? [])],
    rejectedClaims: [...new Set(grant.rejected?.openid?.claims ?? [])],
  };
}

/** Makes the grant hold exactly these decisions; false when it already did. */
function applyDecisions(grant: Grant, decisions: ConsentDecisions): boolean {
  const held = decisionsOf(grant);
  if (sameSet(held.scopes, decisions.scopes) && sameSet(held.claims, decisions.claims)
    && sameSet(held.rejectedClaims, decisions.rejectedClaims)) return false;
  grant.openid = { scope: decisions.scopes.join(' '), claims: [...decisions.claims] };
  grant.rejected = { ...grant.rejected, openid: { claims: [...decisions.rejectedClaims] } };
  return true;
}

/**
 * The provider's loadExistingGrant: the grant the consent step just saved; otherwise this
 * session's grant for the application, brought in line with what the user decided (perhaps
 * on another device since); otherwise a new grant made from those decisions. Undefined when
 * the user never consented to the application (or revoked it): then the provider starts an
 * empty grant and the consent step asks.
 */
export function loadRememberedGrant(consentOf: ConsentLookup) {
  return async function loadExistingGrant(ctx: KoaContextWithOIDC): Promise<Grant | undefined> {
    const { oidc } = ctx;
    const clientId = oidc.client!.clientId;
    const decided = oidc.result?.consent?.grantId as string | undefined;
    const grantId = decided ?? oidc.session!.grantIdFor(clientId);
    const current = grantId ? await oidc.provider.Grant.find(grantId) : undefined;
    // Saved by the consent step a moment ago, with the consent itself.
    if (decided) return current;
    const accountId = oidc.account!.accountId;
    const remembered = await consentOf(accountId, clientId);
    if (!remembered) return current;
    // Only this account's grant for this application is brought in line; any other is left as it is.
    const own = current?.accountId === accountId && current.clientId === clientId ? current : undefined;
    const grant = own ?? new oidc.provider.Grant({ accountId, clientId });
    if (applyDecisions(grant, remembered) || !own) await grant.save();
    return grant;
  };
}
