// A user access token without a browser: stored through the provider's own models, so it
// is exactly what a finished authorization code flow would have left in storage.
import type Provider from 'oidc-provider';

export const USERINFO_SCOPE = 'openid profile';

export async function mintUserAccessToken(provider: Provider, accountId: string, clientId: string): Promise<string> {
  const client = await provider.Client.find(clientId);
  if (!client) throw new Error(`client ${clientId} not found by the provider`);
  const grant = new provider.Grant({ accountId, clientId });
  grant.addOIDCScope(USERINFO_SCOPE);
  // As if the user had consented to the on-request name fields on Foyer's consent page.
  grant.addOIDCClaims(['given_name', 'family_name', 'name']);
  const grantId = await grant.save();
  const token = new provider.AccessToken({ client, accountId, grantId, gty: 'authorization_code',
    scope: USERINFO_SCOPE });
  return token.save();
}
