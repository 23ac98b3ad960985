// SCIM schema URNs, Foyer's extension for statuses SCIM has no word for, and the attribute
// mapping from SCIM User and Group attributes to the directory's columns (for filters and sorts).
import { LOCKED_SQL } from '../../users/user.repository.js';
import type { ScimMapping } from './filter-sql.js';
import { ORGANIZATION_NAME_SQL } from '../../users/user-directory.query.js';

export const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
export const GROUP_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Group';
export const ENTERPRISE_SCHEMA = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
/** Locked, forced password reset, pending verification: writable through PUT and PATCH. */
export const FOYER_SCHEMA = 'urn:foyer:params:scim:schemas:extension:foyer:2.0:User';
/** WSO2 Identity Server's own statuses (accountDisabled, accountLocked), for scripts written for it. */
export const WSO2_SCHEMA = 'urn:scim:wso2:schema';
export const LIST_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';
export const PATCH_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
export const SEARCH_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:SearchRequest';
export const SCIM_CONTENT_TYPE = 'application/scim+json';

const foyer = (attr: string) => `${FOYER_SCHEMA}:${attr}`.toLowerCase();
const enterprise = (attr: string) => `${ENTERPRISE_SCHEMA}:${attr}`.toLowerCase();
const wso2 = (attr: string) => `${WSO2_SCHEMA}:${attr}`.toLowerCase();

export const USER_MAPPING: ScimMapping = {
  id: { sql: 'u.id::text', type: 'string', caseExact: true },
  externalid: { sql: 'u.external_id', type: 'string', caseExact: true },
  username: { sql: 'u.login', type: 'string' },
  displayname: { sql: 'u.nickname', type: 'string' },
  nickname: { sql: 'u.nickname', type: 'string' },
  'name.givenname': { sql: 'u.given_name', type: 'string' },
  'name.familyname': { sql: 'u.family_name', type: 'string' },
  'name.formatted': { sql: "nullif(concat_ws(' ', u.given_name, u.family_name), '')", type: 'string' },
  'emails.value': { sql: 'u.email', type: 'string', multiValued: true },
  'emails.type': { sql: "CASE WHEN u.email IS NOT NULL THEN 'work' END", type: 'string', multiValued: true },
  'emails.primary': { sql: '(u.email IS NOT NULL)', type: 'boolean', multiValued: true },
  'phonenumbers.value': { sql: 'u.phone_number', type: 'string', multiValued: true },
  'phonenumbers.type': { sql: "CASE WHEN u.phone_number IS NOT NULL THEN 'work' END", type: 'string',
    multiValued: true },
  active: { sql: 'NOT u.blocked', type: 'boolean' },
  'meta.created': { sql: 'u.created_at', type: 'datetime' },
  'meta.lastmodified': { sql: 'u.updated_at', type: 'datetime' },
  [enterprise('organization')]: { sql: ORGANIZATION_NAME_SQL,
    type: 'string' },
  [foyer('locked')]: { sql: LOCKED_SQL, type: 'boolean' },
  [foyer('forcepasswordreset')]: { sql: 'u.password_reset_required', type: 'boolean' },
  [foyer('pendingverification')]: { sql: '(u.email IS NOT NULL AND NOT u.email_verified)', type: 'boolean' },
  [foyer('invited')]: { sql: '(u.invited_at IS NOT NULL)', type: 'boolean' },
  [foyer('role')]: { sql: 'u.role', type: 'string' },
  [enterprise('forcepasswordreset')]: { sql: 'u.password_reset_required', type: 'boolean' },
  [wso2('accountdisabled')]: { sql: 'u.blocked', type: 'boolean' },
  [wso2('accountlocked')]: { sql: LOCKED_SQL, type: 'boolean' },
};

/** Canonical spellings, so `USERNAME eq "x"` reads as userName. */
export const ATTRIBUTE_NAMES = ['id', 'externalId', 'userName', 'displayName', 'nickName', 'name', 'givenName',
  'familyName', 'formatted',
  'emails', 'phoneNumbers', 'value', 'type', 'primary', 'active', 'meta', 'created', 'lastModified', 'members',
  'display', 'password',
  'locked', 'forcePasswordReset', 'pendingVerification', 'invited', 'role', 'organization', 'schemas', 'groups',
  'accountDisabled', 'accountLocked', 'lockReason', 'version', 'resourceType', 'location'];

export const SORTABLE: Record<string, string> = {
  username: 'lower(u.login)', displayname: 'lower(u.nickname)', 'name.familyname': 'lower(u.family_name)',
  'name.givenname': 'lower(u.given_name)',
  'emails.value': 'lower(u.email)', 'meta.created': 'u.created_at', 'meta.lastmodified': 'u.updated_at', id: 'u.id',
  externalid: 'u.external_id',
};

export const GROUP_SORTABLE: Record<string, string> = { displayname: 'lower(g.name)', 'meta.created': 'g.created_at',
  id: 'g.id' };
