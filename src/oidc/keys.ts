// Keys and secrets the provider and the forms need, made on first start and stored in
// PostgreSQL so a restart and every other process on the same database reuse them.
// With FOYER_SECRETS_KEY each row is sealed (sealing.ts; the row's name is the sealing
// context), so a database backup alone cannot sign tokens or forge cookies; rows stored in
// clear before the key was set are sealed on the first start with it.
import { generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';
import type { JWK } from 'oidc-provider';
import { type Db } from '../db/database.js';
import { createProviderSecretsRepository, type ProviderSecretsRepository } from './provider-secrets.repository.js';
import { deriveSealingKey, isSealed, seal, unseal } from '../platform/sealing.js';

export interface ProviderSecrets {
  jwks: { keys: JWK[] };
  cookieKeys: string[];
  csrfSecret: string;
}

/**
 * provider_secrets cannot be opened with the configured key: Foyer must not start (new keys would
 * end every session).
 */
export class ProviderSecretsKeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProviderSecretsKeyError';
  }
}

const contextOf = (name: string) => `provider_secrets:${name}`;

function open<T>(name: string, stored: unknown, key: Buffer | undefined): T {
  if (!isSealed(stored)) return stored as T;
  if (!key) {
    throw new ProviderSecretsKeyError(`provider_secrets "${name}" is sealed, but FOYER_SECRETS_KEY is not set: start `
      + `Foyer with the key it was sealed with`);
  }
  const plain = unseal(stored, key, contextOf(name));
  if (plain === undefined) {
    throw new ProviderSecretsKeyError(`provider_secrets "${name}" was sealed with another FOYER_SECRETS_KEY (or is `
      + `damaged): start Foyer with the key it was sealed with`);
  }
  return JSON.parse(plain) as T;
}

const sealed = (name: string, value: unknown, key: Buffer) => seal(JSON.stringify(value), key, contextOf(name));

/**
 * The stored value, or `make()` stored now. Two processes racing on a new database both
 * insert with ON CONFLICT DO NOTHING and then read whichever value won; two sealing the same
 * plain row both write a sealing of the same value.
 */
async function loadOrCreate<T>(secrets: ProviderSecretsRepository, name: string, make: () => T,
  key: Buffer | undefined): Promise<T> {
  let stored = await secrets.read(name);
  if (stored === undefined) {
    const value = make();
    await secrets.insertIfMissing(name, key ? sealed(name, value, key) : value);
    stored = await secrets.read(name);
  }
  const value = open<T>(name, stored, key);
  if (key && !isSealed(stored)) await secrets.replace(name, sealed(name, value, key), stored);
  return value;
}

function makeSigningKeys(): { keys: JWK[] } {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = privateKey.export({ format: 'jwk' }) as JWK;
  return { keys: [{ ...jwk, kid: randomUUID(), alg: 'RS256', use: 'sig' }] };
}

/** `secretsKey` is config.secretsKey (FOYER_SECRETS_KEY); without it the rows are read and written in clear. */
export async function loadProviderSecrets(db: Db,
  { secretsKey }: { secretsKey?: Buffer } = {}): Promise<ProviderSecrets> {
  const secrets = createProviderSecretsRepository(db);
  const key = secretsKey ? deriveSealingKey(secretsKey, 'provider_secrets') : undefined;
  const random = () => randomBytes(32).toString('base64url');
  return {
    jwks: await loadOrCreate(secrets, 'jwks', makeSigningKeys, key),
    cookieKeys: await loadOrCreate(secrets, 'cookie_keys', () => [random()], key),
    csrfSecret: await loadOrCreate(secrets, 'csrf_secret', random, key),
  };
}
