// The SCIM discovery documents (RFC 7644 §4): what this server supports, its resource
// types and the schemas, including Foyer's extension.
import { ENTERPRISE_SCHEMA, FOYER_SCHEMA, GROUP_SCHEMA, USER_SCHEMA } from '../provisioning/scim/scim-schemas.js';

const attr = (name: string, type = 'string', extra: Record<string, unknown> = {}) =>
  ({ name, type, multiValued: false, required: false, caseExact: false, mutability: 'readWrite', returned: 'default',
    uniqueness: 'none', ...extra });

export function serviceProviderConfig(base: string) {
  return {
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig'],
    documentationUri: `${base.replace(/\/scim\/v2$/, '')}/`,
    patch: { supported: true },
    bulk: { supported: false, maxOperations: 0, maxPayloadSize: 0 },
    filter: { supported: true, maxResults: 1000 },
    changePassword: { supported: true },
    sort: { supported: true },
    etag: { supported: false },
    authenticationSchemes: [{ type: 'oauthbearertoken', name: 'API key',
      description: 'A Foyer API key as a Bearer token (Authorization: Bearer <key>)', primary: true }],
    meta: { resourceType: 'ServiceProviderConfig', location: `${base}/ServiceProviderConfig` },
  };
}

export function resourceTypes(base: string) {
  return [
    { schemas: ['urn:ietf:params:scim:schemas:core:2.0:ResourceType'], id: 'User', name: 'User', endpoint: '/Users',
      schema: USER_SCHEMA,
      schemaExtensions: [{ schema: ENTERPRISE_SCHEMA, required: false }, { schema: FOYER_SCHEMA, required: false }],
      meta: { resourceType: 'ResourceType', location: `${base}/ResourceTypes/User` } },
    { schemas: ['urn:ietf:params:scim:schemas:core:2.0:ResourceType'], id: 'Group', name: 'Group', endpoint: '/Groups',
      schema: GROUP_SCHEMA,
      meta: { resourceType: 'ResourceType', location: `${base}/ResourceTypes/Group` } },
  ];
}

export function schemas(base: string) {
  const multi = (name: string) => attr(name, 'complex',
    { multiValued: true, subAttributes: [attr('value'), attr('type'), attr('primary', 'boolean')] });
  return [
    { id: USER_SCHEMA, name: 'User', attributes: [
      attr('userName', 'string', { uniqueness: 'server' }), attr('externalId', 'string', { caseExact: true }),
      attr('name', 'complex',
        { subAttributes: [attr('givenName'), attr('familyName'),
          attr('formatted', 'string', { mutability: 'readOnly' })] }),
      attr('displayName'), attr('nickName'), multi('emails'), multi('phoneNumbers'), attr('active', 'boolean'),
      attr('password', 'string', { mutability: 'writeOnly', returned: 'never' }),
      attr('groups', 'complex', { multiValued: true, mutability: 'readOnly' }),
    ] },
    { id: GROUP_SCHEMA, name: 'Group',
      attributes: [attr('displayName', 'string', { required: true }), attr('externalId'),
        attr('members', 'complex',
          { multiValued: true,
            subAttributes: [attr('value'), attr('display', 'string', { mutability: 'readOnly' })] })] },
    { id: ENTERPRISE_SCHEMA, name: 'EnterpriseUser',
      attributes: [attr('organization', 'string', { mutability: 'readOnly' })] },
    { id: FOYER_SCHEMA, name: 'FoyerUser', description: 'Statuses SCIM has no word for',
      attributes: [attr('locked', 'boolean'), attr('lockReason', 'string', { mutability: 'readOnly' }),
        attr('forcePasswordReset', 'boolean'),
        attr('pendingVerification', 'boolean', { mutability: 'readOnly' }),
        attr('invited', 'boolean', { mutability: 'readOnly' }),
        attr('role', 'string', { mutability: 'readOnly' })] },
  ].map((s) => ({ schemas: ['urn:ietf:params:scim:schemas:core:2.0:Schema'], ...s,
    meta: { resourceType: 'Schema', location: `${base}/Schemas/${s.id}` } }));
}
