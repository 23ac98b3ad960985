// What the console shows of an application: words for grant types and methods, status
// badges, and the page that shows a new secret once. Templates get plain objects, never a clients row.
import type { Context } from 'koa';
import type { Views } from '../platform/views.js';
import { CONFIDENTIAL_AUTH_METHODS, CLIENT_GRANT_TYPES } from '../applications/client-metadata.js';
import type { ApplicationRecord } from '../applications/application.repository.js';
import type { ApplicationListRow } from '../applications/application.query.js';
import { SCOPES } from '../users/scopes.js';
import { renderConsole } from './console-context.js';
import { type StatusBadge } from './user.presenter.js';
import { formatTime } from '../platform/format.js';
import { oneTimeView } from '../platform/http/one-time-view.js';

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

/** Why a secret page shows a new secret. */
export type SecretReason = 'created' | 'regenerated' | 'replaced';

/** The page that shows an application's new secret once. */
export const secretPageOf = (clientId: string) => `/admin/apps/${encodeURIComponent(clientId)}/secret/new`;

/**
 * A new secret travels from the POST that made it (create, regenerate, an edit that made the
 * application confidential, a personal application) to its page, which shows it once
 * (src/platform/http/one-time-view.ts). Client ids may hold characters a cookie path cannot, so
 * the handover is scoped to the Applications pages and names its application.
 */
export function secretHandover(secure: boolean) {
  const view = oneTimeView<{ secret: string; why: SecretReason }>({ cookie: 'foyer.new-client-secret',
    path: () => '/admin/apps', secure });
  return {
    showSecretOnce(ctx: Context, clientId: string, secret: string, why: SecretReason): void {
      view.showOnce(ctx, clientId, { secret, why }, secretPageOf(clientId));
    },
    take: view.take,
  };
}

/** The secret's page: the secret and why it is new, or (reloaded, or opened later) that it was shown already. */
export function renderSecretPage(ctx: Context, views: Views, data: { id: string; name: string; kind: string;
  canRegenerate: boolean; secret?: string; why?: SecretReason; }): void {
  ctx.set('Referrer-Policy', 'no-referrer');
  renderConsole(ctx, views, 'admin/apps/secret.njk', 'apps', data);
}
