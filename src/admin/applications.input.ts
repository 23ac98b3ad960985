// What the Applications pages accept: the list's filters, the application page's cursor,
// the people forms (a user as typed, a role) and a personal OAuth application. The
// application form itself is read in application-form.ts.
import { z } from 'zod';
import type { ApplicationKind, ApplicationMemberRole } from '../applications/application.repository.js';
import { bigserialId, parseInput, serialId, text } from '../platform/http/input.js';
import { checkbox, optionalOrganizationId } from '../platform/http/form.input.js';
import { clientIdParam } from './params.input.js';

type Form = Record<string, string | string[] | undefined>;
const first = (v: unknown) => (Array.isArray(v) ? v[0] : v);
/** A machine-made cursor that is not one starts from the first page. */
const cursor = (max: number) => z.preprocess((v) => first(v) || undefined,
  z.string().max(max).regex(/^[\x21-\x7E]+$/).optional().catch(undefined));

/** Search text with control characters is refused (422); an unknown kind, organization or status is dropped. */
const listQuery = z.object({
  kind: z.preprocess(first, z.enum(['application', 'personal']).catch('application')),
  q: text(100),
  org: z.preprocess((v) => first(v) || undefined, serialId.optional().catch(undefined)),
  status: z.preprocess(first, z.enum(['active', 'inactive']).optional().catch(undefined)),
  after: cursor(300),
});

export function parseApplicationListQuery(query: Record<string, unknown>): { kind: ApplicationKind; q: string;
  organizationId?: number; status?: 'active' | 'inactive'; after?: string; } {
  const { kind, q, org, status, after } = parseInput(listQuery, query);
  return { kind, q: q.trim(), organizationId: org, status, after };
}

const pageQuery = z.object({ after: cursor(40) });
export const parseApplicationPageQuery = (query: Record<string, unknown>): { after?: string } => pageQuery.parse(query);

const role = z.preprocess(first, z.enum(['owner', 'admin']).catch('admin'));

const memberForm = z.object({ user: text(320), role });
export function parseMemberForm(form: Form): { user: string; role: ApplicationMemberRole } {
  const parsed = parseInput(memberForm, form);
  return { user: parsed.user.trim(), role: parsed.role };
}

const removeMemberForm = z.object({ user: z.preprocess(first, bigserialId) });
/** The member to remove: a user id, or a 422 by the field. */
export const parseRemoveMemberForm = (form: Form): string => parseInput(removeMemberForm, form).user;

const assignForm = z.object({ app: z.preprocess(first,
  z.string({ error: 'Choose an application' }).pipe(clientIdParam)), role });
/** An application chosen on a profile: a client id, or a 422 by the field. */
export const parseAssignForm = (form: Form): { app: string; role: ApplicationMemberRole } =>
  parseInput(assignForm, form);

const personalForm = z.object({ name: text(200), organizationId: optionalOrganizationId, active: checkbox });
export const parsePersonalForm = (form: Form): { name: string; organizationId: string;
  active: boolean; } => parseInput(personalForm, form);
