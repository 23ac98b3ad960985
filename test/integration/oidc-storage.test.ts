// The provider's storage on a real PostgreSQL: the adapter for every model, revocation by
// account, the expiry sweep, the shared secrets and the clients table.
import { randomUUID } from 'node:crypto';
import Provider, { type Adapter, type AdapterPayload } from 'oidc-provider';
import { type Db } from '../../src/db/database.js';
import { ValidationError } from '../../src/platform/errors.js';
import { createAdapterFactory, storedPayloadId } from '../../src/oidc/adapter.js';
import { createApplicationRepository } from '../../src/applications/application.repository.js';
import { validateApplicationInput, type ApplicationInput } from '../../src/applications/client-metadata.js';
import { clientSecretMatches, hashClientSecret } from '../../src/applications/client-secret.js';
import { loadProviderSecrets } from '../../src/oidc/keys.js';
import { revokeAccountTokens, sweepExpiredPayloads } from '../../src/sessions/payload.repository.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

let db: TestDatabase;
let sql: Db;
let adapterFor: (model: string) => Adapter;

beforeAll(async () => {
  db = await createTestDatabase();
  sql = db.database;
  adapterFor = createAdapterFactory(sql, createApplicationRepository(sql).findProviderMetadata);
});

afterAll(async () => {
  await db?.drop();
});

const newId = () => randomUUID();

/** A token-like payload as the provider stores it. */
function tokenPayload(overrides: Partial<AdapterPayload> = {}): AdapterPayload {
  return { jti: newId(), kind: 'AccessToken', accountId: 'acct-default', grantId: newId(), clientId: 'app',
    ...overrides };
}

async function rowOf(model: string, id: string) {
  const { rows } = await sql.query<{ account_id: string | null; grant_id: string | null; uid: string | null;
    user_code: string | null; }>(
    'SELECT account_id, grant_id, uid, user_code FROM oidc_payloads WHERE model = $1 AND id = $2',
    [model, storedPayloadId(model, id)]);
  return rows[0];
}

const expire = (model: string, id: string) =>
  sql.query(`UPDATE oidc_payloads SET expires_at = now() - interval '1 minute' WHERE model = $1 AND id = $2`,
    [model, storedPayloadId(model, id)]);

async function countRows(where: string, params: unknown[]): Promise<number> {
  const { rows } = await sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM oidc_payloads WHERE ${where}`,
    params);
  return rows[0].n;
}

/** Stores one row of each kind an account accumulates: session, grant, access and refresh token. */
async function seedAccount(accountId: string): Promise<void> {
  const grantId = newId();
  await adapterFor('Session').upsert(newId(), { accountId, uid: newId(), kind: 'Session' }, 3600);
  await adapterFor('Grant').upsert(grantId, { accountId, kind: 'Grant', clientId: 'app' }, 3600);
  await adapterFor('AccessToken').upsert(newId(), tokenPayload({ accountId, grantId }), 3600);
  await adapterFor('RefreshToken').upsert(newId(), tokenPayload({ accountId, grantId, kind: 'RefreshToken' }), 3600);
}

describe('PostgreSQL adapter', () => {
  it('finds what was upserted, and a second upsert replaces it', async () => {
    const adapter = adapterFor('AccessToken');
    const id = newId();
    const first = tokenPayload({ scope: 'openid' });
    await adapter.upsert(id, first, 60);
    await expect(adapter.find(id)).resolves.toEqual(first);

    const second = tokenPayload({ scope: 'openid email' });
    await adapter.upsert(id, second, 60);
    await expect(adapter.find(id)).resolves.toEqual(second);
    expect(await countRows('model = $1 AND id = $2', ['AccessToken', storedPayloadId('AccessToken', id)])).toBe(1);
  });

  it('fills the lookup columns from the payload', async () => {
    const id = newId();
    const payload = tokenPayload({ accountId: 'acct-cols', grantId: 'grant-cols', uid: 'uid-cols',
      userCode: 'CODE-COLS' });
    await adapterFor('DeviceCode').upsert(id, payload, 60);
    await expect(rowOf('DeviceCode', id)).resolves.toEqual({
      account_id: 'acct-cols', grant_id: 'grant-cols', uid: 'uid-cols', user_code: 'CODE-COLS',
    });
  });

  it('takes the account id of an Interaction from its session', async () => {
    const id = newId();
    await adapterFor('Interaction').upsert(id,
      { kind: 'Interaction', session: { accountId: 'acct-interaction', uid: 's1', cookie: 'c1' } }, 60);
    expect((await rowOf('Interaction', id)).account_id).toBe('acct-interaction');
  });

  it('does not find an expired row, and keeps one without expiresIn', async () => {
    const adapter = adapterFor('AuthorizationCode');
    const [id, forever] = [newId(), newId()];
    await adapter.upsert(id, tokenPayload({ kind: 'AuthorizationCode' }), 1);
    await adapter.upsert(forever, tokenPayload({ kind: 'AuthorizationCode' }));
    await expect(adapter.find(id)).resolves.toBeDefined();
    await expire('AuthorizationCode', id);
    await expect(adapter.find(id)).resolves.toBeUndefined();
    await expect(adapter.find(forever)).resolves.toBeDefined();
  });

  it('finds by uid and by user code, within the model only', async () => {
    const uid = newId();
    const session = { kind: 'Session', uid, accountId: 'acct-uid' };
    await adapterFor('Session').upsert(newId(), session, 60);
    await expect(adapterFor('Session').findByUid(uid)).resolves.toEqual(session);
    await expect(adapterFor('Interaction').findByUid(uid)).resolves.toBeUndefined();

    const device = tokenPayload({ kind: 'DeviceCode', userCode: 'WDJB-MJHT' });
    await adapterFor('DeviceCode').upsert(newId(), device, 60);
    await expect(adapterFor('DeviceCode').findByUserCode('WDJB-MJHT')).resolves.toEqual(device);
    await expect(adapterFor('DeviceCode').findByUserCode('NOPE-NOPE')).resolves.toBeUndefined();
  });

  it('marks a consumed row as consumed on the next find, and destroys a row', async () => {
    const adapter = adapterFor('RefreshToken');
    const id = newId();
    await adapter.upsert(id, tokenPayload({ kind: 'RefreshToken' }), 60);
    expect((await adapter.find(id))?.consumed).toBeUndefined();
    await adapter.consume(id);
    expect((await adapter.find(id))?.consumed).toBe(true);
    await adapter.destroy(id);
    await expect(adapter.find(id)).resolves.toBeUndefined();
  });

  it('revokes every model of one grant and leaves other grants alone', async () => {
    const [grantId, otherGrant] = [newId(), newId()];
    const ids = { code: newId(), access: newId(), refresh: newId(), other: newId() };
    await adapterFor('AuthorizationCode').upsert(ids.code, tokenPayload({ grantId }), 60);
    await adapterFor('AccessToken').upsert(ids.access, tokenPayload({ grantId }), 60);
    await adapterFor('RefreshToken').upsert(ids.refresh, tokenPayload({ grantId }), 60);
    await adapterFor('AccessToken').upsert(ids.other, tokenPayload({ grantId: otherGrant }), 60);

    await adapterFor('AccessToken').revokeByGrantId(grantId);

    expect(await countRows('grant_id = $1', [grantId])).toBe(0);
    await expect(adapterFor('AccessToken').find(ids.other)).resolves.toMatchObject({ grantId: otherGrant });
  });

  it('keeps models apart: one id under two models is two rows', async () => {
    const id = newId();
    await adapterFor('AccessToken').upsert(id, tokenPayload({ scope: 'access' }), 60);
    await adapterFor('RefreshToken').upsert(id, tokenPayload({ scope: 'refresh' }), 60);
    expect(await countRows('id = $1', [storedPayloadId('AccessToken', id)])).toBe(2);
    await adapterFor('AccessToken').destroy(id);
    await expect(adapterFor('RefreshToken').find(id)).resolves.toMatchObject({ scope: 'refresh' });
  });
});

describe('secret ids at rest', () => {
  const stored = async (model: string) => (await sql.query<{ id: string; payload: AdapterPayload }>(
    'SELECT id, payload FROM oidc_payloads WHERE model = $1', [model])).rows;

  it('stores token and session ids (and their jti) only hashed, and gives the provider its jti back', async () => {
    for (const model of ['AccessToken', 'RefreshToken', 'AuthorizationCode', 'ClientCredentials', 'Session',
      'Interaction', 'DeviceCode']) {
      const id = `${model}-${newId()}`;
      const payload = { ...tokenPayload({ kind: model }), jti: id };
      await adapterFor(model).upsert(id, payload, 60);
      const rows = JSON.stringify(await stored(model));
      expect({ model, leaked: rows.includes(id) }).toEqual({ model, leaked: false });
      await expect(adapterFor(model).find(id)).resolves.toEqual(payload);
      await adapterFor(model).consume(id);
      await expect(adapterFor(model).find(id)).resolves.toEqual({ ...payload, consumed: true });
      await adapterFor(model).destroy(id);
      await expect(adapterFor(model).find(id)).resolves.toBeUndefined();
    }
  });

  it('hashes the session cookie an Interaction keeps, and leaves grant ids in clear', async () => {
    const [id, cookie, grantId] = [newId(), `cookie-${newId()}`, newId()];
    await adapterFor('Interaction').upsert(id,
      { jti: id, kind: 'Interaction', session: { accountId: 'acct-i', uid: 'u-i', cookie } }, 60);
    expect(JSON.stringify(await stored('Interaction'))).not.toContain(cookie);
    await expect(adapterFor('Interaction').find(id)).resolves.toMatchObject({ jti: id,
      session: { accountId: 'acct-i', uid: 'u-i' } });
    await adapterFor('Grant').upsert(grantId, { jti: grantId, kind: 'Grant', accountId: 'acct-i', clientId: 'app' },
      60);
    expect((await stored('Grant')).map((r) => r.id)).toContain(grantId);
  });
});

describe('revokeAccountTokens', () => {
  it('deletes every row of the account, counts them, and leaves other accounts', async () => {
    const [victim, bystander] = [`acct-${newId()}`, `acct-${newId()}`];
    await seedAccount(victim);
    await seedAccount(bystander);
    await adapterFor('Interaction').upsert(newId(),
      { kind: 'Interaction', session: { accountId: victim, uid: 'u', cookie: 'c' } }, 60);

    await expect(revokeAccountTokens(db.database, victim)).resolves.toBe(5);
    expect(await countRows('account_id = $1', [victim])).toBe(0);
    expect(await countRows('account_id = $1', [bystander])).toBe(4);
    await expect(revokeAccountTokens(db.database, victim)).resolves.toBe(0);
  });
});

describe('sweepExpiredPayloads', () => {
  it('deletes only expired rows, over several batches', async () => {
    await sql.query('DELETE FROM oidc_payloads');
    const expiredIds = Array.from({ length: 25 }, newId);
    for (const id of expiredIds) await adapterFor('AccessToken').upsert(id, tokenPayload(), 60);
    await sql.query(`UPDATE oidc_payloads SET expires_at = now() - interval '1 second' WHERE id = ANY($1)`,
      [expiredIds.map((id) => storedPayloadId('AccessToken', id))]);
    const live = newId();
    await adapterFor('AccessToken').upsert(live, tokenPayload(), 3600);
    await adapterFor('Session').upsert(newId(), { kind: 'Session', accountId: 'acct-no-expiry' });

    await expect(sweepExpiredPayloads(sql, 10)).resolves.toBe(25);
    expect(await countRows('true', [])).toBe(2);
    await expect(adapterFor('AccessToken').find(live)).resolves.toBeDefined();
    await expect(sweepExpiredPayloads(sql, 10)).resolves.toBe(0);
  });
});

describe('loadProviderSecrets', () => {
  const fingerprint = (s: Awaited<ReturnType<typeof loadProviderSecrets>>) => ({
    kids: s.jwks.keys.map((k) => k.kid), cookieKeys: s.cookieKeys, csrfSecret: s.csrfSecret,
  });

  it('makes the secrets once: concurrent and later calls all get the same ones', async () => {
    await sql.query('DELETE FROM provider_secrets');
    const [a, b] = await Promise.all([loadProviderSecrets(sql), loadProviderSecrets(sql)]);
    const c = await loadProviderSecrets(sql);
    expect(a.jwks.keys).toHaveLength(1);
    expect(a.jwks.keys[0]).toMatchObject({ kty: 'RSA', alg: 'RS256', use: 'sig', kid: expect.any(String),
      d: expect.any(String) });
    expect(a.cookieKeys[0]).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(a.csrfSecret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(fingerprint(b)).toEqual(fingerprint(a));
    expect(fingerprint(c)).toEqual(fingerprint(a));
    expect(c.jwks).toEqual(a.jwks);
  });
});

describe('clients', () => {
  const confidential = (overrides: Partial<ApplicationInput> = {}): ApplicationInput => ({
    name: 'Tea Party', redirectUris: ['https://tea.example/cb'], postLogoutRedirectUris: ['https://tea.example/bye'],
    grantTypes: ['authorization_code', 'refresh_token'], isPublic: false, ...overrides,
  });

  function validationFields(input: ApplicationInput): Record<string, string> {
    const err = (() => { try { validateApplicationInput(input); } catch (e) { return e; } })();
    expect(err).toBeInstanceOf(ValidationError);
    return (err as ValidationError).fields;
  }

  it('gives the provider its metadata with a hashed secret', async () => {
    const created = await createApplicationRepository(sql).create(confidential());
    expect(created.client_secret).toEqual(expect.any(String));
    const found = await adapterFor('Client').find(created.client_id);
    expect(found).toMatchObject({
      client_id: created.client_id, client_name: 'Tea Party', redirect_uris: ['https://tea.example/cb'],
      post_logout_redirect_uris: ['https://tea.example/bye'], grant_types: ['authorization_code', 'refresh_token'],
      token_endpoint_auth_method: 'client_secret_basic',
    });
    expect(found?.client_secret).toMatch(/^sha256\$/);
    expect(found?.client_secret).not.toContain(created.client_secret);
    expect(clientSecretMatches(created.client_secret!, found?.client_secret as string)).toBe(true);
  });

  it('stores no secret for a public client', async () => {
    const created = await createApplicationRepository(sql).create(confidential({ isPublic: true }));
    expect(created.client_secret).toBeUndefined();
    const found = await adapterFor('Client').find(created.client_id);
    expect(found).toMatchObject({ token_endpoint_auth_method: 'none' });
    expect(found).not.toHaveProperty('client_secret');
  });

  it('does not find an inactive or unknown client', async () => {
    const created = await createApplicationRepository(sql).create(confidential());
    await sql.query('UPDATE clients SET active = false WHERE client_id = $1', [created.client_id]);
    await expect(adapterFor('Client').find(created.client_id)).resolves.toBeUndefined();
    await expect(adapterFor('Client').find('no-such-client')).resolves.toBeUndefined();
    await expect(adapterFor('Client').upsert('x', { client_id: 'x' }, 60)).rejects.toThrow(/managed through Foyer/);
  });

  it('rejects invalid clients with a message per field, and stores nothing', async () => {
    expect(validationFields(confidential({ redirectUris: [] })).redirect_uri).toMatch(/at least one redirect URI/);
    expect(validationFields(confidential({ redirectUris: ['https://tea.example/cb#frag'] })).redirect_uri).toMatch(/fragment/);
    expect(validationFields(confidential({ redirectUris: ['http://tea.example/cb'] })).redirect_uri).toMatch(/must use https \(http is only for localhost\)/);
    expect(validationFields(confidential({ redirectUris: ['https://*.tea.example/cb'] })).redirect_uri).toMatch(/wildcards/);
    expect(validationFields(confidential({ redirectUris: ['/cb'] })).redirect_uri).toMatch(/not an absolute URL/);
    for (const local of ['http://localhost:3000/cb', 'http://127.0.0.1/cb', 'http://[::1]:8080/cb']) {
      expect(() => validateApplicationInput(confidential({ redirectUris: [local] }))).not.toThrow();
    }
    expect(validationFields(confidential({ isPublic: true, grantTypes: ['client_credentials'],
      redirectUris: [] })).grant_type)
      .toMatch(/public client cannot use client_credentials/);
    expect(validationFields(confidential({ grantTypes: ['authorization_code', 'password'] })).grant_type).toMatch(/Unknown grant type.*password/);

    const clientCount = async () =>
      (await sql.query<{ n: number }>('SELECT count(*)::int AS n FROM clients')).rows[0].n;
    const before = await clientCount();
    await expect(createApplicationRepository(sql).create(confidential({ redirectUris: [] })))
      .rejects.toBeInstanceOf(ValidationError);
    expect(await clientCount()).toBe(before);
  });
});

describe('clients the provider reads', () => {
  let provider: Provider;

  beforeAll(async () => {
    const secrets = await loadProviderSecrets(sql);
    provider = new Provider('http://127.0.0.1:3000', {
      adapter: createAdapterFactory(sql, createApplicationRepository(sql).findProviderMetadata), jwks: secrets.jwks,
      cookies: { keys: secrets.cookieKeys },
      responseTypes: ['code'], features: { devInteractions: { enabled: false }, clientCredentials: { enabled: true } },
    });
  });

  /** Creates the client if Foyer accepts it; undefined when Foyer refuses it up front. */
  const createIfValid = (input: ApplicationInput): Promise<string | undefined> =>
    createApplicationRepository(sql).create(input)
      .then((c) => c.client_id, (err: unknown) => { if (err instanceof ValidationError) return undefined; throw err; });

  const probe = (redirectUri: string): ApplicationInput => ({
    name: 'Probe', redirectUris: [redirectUri], postLogoutRedirectUris: [], grantTypes: [], isPublic: false,
  });

  it.each(['https://tea.example/cb', 'http://localhost:8080/cb', 'https://tea.example/cb?tab=1'])(
    'stores a client with %s that the provider accepts', async (redirectUri) => {
      const { client_id: clientId } = await createApplicationRepository(sql).create(probe(redirectUri));
      await expect(provider.Client.find(clientId)).resolves.toMatchObject({ clientId, redirectUris: [redirectUri] });
    });

  // A client that passes Foyer's checks but fails the provider's would be stored and then
  // break every sign-in to that app with invalid_client_metadata.
  it.each(['https://tea.example/cb#', 'javascript:alert(1)', 'com.example.app:/cb'])(
    'either refuses %s or stores a client the provider accepts', async (redirectUri) => {
      const clientId = await createIfValid(probe(redirectUri));
      if (clientId === undefined) return;
      await expect(provider.Client.find(clientId)).resolves.toMatchObject({ clientId, redirectUris: [redirectUri] });
    });

  it('gives the provider a client_credentials client it accepts', async () => {
    const { client_id: clientId } = await createApplicationRepository(sql).create({
      name: 'Batch job', redirectUris: [], postLogoutRedirectUris: [], grantTypes: ['client_credentials'],
      isPublic: false,
    });
    await expect(provider.Client.find(clientId)).resolves.toMatchObject({ clientId, grantTypes: ['client_credentials'],
      responseTypes: [] });
  });
});

describe('clientSecretMatches', () => {
  it('accepts the right secret only', () => {
    const stored = hashClientSecret('the-right-secret');
    expect(clientSecretMatches('the-right-secret', stored)).toBe(true);
    expect(clientSecretMatches('the-wrong-secret', stored)).toBe(false);
    expect(clientSecretMatches('plain-secret', undefined)).toBe(false);
  });

  it('never takes a stored value in another form than Foyer writes as a secret', async () => {
    await sql.query(`INSERT INTO clients (client_id, client_secret_hash, name, metadata) VALUES ('hand-made', `
      + `'plain-secret', 'Hand made', $1)`,
    [{ grant_types: ['client_credentials'], response_types: [], redirect_uris: [],
      token_endpoint_auth_method: 'client_secret_basic' }]);
    const metadata = await createApplicationRepository(sql).findProviderMetadata('hand-made');
    expect(metadata).toBeDefined();
    expect(metadata).not.toHaveProperty('client_secret');
  });
});
