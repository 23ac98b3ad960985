// What the console shows of an application: words for grant types and methods, status
// badges, and the one-time secret page. Templates get plain objects, never a clients row.
import type { Context } from 'koa';
import type { Views } from '../platform/views.js';
import { CONFIDENTIAL_AUTH_METHODS, CLIENT_GRANT_TYPES } from '../applications/client-metadata.js';
import type { ApplicationRecord } from '../applications/application.repository.js';
import type { ApplicationListRow } from '../applications/application.query.js';
import { SCOPES } from '../users/scopes.js';
import { renderConsole } from './console-context.js';
import { type StatusBadge } from './user.presenter.js';
import { formatTime } from '../platform/format.js';

const GRANT_LABELS: Record<string, string> = {
  authorization_code: 'Authorization code (users sign in)', refresh_token: 'Refresh token',
  client_credentials: 'Client credentials (machine access)',
};
const AUTH_METHOD_LABELS: Record<string, string> = {
  client_secret_basic: 'client_secret_basic (HTTP Basic)', client_secret_post: 'client_secret_post (in the form body)',
  client_secret_jwt: 'client_secret_jwt (a JWT signed with the secret)', none: 'none (public client, PKCE)',
};

export const formChoices = (canSeal: boolean) => ({
  grantTypes: CLIENT_GRANT_TYPES.map((value) => ({ value, label: GRANT_LABELS[value] })),
  authMethods: CONFIDENTIAL_AUTH_METHODS.map((value) => ({ value, label: AUTH_METHOD_LABELS[value],
    disabled: value === 'client_secret_jwt' && !canSeal })),
  scopes: SCOPES,
  canSeal,
});

function applicationBadges(app: Pick<ApplicationRecord, 'active' | 'firstParty' | 'kind'>): StatusBadge[] {
  const badges: StatusBadge[] = [app.active ? { label: 'Active', tone: 'ok' } : { label: 'Inactive', tone: 'bad' }];
  if (app.firstParty) badges.push({ label: 'First-party', tone: 'plain' });
  if (app.kind === 'personal') badges.push({ label: 'Personal', tone: 'plain' });
  return badges;
}

export function presentApplicationRow(row: ApplicationListRow) {
  return {
    id: row.clientId, name: row.name, active: row.active, organization: row.organizationName ?? '',
    owners: row.owners.join(', '),
    grants: row.grantTypes.map((g) => GRANT_LABELS[g]?.split(' (')[0] ?? g).join(', '), badges: applicationBadges(row),
    created: formatTime(row.createdAt),
  };
}

export function presentApplication(app: ApplicationRecord) {
  const m = app.metadata;
  const list = (v: unknown) => (Array.isArray(v) ? v.map(String) : []);
  const method = String(m.token_endpoint_auth_method ?? 'none');
  return {
    id: app.clientId, name: app.name, kind: app.kind, active: app.active, firstParty: app.firstParty,
    organization: app.organizationName ?? '',
    badges: applicationBadges(app), created: formatTime(app.createdAt), updated: formatTime(app.updatedAt),
    logoUri: typeof m.logo_uri === 'string' ? m.logo_uri : '', redirectUris: list(m.redirect_uris),
    postLogoutRedirectUris: list(m.post_logout_redirect_uris),
    backchannelLogoutUri: typeof m.backchannel_logout_uri === 'string' ? m.backchannel_logout_uri : '',
    grantTypes: list(m.grant_types).map((g) => GRANT_LABELS[g] ?? g), isPublic: method === 'none',
    authMethod: AUTH_METHOD_LABELS[method] ?? method,
    scopes: typeof m.scope === 'string' ? m.scope.split(' ') : [], hasSecret: app.hasSecret,
  };
}

/**
 * The one page that ever shows a secret: answered straight to the POST that made it (never a
 * redirect, so it is in no URL or history entry), never cached.
 */
export function renderSecretOnce(ctx: Context, views: Views,
  data: { id: string; name: string; secret: string; why: string; kind: string }): void {
  ctx.set('Cache-Control', 'no-store');
  ctx.set('Referrer-Policy', 'no-referrer');
  renderConsole(ctx, views, 'admin/apps/secret.njk', 'apps', data);
}
