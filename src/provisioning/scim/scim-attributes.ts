// The attributes of Foyer's SCIM resources (RFC 7643 §2.2 and §7), once: /Schemas publishes
// them, and PATCH checks every path and value against them (unknown path: invalidPath; a
// read-only or required attribute removed: mutability; a value of the wrong shape:
// invalidValue). Writing an attribute here is what makes it exist.
import { ENTERPRISE_SCHEMA, FOYER_SCHEMA, GROUP_SCHEMA, USER_SCHEMA, WSO2_SCHEMA } from './scim-schemas.js';

export type ScimType = 'string' | 'boolean' | 'complex' | 'dateTime' | 'reference';
export type Mutability = 'readOnly' | 'readWrite' | 'immutable' | 'writeOnly';

export interface ScimAttribute {
  name: string;
  type: ScimType;
  multiValued: boolean;
  required: boolean;
  caseExact: boolean;
  mutability: Mutability;
  returned: 'always' | 'never' | 'default' | 'request';
  uniqueness: 'none' | 'server' | 'global';
  description?: string;
  subAttributes?: ScimAttribute[];
}

export interface ScimSchema { id: string; name: string; description?: string; attributes: ScimAttribute[] }

/** What a resource type is made of: its core schema and its extensions. */
export interface ResourceDefinition { core: ScimSchema; extensions: ScimSchema[] }

/** The login rule (src/users/identifiers.ts) and its uniqueness, as an IdP's admin reads it. */
const USER_NAME_RULE = 'The sign-in login. Up to 256 characters: letters of any script, digits, dots, @, +, - and _, '
  + 'no spaces; the e-mail form (a userPrincipalName such as alice@contoso.com) is allowed. Unique across logins '
  + 'and e-mail addresses, case-insensitive: it may be the user\'s own e-mail address, never another user\'s. '
  + 'Required, never removed.';

const attr = (name: string, type: ScimType = 'string', extra: Partial<ScimAttribute> = {}): ScimAttribute =>
  ({ name, type, multiValued: false, required: false, caseExact: false, mutability: 'readWrite', returned: 'default',
    uniqueness: 'none', ...extra });
const readOnly = (name: string, type: ScimType = 'string', extra: Partial<ScimAttribute> = {}) =>
  attr(name, type, { mutability: 'readOnly', ...extra });
const multi = (name: string) => attr(name, 'complex', { multiValued: true,
  subAttributes: [attr('value'), attr('type'), attr('primary', 'boolean'), attr('display')] });

/** Attributes every resource has (RFC 7643 §3.1). */
export const COMMON_ATTRIBUTES: ScimAttribute[] = [
  readOnly('id', 'string', { caseExact: true, returned: 'always', uniqueness: 'server' }),
  attr('externalId', 'string', { caseExact: true }),
  readOnly('schemas', 'reference', { multiValued: true }),
  readOnly('meta', 'complex', { subAttributes: [readOnly('resourceType'), readOnly('created', 'dateTime'),
    readOnly('lastModified', 'dateTime'), readOnly('location', 'reference'), readOnly('version')] }),
];

export const USER_CORE: ScimSchema = { id: USER_SCHEMA, name: 'User', attributes: [
  attr('userName', 'string', { required: true, uniqueness: 'server', description: USER_NAME_RULE }),
  attr('name', 'complex', { subAttributes: [attr('givenName'), attr('familyName'), readOnly('formatted')] }),
  attr('displayName', 'string', { description: 'The public name; the same value as nickName (the last one written '
    + 'is kept and returned as both).' }),
  attr('nickName', 'string', { description: 'The public name; the same value as displayName.' }),
  multi('emails'), multi('phoneNumbers'),
  attr('active', 'boolean', { description: 'false blocks the account and ends its sessions.' }),
  attr('password', 'string', { mutability: 'writeOnly', returned: 'never' }),
  readOnly('groups', 'complex', { multiValued: true,
    subAttributes: [readOnly('value'), readOnly('display'), readOnly('$ref', 'reference')] }),
] };

export const ENTERPRISE_USER: ScimSchema = { id: ENTERPRISE_SCHEMA, name: 'EnterpriseUser', attributes: [
  readOnly('organization'),
  attr('forcePasswordReset', 'boolean', { description: 'true forces a password reset (mailed to the user), as '
    + 'WSO2 Identity Server does; the same value as the Foyer extension\'s.' }),
] };

export const FOYER_USER: ScimSchema = { id: FOYER_SCHEMA, name: 'FoyerUser', description: 'Statuses SCIM has no '
  + 'word for', attributes: [
  attr('locked', 'boolean'), readOnly('lockReason'), attr('forcePasswordReset', 'boolean'),
  readOnly('pendingVerification', 'boolean'), readOnly('invited', 'boolean'), readOnly('role'),
] };

export const WSO2_USER: ScimSchema = { id: WSO2_SCHEMA, name: 'WSO2User', description: 'The statuses of WSO2 '
  + 'Identity Server, for scripts written for it', attributes: [
  attr('accountDisabled', 'boolean', { description: 'true blocks the account (the opposite of active).' }),
  attr('accountLocked', 'boolean', { description: 'The same value as the Foyer extension\'s locked.' }),
] };

export const GROUP_CORE: ScimSchema = { id: GROUP_SCHEMA, name: 'Group', attributes: [
  attr('displayName', 'string', { required: true }),
  attr('members', 'complex', { multiValued: true,
    subAttributes: [attr('value'), readOnly('display'), readOnly('$ref', 'reference'), attr('type')] }),
] };

export const USER_RESOURCE: ResourceDefinition = { core: USER_CORE, extensions: [ENTERPRISE_USER, FOYER_USER,
  WSO2_USER] };
export const GROUP_RESOURCE: ResourceDefinition = { core: GROUP_CORE, extensions: [] };
