// The clients table: what the CLI (and later the console) writes, and what the
// provider's Client model reads.
import { randomBytes } from 'node:crypto';
import { batched, type Sql } from '../db/sql.js';
import { ValidationError } from '../directory/errors.js';
import { CLIENT_CHANGED_CHANNEL } from './client-cache.js';
import { generateClientSecret, hashClientSecret } from './client-secret.js';

export const CLIENT_GRANT_TYPES = ['authorization_code', 'refresh_token', 'client_credentials'] as const;
export type ClientGrantType = (typeof CLIENT_GRANT_TYPES)[number];

export interface NewClientInput {
  name: string;
  redirectUris: string[];
  postLogoutRedirectUris: string[];
  grantTypes: string[];
  isPublic: boolean;
  /** Where to POST a logout token when the user's sessions are ended (OIDC Back-Channel Logout). */
  backchannelLogoutUri?: string;
}

export type ClientMemberRole = 'owner' | 'admin';
export interface ClientMember { userId: string; role: ClientMemberRole; label: string }

export interface CreatedClient {
  client_id: string;
  client_secret?: string;
}

interface ClientRow {
  client_id: string;
  client_secret_hash: string | null;
  name: string;
  metadata: Record<string, unknown>;
}

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

function checkRedirectUri(uri: string): string | undefined {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return `"${uri}" is not an absolute URL`;
  }
  // Checked on the raw text: a bare trailing '#' leaves url.hash empty but the provider refuses it.
  if (uri.includes('#')) return `"${uri}" must not contain a fragment`;
  if (uri.includes('*')) return `"${uri}" must not contain wildcards`;
  // Web applications may only use http(s) redirects; the provider refuses anything else.
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return `"${uri}" must be an http(s) URL`;
  // Plain http would let anyone on the path read the code; only a developer's own machine is exempt.
  if (url.protocol === 'http:' && !LOOPBACK_HOSTS.has(url.hostname)) return `"${uri}" must use https (http is only for localhost)`;
  return undefined;
}

export function validateNewClient(input: NewClientInput): Record<string, unknown> {
  const problems: Record<string, string[]> = {};
  const add = (field: string, message: string) => (problems[field] ??= []).push(message);
  if (!input.name.trim()) add('name', 'Give the application a name');
  const grantTypes = input.grantTypes.length ? [...new Set(input.grantTypes)] : ['authorization_code', 'refresh_token'];
  const unknown = grantTypes.filter((g) => !(CLIENT_GRANT_TYPES as readonly string[]).includes(g));
  if (unknown.length) add('grant_type', `Unknown grant type(s): ${unknown.join(', ')}; use ${CLIENT_GRANT_TYPES.join(', ')}`);
  const usesCode = grantTypes.includes('authorization_code');
  if (usesCode && input.redirectUris.length === 0) add('redirect_uri', 'The authorization_code grant needs at least one redirect URI');
  if (grantTypes.includes('refresh_token') && !usesCode) add('grant_type', 'refresh_token only works together with authorization_code');
  if (input.isPublic && grantTypes.includes('client_credentials')) add('grant_type', 'A public client cannot use client_credentials');
  for (const problem of input.redirectUris.map(checkRedirectUri)) if (problem) add('redirect_uri', problem);
  for (const problem of input.postLogoutRedirectUris.map(checkRedirectUri)) if (problem) add('post_logout_redirect_uri', problem);
  if (input.backchannelLogoutUri) {
    const problem = checkRedirectUri(input.backchannelLogoutUri);
    if (problem) add('backchannel_logout_uri', problem);
  }
  if (Object.keys(problems).length) {
    throw new ValidationError(Object.fromEntries(Object.entries(problems).map(([field, list]) => [field, list.join('; ')])));
  }
  return {
    redirect_uris: input.redirectUris,
    post_logout_redirect_uris: input.postLogoutRedirectUris,
    ...(input.backchannelLogoutUri ? { backchannel_logout_uri: input.backchannelLogoutUri, backchannel_logout_session_required: true } : {}),
    grant_types: grantTypes,
    response_types: usesCode ? ['code'] : [],
    token_endpoint_auth_method: input.isPublic ? 'none' : 'client_secret_basic',
  };
}

const ACTIVE_CLIENTS = `SELECT client_id, client_secret_hash, name, metadata FROM clients
  WHERE client_id = ANY($1::text[]) AND active`;

function providerMetadata(row: ClientRow): Record<string, unknown> {
  return {
    ...row.metadata,
    client_id: row.client_id,
    client_name: row.name,
    ...(row.client_secret_hash ? { client_secret: row.client_secret_hash } : {}),
  };
}

export function createClientRepository(sql: Sql) {
  // Read on every token, userinfo and introspection request: batched across requests.
  const findActive = batched(async (ids: readonly string[]) => {
    const { rows } = await sql.query<ClientRow>({ name: 'clients-active', text: ACTIVE_CLIENTS, values: [ids] });
    const byId = new Map(rows.map((r) => [r.client_id, providerMetadata(r)]));
    return ids.map((id) => byId.get(id));
  });

  return {
    async create(input: NewClientInput): Promise<CreatedClient> {
      const metadata = validateNewClient(input);
      const clientId = randomBytes(12).toString('base64url');
      const secret = input.isPublic ? undefined : generateClientSecret();
      await sql.query(
        'INSERT INTO clients (client_id, client_secret_hash, name, metadata) VALUES ($1, $2, $3, $4)',
        [clientId, secret ? hashClientSecret(secret) : null, input.name.trim(), metadata],
      );
      return secret ? { client_id: clientId, client_secret: secret } : { client_id: clientId };
    },

    /** Activates or deactivates a client and tells every server process (see client-cache.ts). */
    async setActive(clientId: string, active: boolean): Promise<boolean> {
      const { rowCount } = await sql.query(
        `WITH changed AS (UPDATE clients SET active = $2, updated_at = now() WHERE client_id = $1 RETURNING client_id)
         SELECT pg_notify($3, client_id) FROM changed`, [clientId, active, CLIENT_CHANGED_CHANNEL]);
      return (rowCount ?? 0) > 0;
    },

    /**
     * A new secret replaces the old one at once, in every process: the old one stops working
     * with this statement. Undefined for an unknown or public client.
     */
    async regenerateSecret(clientId: string): Promise<string | undefined> {
      const secret = generateClientSecret();
      const { rowCount } = await sql.query(
        `WITH changed AS (UPDATE clients SET client_secret_hash = $2, updated_at = now()
                          WHERE client_id = $1 AND client_secret_hash IS NOT NULL RETURNING client_id)
         SELECT pg_notify($3, client_id) FROM changed`, [clientId, hashClientSecret(secret), CLIENT_CHANGED_CHANNEL]);
      return rowCount ? secret : undefined;
    },

    async addMember(clientId: string, userId: string, role: ClientMemberRole): Promise<void> {
      await sql.query(
        `INSERT INTO client_members (client_id, user_id, role) VALUES ($1, $2, $3)
         ON CONFLICT (client_id, user_id) DO UPDATE SET role = EXCLUDED.role`, [clientId, userId, role]);
    },

    async removeMember(clientId: string, userId: string): Promise<boolean> {
      const { rowCount } = await sql.query('DELETE FROM client_members WHERE client_id = $1 AND user_id = $2', [clientId, userId]);
      return (rowCount ?? 0) > 0;
    },

    async members(clientId: string): Promise<ClientMember[]> {
      const { rows } = await sql.query<ClientMember>(
        `SELECT m.user_id::text AS "userId", m.role, coalesce(u.login, u.email, u.phone_number) AS label
         FROM client_members m JOIN users u ON u.id = m.user_id WHERE m.client_id = $1 ORDER BY m.role DESC, m.added_at`, [clientId]);
      return rows;
    },

    /** Applications whose only owner is this user: they go when the user goes. */
    async ownedSolelyBy(userId: string): Promise<{ clientId: string; name: string }[]> {
      const { rows } = await sql.query<{ clientId: string; name: string }>(
        `SELECT c.client_id AS "clientId", c.name FROM clients c JOIN client_members m ON m.client_id = c.client_id
         WHERE m.user_id = $1 AND m.role = 'owner'
           AND NOT EXISTS (SELECT 1 FROM client_members o WHERE o.client_id = c.client_id AND o.role = 'owner' AND o.user_id <> $1)
         ORDER BY c.name`, [userId]);
      return rows;
    },

    /** Metadata in the provider's format, or undefined for unknown or inactive clients. */
    findProviderMetadata(clientId: string): Promise<Record<string, unknown> | undefined> {
      return findActive(clientId);
    },
  };
}

export type ClientRepository = ReturnType<typeof createClientRepository>;
