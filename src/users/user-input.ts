// Checks of what an admin (or the CLI, or later the user) typed for a profile: identifiers,
// names, date of birth, photo URL and custom fields. Collects every problem at once so a
// form can show each next to its field. The picture is checked only when it changes: the
// path of an uploaded photo (profile-photo.service.ts) is no URL, but a save that keeps it
// is fine.
import type { User } from '../db/entities/user.entity.js';
import { parseCustomValues, type CustomFieldDefinition } from '../settings/custom-fields.js';
import { normalizePhone, validateEmail, validateLogin } from './identifiers.js';

export interface ProfileInput {
  login?: string;
  email?: string;
  phoneNumber?: string;
  nickname?: string;
  givenName?: string;
  familyName?: string;
  birthdate?: string;
  /**
   * An http(s) URL. Absent when updating: the picture stays as it is (a form that shows an
   * uploaded photo instead of the field sends none).
   */
  picture?: string;
  /** Form values of custom fields, named `custom.<key>`; absent = leave custom fields as they are. */
  custom?: Record<string, string | string[] | undefined>;
}

export type ProfileData = Pick<User,
  'login' | 'email' | 'phoneNumber' | 'nickname' | 'givenName' | 'familyName' | 'birthdate' | 'picture'>
  & { customFields?: User['customFields'] };

const NAME_MAX = 200;
const URL_MAX = 2000;

export const clean = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() !== '' ? v.trim()
  : undefined);

function isRealDate(value: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return false;
  const d = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === value;
}

/** The profile part of a user, checked; `errors` maps form field names to messages. */
export function parseProfile(input: ProfileInput,
  opts: { defaultPhoneRegion: string; customFields: CustomFieldDefinition[];
    previousCustom?: Record<string, unknown>;
    /** The stored picture, when updating: kept when the input has none, and not checked again when sent back. */
    previousPicture?: string | null; }):
  { data: ProfileData; errors: Record<string, string> } {
  const errors: Record<string, string> = {};
  const login = clean(input.login);
  const email = clean(input.email);
  const phoneRaw = clean(input.phoneNumber);
  let phoneNumber: string | undefined;

  const loginProblem = login && validateLogin(login);
  if (loginProblem) errors.login = loginProblem;
  const emailProblem = email && validateEmail(email);
  if (emailProblem) errors.email = emailProblem;
  if (phoneRaw) {
    phoneNumber = normalizePhone(phoneRaw, opts.defaultPhoneRegion);
    if (!phoneNumber) errors.phone_number = 'Enter a valid phone number, e.g. +14155550123';
  }
  if (!login && !email && !phoneRaw) errors.login = 'Give at least one of login, email or phone number';

  for (const [field, value] of [['nickname', input.nickname], ['given_name', input.givenName],
    ['family_name', input.familyName]] as const) {
    if (value && value.trim().length > NAME_MAX) errors[field] = `Use at most ${NAME_MAX} characters`;
  }
  const birthdate = clean(input.birthdate);
  if (birthdate && !isRealDate(birthdate)) errors.birthdate = 'Use a real date in the form YYYY-MM-DD';
  else if (birthdate && birthdate > new Date().toISOString().slice(0, 10)) {
    errors.birthdate = 'The date of birth cannot be in the future';
  }
  const picture = input.picture === undefined && opts.previousPicture !== undefined
    ? opts.previousPicture ?? undefined : clean(input.picture);
  if (picture && picture !== opts.previousPicture
    && (!/^https?:\/\/[^\s]+$/i.test(picture) || picture.length > URL_MAX)) {
    errors.picture = 'Enter an http(s) URL';
  }

  const data: ProfileData = {
    login: login ?? null,
    email: email ?? null,
    phoneNumber: phoneNumber ?? null,
    nickname: clean(input.nickname) ?? null,
    givenName: clean(input.givenName) ?? null,
    familyName: clean(input.familyName) ?? null,
    birthdate: birthdate ?? null,
    picture: picture ?? null,
  };
  if (input.custom) {
    const custom = parseCustomValues(input.custom, opts.customFields, opts.previousCustom);
    Object.assign(errors, custom.errors);
    data.customFields = custom.values;
  } else if (!opts.previousCustom) {
    // Creating without custom input (CLI, setup): required fields cannot be filled later by magic,
    // but they are only enforced where a form can show them.
    data.customFields = {};
  }
  return { data, errors };
}
