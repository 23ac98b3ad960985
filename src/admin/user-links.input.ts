// What the invitation, set-password and identifier forms accept.
import { z } from 'zod';
import { parseInput, text } from '../platform/http/input.js';
import { checkbox, optionalOrganizationId, password } from '../platform/http/form.input.js';

type Form = Record<string, string | string[] | undefined>;

const inviteForm = z.object({ email: text(320), nickname: text(200), role: text(20),
  organizationId: optionalOrganizationId });

export function parseInviteForm(form: Form): { email: string; nickname: string; role: string; organizationId: string } {
  return parseInput(inviteForm, form);
}

const setPasswordForm = z.object({ password: password(), mustChange: checkbox });

export function parseSetPasswordForm(form: Form): { password: string; mustChange: boolean } {
  return parseInput(setPasswordForm, form);
}

const identifierForm = z.object({ kind: text(20) });

export function parseIdentifierForm(form: Form): string {
  return parseInput(identifierForm, form).kind;
}
