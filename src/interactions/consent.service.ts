// What the consent step must ask, and how the answer becomes a grant. Only on-request
// fields are ever asked about; public ones are granted by their scope, private ones are
// filtered out at release time whatever the grant says. The answers are remembered for the
// user and the application (not only in this session's grant), so no other device asks again.
import type Provider from 'oidc-provider';
import type { InteractionResults } from 'oidc-provider';
import { fieldLabel } from '../users/field-labels.js';
import type { PrivacyField } from '../users/privacy.js';
import type { SettingsService } from '../settings/settings.service.js';
import type { UserService } from '../users/user.service.js';
import { recordDecisions, undecidedFields } from '../oidc/account.js';
import { requestedClaims } from '../oidc/claims.js';
import { decisionsOf } from '../oidc/remembered-consent.js';
import type { ConsentDecisions } from '../sessions/account-records.repository.js';

type Details = Awaited<ReturnType<Provider['interactionDetails']>>;
type Grant = InstanceType<Provider['Grant']>;

export interface ConsentPlan {
  grant: Grant;
  scopes: string[];
  /** The on-request fields to ask about; empty means nothing needs asking. */
  ask: PrivacyField[];
  /** What each asked field is called on the page. */
  labels: Record<PrivacyField, string>;
  /** An Administrator marked the app first-party: its on-request fields are approved without asking. */
  firstParty: boolean;
}

export interface ConsentDeps {
  provider: Provider;
  users: UserService;
  settings: SettingsService;
  /** Whether an Administrator marked this client first-party (false for unknown clients). */
  isFirstParty: (clientId: string) => Promise<boolean>;
  /** Keeps the user's decisions for the application, for every session to come. */
  rememberConsent: (accountId: string, clientId: string, decisions: ConsentDecisions) => Promise<void>;
}

export function createConsentService({ provider, users, settings, isFirstParty, rememberConsent }: ConsentDeps) {
  /** What to ask for this interaction; undefined when the account may no longer sign in. */
  async function plan(details: Details): Promise<ConsentPlan | undefined> {
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
    // Looked up only when it can change the outcome: with nothing to ask there is no page to skip.
    const firstParty = ask.length > 0 && (await isFirstParty(clientId));
    return { grant, scopes, ask, labels: Object.fromEntries(ask.map((f) => [f, fieldLabel(f, customFields)])),
      firstParty };
  }

  /** Records the user's answers in the plan's grant and saves it; returns the interaction result. */
  async function grant(consentPlan: ConsentPlan, approved: PrivacyField[]): Promise<InteractionResults> {
    const { grant: target } = consentPlan;
    // Scopes are granted whole: what each releases is decided per claim by privacy level.
    target.addOIDCScope(consentPlan.scopes.join(' '));
    const approvedSet = new Set(approved.filter((f) => consentPlan.ask.includes(f)));
    recordDecisions(target, [...approvedSet], consentPlan.ask.filter((f) => !approvedSet.has(f)));
    const grantId = await target.save();
    await rememberConsent(target.accountId!, target.clientId!, decisionsOf(target));
    return { consent: { grantId } };
  }

  /**
   * The interaction result when no page is needed, undefined when the user must be asked.
   * A first-party app is trusted by the organization that runs Foyer, so its on-request
   * fields are approved on the user's behalf; private fields stay out all the same, since
   * they are filtered at release time whatever the grant holds.
   */
  async function answerWithoutAsking(consentPlan: ConsentPlan): Promise<InteractionResults | undefined> {
    if (consentPlan.ask.length === 0) return grant(consentPlan, []);
    if (consentPlan.firstParty) return grant(consentPlan, consentPlan.ask);
    return undefined;
  }

  return { plan, grant, answerWithoutAsking };
}

export type ConsentService = ReturnType<typeof createConsentService>;
