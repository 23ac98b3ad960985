// What the group forms accept: a name and organization, a user to add (login, email, phone
// or id as typed), a member to remove (a user id), and a group chosen on a profile.
import { z } from 'zod';
import { bigserialId, parseInput, text } from '../platform/http/input.js';
import { optionalBigserialId, optionalOrganizationId } from '../platform/http/form.input.js';

type Form = Record<string, string | string[] | undefined>;

const groupForm = z.object({ name: text(200), organizationId: optionalOrganizationId });
export const parseGroupForm = (form: Form): { name: string; organizationId: string } => parseInput(groupForm, form);

const renameForm = z.object({ name: text(200) });
export const parseRenameForm = (form: Form): string => parseInput(renameForm, form).name;

const addMemberForm = z.object({ user: text(320) });
export const parseAddMemberForm = (form: Form): string => parseInput(addMemberForm, form).user.trim();

const removeMemberForm = z.object({ user: z.preprocess((v) => (Array.isArray(v) ? v[0] : v), bigserialId),
  back: text(20) });
/** A member that cannot be a user id is a 422 by the field. */
export const parseRemoveMemberForm = (form: Form): { user: string; back: string } => parseInput(removeMemberForm, form);

const profileGroupForm = z.object({ group: optionalBigserialId('Choose a group from the list'), newGroup: text(200) });
export const parseProfileGroupForm = (form: Form): { group: string; newGroup: string } => parseInput(profileGroupForm,
  form);
