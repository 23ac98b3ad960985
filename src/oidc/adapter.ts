// node-oidc-provider's storage on PostgreSQL: one table for every model but Client,
// whose rows come from the clients table. See migrations/ for the indexes this relies on.
// The two calls on every token and userinfo request, find and upsert, are batched across
// concurrent requests (see batched() in db/sql.ts); each still resolves only once its row
// is read or written, so what the provider sees is exactly what is stored.
//
// Ids that are bearer secrets (access and refresh tokens, codes, session cookies, interaction
// ids...) are stored only as their SHA-256 (hex): a database backup holds nothing anyone can
// present, and the provider, which always looks them up by the value it was given, finds them
// by hashing it again. The payload's own copy of the id (jti) is left out and put back from
// the argument on find; an Interaction's copy of its session's cookie is hashed the same way
// (the provider never reads it back). Plain SHA-256 is enough for 128+ bit random ids (nothing
// to guess), and migrations can compute it. Session uids stay in clear: findByUid needs them,
// and a uid alone opens no session (the cookie carries the id, never the uid).
import { createHash } from 'node:crypto';
import type { Adapter, AdapterPayload } from 'oidc-provider';
import { batched } from '../db/sql.js';
import { type Db } from '../db/database.js';
import { USER_COLUMNS, userFromJson } from '../users/user.repository.js';
import { prefetched, remember } from './request-prefetch.js';

interface Row {
  payload: AdapterPayload;
  consumed: boolean;
}

interface Upsert {
  id: string;
  payload: AdapterPayload;
  expiresIn: number | undefined;
}

/**
 * Models whose ids are no bearer secret: a grant id is only a reference inside the tokens
 * (and the console revokes grants by it), a pushed request's id is usable only by its own
 * authenticated client (and Interaction.parJti refers to it), replay-detection ids are
 * derived from tokens seen. Every other model's ids, now and added later, are hashed.
 */
const CLEAR_ID_MODELS = new Set(['Grant', 'PushedAuthorizationRequest', 'ReplayDetection']);

/** How an id is stored; the same as `encode(sha256(convert_to(id, 'UTF8')), 'hex')` in SQL. */
export function hashPayloadId(id: string): string {
  return createHash('sha256').update(id, 'utf8').digest('hex');
}

/** The `oidc_payloads.id` under which the provider's `id` of `model` is stored. */
export function storedPayloadId(model: string, id: string): string {
  return CLEAR_ID_MODELS.has(model) ? id : hashPayloadId(id);
}

/** What goes into `payload`: no copy of a secret id. */
function toStored(model: string, id: string, payload: AdapterPayload): AdapterPayload {
  if (CLEAR_ID_MODELS.has(model)) return payload;
  const { jti, ...rest } = payload;
  const stored: AdapterPayload = jti === undefined || jti === id ? rest : payload;
  const session = (stored as { session?: { cookie?: unknown } }).session;
  if (typeof session?.cookie === 'string') {
    return { ...stored, session: { ...session, cookie: hashPayloadId(session.cookie) } } as AdapterPayload;
  }
  return stored;
}

/** The payload as the provider wrote it: its id back in jti. */
function fromStored(model: string, id: string, payload: AdapterPayload | undefined): AdapterPayload | undefined {
  if (!payload || CLEAR_ID_MODELS.has(model) || payload.jti !== undefined) return payload;
  return { ...payload, jti: id };
}

const NOT_EXPIRED = '(expires_at IS NULL OR expires_at > now())';

const FIND_MANY = `SELECT id, payload, consumed_at IS NOT NULL AS consumed FROM oidc_payloads
  WHERE model = $1 AND id = ANY($2::text[]) AND ${NOT_EXPIRED}`;

// An access token with the grant and the user it was issued for: what userinfo reads next.
const FIND_ACCESS_TOKENS = `SELECT t.id, t.payload, t.consumed_at IS NOT NULL AS consumed,
    g.payload AS grant_payload, g.consumed_at IS NOT NULL AS grant_consumed, u.json AS user_json
  FROM oidc_payloads t
  LEFT JOIN oidc_payloads g
    ON g.model = 'Grant' AND g.id = t.grant_id AND (g.expires_at IS NULL OR g.expires_at > now())
  LEFT JOIN LATERAL (SELECT row_to_json(x) AS json FROM (SELECT ${USER_COLUMNS} FROM users
    WHERE users.id = CASE WHEN t.account_id ~ '^[0-9]{1,18}$' THEN t.account_id::bigint END) x) u ON true
  WHERE t.model = 'AccessToken' AND t.id = ANY($1::text[]) AND (t.expires_at IS NULL OR t.expires_at > now())`;

interface AccessTokenRow extends Row {
  id: string;
  grant_payload: AdapterPayload | null;
  grant_consumed: boolean | null;
  user_json: Record<string, unknown> | null;
}

// The whole batch travels as one JSON document: one string to send, one value to parse.
const UPSERT_MANY = `INSERT INTO oidc_payloads (model, id, payload, account_id, grant_id, uid, user_code, expires_at)
  SELECT $1, t.id, t.payload, t.account_id, t.grant_id, t.uid, t.user_code,
         CASE WHEN t.expires_in IS NULL THEN NULL ELSE now() + make_interval(secs => t.expires_in) END
  FROM jsonb_to_recordset($2::jsonb)
       AS t(id text, payload jsonb, account_id text, grant_id text, uid text, user_code text, expires_in int)
  ON CONFLICT (model, id) DO UPDATE SET payload = EXCLUDED.payload, account_id = EXCLUDED.account_id,
    grant_id = EXCLUDED.grant_id, uid = EXCLUDED.uid, user_code = EXCLUDED.user_code, expires_at = EXCLUDED.expires_at`;

function accountIdOf(payload: AdapterPayload): string | null {
  const session = (payload as { session?: { accountId?: string } }).session;
  return payload.accountId ?? session?.accountId ?? null;
}

function withConsumed(row: Row | undefined): AdapterPayload | undefined {
  if (!row) return undefined;
  return row.consumed ? { ...row.payload, consumed: true } : row.payload;
}

class PostgresAdapter implements Adapter {
  private readonly findBatched: (id: string) => Promise<AdapterPayload | undefined>;
  private readonly findAccessTokenBatched: (id: string) => Promise<AccessTokenRow | undefined>;
  private readonly upsertBatched: (write: Upsert) => Promise<void>;

  private readonly storedId: (id: string) => string;

  constructor(private readonly db: Db, private readonly model: string) {
    this.storedId = (id) => storedPayloadId(model, id);
    this.findBatched = batched(async (ids: readonly string[]) => {
      const { rows } = await db.query<Row & { id: string }>({ name: 'oidc-find-many', text: FIND_MANY,
        values: [model, ids] });
      const byId = new Map(rows.map((r) => [r.id, withConsumed(r)]));
      return ids.map((id) => byId.get(id));
    });
    this.findAccessTokenBatched = batched(async (ids: readonly string[]) => {
      const { rows } = await db.query<AccessTokenRow>({ name: 'oidc-find-access-tokens', text: FIND_ACCESS_TOKENS,
        values: [ids] });
      const byId = new Map(rows.map((r) => [r.id, r]));
      return ids.map((id) => byId.get(id));
    });
    this.upsertBatched = batched(async (writes: readonly Upsert[]) => {
      // One row per id: a later write in the same batch wins, as it would have one by one.
      const last = new Map(writes.map((w) => [w.id, w]));
      const batch = [...last.values()].map((w) => ({
        id: w.id, payload: w.payload, account_id: accountIdOf(w.payload), grant_id: w.payload.grantId ?? null,
        uid: w.payload.uid ?? null, user_code: w.payload.userCode ?? null, expires_in: w.expiresIn ?? null,
      }));
      await db.query({ name: 'oidc-upsert-many', text: UPSERT_MANY, values: [model, JSON.stringify(batch)] });
      return writes.map(() => undefined);
    });
  }

  upsert(id: string, payload: AdapterPayload, expiresIn?: number): Promise<void> {
    return this.upsertBatched({ id: this.storedId(id), payload: toStored(this.model, id, payload), expiresIn });
  }

  async find(id: string): Promise<AdapterPayload | undefined> {
    if (this.model === 'AccessToken') return this.findAccessToken(id);
    if (this.model === 'Grant') {
      const early = prefetched()?.grants;
      if (early?.has(id)) return early.get(id);
    }
    return fromStored(this.model, id, await this.findBatched(this.storedId(id)));
  }

  private async findAccessToken(id: string): Promise<AdapterPayload | undefined> {
    const row = await this.findAccessTokenBatched(this.storedId(id));
    if (!row) return undefined;
    const grant = row.grant_payload
      ? withConsumed({ payload: row.grant_payload, consumed: Boolean(row.grant_consumed) }) : undefined;
    remember(row.payload.grantId, grant, row.payload.accountId, row.user_json ? userFromJson(row.user_json) : null);
    return fromStored(this.model, id, withConsumed(row));
  }

  /** By the uid in clear (see the top of this file); the payload comes without its id, which is not stored. */
  findByUid(uid: string): Promise<AdapterPayload | undefined> {
    return this.findOneBy('uid', uid);
  }

  /** Device flow is off; if turned on, its short user codes would need a keyed hash (they are guessable). */
  findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
    return this.findOneBy('user_code', userCode);
  }

  private async findOneBy(column: 'uid' | 'user_code', value: string): Promise<AdapterPayload | undefined> {
    const { rows } = await this.db.query<Row>(
      `SELECT payload, consumed_at IS NOT NULL AS consumed FROM oidc_payloads
       WHERE model = $1 AND ${column} = $2 AND ${NOT_EXPIRED}`, [this.model, value]);
    return withConsumed(rows[0]);
  }

  async consume(id: string): Promise<void> {
    await this.db.query('UPDATE oidc_payloads SET consumed_at = now() WHERE model = $1 AND id = $2',
      [this.model, this.storedId(id)]);
  }

  async destroy(id: string): Promise<void> {
    await this.db.query('DELETE FROM oidc_payloads WHERE model = $1 AND id = $2', [this.model, this.storedId(id)]);
  }

  async revokeByGrantId(grantId: string): Promise<void> {
    await this.db.query('DELETE FROM oidc_payloads WHERE grant_id = $1', [grantId]);
  }
}

/** Clients are managed by Foyer (CLI, console); the provider only reads them. */
class ClientAdapter implements Adapter {
  constructor(private readonly findClient: (id: string) => Promise<Record<string, unknown> | undefined>) {}

  find(id: string): Promise<AdapterPayload | undefined> {
    return this.findClient(id) as Promise<AdapterPayload | undefined>;
  }

  async upsert(): Promise<void> { throw new Error('clients are managed through Foyer, not the provider'); }
  async findByUid(): Promise<undefined> { return undefined; }
  async findByUserCode(): Promise<undefined> { return undefined; }
  async consume(): Promise<void> {}
  async destroy(): Promise<void> {}
  async revokeByGrantId(): Promise<void> {}
}

/**
 * One adapter per model, made once. Clients come from `findClient` (the clients table,
 * possibly through the client cache).
 */
export function createAdapterFactory(db: Db,
  findClient: (id: string) => Promise<Record<string, unknown> | undefined>): (model: string) => Adapter {
  const clients = new ClientAdapter(findClient);
  const adapters = new Map<string, PostgresAdapter>();
  return (model) => {
    if (model === 'Client') return clients;
    let adapter = adapters.get(model);
    if (!adapter) adapters.set(model, (adapter = new PostgresAdapter(db, model)));
    return adapter;
  };
}
