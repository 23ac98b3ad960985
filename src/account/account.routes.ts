// The user's own pages (/account): profile, password, privacy, identifiers, apps and
// consents, sessions, data download, deleting the account. Signed in through Foyer's sign-in
// page as the first-party account client; every change is the user's own, audited as such.
import { createHash } from 'node:crypto';
import Router from '@koa/router';
import type { Context, Middleware } from 'koa';
import { z } from 'zod';
import type Provider from 'oidc-provider';
import type { Actor } from '../audit/audit.service.js';
import type { User } from '../db/entities/user.entity.js';
import { ValidationError } from '../platform/errors.js';
import { fieldLabel, PRIVACY_LEVEL_LABELS } from '../users/field-labels.js';
import { privacyFieldValues } from '../users/field-values.js';
import { describePolicy } from '../settings/password-policy.js';
import { PRIVACY_LEVELS, publicProfileOn } from '../users/privacy.js';
import { presentPicture } from '../users/profile-photo.service.js';
import { ALL_USERS } from '../platform/access.js';
import { describeUser } from '../users/user.service.js';
import { formOf } from '../platform/http/form.js';
import { parseInput, text } from '../platform/http/input.js';
import { noticeFor } from '../platform/http/notices.js';
import { renderPage } from '../platform/render.js';
import type { Views } from '../platform/views.js';
import { formatTime } from '../platform/format.js';
import { publicName } from '../users/public-name.js';
import { parsePrivacyForm, parseProfileForm } from '../users/profile.input.js';
import { keptValues, password } from '../platform/http/form.input.js';
import { PHOTO_ERRORS } from './photo-errors.js';
import type { ApplicationService } from '../applications/application.service.js';
import type { AccountRecords } from '../sessions/account-records.repository.js';
import type { SettingsService } from '../settings/settings.service.js';
import type { ProfilePhotos } from '../users/profile-photo.service.js';
import type { UserData } from '../users/user-data.service.js';
import type { UserLifecycle } from '../users/user-lifecycle.service.js';
import type { UserLinks } from '../users/user-links.service.js';
import type { UserService } from '../users/user.service.js';

/** The services this section uses, and no others. */
export interface AccountServices {
  accountRecords: AccountRecords;
  applications: ApplicationService;
  lifecycle: UserLifecycle;
  links: UserLinks;
  photos: ProfilePhotos;
  settings: SettingsService;
  userData: UserData;
  users: UserService;
}

export interface AccountRouteDeps {
  services: AccountServices;
  provider: Provider;
  views: Views;
  requireSignedIn: Middleware;
  forms: Middleware;
  signOutUrl: string;
  issuer: string;
}

const NOTICES: Record<string, string> = {
  profile: 'Your profile was saved.',
  password: 'Your password was changed; your other sessions were signed out.',
  privacy: 'The privacy level was changed; it applies to every app from now on.',
  'public-profile-on': 'Your public profile is on: anyone with its address can see your public fields.',
  'public-profile-off': 'Your public profile is off: its address now answers "not found".',
  identifier: 'The sign-in method was removed.',
  consent: 'The app lost its access; it will ask again next time.',
  sessions: 'Your other sessions were signed out.',
  verification: 'A confirmation email is on its way.',
  'phone-verified': 'Phone verified: your phone number is confirmed.',
  photo: 'Your photo was updated.',
  'photo-removed': 'Your photo was removed.',
};

const PASSWORD_FORM = z.object({ current_password: password(), password: password(), password_confirm: password() });
const IDENTIFIER_FORM = z.object({ kind: text(20) });
/** `grant` names the application (its client id) whose consent goes. */
const CONSENT_FORM = z.object({ grant: text(200) });
const DELETE_FORM = z.object({ password: password() });
/** The public profile switch: the state wanted (not a toggle, so a repeated post changes nothing). */
const PUBLIC_PROFILE_FORM = z.object({ public_profile: z.enum(['on', 'off']) });

export function accountRoutes({ services, provider, views, requireSignedIn, forms, signOutUrl,
  issuer }: AccountRouteDeps): Router {
  const { users, settings, accountRecords, lifecycle, links, userData } = services;
  const router = new Router({ prefix: '/account' });
  router.use(requireSignedIn);
  router.use(forms);

  const me = (ctx: Context): User => ctx.state.user as User;
  const self = (user: User): Actor => ({ type: 'user', id: user.id, label: describeUser(user) });
  /** The handle (SHA-256 of the id) of this browser's session, to tell it apart from the others. */
  async function currentSessionHandle(ctx: Context): Promise<string | undefined> {
    // The provider stores a session under its jti (the cookie's value).
    const { jti } = (await provider.Session.get(ctx as never)) as unknown as { jti?: string };
    return jti ? createHash('sha256').update(jti).digest('hex') : undefined;
  }

  async function renderAccount(ctx: Context, extra: Record<string, unknown> = {}, status = 200) {
    const user = (await users.findById(me(ctx).id))!;
    const [levels, snapshot, consents, sessions, current] = await Promise.all([
      users.privacyLevels(user), settings.current(), accountRecords.consents(user.id), accountRecords.sessions(user.id),
      currentSessionHandle(ctx),
    ]);
    const values = privacyFieldValues(user);
    const identifierCount = [user.login, user.email, user.phoneNumber].filter(Boolean).length;
    const picture = presentPicture(user.picture, issuer);
    renderPage(ctx, views, 'account/index.njk', {
      user: { name: publicName(user) }, signOutUrl,
      values: {
        login: user.login ?? '', email: user.email ?? '', phone_number: user.phoneNumber ?? '',
        nickname: user.nickname ?? '',
        given_name: user.givenName ?? '', family_name: user.familyName ?? '', birthdate: user.birthdate ?? '',
        picture: user.picture ?? '',
        ...Object.fromEntries(Object.entries(user.customFields ?? {}).map(([k, v]) => [`custom.${k}`,
          v === true ? 'on' : v === false ? '' : String(v)])),
      },
      errors: {},
      customFields: snapshot.customFields,
      passwordHint: describePolicy(snapshot.passwordPolicy),
      fields: Object.entries(levels).map(([field, level]) => ({ field, label: fieldLabel(field, snapshot.customFields),
        value: values[field] ?? '', level, image: field === 'picture' ? picture.url : undefined })),
      levels: PRIVACY_LEVELS.map((l) => ({ value: l, label: PRIVACY_LEVEL_LABELS[l] })),
      publicProfile: { on: publicProfileOn(user.claimPrivacy),
        url: user.login ? `/u/${encodeURIComponent(user.login)}` : undefined },
      identifiers: [
        { kind: 'login', label: 'Login', value: user.login },
        { kind: 'email', label: 'Email', value: user.email, verified: user.emailVerified, level: levels.email },
        { kind: 'phone_number', label: 'Phone', value: user.phoneNumber, verified: user.phoneNumberVerified,
          level: levels.phone_number },
      ].filter((i) => i.value).map((i) => ({ ...i, removable: identifierCount > 1 })),
      grants: consents.filter((g) => !g.clientId.startsWith('foyer-')).map((g) => ({ ...g, id: g.clientId,
        granted: formatTime(g.grantedAt), claims: g.claims.map((c) => fieldLabel(c, snapshot.customFields)) })),
      sessions: sessions.map((s) => ({ ...s, current: s.handle === current, started: formatTime(s.startedAt),
        lastSeen: formatTime(s.lastSeenAt) || '—' })),
      notice: noticeFor(NOTICES, ctx.query.done),
      photoError: noticeFor(PHOTO_ERRORS, ctx.query.photo_error),
      pictureUrl: picture.url,
      // The profile form shows an uploaded photo instead of its URL field; the photo card changes it.
      photo: { ...picture, alt: 'Your photo', inForm: false },
      ...extra,
    }, status);
  }

  const done = (ctx: Context, what: string, anchor = '') => {
    ctx.status = 303;
    ctx.redirect(`/account?done=${what}${anchor}`);
  };

  router.get('/', async function accountPage(ctx) {
    await renderAccount(ctx);
  });

  router.post('/profile', async function saveProfile(ctx) {
    const form = formOf(ctx);
    try {
      // The same profile form as the console's: bounded text without control characters, a real birthdate.
      await users.update(me(ctx).id, parseProfileForm(form), self(me(ctx)), ALL_USERS);
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      return renderAccount(ctx, { values: keptValues(form), errors: err.fields }, 422);
    }
    done(ctx, 'profile');
  });

  router.post('/photo/remove', async function removePhoto(ctx) {
    await services.photos.remove(me(ctx).id, self(me(ctx)), ALL_USERS);
    done(ctx, 'photo-removed', '#photo');
  });

  router.post('/password', async function changePassword(ctx) {
    const form = formOf(ctx);
    try {
      const typed = parseInput(PASSWORD_FORM, form);
      await links.changeOwnPassword(me(ctx).id, typed.current_password, typed.password, typed.password_confirm,
        await currentSessionHandle(ctx));
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      return renderAccount(ctx, { passwordErrors: err.fields }, 422);
    }
    done(ctx, 'password');
  });

  router.post('/privacy', async function setPrivacy(ctx) {
    const { field, level } = parsePrivacyForm(formOf(ctx));
    const levels = await users.setPrivacy(me(ctx).id, field, level, self(me(ctx)), ALL_USERS);
    if (ctx.accepts('html', 'json') === 'json') {
      ctx.body = { field, level: levels[field] };
      return;
    }
    done(ctx, 'privacy', '#privacy');
  });

  router.post('/public-profile', async function setPublicProfile(ctx) {
    const wanted = parseInput(PUBLIC_PROFILE_FORM, formOf(ctx)).public_profile === 'on';
    await users.setPublicProfile(me(ctx).id, wanted, self(me(ctx)), ALL_USERS);
    done(ctx, wanted ? 'public-profile-on' : 'public-profile-off', '#public-profile');
  });

  router.post('/identifiers/remove', async function removeIdentifier(ctx) {
    await users.removeIdentifier(me(ctx).id, parseInput(IDENTIFIER_FORM, formOf(ctx)).kind, self(me(ctx)), ALL_USERS);
    done(ctx, 'identifier', '#identifiers');
  });

  router.post('/email/verify', async function resendVerification(ctx) {
    await links.resendVerification(me(ctx).id, self(me(ctx)), ALL_USERS);
    done(ctx, 'verification', '#identifiers');
  });

  router.post('/consents/revoke', async function revokeConsent(ctx) {
    await lifecycle.revokeConsents(me(ctx).id, [parseInput(CONSENT_FORM, formOf(ctx)).grant].filter(Boolean),
      self(me(ctx)), ALL_USERS);
    done(ctx, 'consent', '#apps');
  });

  router.post('/sessions/sign-out-others', async function signOutOthers(ctx) {
    await lifecycle.endOtherSessions(me(ctx).id, await currentSessionHandle(ctx), self(me(ctx)));
    done(ctx, 'sessions', '#sessions');
  });

  router.get('/export', async function downloadMyData(ctx) {
    const user = (await users.findById(me(ctx).id))!;
    ctx.set('Content-Disposition', `attachment; filename="my-data-${user.id}.json"`);
    ctx.type = 'application/json';
    ctx.body = JSON.stringify(await userData.export(user), null, 2);
  });

  /** The confirmation, with the applications that go with the account (no other owner). */
  async function renderDelete(ctx: Context, errors: Record<string, string> = {}, status = 200) {
    const [{ deletionGraceDays },
      applications] = await Promise.all([settings.current(), services.applications.ownedSolelyBy(me(ctx).id)]);
    renderPage(ctx, views, 'account/delete.njk', { errors, graceDays: deletionGraceDays, applications }, status);
  }

  router.get('/delete', async function confirmDeleteMyAccount(ctx) {
    await renderDelete(ctx);
  });

  router.post('/delete', async function deleteMyAccount(ctx) {
    const user = (await users.findById(me(ctx).id))!;
    const { deletionGraceDays } = await settings.current();
    const typed = DELETE_FORM.safeParse(formOf(ctx));
    if (!typed.success) return renderDelete(ctx, { password: 'This is not your password' }, 422);
    const typedPassword = typed.data.password;
    const check = typedPassword ? await users.signIn(user.login ?? user.email ?? user.phoneNumber ?? '', typedPassword)
      : { outcome: 'invalid' as const };
    if (check.outcome === 'invalid') {
      return renderDelete(ctx, { password: 'This is not your password' }, 422);
    }
    const at = await lifecycle.scheduleDeletion(user.id, deletionGraceDays, self(user));
    renderPage(ctx, views, 'account/deletion-scheduled.njk', { at: formatTime(at) });
  });

  return router;
}
