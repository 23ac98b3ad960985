// The users directory: list, create, profile, edit, permissions, privacy levels. Thin
// handlers: parse the request, call one service, render. Scope checks live in the services
// (a user outside the staff member's scope is "not found").
import type { ParsedUrlQuery } from 'node:querystring';
import Router from '@koa/router';
import type { Context } from 'koa';
import type { User } from '../db/entities/user.entity.js';
import { ValidationError } from '../platform/errors.js';
import { describePolicy } from '../settings/password-policy.js';
import { grantableRoles, isOwnAccount, ownAccountRefusal } from '../users/user.policy.js';
import { InvalidCursorError, STATUS_FILTERS } from '../users/user-directory.query.js';
import type { Views } from '../platform/views.js';
import { formOf, renderConsole, staffOf } from './console-context.js';
import { noticeFor } from '../platform/http/notices.js';
import { removalNotice } from './removal-notice.js';
import { ACTION_NOTICES } from './user-actions.js';
import { keptValues } from '../platform/http/form.input.js';
import { userIdParam } from './params.input.js';
import { parseCreateUserForm, parsePermissionsForm, parsePhotoChoice } from './users.input.js';
import { parsePrivacyForm, parseProfileForm } from '../users/profile.input.js';
import { parseUserListParams, QUICK_VIEWS, SORT_LABELS, STATUS_LABELS, userListUrl,
  type UserListParams } from './user-list.params.js';
import { presentListRow, ROLE_LABELS } from './user.presenter.js';
import { createUserProfilePage, type UserProfileServices } from './user-profile.page.js';
import { publicName } from '../users/public-name.js';
import type { UserDirectory } from '../users/user-directory.query.js';
import { PHOTO_MAX_BYTES, photoProblem, presentPicture, type PhotoChange,
  type ProfilePhotos } from '../users/profile-photo.service.js';
import { receiveFormWithFile } from '../platform/http/form-upload.js';

/** The services this section uses, and no others. */
export interface UserSectionServices extends UserProfileServices {
  directory: UserDirectory;
  photos: ProfilePhotos;
}

const PAGE_SIZE = 50;
const LIST_NOTICES: Record<string, string> = { 'invitation-cancelled': 'The invitation was cancelled and the pending '
  + 'account removed.' };
const APPLICATION_NOTICES: Record<string, string> = { 'application-assigned': 'The user was given a role in the '
  + 'application.' };
const PROFILE_PROBLEMS: Record<string, string> = {
  sessions: 'Tick at least one session.', consents: 'Tick at least one app.',
  'refresh-tokens': 'Tick at least one refresh token.',
  identifier: 'That sign-in method cannot be removed: at least one must remain.',
  phone: 'This user has no phone number to mark verified.',
  group: 'Choose a group, or give the new group a name that is not taken.',
  application: 'Choose an application you may hand out roles in.',
};
const PROFILE_CHANGES: Record<string, string> = {
  created: 'The user was created.', saved: 'Your changes were saved.', permissions: 'Permissions were changed.',
  privacy: 'The privacy level was changed; it applies to the next token or userinfo request of every app.',
};

/** The profile's notice: the action just done (?done=…), or the change just saved (?saved=1 and the like). */
function profileNotice(query: ParsedUrlQuery): string | undefined {
  return noticeFor(ACTION_NOTICES, query.done) ?? noticeFor(APPLICATION_NOTICES, query.done)
    ?? Object.entries(PROFILE_CHANGES).find(([flag]) => query[flag])?.[1];
}

type Form = Record<string, string | string[] | undefined>;

/**
 * The create or edit form as submitted: multipart, with the photo (field `photo`) and the
 * remove_photo box; a urlencoded one (no photo) is read as before.
 */
async function submittedProfile(ctx: Context): Promise<{ form: Form; photo: PhotoChange }> {
  if (!ctx.is('multipart/form-data')) return { form: formOf(ctx), photo: {} };
  const { fields, file } = await receiveFormWithFile(ctx, { fileField: 'photo', maxBytes: PHOTO_MAX_BYTES });
  return { form: fields, photo: { upload: file, remove: parsePhotoChoice(fields).removePhoto } };
}

/** A refused form's messages, with the photo's too: a refused profile does not hide a refused photo. */
function formErrors(err: ValidationError, photo: PhotoChange): Record<string, string> {
  const problem = photo.upload ? photoProblem(photo.upload) : undefined;
  return problem ? { ...err.fields, photo: problem } : err.fields;
}

/** What a form shows for an existing user (edit) — the same names the form submits. */
function formValuesOf(user: User): Record<string, string> {
  const values: Record<string, string> = {
    login: user.login ?? '', email: user.email ?? '', phone_number: user.phoneNumber ?? '',
    nickname: user.nickname ?? '',
    given_name: user.givenName ?? '', family_name: user.familyName ?? '', birthdate: user.birthdate ?? '',
    picture: user.picture ?? '',
    role: user.role, organizationId: user.organizationId ? String(user.organizationId) : '',
  };
  for (const [k, v] of Object.entries(user.customFields ?? {})) {
    values[`custom.${k}`] = v === true ? 'on' : v === false ? '' : String(v);
  }
  return values;
}

export function userRoutes({ services, views, issuer }: { services: UserSectionServices; views: Views;
  issuer: string; }): Router {
  const { users, directory, organizations, settings, photos } = services;
  const profilePage = createUserProfilePage(services, issuer);
  const router = new Router();
  router.param('id', userIdParam);

  /** Organizations a staff member may put users in: all for Administrators, their own for Managers. */
  async function organizationChoices(ctx: Context) {
    const { scope } = staffOf(ctx);
    const all = await organizations.names();
    return scope.kind === 'all' ? all : all.filter((o) => o.id === scope.organizationId);
  }

  async function renderForm(ctx: Context, template: 'new' | 'edit',
    data: { values: Record<string, string>; errors?: Record<string, string>; user?: User }, status = 200) {
    const snapshot = await settings.current();
    renderConsole(ctx, views, `admin/users/${template}.njk`, 'users', {
      ...data, errors: data.errors ?? {},
      customFields: snapshot.customFields,
      passwordHint: describePolicy(snapshot.passwordPolicy),
      roles: grantableRoles(staffOf(ctx).scope).map((r) => ({ value: r, label: ROLE_LABELS[r] })),
      organizations: await organizationChoices(ctx),
      userName: data.user ? publicName(data.user) : undefined,
      // The form uploads a photo; editing, it shows the one uploaded instead of the URL field.
      photo: { ...presentPicture(data.user?.picture ?? null, issuer), inForm: true,
        alt: data.user ? `Current photo of ${publicName(data.user)}` : '' },
    }, status);
  }

  router.get('/users', async function listUsers(ctx) {
    const { params, problems, refused } = parseUserListParams(ctx.query);
    const { scope } = staffOf(ctx);
    let page;
    try {
      page = await directory.list({
        scope, q: params.q, status: params.status, role: params.role, organizationId: params.org, sort: params.sort,
        dir: params.dir,
        after: params.after, before: params.before, last: params.last, limit: PAGE_SIZE,
      });
    } catch (err) {
      if (!(err instanceof InvalidCursorError)) throw err;
      return ctx.redirect(userListUrl(params));
    }
    const sortLink = (key: UserListParams['sort']) => ({
      key, label: SORT_LABELS[key], active: params.sort === key, dir: params.dir,
      url: userListUrl(params, { sort: key, dir: params.sort === key && params.dir === 'asc' ? 'desc' : 'asc' }),
    });
    renderConsole(ctx, views, 'admin/users/list.njk', 'users', {
      params, problems,
      notice: await removalNotice(ctx, services.events) ?? noticeFor(LIST_NOTICES, ctx.query.done),
      rows: page.rows.map((row) => presentListRow(row, staffOf(ctx).user.id)),
      total: page.total,
      next: page.next ? userListUrl(params, { after: page.next }) : undefined,
      prev: page.prev ? userListUrl(params, { before: page.prev }) : undefined,
      first: params.after || params.before || params.last ? userListUrl(params) : undefined,
      last: page.next ? userListUrl(params, { last: true }) : undefined,
      quickViews: QUICK_VIEWS.map((v) => ({ ...v, url: userListUrl(params, { status: v.status }),
        current: params.status === v.status })),
      statuses: STATUS_FILTERS.map((s) => ({ value: s, label: STATUS_LABELS[s] })),
      roles: Object.entries(ROLE_LABELS).map(([value, label]) => ({ value, label })),
      organizations: await organizationChoices(ctx),
      groups: await services.groups.list(scope),
      exportUrl: userListUrl(params).replace('/admin/users', '/admin/users/export'),
      sortLinks: (['name', 'login', 'created', 'last_sign_in'] as const).map(sortLink),
    }, refused ? 422 : 200);
  });

  router.get('/users/new', async function newUserForm(ctx) {
    const { scope } = staffOf(ctx);
    await renderForm(ctx, 'new',
      { values: { role: 'MEMBER',
        organizationId: scope.kind === 'organization' && scope.organizationId ? String(scope.organizationId) : '' } });
  });

  router.post('/users', async function createUser(ctx) {
    const { form, photo } = await submittedProfile(ctx);
    const { actor, scope } = staffOf(ctx);
    try {
      const user = await photos.createWithPhoto(parseCreateUserForm(form), photo, actor, scope);
      ctx.status = 303;
      ctx.redirect(`/admin/users/${user.id}?created=1`);
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      await renderForm(ctx, 'new', { values: keptValues(form), errors: formErrors(err, photo) }, 422);
    }
  });

  router.get('/users/:id', async function showUser(ctx) {
    renderConsole(ctx, views, 'admin/users/show.njk', 'users', {
      ...await profilePage.load(ctx.params.id, staffOf(ctx), ctx.query),
      problem: noticeFor(PROFILE_PROBLEMS, ctx.query.problem),
      notice: profileNotice(ctx.query),
    });
  });

  router.get('/users/:id/edit', async function editUserForm(ctx) {
    const user = await users.getChangeable(ctx.params.id, staffOf(ctx).scope);
    await renderForm(ctx, 'edit', { values: formValuesOf(user), user });
  });

  router.post('/users/:id', async function updateUser(ctx) {
    const { actor, scope } = staffOf(ctx);
    const user = await users.get(ctx.params.id, scope);
    const { form, photo } = await submittedProfile(ctx);
    try {
      await photos.updateWithPhoto(user.id, parseProfileForm(form), photo, actor, scope);
      ctx.status = 303;
      ctx.redirect(`/admin/users/${user.id}?saved=1`);
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      await renderForm(ctx, 'edit', { values: keptValues(form), errors: formErrors(err, photo), user }, 422);
    }
  });

  /** The roles the dialog offers: on one's own account only the current one, and why (the service refuses a change). */
  function roleChoices(ctx: Context, user: User) {
    const { actor, scope } = staffOf(ctx);
    const own = isOwnAccount(actor, user);
    return {
      roles: (own ? [user.role] : grantableRoles(scope)).map((r) => ({ value: r, label: ROLE_LABELS[r] })),
      roleNote: own ? ownAccountRefusal('change-role', scope) : undefined,
    };
  }

  router.get('/users/:id/permissions', async function permissionsDialog(ctx) {
    const user = await users.getChangeable(ctx.params.id, staffOf(ctx).scope);
    renderConsole(ctx, views, 'admin/users/permissions.njk', 'users', {
      user: { id: user.id, name: publicName(user) }, values: formValuesOf(user), errors: {},
      ...roleChoices(ctx, user),
      organizations: await organizationChoices(ctx),
    });
  });

  router.post('/users/:id/permissions', async function changePermissions(ctx) {
    const { actor, scope } = staffOf(ctx);
    const user = await users.get(ctx.params.id, scope);
    const form = formOf(ctx);
    try {
      await users.changePermissions(user.id, parsePermissionsForm(form), actor, scope);
      ctx.status = 303;
      ctx.redirect(`/admin/users/${user.id}?permissions=1`);
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      renderConsole(ctx, views, 'admin/users/permissions.njk', 'users', {
        user: { id: user.id, name: publicName(user) }, values: keptValues(form), errors: err.fields,
        ...roleChoices(ctx, user),
        organizations: await organizationChoices(ctx),
      }, 422);
    }
  });

  router.post('/users/:id/privacy', async function setPrivacyLevel(ctx) {
    const { actor, scope } = staffOf(ctx);
    const { field, level } = parsePrivacyForm(formOf(ctx));
    const levels = await users.setPrivacy(ctx.params.id, field, level, actor, scope);
    if (ctx.accepts('html', 'json') === 'json') {
      ctx.body = { field, level: levels[field] };
      return;
    }
    ctx.status = 303;
    ctx.redirect(`/admin/users/${ctx.params.id}?privacy=1#privacy`);
  });

  return router;
}
