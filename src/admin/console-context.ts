// Per-request console context: who is signed in, what they may reach, and rendering with
// the console layout. Routes stay thin by getting these from here.
import type { Context, Middleware } from 'koa';
import type { User } from '../db/entities/user.entity.js';
import { DomainError } from '../platform/errors.js';
import { scopeOf, type StaffScope } from '../platform/access.js';
import { actorOf } from '../users/user.policy.js';
import type { Viewer } from '../applications/application.policy.js';
import type { Actor } from '../audit/audit.service.js';
import { renderPage } from '../platform/render.js';
import type { Views } from '../platform/views.js';
import { ROLE_LABELS } from './user.presenter.js';
import { CONSOLE_CLIENT_ID } from '../oidc/console-client.js';

export { firstOf, formOf } from '../platform/http/form.js';

export interface Staff {
  user: User;
  scope: StaffScope;
  actor: Actor;
  isAdmin: boolean;
  label: string;
  roleLabel: string;
  signOut: string;
  /** A Member who looks after applications: the Applications section is all they may open. */
  appsOnly: boolean;
  /** The same person as the Applications service knows them. */
  viewer: Viewer;
}

/** A Member manages no user, whatever their organization. */
const NOBODY: StaffScope = { kind: 'organization', organizationId: null };

export class AdministratorsOnlyError extends DomainError {
  constructor() {
    super('administrators_only', 'Only Administrators can open this page.', 403);
  }
}

export class ApplicationsOnlyError extends DomainError {
  constructor() {
    super('applications_only', 'Your account can open only the applications you own or administer.', 403);
  }
}

/** Runs after requireStaff: describes ctx.state.admin for routes and the layout. */
export function staffContext(issuer: string): Middleware {
  const signOutParams = new URLSearchParams({
    client_id: CONSOLE_CLIENT_ID, post_logout_redirect_uri: `${issuer}/admin/signed-out`,
  });
  const signOut = `/session/end?${signOutParams}`;
  return async function staffContextMiddleware(ctx, next) {
    const user = ctx.state.admin as User;
    const actor = actorOf(user);
    const appsOnly = ctx.state.appsOnly === true;
    const scope = appsOnly ? NOBODY : scopeOf(user);
    const isAdmin = user.role === 'ADMIN';
    ctx.state.staff = {
      user, scope, actor, isAdmin, label: actor.label ?? user.id,
      roleLabel: appsOnly ? 'Applications only' : ROLE_LABELS[user.role], signOut,
      appsOnly, viewer: { actor, userId: user.id, isAdmin, scope },
    } satisfies Staff;
    await next();
  };
}

/** Keeps a Member who looks after applications inside the Applications section. */
export const applicationsOnlyGuard: Middleware = async function applicationsOnlyGuard(ctx, next) {
  if (staffOf(ctx).appsOnly && !/^\/admin\/apps(\/|$)/.test(ctx.path)) {
    if (/^\/admin\/?$/.test(ctx.path)) return ctx.redirect('/admin/apps');
    throw new ApplicationsOnlyError();
  }
  await next();
};

export function staffOf(ctx: Context): Staff {
  return ctx.state.staff as Staff;
}

export const requireAdministrator: Middleware = async function requireAdministrator(ctx, next) {
  if (!staffOf(ctx).isAdmin) throw new AdministratorsOnlyError();
  await next();
};

export function renderConsole(ctx: Context, views: Views, template: string, section: string,
  data: Record<string, unknown> = {}, status = 200): void {
  renderPage(ctx, views, template, { staff: staffOf(ctx), section, ...data }, status);
}
