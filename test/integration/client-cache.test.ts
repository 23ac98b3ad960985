// The per-process client cache: it caches only while it can hear change notices, and a
// change made through Foyer reaches every process at once.
import type { Database } from '../../src/db/database.js';
import { CLI_ACTOR } from '../../src/audit/audit.service.js';
import { openDatabase } from '../../src/db/data-source.js';

import { createLogger } from '../../src/platform/logger.js';
import { createClientCache, listenForClientChanges } from '../../src/oidc/client-cache.js';
import { createApplicationRepository } from '../../src/applications/application.repository.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { eventually } from '../support/eventually.js';

let db: TestDatabase;
let secondProcess: Database;
const logger = createLogger('silent');

beforeAll(async () => {
  db = await createTestDatabase();
  ({ database: secondProcess } = await openDatabase({ url: db.url, poolSize: 2 }));
});

afterAll(async () => {
  await secondProcess?.close();
  await db?.drop();
});

async function newClient(name: string): Promise<string> {
  const created = await createApplicationRepository(db.database).create({
    name, redirectUris: ['https://app.example.com/cb'], postLogoutRedirectUris: [], grantTypes: [], isPublic: false,
  });
  return created.client_id;
}

it('caches while listening and drops a client in every process once it is deactivated', async () => {
  const repo = createApplicationRepository(db.database);
  const here = createClientCache(repo.findProviderMetadata);
  const there = createClientCache(createApplicationRepository(secondProcess).findProviderMetadata);
  const listeners = [listenForClientChanges(db.database.pool, here, logger),
    listenForClientChanges(secondProcess.pool, there, logger)];
  try {
    await Promise.all(listeners.map((l) => l.listening));
    const id = await newClient('Cached App');
    expect((await here.get(id))?.client_name).toBe('Cached App');
    expect((await there.get(id))?.client_name).toBe('Cached App');

    // A change that bypasses Foyer is not announced: the cached copy stays (that is the cache working).
    await db.dataSource.query("UPDATE clients SET name = 'Renamed quietly' WHERE client_id = $1", [id]);
    expect((await here.get(id))?.client_name).toBe('Cached App');

    // Deactivating through the repository announces it: both processes stop serving the client.
    expect(await repo.setActive(id, false)).toBe(true);
    await eventually(async () => (await here.get(id)) === undefined && (await there.get(id)) === undefined);
    expect(await repo.setActive('no-such-client', false)).toBe(false);
  } finally {
    await Promise.all(listeners.map((l) => l.stop()));
  }
});

it('does not cache while it cannot hear change notices', async () => {
  const cache = createClientCache(createApplicationRepository(db.database).findProviderMetadata);
  const id = await newClient('Uncached App');
  expect((await cache.get(id))?.client_name).toBe('Uncached App');
  await db.dataSource.query("UPDATE clients SET name = 'Renamed' WHERE client_id = $1", [id]);
  expect((await cache.get(id))?.client_name).toBe('Renamed');
});

it('is used by the server: a deactivated client cannot get tokens any more', async () => {
  const { startTestServer } = await import('../support/server.js');
  const { discover, oidc } = await import('../support/relying-party.js');
  const server = await startTestServer();
  try {
    const created = await server.foyer.services.applications.create({
      name: 'Cron', redirectUris: [], postLogoutRedirectUris: [], grantTypes: ['client_credentials'], isPublic: false,
    }, CLI_ACTOR);
    const client = await discover(server.issuer, created.client_id, created.client_secret);
    await expect(oidc.clientCredentialsGrant(client, {})).resolves.toHaveProperty('access_token');
    await createApplicationRepository(server.db.database).setActive(created.client_id, false);
    await eventually(async () => oidc.clientCredentialsGrant(client, {}).then(() => false,
      (err) => err.error === 'invalid_client'));
  } finally {
    await server.close();
  }
});
