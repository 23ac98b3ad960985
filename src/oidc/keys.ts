// Keys and secrets the provider and the forms need, made on first start and stored in
// PostgreSQL so a restart and every other process on the same database reuse them.
import { generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';
import type { JWK } from 'oidc-provider';
import type { Sql } from '../db/sql.js';

export interface ProviderSecrets {
  jwks: { keys: JWK[] };
  cookieKeys: string[];
  csrfSecret: string;
}

/**
 * The stored value, or `make()` stored now. Two processes racing on a new database both
 * insert with ON CONFLICT DO NOTHING and then read whichever value won.
 */
async function loadOrCreate<T>(sql: Sql, name: string, make: () => T): Promise<T> {
  const read = async () => (await sql.query<{ value: T }>('SELECT value FROM provider_secrets WHERE name = $1', [name])).rows[0]?.value;
  const existing = await read();
  if (existing !== undefined) return existing;
  await sql.query('INSERT INTO provider_secrets (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING', [name, JSON.stringify(make())]);
  return (await read())!;
}

function makeSigningKeys(): { keys: JWK[] } {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = privateKey.export({ format: 'jwk' }) as JWK;
  return { keys: [{ ...jwk, kid: randomUUID(), alg: 'RS256', use: 'sig' }] };
}

export async function loadProviderSecrets(sql: Sql): Promise<ProviderSecrets> {
  const random = () => randomBytes(32).toString('base64url');
  return {
    jwks: await loadOrCreate(sql, 'jwks', makeSigningKeys),
    cookieKeys: await loadOrCreate(sql, 'cookie_keys', () => [random()]),
    csrfSecret: await loadOrCreate(sql, 'csrf_secret', random),
  };
}
