// People and applications: owners and application administrators chosen on the application's
// page or on a user's profile, and a user's personal OAuth applications (client credentials)
// added from their profile. The secret of a new personal application is shown once, on the
// page every new secret has (applications.routes.ts).
import Router from '@koa/router';
import type { Context } from 'koa';
import { NotFoundError, ValidationError } from '../platform/errors.js';
import type { Views } from '../platform/views.js';
import type { ApplicationMemberRole } from '../applications/application.repository.js';
import { renderApplicationPage } from './application-page.js';
import { secretHandover } from './application.presenter.js';
import { personalOrganization } from './application-form.js';
import { firstOf, formOf, renderConsole, staffOf } from './console-context.js';
import { publicName } from '../users/public-name.js';
import { parseAssignForm, parseMemberForm, parsePersonalForm, parseRemoveMemberForm } from './applications.input.js';
import { keptValues } from '../platform/http/form.input.js';
import { applicationPath, userPath } from './params.input.js';
import type { ApplicationService } from '../applications/application.service.js';
import type { OrganizationService } from '../organizations/organization.service.js';
import type { UserService } from '../users/user.service.js';

/** The services this section uses, and no others. */
export interface UserApplicationServices {
  applications: ApplicationService;
  organizations: OrganizationService;
  users: UserService;
}

const roleOf = (value: string): ApplicationMemberRole => (value === 'owner' ? 'owner' : 'admin');

export function userApplicationRoutes({ services, views, secureCookies }: { services: UserApplicationServices;
  views: Views; secureCookies: boolean; }): Router {
  const { applications, users, organizations } = services;
  const { showSecretOnce } = secretHandover(secureCookies);
  const router = new Router();

  router.post('/apps/:id/members', applicationPath, async function addApplicationMember(ctx) {
    const { viewer } = staffOf(ctx);
    const form = formOf(ctx);
    const typed = keptValues(form).user?.trim() ?? '';
    const role = roleOf(firstOf(form.role));
    try {
      const wanted = parseMemberForm(form);
      // An id as typed names a user only if there is one (else the insert would break its foreign key).
      const resolved = wanted.user ? await users.resolveId(wanted.user) : undefined;
      const userId = resolved && (await users.findById(resolved)) ? resolved : undefined;
      if (!userId) {
        throw new ValidationError({ user: wanted.user
          ? `No user "${wanted.user}" was found` : 'Enter a login, email or phone number' });
      }
      await applications.setMember(ctx.params.id, userId, wanted.role, viewer);
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      return renderApplicationPage(ctx, services, views,
        { memberErrors: err.fields, memberValues: { user: typed, role } }, 422);
    }
    ctx.status = 303;
    ctx.redirect(`/admin/apps/${ctx.params.id}?done=member-set#people`);
  });

  router.post('/apps/:id/members/remove', applicationPath, async function removeApplicationMember(ctx) {
    const { viewer } = staffOf(ctx);
    try {
      await applications.removeMember(ctx.params.id, parseRemoveMemberForm(formOf(ctx)), viewer);
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      return renderApplicationPage(ctx, services, views, { memberErrors: err.fields }, 422);
    }
    ctx.status = 303;
    ctx.redirect(`/admin/apps/${ctx.params.id}?done=member-removed#people`);
  });

  // From a profile: make this user an owner or application administrator of an application.
  router.post('/users/:id/apps', userPath, async function assignUserToApplication(ctx) {
    const { viewer, scope } = staffOf(ctx);
    const user = await users.getChangeable(ctx.params.id, scope);
    const form = formOf(ctx);
    try {
      const { app, role } = parseAssignForm(form);
      await applications.setMember(app, user.id, role, viewer);
    } catch (err) {
      if (!(err instanceof ValidationError || err instanceof NotFoundError)) throw err;
      ctx.status = 303;
      return ctx.redirect(`/admin/users/${user.id}?problem=application#applications`);
    }
    ctx.status = 303;
    ctx.redirect(`/admin/users/${user.id}?done=application-assigned#applications`);
  });

  async function renderPersonalForm(ctx: Context, values: Record<string, string>, errors: Record<string, string> = {},
    status = 200) {
    const { scope } = staffOf(ctx);
    const user = await users.getChangeable(ctx.params.id, scope);
    const all = await organizations.names();
    renderConsole(ctx, views, 'admin/apps/personal-new.njk', 'users', {
      user: { id: user.id, name: publicName(user) }, values, errors,
      organizations: scope.kind === 'all' ? all : all.filter((o) => o.id === scope.organizationId),
    }, status);
  }

  router.get('/users/:id/oauth-apps/new', userPath, async function newPersonalApplicationForm(ctx) {
    const user = await users.getChangeable(ctx.params.id, staffOf(ctx).scope);
    await renderPersonalForm(ctx,
      { name: '', organizationId: user.organizationId ? String(user.organizationId) : '', active: 'on' });
  });

  router.post('/users/:id/oauth-apps', userPath, async function createPersonalApplication(ctx) {
    const { actor, scope } = staffOf(ctx);
    const user = await users.getChangeable(ctx.params.id, scope);
    const form = formOf(ctx);
    const values = keptValues(form);
    try {
      const typed = parsePersonalForm(form);
      const organizationId = await personalOrganization(typed.organizationId, scope, organizations);
      const created = await applications.createPersonal(user.id,
        { name: typed.name, organizationId, active: typed.active },
        actor);
      // Shown once on the application's secret page (applications.routes.ts).
      showSecretOnce(ctx, created.client_id, created.client_secret!, 'created');
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      await renderPersonalForm(ctx, values, err.fields, 422);
    }
  });

  return router;
}
