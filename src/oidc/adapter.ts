// node-oidc-provider's storage on PostgreSQL: one table for every model but Client,
// whose rows come from the clients table. See migrations/ for the indexes this relies on.
import type { Adapter, AdapterPayload } from 'oidc-provider';
import type { Sql } from '../db/sql.js';
import { createClientRepository } from './client.repository.js';

interface Row {
  payload: AdapterPayload;
  consumed: boolean;
}

const NOT_EXPIRED = '(expires_at IS NULL OR expires_at > now())';

function accountIdOf(payload: AdapterPayload): string | null {
  const session = (payload as { session?: { accountId?: string } }).session;
  return payload.accountId ?? session?.accountId ?? null;
}

function withConsumed(row: Row | undefined): AdapterPayload | undefined {
  if (!row) return undefined;
  return row.consumed ? { ...row.payload, consumed: true } : row.payload;
}

class PostgresAdapter implements Adapter {
  constructor(private readonly sql: Sql, private readonly model: string) {}

  async upsert(id: string, payload: AdapterPayload, expiresIn?: number): Promise<void> {
    await this.sql.query(
      `INSERT INTO oidc_payloads (model, id, payload, account_id, grant_id, uid, user_code, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, CASE WHEN $8::int IS NULL THEN NULL ELSE now() + make_interval(secs => $8::int) END)
       ON CONFLICT (model, id) DO UPDATE SET payload = EXCLUDED.payload, account_id = EXCLUDED.account_id,
         grant_id = EXCLUDED.grant_id, uid = EXCLUDED.uid, user_code = EXCLUDED.user_code, expires_at = EXCLUDED.expires_at`,
      [this.model, id, payload, accountIdOf(payload), payload.grantId ?? null, payload.uid ?? null,
        payload.userCode ?? null, expiresIn ?? null],
    );
  }

  find(id: string): Promise<AdapterPayload | undefined> {
    return this.findOneBy('id', id);
  }

  findByUid(uid: string): Promise<AdapterPayload | undefined> {
    return this.findOneBy('uid', uid);
  }

  findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
    return this.findOneBy('user_code', userCode);
  }

  private async findOneBy(column: 'id' | 'uid' | 'user_code', value: string): Promise<AdapterPayload | undefined> {
    const { rows } = await this.sql.query<Row>(
      `SELECT payload, consumed_at IS NOT NULL AS consumed FROM oidc_payloads
       WHERE model = $1 AND ${column} = $2 AND ${NOT_EXPIRED}`, [this.model, value]);
    return withConsumed(rows[0]);
  }

  async consume(id: string): Promise<void> {
    await this.sql.query('UPDATE oidc_payloads SET consumed_at = now() WHERE model = $1 AND id = $2', [this.model, id]);
  }

  async destroy(id: string): Promise<void> {
    await this.sql.query('DELETE FROM oidc_payloads WHERE model = $1 AND id = $2', [this.model, id]);
  }

  async revokeByGrantId(grantId: string): Promise<void> {
    await this.sql.query('DELETE FROM oidc_payloads WHERE grant_id = $1', [grantId]);
  }
}

/** Clients are managed by Foyer (CLI, console); the provider only reads them. */
class ClientAdapter implements Adapter {
  private readonly clients;

  constructor(sql: Sql) {
    this.clients = createClientRepository(sql);
  }

  find(id: string): Promise<AdapterPayload | undefined> {
    return this.clients.findProviderMetadata(id) as Promise<AdapterPayload | undefined>;
  }

  async upsert(): Promise<void> { throw new Error('clients are managed through Foyer, not the provider'); }
  async findByUid(): Promise<undefined> { return undefined; }
  async findByUserCode(): Promise<undefined> { return undefined; }
  async consume(): Promise<void> {}
  async destroy(): Promise<void> {}
  async revokeByGrantId(): Promise<void> {}
}

export function createAdapterFactory(sql: Sql): (model: string) => Adapter {
  return (model) => (model === 'Client' ? new ClientAdapter(sql) : new PostgresAdapter(sql, model));
}
