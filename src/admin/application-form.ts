// The application form of the console: what it submits, read into the domain's ApplicationInput,
// and what it shows for a stored application. Field names match the error keys of
// validateApplicationInput, so each message lands next to its field.
import { clientInputOf, splitUris, type ApplicationInput } from '../applications/client-metadata.js';
import type { ApplicationRecord } from '../applications/application.repository.js';
import { ValidationError } from '../platform/errors.js';
import type { OrganizationService } from '../organizations/organization.service.js';
import type { StaffScope } from '../platform/access.js';
import { firstOf } from '../platform/http/form.js';
import { z } from 'zod';
import { multiLineText, parseInput, serialId, text, textList } from '../platform/http/input.js';
import { checkbox, displayable, optionalOrganizationId } from '../platform/http/form.input.js';

type Form = Record<string, string | string[] | undefined>;

/** The form's fields as the schema reads them: bounded, no control characters (newlines only in the URI lists). */
const applicationForm = z.object({
  name: text(200), logo_uri: text(2000), redirect_uri: multiLineText(20_000),
  post_logout_redirect_uri: multiLineText(20_000),
  backchannel_logout_uri: text(2000), grant_type: textList(50, 10), client_type: text(20), auth_method: text(50),
  scopes: textList(100, 200),
  first_party: checkbox,
  // Personal OAuth applications only.
  active: checkbox, organizationId: optionalOrganizationId,
});

/** The submitted form as the domain's ApplicationInput; throws ValidationError (by field) before anything else runs. */
export function applicationInput(form: Form): { input: ApplicationInput; firstParty: boolean; active: boolean;
  organizationId: string; } {
  const parsed = parseInput(applicationForm, form);
  const isPublic = parsed.client_type === 'public';
  return {
    input: {
      name: parsed.name,
      logoUri: parsed.logo_uri.trim() || undefined,
      redirectUris: splitUris(parsed.redirect_uri),
      postLogoutRedirectUris: splitUris(parsed.post_logout_redirect_uri),
      backchannelLogoutUri: parsed.backchannel_logout_uri.trim() || undefined,
      grantTypes: parsed.grant_type.filter(Boolean),
      isPublic,
      authMethod: isPublic ? undefined : parsed.auth_method || undefined,
      scopes: parsed.scopes.filter(Boolean),
    },
    firstParty: parsed.first_party, active: parsed.active, organizationId: parsed.organizationId,
  };
}

/** What was typed, to show again after an error (control characters show as �). */
export function typedFormValues(form: Form): ApplicationFormValues {
  const one = (v: string | string[] | undefined) => displayable(firstOf(v));
  const list = (v: string | string[] | undefined) => [v ?? []].flat().filter(Boolean).map(displayable);
  return {
    name: one(form.name), logo_uri: one(form.logo_uri), redirect_uri: one(form.redirect_uri),
    post_logout_redirect_uri: one(form.post_logout_redirect_uri),
    backchannel_logout_uri: one(form.backchannel_logout_uri), grant_type: list(form.grant_type),
    client_type: firstOf(form.client_type) === 'public' ? 'public' : 'confidential',
    auth_method: one(form.auth_method) || 'client_secret_basic', scopes: list(form.scopes),
    first_party: firstOf(form.first_party) === 'on',
    active: firstOf(form.active) === 'on', organizationId: one(form.organizationId),
  };
}

/** What the form shows: for a stored application, or typed values after an error. */
export interface ApplicationFormValues {
  name: string;
  logo_uri: string;
  redirect_uri: string;
  post_logout_redirect_uri: string;
  backchannel_logout_uri: string;
  grant_type: string[];
  client_type: 'public' | 'confidential';
  auth_method: string;
  scopes: string[];
  first_party: boolean;
  /** Personal OAuth applications only. */
  active?: boolean;
  organizationId?: string;
}

export function formValuesOf(input: ApplicationInput, firstParty: boolean): ApplicationFormValues {
  return {
    name: input.name,
    logo_uri: input.logoUri ?? '',
    redirect_uri: input.redirectUris.join('\n'),
    post_logout_redirect_uri: input.postLogoutRedirectUris.join('\n'),
    backchannel_logout_uri: input.backchannelLogoutUri ?? '',
    grant_type: input.grantTypes,
    client_type: input.isPublic ? 'public' : 'confidential',
    auth_method: input.authMethod ?? 'client_secret_basic',
    scopes: input.scopes ?? [],
    first_party: firstParty,
  };
}

export function storedFormValues(record: ApplicationRecord): ApplicationFormValues {
  return { ...formValuesOf(clientInputOf(record.name, record.metadata), record.firstParty), active: record.active,
    organizationId: record.organizationId ? String(record.organizationId) : '' };
}

/** A new application's starting point: a confidential web app signing users in. */
export const NEW_APPLICATION: ApplicationFormValues = {
  name: '', logo_uri: '', redirect_uri: '', post_logout_redirect_uri: '', backchannel_logout_uri: '',
  grant_type: ['authorization_code', 'refresh_token'], client_type: 'confidential', auth_method: 'client_secret_basic',
  scopes: [], first_party: false,
};

/**
 * A personal application's organization as chosen: a Manager's stay in their organization; an
 * Administrator may choose any, or none.
 */
export async function personalOrganization(raw: string, scope: StaffScope,
  organizations: Pick<OrganizationService, 'findById'>): Promise<number | null> {
  if (!raw) {
    if (scope.kind === 'organization') throw new ValidationError({ organizationId: 'Choose your organization' });
    return null;
  }
  const parsed = serialId.safeParse(raw);
  const id = parsed.success ? parsed.data : 0;
  if (!parsed.success || !(await organizations.findById(id))) {
    throw new ValidationError({ organizationId: 'Choose an organization from the list' });
  }
  if (scope.kind === 'organization' && scope.organizationId !== id) {
    throw new ValidationError({ organizationId: 'You can only add applications in your own organization' });
  }
  return id;
}
