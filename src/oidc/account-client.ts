// The user's own account pages sign in like the console: a first-party public client.
import type { ClientMetadata } from 'oidc-provider';
import { firstPartyClient } from './first-party-sign-in.js';

export const ACCOUNT_CLIENT_ID = 'foyer-account';

export function accountClient(issuer: string): ClientMetadata {
  return firstPartyClient(issuer, ACCOUNT_CLIENT_ID, 'Your Foyer account', '/account');
}
