// The application form of the console: what it submits, read into the domain's ClientInput,
// and what it shows for a stored application. Field names match the error keys of
// validateClientInput, so each message lands next to its field.
import { clientInputOf, splitUris, type ClientInput } from '../oidc/client-metadata.js';
import type { ClientRecord } from '../oidc/client.repository.js';
import { ValidationError } from '../directory/errors.js';
import type { OrganizationService } from '../directory/organization.service.js';
import type { StaffScope } from '../directory/staff-scope.js';
import { firstOf } from '../http/form.js';

type Form = Record<string, string | string[] | undefined>;
const listOf = (v: string | string[] | undefined) => [v ?? []].flat().filter(Boolean);

export function applicationInput(form: Form): { input: ClientInput; firstParty: boolean } {
  const isPublic = firstOf(form.client_type) === 'public';
  return {
    input: {
      name: firstOf(form.name),
      logoUri: firstOf(form.logo_uri).trim() || undefined,
      redirectUris: splitUris(firstOf(form.redirect_uri)),
      postLogoutRedirectUris: splitUris(firstOf(form.post_logout_redirect_uri)),
      backchannelLogoutUri: firstOf(form.backchannel_logout_uri).trim() || undefined,
      grantTypes: listOf(form.grant_type),
      isPublic,
      authMethod: isPublic ? undefined : firstOf(form.auth_method) || undefined,
      scopes: listOf(form.scopes),
    },
    firstParty: firstOf(form.first_party) === 'on',
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

export function formValuesOf(input: ClientInput, firstParty: boolean): ApplicationFormValues {
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

export function storedFormValues(record: ClientRecord): ApplicationFormValues {
  return { ...formValuesOf(clientInputOf(record.name, record.metadata), record.firstParty), active: record.active, organizationId: record.organizationId ? String(record.organizationId) : '' };
}

/** A new application's starting point: a confidential web app signing users in. */
export const NEW_APPLICATION: ApplicationFormValues = {
  name: '', logo_uri: '', redirect_uri: '', post_logout_redirect_uri: '', backchannel_logout_uri: '',
  grant_type: ['authorization_code', 'refresh_token'], client_type: 'confidential', auth_method: 'client_secret_basic',
  scopes: [], first_party: false,
};

/** A personal application's organization as chosen: a Manager's stay in their organization; an Administrator may choose any, or none. */
export async function personalOrganization(raw: string, scope: StaffScope, organizations: Pick<OrganizationService, 'findById'>): Promise<number | null> {
  if (!raw) {
    if (scope.kind === 'organization') throw new ValidationError({ organizationId: 'Choose your organization' });
    return null;
  }
  const id = Number(raw);
  if (!Number.isInteger(id) || id <= 0 || !(await organizations.findById(id))) throw new ValidationError({ organizationId: 'Choose an organization from the list' });
  if (scope.kind === 'organization' && scope.organizationId !== id) throw new ValidationError({ organizationId: 'You can only add applications in your own organization' });
  return id;
}
