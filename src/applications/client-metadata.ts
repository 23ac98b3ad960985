// The rules for an application's settings, and their translation into the provider's
// client metadata. Every caller (console, CLI, per-user OAuth applications) goes through
// validateApplicationInput, so a rule written here holds everywhere.
import { ValidationError } from '../platform/errors.js';
import { SCOPES } from '../users/scopes.js';

export const CLIENT_GRANT_TYPES = ['authorization_code', 'refresh_token', 'client_credentials'] as const;
export type ApplicationGrantType = (typeof CLIENT_GRANT_TYPES)[number];

/** How a confidential client proves itself at the token endpoint; public clients use 'none'. */
export const CONFIDENTIAL_AUTH_METHODS = ['client_secret_basic', 'client_secret_post', 'client_secret_jwt'] as const;
export type AuthMethod = (typeof CONFIDENTIAL_AUTH_METHODS)[number] | 'none';

export interface ApplicationInput {
  name: string;
  redirectUris: string[];
  postLogoutRedirectUris: string[];
  grantTypes: string[];
  isPublic: boolean;
  /** Where to POST a logout token when the user's sessions are ended (OIDC Back-Channel Logout). */
  backchannelLogoutUri?: string;
  logoUri?: string;
  /** Confidential clients only; client_secret_basic when left out. */
  authMethod?: string;
  /** The scopes the app may ask for; empty or left out: every scope Foyer knows. */
  scopes?: string[];
}

/** What validation makes of the input: the provider's metadata and how the secret is kept. */
export interface ValidApplication {
  name: string;
  metadata: Record<string, unknown>;
  authMethod: AuthMethod;
}

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);
const MAX_NAME = 100;
const MAX_URIS = 20;
const MAX_URI_LENGTH = 2000;

function checkUri(uri: string): string | undefined {
  if (uri.length > MAX_URI_LENGTH) return `"${uri.slice(0, 60)}…" is longer than ${MAX_URI_LENGTH} characters`;
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return `"${uri}" is not an absolute URL`;
  }
  // Checked on the raw text: a bare trailing '#' leaves url.hash empty but the provider refuses it.
  if (uri.includes('#')) return `"${uri}" must not contain a fragment`;
  if (uri.includes('*')) return `"${uri}" must not contain wildcards`;
  // Web applications may only use http(s) redirects; the provider refuses anything else.
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return `"${uri}" must be an http(s) URL`;
  // Plain http would let anyone on the path read the code; only a developer's own machine is exempt.
  if (url.protocol === 'http:' && !LOOPBACK_HOSTS.has(url.hostname)) {
    return `"${uri}" must use https (http is only for localhost)`;
  }
  return undefined;
}

/** One URI per line (or separated by spaces or commas), as the console's text areas submit them. */
export function splitUris(text: string | undefined): string[] {
  return [...new Set((text ?? '').split(/[\s,]+/).map((u) => u.trim()).filter(Boolean))];
}

/**
 * Checks everything at once and throws one ValidationError naming each bad field.
 * `canSeal` says whether a key to encrypt secrets is configured (client_secret_jwt needs one).
 */
export function validateApplicationInput(input: ApplicationInput,
  { canSeal = false }: { canSeal?: boolean } = {}): ValidApplication {
  const problems: Record<string, string[]> = {};
  const add = (field: string, message: string) => (problems[field] ??= []).push(message);
  const name = input.name.trim();
  if (!name) add('name', 'Give the application a name');
  else if (name.length > MAX_NAME) add('name', `Keep the name under ${MAX_NAME} characters`);

  const grantTypes = input.grantTypes.length ? [...new Set(input.grantTypes)] : ['authorization_code', 'refresh_token'];
  const unknown = grantTypes.filter((g) => !(CLIENT_GRANT_TYPES as readonly string[]).includes(g));
  if (unknown.length) {
    add('grant_type', `Unknown grant type(s): ${unknown.join(', ')}; use ${CLIENT_GRANT_TYPES.join(', ')}`);
  }
  const usesCode = grantTypes.includes('authorization_code');
  if (usesCode && input.redirectUris.length === 0) {
    add('redirect_uri', 'The authorization_code grant needs at least one redirect URI');
  }
  if (grantTypes.includes('refresh_token') && !usesCode) {
    add('grant_type', 'refresh_token only works together with authorization_code');
  }
  if (input.isPublic && grantTypes.includes('client_credentials')) {
    add('grant_type', 'A public client cannot use client_credentials');
  }

  for (const [field, uris] of [['redirect_uri', input.redirectUris],
    ['post_logout_redirect_uri', input.postLogoutRedirectUris]] as const) {
    if (uris.length > MAX_URIS) add(field, `At most ${MAX_URIS} URIs`);
    for (const problem of uris.slice(0, MAX_URIS).map(checkUri)) if (problem) add(field, problem);
  }
  for (const [field, uri] of [['backchannel_logout_uri', input.backchannelLogoutUri],
    ['logo_uri', input.logoUri]] as const) {
    const problem = uri ? checkUri(uri) : undefined;
    if (problem) add(field, problem);
  }

  let authMethod: AuthMethod = 'none';
  if (!input.isPublic) {
    const chosen = input.authMethod || 'client_secret_basic';
    if (!(CONFIDENTIAL_AUTH_METHODS as readonly string[]).includes(chosen)) add('auth_method',
      `Unknown method "${chosen}"; use ${CONFIDENTIAL_AUTH_METHODS.join(', ')}`);
    else if (chosen === 'client_secret_jwt' && !canSeal) add('auth_method',
      'client_secret_jwt needs FOYER_CLIENT_SECRET_KEY in the server configuration; choose another method or ask the '
        + 'operator to set it');
    else authMethod = chosen as AuthMethod;
  }

  const scopes = [...new Set(input.scopes ?? [])];
  const unknownScopes = scopes.filter((s) => !SCOPES.includes(s));
  if (unknownScopes.length) add('scopes', `Unknown scope(s): ${unknownScopes.join(', ')}`);
  if (usesCode && scopes.length && !scopes.includes('openid')) add('scopes', 'Sign-in needs the openid scope');

  if (Object.keys(problems).length) {
    throw new ValidationError(Object.fromEntries(Object.entries(problems).map(([field, list]) => [field,
      list.join('; ')])));
  }
  return {
    name,
    authMethod,
    metadata: {
      redirect_uris: input.redirectUris,
      post_logout_redirect_uris: input.postLogoutRedirectUris,
      ...(input.backchannelLogoutUri ? { backchannel_logout_uri: input.backchannelLogoutUri,
        backchannel_logout_session_required: true } : {}),
      ...(input.logoUri ? { logo_uri: input.logoUri } : {}),
      grant_types: grantTypes,
      response_types: usesCode ? ['code'] : [],
      token_endpoint_auth_method: authMethod,
      // The provider refuses any scope outside this list (invalid_scope).
      ...(scopes.length ? { scope: scopes.join(' ') } : {}),
    },
  };
}

/** The console form's view of stored metadata: the inverse of validateApplicationInput. */
export function clientInputOf(name: string, metadata: Record<string, unknown>): ApplicationInput {
  const list = (v: unknown) => (Array.isArray(v) ? v.map(String) : []);
  const authMethod = String(metadata.token_endpoint_auth_method ?? 'client_secret_basic');
  return {
    name,
    redirectUris: list(metadata.redirect_uris),
    postLogoutRedirectUris: list(metadata.post_logout_redirect_uris),
    grantTypes: list(metadata.grant_types),
    isPublic: authMethod === 'none',
    backchannelLogoutUri: typeof metadata.backchannel_logout_uri === 'string' ? metadata.backchannel_logout_uri
    : undefined,
    logoUri: typeof metadata.logo_uri === 'string' ? metadata.logo_uri : undefined,
    authMethod: authMethod === 'none' ? undefined : authMethod,
    scopes: typeof metadata.scope === 'string' ? metadata.scope.split(' ') : [],
  };
}
