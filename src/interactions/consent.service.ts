// What the consent step must ask, and how the answer becomes a grant. Only on-request
// fields are ever asked about; public ones are granted by their scope, private ones are
// filtered out at release time whatever the grant says.
import type Provider from 'oidc-provider';
import type { InteractionResults } from 'oidc-provider';
import type { PrivacyClaim } from '../directory/privacy.js';
import { governingField } from '../directory/privacy.js';
import type { UserService } from '../directory/user.service.js';
import { recordDecisions, undecidedFields } from '../oidc/account.js';
import { requestedClaims } from '../oidc/claims.js';

type Details = Awaited<ReturnType<Provider['interactionDetails']>>;

export interface ConsentPlan {
  accountId: string;
  clientId: string;
  scopes: string[];
  ask: PrivacyClaim[];
}

export function createConsentService({ provider, users }: { provider: Provider; users: UserService }) {
  const oidcScopes = (details: Details) => String(details.params.scope ?? '').split(' ').filter((s) => s && s !== '');

  async function existingGrant(details: Details, accountId: string, clientId: string) {
    const grant = details.grantId ? await provider.Grant.find(details.grantId) : undefined;
    return grant ?? new provider.Grant({ accountId, clientId });
  }

  return {
    /** Undefined when the account may no longer sign in. */
    async plan(details: Details): Promise<ConsentPlan | undefined> {
      const accountId = details.session?.accountId;
      if (!accountId) return undefined;
      const user = await users.findActive(accountId);
      if (!user) return undefined;
      const clientId = String(details.params.client_id);
      const grant = details.grantId ? await provider.Grant.find(details.grantId) : undefined;
      const requested = requestedClaims(oidcScopes(details), details.params.claims as string | undefined);
      // prompt=consent asks again about every on-request field, even ones decided before.
      const reconsent = String(details.params.prompt ?? '').split(' ').includes('consent');
      const ask = undecidedFields(requested, user, users.privacyLevels(user), grant, reconsent);
      return { accountId, clientId, scopes: oidcScopes(details), ask };
    },

    /** Saves the grant for the plan with the user's approvals; returns the interaction result. */
    async grant(details: Details, plan: ConsentPlan, approved: PrivacyClaim[]): Promise<InteractionResults> {
      const grant = await existingGrant(details, plan.accountId, plan.clientId);
      grant.addOIDCScope(plan.scopes.join(' '));
      const approvedSet = new Set(approved.filter((f) => plan.ask.includes(f)));
      recordDecisions(grant, [...approvedSet], plan.ask.filter((f) => !approvedSet.has(f)));

      // Claims asked for by name (claims parameter) must be decided too, or the provider
      // would keep prompting: public ones are granted, private ones refused.
      const user = await users.findActive(plan.accountId);
      const levels = user ? users.privacyLevels(user) : undefined;
      const byName = requestedClaims([], details.params.claims as string | undefined);
      const encountered = new Set(grant.getOIDCClaimsEncountered());
      for (const claim of byName) {
        const field = governingField(claim);
        if (encountered.has(claim) || !levels) continue;
        if (!field) grant.addOIDCClaims([claim]); // sub, name, updated_at: no level of their own
        else if (levels[field] === 'public') grant.addOIDCClaims([claim]);
        else if (levels[field] === 'private') grant.rejectOIDCClaims([claim]);
      }
      const grantId = await grant.save();
      return { consent: { grantId } };
    },
  };
}

export type ConsentService = ReturnType<typeof createConsentService>;
