// What the consent step must ask, and how the answer becomes a grant. Only on-request
// fields are ever asked about; public ones are granted by their scope, private ones are
// filtered out at release time whatever the grant says.
import type Provider from 'oidc-provider';
import type { InteractionResults } from 'oidc-provider';
import { fieldLabel } from '../directory/field-labels.js';
import type { PrivacyField } from '../directory/privacy.js';
import type { SettingsService } from '../directory/settings.service.js';
import type { UserService } from '../directory/user.service.js';
import { recordDecisions, undecidedFields } from '../oidc/account.js';
import { requestedClaims } from '../oidc/claims.js';

type Details = Awaited<ReturnType<Provider['interactionDetails']>>;
type Grant = InstanceType<Provider['Grant']>;

export interface ConsentPlan {
  grant: Grant;
  scopes: string[];
  /** The on-request fields to ask about; empty means nothing needs asking. */
  ask: PrivacyField[];
  /** What each asked field is called on the page. */
  labels: Record<PrivacyField, string>;
}

export function createConsentService({ provider, users, settings }: { provider: Provider; users: UserService; settings: SettingsService }) {
  return {
    /** What to ask for this interaction; undefined when the account may no longer sign in. */
    async plan(details: Details): Promise<ConsentPlan | undefined> {
      const accountId = details.session?.accountId;
      const user = accountId ? await users.findActive(accountId) : undefined;
      if (!user) return undefined;
      const clientId = String(details.params.client_id);
      const existing = details.grantId ? await provider.Grant.find(details.grantId) : undefined;
      const grant = existing ?? new provider.Grant({ accountId: user.id, clientId });
      const scopes = String(details.params.scope ?? '').split(' ').filter(Boolean);
      // prompt=consent asks again about every on-request field, even ones decided before.
      const reconsent = String(details.params.prompt ?? '').split(' ').includes('consent');
      const ask = undecidedFields(requestedClaims(scopes), user, await users.privacyLevels(user), existing, reconsent);
      const { customFields } = await settings.current();
      return { grant, scopes, ask, labels: Object.fromEntries(ask.map((f) => [f, fieldLabel(f, customFields)])) };
    },

    /** Records the user's answers in the plan's grant and saves it; returns the interaction result. */
    async grant(plan: ConsentPlan, approved: PrivacyField[]): Promise<InteractionResults> {
      const { grant } = plan;
      // Scopes are granted whole: what each releases is decided per claim by privacy level.
      grant.addOIDCScope(plan.scopes.join(' '));
      const approvedSet = new Set(approved.filter((f) => plan.ask.includes(f)));
      recordDecisions(grant, [...approvedSet], plan.ask.filter((f) => !approvedSet.has(f)));
      return { consent: { grantId: await grant.save() } };
    },
  };
}

export type ConsentService = ReturnType<typeof createConsentService>;
