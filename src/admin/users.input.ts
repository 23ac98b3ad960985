// What the users pages accept: the profile form (create, edit), permissions, a privacy
// level, and the profile page's application filters. Each parse throws ValidationError with
// the message by the form's own field names, so the page shows it next to the field; what
// the directory checks (identifiers, roles in scope, custom-field rules) it still checks.
import { z } from 'zod';
import type { CreateUserInput, PermissionsInput } from '../users/user.service.js';
import type { ProfileInput } from '../users/user-input.js';
import { parseInput, serialId, text } from '../platform/http/input.js';
import { checkbox, choice, optionalDate, optionalOrganizationId, password } from './form.input.js';

type Form = Record<string, string | string[] | undefined>;

const profileShape = {
  login: text(320), email: text(320), phone_number: text(50), nickname: text(200), given_name: text(200), family_name: text(200),
  birthdate: optionalDate({ notFuture: true }), picture: text(2000),
};
/** Custom fields (`custom.<key>`) and anything else the form sends: bounded single-line text. */
const profileForm = z.object(profileShape).catchall(text(2000));

function profileOf(form: z.output<typeof profileForm>): ProfileInput {
  const custom: Form = {};
  for (const [k, v] of Object.entries(form)) if (k.startsWith('custom.')) custom[k] = v as string;
  return {
    login: form.login, email: form.email, phoneNumber: form.phone_number, nickname: form.nickname, givenName: form.given_name,
    familyName: form.family_name, birthdate: form.birthdate ?? '', picture: form.picture, custom,
  };
}

export function parseProfileForm(form: Form): ProfileInput {
  return profileOf(parseInput(profileForm, form));
}

const createForm = profileForm.extend({ password: password(), role: text(20), organizationId: optionalOrganizationId, mustChangePassword: checkbox });

export function parseCreateUserForm(form: Form): CreateUserInput {
  const parsed = parseInput(createForm, form);
  return { ...profileOf(parsed), password: parsed.password || undefined, role: parsed.role, organizationId: parsed.organizationId, mustChangePassword: parsed.mustChangePassword };
}

const permissionsForm = z.object({ role: text(20), organizationId: optionalOrganizationId });

export function parsePermissionsForm(form: Form): PermissionsInput {
  return parseInput(permissionsForm, form);
}

const privacyForm = z.object({ field: text(100), level: text(20) });

export function parsePrivacyForm(form: Form): { field: string; level: string } {
  return parseInput(privacyForm, form);
}

/** The profile's OAuth Applications filters: text with control characters is refused (422); an organization or status that cannot be one is dropped. */
const applicationFilter = z.object({
  app_q: text(100),
  app_org: serialId.optional().catch(undefined),
  app_status: choice(['active', 'inactive'] as const, 'Choose active or inactive').optional().catch(undefined),
});

export function parseApplicationFilter(query: Record<string, unknown>): { q: string; organizationId?: number; status?: 'active' | 'inactive' } {
  const parsed = parseInput(applicationFilter, query);
  return { q: parsed.app_q.trim(), organizationId: parsed.app_org, status: parsed.app_status };
}
