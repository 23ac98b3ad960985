// A relying party as apps use Foyer: openid-client against the real server, with a
// callback endpoint of its own that the browser lands on.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as oidc from 'openid-client';
import type { Page } from 'playwright-core';
import { CLI_ACTOR } from '../../src/audit/audit.service.js';
import type { TestServer } from './server.js';

export interface CallbackServer {
  url: string;
  /** Logout tokens POSTed to `/backchannel` (OIDC Back-Channel Logout), oldest first. */
  logoutTokens: string[];
  close(): Promise<void>;
}

/** A tiny web server standing for the app: a plain page on every path, and a back-channel logout endpoint. */
export async function startCallbackServer(): Promise<CallbackServer> {
  const logoutTokens: string[] = [];
  const server = http.createServer((req, res) => {
    if (req.method === 'POST' && req.url === '/backchannel') {
      let body = '';
      req.on('data', (chunk) => (body += chunk));
      req.on('end', () => {
        const token = new URLSearchParams(body).get('logout_token');
        if (token) logoutTokens.push(token);
        res.writeHead(token ? 200 : 400).end();
      });
      return;
    }
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end('<!doctype html><title>app</title><p>back at the app</p>');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    logoutTokens,
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

/**
 * Registers the confidential test app "Tea Party" (code + refresh, callback `/cb` on `rp`,
 * back-channel logout to `rp` unless turned off) and returns openid-client's view of it.
 */
export async function registerTeaParty(
  server: Pick<TestServer, 'issuer' | 'foyer'>, rp: CallbackServer,
  { backchannel = true }: { backchannel?: boolean } = {},
): Promise<oidc.Configuration> {
  const created = await server.foyer.services.applications.create({
    name: 'Tea Party', redirectUris: [`${rp.url}/cb`], postLogoutRedirectUris: [],
    grantTypes: ['authorization_code', 'refresh_token'],
    isPublic: false, ...(backchannel ? { backchannelLogoutUri: `${rp.url}/backchannel` } : {}),
  }, CLI_ACTOR);
  return discover(server.issuer, created.client_id, created.client_secret);
}

export async function discover(issuer: string, clientId: string, clientSecret?: string): Promise<oidc.Configuration> {
  return oidc.discovery(new URL(issuer), clientId, clientSecret, clientSecret ? undefined : oidc.None(), {
    execute: [oidc.allowInsecureRequests],
  });
}

export interface AuthorizationRequest {
  url: URL;
  verifier: string;
  state: string;
  nonce: string;
}

export async function authorizationRequest(config: oidc.Configuration, redirectUri: string, scope: string,
  extra: Record<string, string> = {}): Promise<AuthorizationRequest> {
  const verifier = oidc.randomPKCECodeVerifier();
  const state = oidc.randomState();
  const nonce = oidc.randomNonce();
  // offline_access counts only with prompt=consent (OpenID Connect Core 11).
  const prompt: Record<string, string> = scope.split(' ').includes('offline_access') ? { prompt: 'consent' } : {};
  const url = oidc.buildAuthorizationUrl(config, {
    redirect_uri: redirectUri, scope, state, nonce, ...prompt,
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256', ...extra,
  });
  return { url, verifier, state, nonce };
}

/** Waits until the browser is back at the app and redeems the code there. */
export async function finishAtCallback(page: Page, config: oidc.Configuration, callbackPrefix: string,
  request: AuthorizationRequest) {
  await page.waitForURL((u) => u.href.startsWith(callbackPrefix), { timeout: 15_000 });
  return oidc.authorizationCodeGrant(config, new URL(page.url()), {
    pkceCodeVerifier: request.verifier, expectedState: request.state, expectedNonce: request.nonce,
  });
}

export { oidc };
