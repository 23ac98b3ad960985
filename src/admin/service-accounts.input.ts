// What the service account forms accept: a name, a role (Administrator or Manager), an
// organization and an optional key expiry day; the regeneration form only the expiry. The
// service checks what these mean (the login rule, an existing organization, a day after today).
import { z } from 'zod';
import { parseInput, text } from '../platform/http/input.js';
import { choice, optionalOrganizationId } from '../platform/http/form.input.js';
import { SERVICE_ACCOUNT_ROLES } from '../api-keys/service-account.service.js';

type Form = Record<string, string | string[] | undefined>;

const expires = text(20);

const createForm = z.object({
  name: text(300),
  role: choice(SERVICE_ACCOUNT_ROLES, 'Choose Administrator or Manager', 'ADMIN'),
  organizationId: optionalOrganizationId,
  expires,
});
export const parseServiceAccountForm = (form: Form): { name: string; role: string; organizationId: string;
  expires: string; } => parseInput(createForm, form);

const regenerateForm = z.object({ expires });
export const parseRegenerateForm = (form: Form): { expires: string } => parseInput(regenerateForm, form);
