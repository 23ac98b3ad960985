// The admin console signs people in through Foyer's own sign-in page: it is a first-party,
// public OIDC client of the provider, configured statically (its redirect URI follows ISSUER).
import type { ClientMetadata } from 'oidc-provider';

export const CONSOLE_CLIENT_ID = 'foyer-console';

export function consoleClient(issuer: string): ClientMetadata {
  return {
    client_id: CONSOLE_CLIENT_ID,
    client_name: 'Foyer admin console',
    token_endpoint_auth_method: 'none',
    grant_types: ['authorization_code'],
    response_types: ['code'],
    redirect_uris: [`${issuer}/admin/callback`],
    post_logout_redirect_uris: [`${issuer}/admin/signed-out`],
  };
}
