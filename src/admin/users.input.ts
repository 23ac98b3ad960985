// What the users pages accept: the profile form (create, edit, with its photo choice),
// permissions, a privacy level, and the profile page's application filters. Each parse throws
// ValidationError with the message by the form's own field names, so the page shows it next to
// the field; what the directory checks (identifiers, roles in scope, custom-field rules) it
// still checks.
import { z } from 'zod';
import type { CreateUserInput, PermissionsInput } from '../users/user.service.js';
import { profileForm, profileOf } from '../users/profile.input.js';
import { parseInput, serialId, text } from '../platform/http/input.js';
import { checkbox, choice, optionalOrganizationId, password } from '../platform/http/form.input.js';

type Form = Record<string, string | string[] | undefined>;

const createForm = profileForm.extend({ password: password(), role: text(20), organizationId: optionalOrganizationId,
  mustChangePassword: checkbox });

export function parseCreateUserForm(form: Form): CreateUserInput {
  const parsed = parseInput(createForm, form);
  return { ...profileOf(parsed), password: parsed.password || undefined, role: parsed.role,
    organizationId: parsed.organizationId, mustChangePassword: parsed.mustChangePassword };
}

/** The edit form's "Remove the photo" box. */
const photoChoice = z.object({ remove_photo: checkbox });

export function parsePhotoChoice(form: Form): { removePhoto: boolean } {
  return { removePhoto: parseInput(photoChoice, form).remove_photo };
}

const permissionsForm = z.object({ role: text(20), organizationId: optionalOrganizationId });

export function parsePermissionsForm(form: Form): PermissionsInput {
  return parseInput(permissionsForm, form);
}

const applicationFilter = z.object({
  app_q: text(100),
  app_org: serialId.optional().catch(undefined),
  app_status: choice(['active', 'inactive'] as const, 'Choose active or inactive').optional().catch(undefined),
});

export function parseApplicationFilter(query: Record<string, unknown>): { q: string; organizationId?: number;
  status?: 'active' | 'inactive'; } {
  const parsed = parseInput(applicationFilter, query);
  return { q: parsed.app_q.trim(), organizationId: parsed.app_org, status: parsed.app_status };
}
