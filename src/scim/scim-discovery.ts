// The SCIM discovery documents (RFC 7644 §4): what this server supports, its resource
// types and the schemas, including Foyer's extension.
import { ENTERPRISE_SCHEMA, FOYER_SCHEMA, GROUP_SCHEMA, USER_SCHEMA,
  WSO2_SCHEMA } from '../provisioning/scim/scim-schemas.js';
import { COMMON_ATTRIBUTES, ENTERPRISE_USER, FOYER_USER, GROUP_CORE, USER_CORE, WSO2_USER,
  type ScimSchema } from '../provisioning/scim/scim-attributes.js';

export function serviceProviderConfig(base: string) {
  return {
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig'],
    documentationUri: `${base.replace(/\/scim\/v2$/, '')}/`,
    patch: { supported: true },
    bulk: { supported: false, maxOperations: 0, maxPayloadSize: 0 },
    filter: { supported: true, maxResults: 1000 },
    changePassword: { supported: true },
    sort: { supported: true },
    etag: { supported: true },
    authenticationSchemes: [{ type: 'oauthbearertoken', name: 'API key',
      description: 'A Foyer API key as a Bearer token (Authorization: Bearer <key>)', primary: true }],
    meta: { resourceType: 'ServiceProviderConfig', location: `${base}/ServiceProviderConfig` },
  };
}

export function resourceTypes(base: string) {
  return [
    { schemas: ['urn:ietf:params:scim:schemas:core:2.0:ResourceType'], id: 'User', name: 'User', endpoint: '/Users',
      schema: USER_SCHEMA,
      schemaExtensions: [{ schema: ENTERPRISE_SCHEMA, required: false }, { schema: FOYER_SCHEMA, required: false },
        { schema: WSO2_SCHEMA, required: false }],
      meta: { resourceType: 'ResourceType', location: `${base}/ResourceTypes/User` } },
    { schemas: ['urn:ietf:params:scim:schemas:core:2.0:ResourceType'], id: 'Group', name: 'Group', endpoint: '/Groups',
      schema: GROUP_SCHEMA,
      meta: { resourceType: 'ResourceType', location: `${base}/ResourceTypes/Group` } },
  ];
}

/** The schemas as /Schemas lists them: every attribute a resource has (externalId with the core ones). */
export function schemas(base: string) {
  const externalId = COMMON_ATTRIBUTES.filter((a) => a.name === 'externalId');
  const core = (schema: ScimSchema): ScimSchema => ({ ...schema, attributes: [...schema.attributes, ...externalId] });
  return [core(USER_CORE), core(GROUP_CORE), ENTERPRISE_USER, FOYER_USER, WSO2_USER]
    .map((s) => ({ schemas: ['urn:ietf:params:scim:schemas:core:2.0:Schema'], ...s,
      meta: { resourceType: 'Schema', location: `${base}/Schemas/${s.id}` } }));
}
