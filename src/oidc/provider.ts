// node-oidc-provider wired to PostgreSQL and the directory. The one place tokens are issued.
import type { EventEmitter } from 'node:events';
import Provider, { interactionPolicy, type Configuration, type KoaContextWithOIDC } from 'oidc-provider';
import { accountClient } from './account-client.js';
import { consoleClient } from './console-client.js';
import { type Db } from '../db/database.js';
import type { UserService } from '../users/user.service.js';
import type { Logger } from '../platform/logger.js';
import type { Views } from '../platform/views.js';
import { createFindAccount, undecidedFields, type FoyerAccount } from './account.js';
import { createAdapterFactory } from './adapter.js';
import { requestedClaims } from './claims.js';
import { SCOPE_CLAIMS, SCOPES } from '../users/scopes.js';
import { clientSecretMatches } from '../applications/client-secret.js';
import type { ProviderSecrets } from './keys.js';
import { isDatabaseOutage } from '../db/database-outage.js';
import { safeError } from '../platform/logger.js';
import { loadRememberedGrant, type ConsentLookup } from './remembered-consent.js';

export interface ProviderDeps {
  issuer: string;
  trustProxy: boolean;
  db: Db;
  /** Client metadata by id, as the provider's Client model reads it. */
  findClient: (clientId: string) => Promise<Record<string, unknown> | undefined>;
  users: UserService;
  /** Names of the user's groups, for the `groups` claim. */
  groupNames: (userId: string) => Promise<string[]>;
  secrets: ProviderSecrets;
  views: Views;
  /** What the user decided for an application, from any session (the consents table). */
  consentOf: ConsentLookup;
  /** The name of a deactivated application, by client id (undefined for active and unknown ones). */
  deactivatedName: (clientId: string) => Promise<string | undefined>;
}

/** The client id a refused request named, whether the provider got as far as reading its parameters or not. */
function requestedClientId(ctx: KoaContextWithOIDC): string {
  const fromParams = (ctx.oidc as { params?: Record<string, unknown> } | undefined)?.params?.client_id;
  const fromQuery = ctx.query?.client_id;
  const value = typeof fromParams === 'string' ? fromParams : typeof fromQuery === 'string' ? fromQuery : '';
  return value.length <= 200 ? value : '';
}

const { Check, base: basePolicy } = interactionPolicy;

function interactionPolicyWithPrivacy(): interactionPolicy.Prompt[] {
  const policy = basePolicy();
  const consent = policy.get('consent')!;
  // Beyond the provider's own checks: ask whenever an on-request field the app wants has
  // not been decided by the user for this app yet. Public ones need no asking.
  consent.checks.add(new Check('foyer_claims_undecided', 'on-request claims need the user\'s consent', async (ctx) => {
    const { oidc } = ctx;
    const account = oidc.account as FoyerAccount | undefined;
    if (!account) return Check.NO_NEED_TO_PROMPT;
    const requested = requestedClaims(oidc.requestParamOIDCScopes);
    return undecidedFields(requested, account.user, account.levels, oidc.grant).length > 0 ? Check.REQUEST_PROMPT
      : Check.NO_NEED_TO_PROMPT;
  }));
  return policy;
}

export function createProvider(deps: ProviderDeps): Provider {
  const { views } = deps;
  const page = (ctx: KoaContextWithOIDC, template: string, data: Record<string, unknown>) => {
    ctx.type = 'html';
    ctx.body = views.render(template, data);
  };

  const configuration: Configuration = {
    // Foyer's own console; every other client lives in the clients table.
    clients: [consoleClient(deps.issuer), accountClient(deps.issuer)],
    adapter: createAdapterFactory(deps.db, deps.findClient),
    findAccount: createFindAccount(deps.users, deps.issuer, deps.groupNames),
    jwks: deps.secrets.jwks,
    cookies: { keys: deps.secrets.cookieKeys },
    claims: SCOPE_CLAIMS,
    scopes: SCOPES,
    // Release the granted claims in the ID token too, not only at userinfo.
    conformIdTokenClaims: false,
    responseTypes: ['code'],
    clientAuthMethods: ['client_secret_basic', 'client_secret_post', 'client_secret_jwt', 'none'],
    pkce: { required: (_ctx, client) => client.clientAuthMethod === 'none' },
    rotateRefreshToken: true,
    interactions: {
      url: (_ctx, interaction) => `/interaction/${interaction.uid}`,
      policy: interactionPolicyWithPrivacy(),
    },
    // A consent is the user's and the application's: found again from any session (remembered-consent.ts).
    loadExistingGrant: loadRememberedGrant(deps.consentOf),
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      introspection: {
        enabled: true,
        // Authenticated (confidential) clients may introspect any token, as resource servers
        // do; a public client only its own. A token of an application that was deactivated or
        // deleted since is reported inactive (the provider itself would call it active).
        allowedPolicy: async (ctx, client, token) => {
          if (token.clientId === client.clientId) return true;
          return client.clientAuthMethod !== 'none'
            && Boolean(token.clientId && await ctx.oidc.provider.Client.find(token.clientId));
        },
      },
      // RFC 7009: a client may revoke only the tokens issued to it.
      revocation: { enabled: true, allowedPolicy: (_ctx, client, token) => token.clientId === client.clientId },
      userinfo: { enabled: true },
      // Apps with a backchannel_logout_uri get a logout token when a user's sessions end
      // (RP-initiated logout here, or End sessions / Block / Lock / Delete in the console).
      backchannelLogout: { enabled: true },
      rpInitiatedLogout: {
        enabled: true,
        logoutSource: (ctx, form) => page(ctx, 'interactions/logout.njk', { form }),
        postLogoutSuccessSource: (ctx) => page(ctx, 'interactions/logged-out.njk',
          { clientName: ctx.oidc.client?.clientName }),
      },
    },
    ttl: {
      AccessToken: 3600,
      AuthorizationCode: 60,
      ClientCredentials: 3600,
      IdToken: 3600,
      Interaction: 3600,
      Grant: 30 * 24 * 3600,
      Session: 14 * 24 * 3600,
      RefreshToken: 30 * 24 * 3600,
    },
    renderError: async (ctx, out) => {
      // An application an admin deactivated: say so in words, not with the provider's invalid_client.
      const deactivated = out.error === 'invalid_client' ? await deps.deactivatedName(requestedClientId(ctx))
        .catch(() => undefined) : undefined;
      if (deactivated !== undefined) return page(ctx, 'errors/application-deactivated.njk', { name: deactivated });
      page(ctx, 'errors/oidc-error.njk', { error: out.error, description: out.error_description });
    },
  };

  const provider = new Provider(deps.issuer, configuration);
  provider.proxy = deps.trustProxy;

  // Client secrets are stored hashed (see client-secret.ts); compare the presented one by hash.
  provider.Client.prototype.compareClientSecret = function compareHashedSecret(this: { clientSecret?: string },
    actual: string) {
    return Promise.resolve(clientSecretMatches(actual, this.clientSecret));
  };
  return provider;
}

/** Server errors, and refused requests with the provider's detail (which responses omit). */
export function logProviderEvents(provider: Provider, logger: Logger): void {
  const events = provider as unknown as EventEmitter;
  const log = (ctx: { state?: { log?: Logger } } | undefined) => ctx?.state?.log ?? logger;
  // A database outage is answered 503 and logged once per outage (http/database-unavailable.ts), not here per request.
  events.on('server_error',
    (ctx, err) => isDatabaseOutage(err) || log(ctx).error({ err: safeError(err) }, 'provider server_error'));
  for (const event of ['authorization.error', 'grant.error', 'userinfo.error', 'introspection.error',
    'revocation.error', 'end_session.error']) {
    events.on(event, (ctx, err: { error?: string; error_detail?: string }) =>
      log(ctx).info({ event, error: err.error, detail: err.error_detail }, 'oidc request refused'));
  }
}
