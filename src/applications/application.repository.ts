// The clients table: what the console and the CLI write, and what the provider's Client
// model reads. Every change is announced on CLIENT_CHANGED_CHANNEL in the same statement,
// so each server process drops its cached copy (see client-cache.ts).
import { randomBytes } from 'node:crypto';
import { batched } from '../db/sql.js';
import { type Db } from '../db/database.js';
import { validateApplicationInput, type AuthMethod, type ApplicationInput,
  type ValidApplication } from './client-metadata.js';
import { generateClientSecret, hashClientSecret, isHashed, isSealed, openClientSecret,
  sealClientSecret } from './client-secret.js';

/** Where every change to a client is announced (every process's client cache listens). */
export const CLIENT_CHANGED_CHANNEL = 'foyer_client_changed';

export type ApplicationKind = 'application' | 'personal';
export type ApplicationMemberRole = 'owner' | 'admin';
export interface ApplicationMember { userId: string; role: ApplicationMemberRole; label: string }

export interface CreatedApplication {
  client_id: string;
  client_secret?: string;
}

/** Console-side facts that are not provider metadata. */
export interface ApplicationExtras {
  kind?: ApplicationKind;
  organizationId?: number | null;
  firstParty?: boolean;
  active?: boolean;
}

export interface ApplicationRecord {
  clientId: string;
  name: string;
  metadata: Record<string, unknown>;
  active: boolean;
  firstParty: boolean;
  kind: ApplicationKind;
  organizationId: number | null;
  organizationName: string | null;
  hasSecret: boolean;
  createdAt: Date;
  updatedAt: Date;
}

interface ProviderRow {
  client_id: string;
  client_secret_hash: string | null;
  name: string;
  metadata: Record<string, unknown>;
  first_party: boolean;
}

const RECORD_COLUMNS = `c.client_id AS "clientId", c.name, c.metadata, c.active, c.first_party AS "firstParty", c.kind,
  c.organization_id AS "organizationId", o.name AS "organizationName", c.client_secret_hash IS NOT NULL AS "hasSecret",
  c.created_at AS "createdAt", c.updated_at AS "updatedAt"`;

const ACTIVE_CLIENTS = `SELECT client_id, client_secret_hash, name, metadata, first_party FROM clients
  WHERE client_id = ANY($1::text[]) AND active`;

// Everything issued to these clients: their grants, the codes and tokens of those grants, and
// client-credentials tokens (which have no grant; the primary key's model prefix keeps that
// part to ClientCredentials rows). `$1` is the list of client ids.
const ISSUED = `grants AS (SELECT id FROM oidc_payloads
                           WHERE model = 'Grant' AND payload->>'clientId' = ANY($1::text[])),
  tokens AS (DELETE FROM oidc_payloads WHERE (model <> 'Grant' AND grant_id IN (SELECT id FROM grants))
                                          OR (model = 'ClientCredentials' AND payload->>'clientId' = ANY($1::text[])))`;

/**
 * Deletes clients with everything issued under them and the consents users gave them. One
 * statement, so it is all or nothing, and usable inside a caller's transaction (the user deletion's).
 */
async function deleteApplications(db: Db, clientIds: string[]): Promise<void> {
  if (clientIds.length === 0) return;
  await db.query(
    `WITH ${ISSUED},
          gone_grants AS (DELETE FROM oidc_payloads WHERE model = 'Grant' AND id IN (SELECT id FROM grants)),
          gone_consents AS (DELETE FROM consents WHERE client_id = ANY($1::text[])),
          gone AS (DELETE FROM clients WHERE client_id = ANY($1::text[]) RETURNING client_id)
     SELECT pg_notify($2, client_id) FROM gone`, [clientIds, CLIENT_CHANGED_CHANNEL]);
}

/** Applications whose only owner is this user: they go when the user goes. */
const SOLELY_OWNED = `SELECT c.client_id AS "clientId", c.name
  FROM clients c JOIN client_members m ON m.client_id = c.client_id
  WHERE m.user_id = $1 AND m.role = 'owner'
    AND NOT EXISTS (SELECT 1 FROM client_members o
                    WHERE o.client_id = c.client_id AND o.role = 'owner' AND o.user_id <> $1)
  ORDER BY lower(c.name), c.client_id`;

export interface OwnedApplication { clientId: string; name: string }

/**
 * The applications part of deleting a user: an application whose only owner is the user
 * would be left with nobody to manage it, so it goes with them (grants and tokens too).
 * Runs inside the caller's transaction (the lifecycle's delete), so the user and their
 * applications go together or not at all, and the other processes hear of it (NOTIFY) only
 * once that commits. Returns which applications went.
 */
export async function deleteOwnedApplications(tx: Db, userId: string): Promise<OwnedApplication[]> {
  const { rows: owned } = await tx.query<OwnedApplication>(SOLELY_OWNED, [userId]);
  await deleteApplications(tx, owned.map((a) => a.clientId));
  return owned;
}

export function createApplicationRepository(db: Db, { secretKey }: { secretKey?: Buffer } = {}) {
  /** The provider's metadata: the secret as the provider compares it (a hash, or opened for client_secret_jwt). */
  function providerMetadata(row: ProviderRow): Record<string, unknown> {
    // Only the two forms Foyer writes count: a value in any other form (typed into the table
    // by hand, say) is no secret at all rather than a plain-text one.
    const stored = row.client_secret_hash;
    const secret = stored && isSealed(stored) ? openClientSecret(stored, secretKey)
      : isHashed(stored) ? stored : undefined;
    return {
      ...row.metadata,
      client_id: row.client_id,
      client_name: row.name,
      // Read by the consent step (interactions/), not by the provider, which ignores unknown keys.
      foyer_first_party: row.first_party,
      ...(secret ? { client_secret: secret } : {}),
    };
  }

  // Read on every token, userinfo and introspection request: batched across requests.
  const findActive = batched(async (ids: readonly string[]) => {
    const { rows } = await db.query<ProviderRow>({ name: 'clients-active-2', text: ACTIVE_CLIENTS, values: [ids] });
    const byId = new Map(rows.map((r) => [r.client_id, providerMetadata(r)]));
    return ids.map((id) => byId.get(id));
  });

  /** A new secret for this method, stored hashed or sealed; undefined for a public client. */
  function newSecret(method: AuthMethod): { secret?: string; stored: string | null } {
    if (method === 'none') return { stored: null };
    const secret = generateClientSecret();
    return { secret,
      stored: method === 'client_secret_jwt' ? sealClientSecret(secret, secretKey!) : hashClientSecret(secret) };
  }

  // Inside a transaction, PostgreSQL delivers the NOTIFY only when it commits.
  const notify = async (text: string, values: unknown[], tx?: Db) => {
    const { rowCount } = await (tx
      ?? db).query(`WITH changed AS (${text} RETURNING client_id) SELECT pg_notify('${CLIENT_CHANGED_CHANNEL}', `
        + `client_id) FROM changed`, values);
    return (rowCount ?? 0) > 0;
  };

  return {
    canSeal: Boolean(secretKey),

    validate(input: ApplicationInput): ValidApplication {
      return validateApplicationInput(input, { canSeal: Boolean(secretKey) });
    },

    async create(input: ApplicationInput, extras: ApplicationExtras = {}, tx?: Db): Promise<CreatedApplication> {
      const valid = this.validate(input);
      const clientId = randomBytes(12).toString('base64url');
      const { secret, stored } = newSecret(valid.authMethod);
      await (tx ?? db).query(
        `INSERT INTO clients (client_id, client_secret_hash, name, metadata, kind, organization_id, first_party, active)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
        [clientId, stored, valid.name, valid.metadata, extras.kind ?? 'application', extras.organizationId ?? null,
          extras.firstParty ?? false, extras.active ?? true],
      );
      return secret ? { client_id: clientId, client_secret: secret } : { client_id: clientId };
    },

    async get(clientId: string, tx?: Db): Promise<ApplicationRecord | undefined> {
      const { rows } = await (tx ?? db).query<ApplicationRecord>(
        `SELECT ${RECORD_COLUMNS} FROM clients c LEFT JOIN organizations o ON o.id = c.organization_id WHERE `
          + `c.client_id = $1`, [clientId]);
      return rows[0];
    },

    /**
     * Saves new settings. A secret that can no longer serve the chosen method (public became
     * confidential, or a switch between hashed and sealed storage) is replaced: the new one is
     * returned, to be shown once.
     */
    async update(clientId: string, valid: ValidApplication, extras: ApplicationExtras, current: ApplicationRecord,
      tx?: Db): Promise<{ secret?: string }> {
      const before = String(current.metadata.token_endpoint_auth_method ?? 'client_secret_basic');
      const storage = (m: string) => (m === 'none' ? 'none' : m === 'client_secret_jwt' ? 'sealed' : 'hashed');
      const replace = storage(before) !== storage(valid.authMethod);
      const fresh = replace ? newSecret(valid.authMethod) : undefined;
      await notify(
        `UPDATE clients SET name = $2, metadata = $3, first_party = coalesce($4, first_party),
           organization_id = CASE WHEN $5 THEN $6 ELSE organization_id END,
           active = coalesce($7, active), client_secret_hash = CASE WHEN $8 THEN $9 ELSE client_secret_hash END,
           updated_at = now()
         WHERE client_id = $1`,
        [clientId, valid.name, valid.metadata, extras.firstParty ?? null, extras.organizationId !== undefined,
          extras.organizationId ?? null,
          extras.active ?? null, replace, fresh?.stored ?? null], tx);
      return { secret: fresh?.secret };
    },

    /**
     * Activates or deactivates a client and tells every server process. Deactivating also
     * deletes its codes and tokens, so activating again revives none of them; the grants (the
     * users' consents) stay.
     */
    async setActive(clientId: string, active: boolean, tx?: Db): Promise<boolean> {
      if (active) {
        return notify('UPDATE clients SET active = true, updated_at = now() WHERE client_id = $1', [clientId], tx);
      }
      const { rowCount } = await (tx ?? db).query(
        `WITH ${ISSUED},
              changed AS (UPDATE clients SET active = false, updated_at = now()
                          WHERE client_id = ($1::text[])[1] RETURNING client_id)
         SELECT pg_notify($2, client_id) FROM changed`, [[clientId], CLIENT_CHANGED_CHANNEL]);
      return (rowCount ?? 0) > 0;
    },

    /** A new secret replaces the old one at once, in every process. Undefined for an unknown or public client. */
    async regenerateSecret(clientId: string, tx?: Db): Promise<string | undefined> {
      const current = await this.get(clientId, tx);
      const method = String(current?.metadata.token_endpoint_auth_method ?? 'none') as AuthMethod;
      if (!current?.hasSecret || method === 'none') return undefined;
      const { secret, stored } = newSecret(method);
      return (await notify('UPDATE clients SET client_secret_hash = $2, updated_at = now() WHERE client_id = $1',
        [clientId, stored], tx)) ? secret : undefined;
    },

    delete: (clientId: string, tx?: Db) => deleteApplications(tx ?? db, [clientId]),

    async addMember(clientId: string, userId: string, role: ApplicationMemberRole, tx?: Db): Promise<void> {
      await (tx ?? db).query(
        `INSERT INTO client_members (client_id, user_id, role) VALUES ($1, $2, $3)
         ON CONFLICT (client_id, user_id) DO UPDATE SET role = EXCLUDED.role`, [clientId, userId, role]);
    },

    async removeMember(clientId: string, userId: string, tx?: Db): Promise<boolean> {
      const { rowCount } = await (tx ?? db).query('DELETE FROM client_members WHERE client_id = $1 AND user_id = $2',
        [clientId, userId]);
      return (rowCount ?? 0) > 0;
    },

    async members(clientId: string, tx?: Db): Promise<ApplicationMember[]> {
      const { rows } = await (tx ?? db).query<ApplicationMember>(
        `SELECT m.user_id::text AS "userId", m.role, coalesce(u.login, u.email, u.phone_number) AS label
         FROM client_members m JOIN users u ON u.id = m.user_id
         WHERE m.client_id = $1 ORDER BY m.role DESC, m.added_at`, [clientId]);
      return rows;
    },

    /** This user's role in this application, if any. */
    async roleOf(clientId: string, userId: string, tx?: Db): Promise<ApplicationMemberRole | undefined> {
      const { rows } = await (tx ?? db).query<{ role: ApplicationMemberRole }>(
        'SELECT role FROM client_members WHERE client_id = $1 AND user_id = $2', [clientId, userId]);
      return rows[0]?.role;
    },

    /** The applications this user owns or administers. */
    async membershipsOf(userId: string): Promise<{ clientId: string; name: string; role: ApplicationMemberRole;
      kind: ApplicationKind; active: boolean; }[]> {
      const { rows } = await db.query<{ clientId: string; name: string; role: ApplicationMemberRole;
        kind: ApplicationKind;
        active: boolean; }>(
        `SELECT c.client_id AS "clientId", c.name, m.role, c.kind, c.active
         FROM client_members m JOIN clients c ON c.client_id = m.client_id
         WHERE m.user_id = $1 ORDER BY lower(c.name), c.client_id`, [userId]);
      return rows;
    },

    async ownedSolelyBy(userId: string): Promise<{ clientId: string; name: string }[]> {
      const { rows } = await db.query<{ clientId: string; name: string }>(SOLELY_OWNED, [userId]);
      return rows;
    },

    /** Metadata in the provider's format, or undefined for unknown or inactive clients. */
    findProviderMetadata(clientId: string): Promise<Record<string, unknown> | undefined> {
      return findActive(clientId);
    },
  };
}

export type ApplicationRepository = ReturnType<typeof createApplicationRepository>;
