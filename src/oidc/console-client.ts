// The admin console signs people in through Foyer's own sign-in page: it is a first-party,
// public OIDC client of the provider, configured statically (its redirect URI follows ISSUER).
import type { ClientMetadata } from 'oidc-provider';
import { firstPartyClient } from './first-party-sign-in.js';

export const CONSOLE_CLIENT_ID = 'foyer-console';

export function consoleClient(issuer: string): ClientMetadata {
  return firstPartyClient(issuer, CONSOLE_CLIENT_ID, 'Foyer admin console', '/admin');
}
