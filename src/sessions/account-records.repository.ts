// One account's provider records as the profile shows them — sessions (with where they were
// used), consents and live refresh tokens — and the targeted revocations: end some sessions,
// revoke some consents or refresh tokens. Revocations run in the caller's transaction.
//
// A consent belongs to the user and the application (the consents table), not to a browser:
// the provider's Grant of each session is made from it (loadExistingGrant, oidc/provider.ts)
// and the consent step writes the user's answers back to it. Ending sessions removes the
// sessions' grants and every token issued under them, never the consent; revoking a consent
// removes it with the grants of that application on every session and their tokens.
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

/** One application's consent, as Consents lists it. */
export interface ConsentRecord {
  /** The application's client id: what a revocation names. */
  clientId: string;
  app: string;
  scopes: string[];
  /** On-request fields the user consented to (custom fields as custom_fields.<key>). */
  claims: string[];
  grantedAt: Date | null;
}

/** The user's answers for one application, as a Grant holds them (openid scope, claims, rejected claims). */
export interface ConsentDecisions {
  scopes: string[];
  claims: string[];
  rejectedClaims: string[];
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

/** Only a users row's id can hold a consent (the provider's account ids are those ids). */
const USER_ID = /^[0-9]{1,18}$/;

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

    /** One row per application the user consented to, whatever sessions came and went. */
    async consents(accountId: string): Promise<ConsentRecord[]> {
      if (!USER_ID.test(accountId)) return [];
      const { rows } = await db.query<{ client_id: string; name: string | null; scopes: string[]; claims: string[];
        rejected_claims: string[]; granted_at: Date; }>(
        `SELECT k.client_id, c.name, k.scopes, k.claims, k.rejected_claims, k.granted_at
         FROM consents k LEFT JOIN clients c ON c.client_id = k.client_id
         WHERE k.user_id = $1 ORDER BY k.granted_at DESC, k.client_id`, [accountId]);
      return rows.map((r) => ({
        clientId: r.client_id, app: r.name ?? r.client_id, scopes: r.scopes,
        // What the app may see: approved and not refused since (a re-consent may refuse what was approved).
        claims: [...new Set(r.claims.filter((c) => !c.endsWith('_verified') && !r.rejected_claims.includes(c)))],
        grantedAt: r.granted_at,
      }));
    },

    /** What the user decided for this application, from any session; undefined when never asked or revoked. */
    async consentOf(accountId: string, clientId: string): Promise<ConsentDecisions | undefined> {
      if (!USER_ID.test(accountId)) return undefined;
      const { rows } = await db.query<ConsentDecisions>(
        `SELECT scopes, claims, rejected_claims AS "rejectedClaims" FROM consents
         WHERE user_id = $1 AND client_id = $2`,
        [accountId, clientId]);
      return rows[0];
    },

    /**
     * Remembers the user's decisions for this application (the consent step, after saving the
     * session's grant). A user deleted meanwhile leaves nothing behind.
     */
    async rememberConsent(accountId: string, clientId: string, decisions: ConsentDecisions): Promise<void> {
      if (!USER_ID.test(accountId)) return;
      await db.query(
        `INSERT INTO consents (user_id, client_id, scopes, claims, rejected_claims)
         SELECT id, $2::text, $3::text[], $4::text[], $5::text[] FROM users WHERE id = $1
         ON CONFLICT (user_id, client_id) DO UPDATE SET scopes = EXCLUDED.scopes, claims = EXCLUDED.claims,
           rejected_claims = EXCLUDED.rejected_claims, updated_at = now()`,
        [accountId, clientId, decisions.scopes, decisions.claims, decisions.rejectedClaims]);
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

    /**
     * Ends these sessions (by handle) of the account and removes the grants made in them with
     * every code and token issued under those grants. The consents stay (see the top of the file).
     */
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

    /**
     * Revokes the account's consents to these applications (by client id): the consent, the
     * grant of every session for that application, and every code and token issued under them.
     */
    async revokeConsents(tx: Db, accountId: string, clientIds: string[]): Promise<number> {
      if (clientIds.length === 0) return 0;
      const { rows: grants } = await tx.query<{ id: string }>(
        `SELECT id FROM oidc_payloads WHERE model = 'Grant' AND account_id = $1 AND payload->>'clientId' = ANY($2)`,
        [accountId, clientIds]);
      const { rowCount } = USER_ID.test(accountId)
        ? await tx.query('DELETE FROM consents WHERE user_id = $1 AND client_id = ANY($2)', [accountId, clientIds])
        : { rowCount: 0 };
      return (rowCount ?? 0) + await deleteGrants(tx, accountId, grants.map((g) => g.id));
    },

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
