// The profile and privacy forms, as the console and the account pages both accept them:
// each parse throws ValidationError with the message by the form's own field names, so the
// page shows it next to the field; what the directory checks (identifiers, custom-field
// rules) it still checks.
import { z } from 'zod';
import { optionalDate } from '../platform/http/form.input.js';
import { parseInput, text } from '../platform/http/input.js';
import type { ProfileInput } from './user-input.js';

type Form = Record<string, string | string[] | undefined>;

const profileShape = {
  login: text(320), email: text(320), phone_number: text(50), nickname: text(200), given_name: text(200),
  family_name: text(200),
  // Absent when the form shows an uploaded photo instead of the URL field: the picture stays.
  birthdate: optionalDate({ notFuture: true }), picture: text(2000).optional(),
};
/** Custom fields (`custom.<key>`) and anything else the form sends: bounded single-line text. */
export const profileForm = z.object(profileShape).catchall(text(2000));

export function profileOf(form: z.output<typeof profileForm>): ProfileInput {
  const custom: Form = {};
  for (const [k, v] of Object.entries(form)) if (k.startsWith('custom.')) custom[k] = v as string;
  return {
    login: form.login, email: form.email, phoneNumber: form.phone_number, nickname: form.nickname,
    givenName: form.given_name,
    familyName: form.family_name, birthdate: form.birthdate ?? '', picture: form.picture, custom,
  };
}

export function parseProfileForm(form: Form): ProfileInput {
  return profileOf(parseInput(profileForm, form));
}

const privacyForm = z.object({ field: text(100), level: text(20) });

export function parsePrivacyForm(form: Form): { field: string; level: string } {
  return parseInput(privacyForm, form);
}

/**
 * The profile's OAuth Applications filters: text with control characters is refused (422); an
 * organization or status that cannot be one is dropped.
 */
