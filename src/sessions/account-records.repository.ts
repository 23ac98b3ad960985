// One account's provider records as the profile shows them — sessions (with where they were
// used), grants (consents) and live refresh tokens — and the targeted revocations: end some
// sessions, revoke some grants or refresh tokens. Revocations run in the caller's transaction.
// A session's id is its cookie and a refresh token's id is the token itself; the adapter
// stores only their SHA-256 (adapter.ts), and that stored id is the handle pages use: it names
// the record and is useless as a cookie or a token.
import { type Db } from '../db/database.js';
import type { EndedSession } from './ended-sessions.js';

export interface SessionRecord {
  /** SHA-256 of the session id: enough to name it, useless as a cookie. */
  handle: string;
  uid: string;
  startedAt: Date | null;
  lastSeenAt: Date | null;
  ipAddress: string | null;
  userAgent: string | null;
  apps: string[];
}

export interface GrantRecord {
  id: string;
  clientId: string;
  app: string;
  scopes: string[];
  /** On-request fields the user consented to (custom fields as custom_fields.<key>). */
  claims: string[];
  grantedAt: Date | null;
}

export interface RefreshTokenRecord {
  /** SHA-256 of the token. */
  handle: string;
  clientId: string;
  app: string;
  issuedAt: Date | null;
  expiresAt: Date | null;
  lastUsedAt: Date | null;
}

const LIVE = '(p.expires_at IS NULL OR p.expires_at > now())';
/** The stored id of a Session or RefreshToken row is already the SHA-256 of the secret. */
const HANDLE = 'p.id';
const epoch = (v: unknown) => (typeof v === 'number' ? new Date(v * 1000) : null);

/** The payload rows that go with a set of grants: the grants themselves and everything issued under them. */
async function deleteGrants(tx: Db, accountId: string, grantIds: string[]): Promise<number> {
  if (grantIds.length === 0) return 0;
  const { rowCount } = await tx.query(
    `DELETE FROM oidc_payloads WHERE account_id = $1 AND ((model = 'Grant' AND id = ANY($2)) OR grant_id = ANY($2))`,
    [accountId, grantIds]);
  return rowCount ?? 0;
}

export function createAccountRecords(db: Db) {
  return {
    async sessions(accountId: string): Promise<SessionRecord[]> {
      const { rows } = await db.query<{ handle: string; uid: string;
        payload: { loginTs?: number; authorizations?: Record<string, unknown> };
        started_at: Date | null; last_seen_at: Date | null; ip_address: string | null; user_agent: string | null;
        apps: string[] | null; }>(
        `SELECT ${HANDLE} AS handle, p.uid, p.payload, a.started_at, a.last_seen_at, a.ip_address, a.user_agent,
           ARRAY(SELECT coalesce(c.name, k) FROM jsonb_object_keys(coalesce(p.payload->'authorizations', '{}'::jsonb)) k
                 LEFT JOIN clients c ON c.client_id = k ORDER BY 1) AS apps
         FROM oidc_payloads p LEFT JOIN session_activity a ON a.session_uid = p.uid
         WHERE p.model = 'Session' AND p.account_id = $1 AND ${LIVE}
         ORDER BY coalesce(a.last_seen_at, to_timestamp((p.payload->>'loginTs')::bigint)) DESC NULLS LAST, p.uid`,
        [accountId]);
      return rows.map((r) => ({
        handle: r.handle, uid: r.uid, startedAt: epoch(r.payload.loginTs) ?? r.started_at, lastSeenAt: r.last_seen_at,
        ipAddress: r.ip_address, userAgent: r.user_agent, apps: r.apps ?? [],
      }));
    },

    async grants(accountId: string): Promise<GrantRecord[]> {
      const { rows } = await db.query<{ id: string;
        payload: { clientId: string; iat?: number; openid?: { scope?: string; claims?: string[] } };
        name: string | null; }>(
        `SELECT p.id, p.payload, c.name FROM oidc_payloads p LEFT JOIN clients c ON c.client_id = p.payload->>'clientId'
         WHERE p.model = 'Grant' AND p.account_id = $1 AND ${LIVE} ORDER BY p.payload->>'iat' DESC, p.id`, [accountId]);
      return rows.map((r) => ({
        id: r.id, clientId: r.payload.clientId, app: r.name ?? r.payload.clientId,
        scopes: (r.payload.openid?.scope ?? '').split(' ').filter(Boolean),
        claims: [...new Set((r.payload.openid?.claims ?? []).filter((c) => !c.endsWith('_verified')))],
        grantedAt: epoch(r.payload.iat),
      }));
    },

    async refreshTokens(accountId: string): Promise<RefreshTokenRecord[]> {
      const { rows } = await db.query<{ handle: string; payload: { clientId: string; iat?: number; rotations?: number };
        expires_at: Date | null; name: string | null; }>(
        `SELECT ${HANDLE} AS handle, p.payload, p.expires_at, c.name
         FROM oidc_payloads p LEFT JOIN clients c ON c.client_id = p.payload->>'clientId'
         WHERE p.model = 'RefreshToken' AND p.account_id = $1 AND p.consumed_at IS NULL AND ${LIVE}
         ORDER BY p.payload->>'iat' DESC, handle`, [accountId]);
      return rows.map((r) => ({
        handle: r.handle, clientId: r.payload.clientId, app: r.name ?? r.payload.clientId,
        issuedAt: epoch(r.payload.iat), expiresAt: r.expires_at,
        // Refresh tokens rotate: a rotated one was issued when its predecessor was last used.
        lastUsedAt: r.payload.rotations ? epoch(r.payload.iat) : null,
      }));
    },

    /** Ends these sessions (by handle) of the account and revokes the grants (and their tokens) made in them. */
    async endSessions(tx: Db, accountId: string,
      handles: string[]): Promise<{ ended: EndedSession[]; revoked: number }> {
      const { rows } = await tx.query<{ authorizations: Record<string, { sid?: string; grantId?: string }> | null }>(
        `DELETE FROM oidc_payloads p WHERE p.model = 'Session' AND p.account_id = $1 AND ${HANDLE} = ANY($2) RETURNING `
          + `p.payload->'authorizations' AS authorizations`,
        [accountId, handles]);
      const grants = rows.flatMap((r) => Object.values(r.authorizations
        ?? {}).map((a) => a.grantId).filter((g): g is string => Boolean(g)));
      const revoked = rows.length + await deleteGrants(tx, accountId, grants);
      const ended = rows.map((r) => ({
        clients: Object.entries(r.authorizations ?? {}).filter(([, a]) => a.sid).map(([clientId, a]) => ({ clientId,
          sid: a.sid! })),
      }));
      return { ended, revoked };
    },

    /** Revokes these grants of the account and every token issued under them. */
    revokeGrants: deleteGrants,

    async revokeRefreshTokens(tx: Db, accountId: string, handles: string[]): Promise<number> {
      const { rowCount } = await tx.query(
        `DELETE FROM oidc_payloads p WHERE p.model = 'RefreshToken' AND p.account_id = $1 AND ${HANDLE} = ANY($2)`,
        [accountId, handles]);
      return rowCount ?? 0;
    },

    /** Remembers where a session was used (called on every successful authorization). */
    async recordActivity(sessionUid: string, accountId: string, ip: string, userAgent: string): Promise<void> {
      await db.query(
        `INSERT INTO session_activity (session_uid, account_id, ip_address, user_agent) VALUES ($1, $2, $3, $4)
         ON CONFLICT (session_uid) DO UPDATE SET last_seen_at = now(), ip_address = EXCLUDED.ip_address,
           user_agent = EXCLUDED.user_agent`,
        [sessionUid, accountId, ip.slice(0, 100), userAgent.slice(0, 500)]);
    },

    /** Activity rows whose session is gone. */
    async sweepActivity(): Promise<number> {
      const { rowCount } = await db.query(
        `DELETE FROM session_activity a WHERE NOT EXISTS (SELECT 1 FROM oidc_payloads p WHERE p.model = 'Session' AND `
          + `p.uid = a.session_uid)`);
      return rowCount ?? 0;
    },
  };
}

export type AccountRecords = ReturnType<typeof createAccountRecords>;
