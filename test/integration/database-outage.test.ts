// While PostgreSQL is unreachable, every client gets a 503 with Retry-After in its own
// language (OAuth error, page, SCIM error, JSON), the log says so once rather than once per
// request, and everything works again as soon as the database is back. The outage is real:
// Foyer talks to PostgreSQL through a TCP proxy that the test cuts.
import http from 'node:http';
import { ALL_USERS } from '../../src/platform/access.js';
import type { AddressInfo } from 'node:net';
import type { Database } from '../../src/db/database.js';
import { CLI_ACTOR } from '../../src/audit/audit.service.js';
import { createFoyer, type Foyer } from '../../src/app.js';
import { loadConfig } from '../../src/config/config.js';
import { openDatabase } from '../../src/db/data-source.js';
import { createLogger } from '../../src/platform/logger.js';
import { consoleSession } from '../support/console-session.js';
import { startCuttableProxy, type CuttableProxy } from '../support/cuttable-proxy.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import type { HttpSession } from '../support/http-session.js';
import { testEnv } from '../support/server.js';

let db: TestDatabase;
let proxy: CuttableProxy;
let proxied: Database;
let foyer: Foyer;
let server: http.Server;
let issuer: string;
let client: { client_id: string; client_secret?: string };
let scimKey: string;
let admin: HttpSession;
const logLines: Record<string, unknown>[] = [];

beforeAll(async () => {
  db = await createTestDatabase();
  const target = new URL(db.url);
  proxy = await startCuttableProxy({ host: target.hostname, port: Number(target.port || 5432) });
  const url = proxy.urlThrough(db.url);
  ({ database: proxied } = await openDatabase({ url, poolSize: 10 }));
  server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const config = loadConfig(testEnv({ ISSUER: issuer, DATABASE_URL: url, LOG_LEVEL: 'info' }));
  const logger = createLogger('info', { write: (line: string) => void logLines.push(JSON.parse(line)) });
  foyer = await createFoyer({ config, database: proxied, logger });
  const handler = foyer.app.callback();
  server.on('request', (req, res) => handler(req, res));

  const { users, applications, apiKeys } = foyer.services;
  const adminUser = await users.create({ login: 'outage-admin', password: 'outage admin pass 1', role: 'ADMIN' },
    CLI_ACTOR, ALL_USERS);
  scimKey = await apiKeys.generate(adminUser, CLI_ACTOR);
  client = await applications.create({ name: 'Batch', redirectUris: [], postLogoutRedirectUris: [],
    grantTypes: ['client_credentials'], isPublic: false }, CLI_ACTOR);
  admin = await consoleSession(issuer, 'outage-admin', 'outage admin pass 1');
});

afterAll(async () => {
  await foyer?.stop();
  server?.closeAllConnections();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  await proxied?.close().catch(() => undefined);
  await proxy?.close();
  await db?.drop();
});

function token(): Promise<Response> {
  return fetch(`${issuer}/token`, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`${client.client_id}:${client.client_secret}`).toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: 'grant_type=client_credentials',
  });
}

function scim(): Promise<Response> {
  return fetch(`${issuer}/scim/v2/Users?count=1`,
    { headers: { authorization: `Bearer ${scimKey}`, accept: 'application/scim+json' } });
}

const signInPage = () => fetch(`${issuer}/admin/login`, { redirect: 'follow', headers: { accept: 'text/html' } });
const outageLines = () => logLines.filter((l) => /database (is )?unavailable/i.test(String(l.msg)));
const backLines = () => logLines.filter((l) => /database is back/i.test(String(l.msg)));

async function eventually(check: () => Promise<boolean>, ms: number): Promise<void> {
  const until = Date.now() + ms;
  for (;;) {
    if (await check()) return;
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('a database outage', () => {
  it('works before the cut', async () => {
    const res = await token();
    expect(res.status).toBe(200);
    expect((await scim()).status).toBe(200);
    expect((await admin.get('/admin/users')).status).toBe(200);
  });

  it('answers 503 with Retry-After everywhere while the database is unreachable, logged once', async () => {
    await proxy.cut();
    const firstLogLine = logLines.length;

    const tokenRes = await token();
    expect(tokenRes.status).toBe(503);
    expect(Number(tokenRes.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await tokenRes.json()).toMatchObject({ error: 'temporarily_unavailable' });

    const introspection = await fetch(`${issuer}/token/introspection`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`${client.client_id}:${client.client_secret}`).toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: 'token=some-token',
    });
    expect(introspection.status).toBe(503);
    expect(introspection.headers.get('retry-after')).toBeTruthy();
    expect(await introspection.json()).toMatchObject({ error: 'temporarily_unavailable' });

    // The sign-in page the console sends to (through the provider's /auth).
    const signIn = await signInPage();
    expect(signIn.status).toBe(503);
    expect(signIn.headers.get('retry-after')).toBeTruthy();
    expect(signIn.headers.get('content-type')).toMatch(/html/);
    expect(await signIn.text()).toMatch(/try again shortly/i);

    // A console page of a signed-in Administrator.
    const page = await admin.get('/admin/users');
    expect(page.status).toBe(503);
    expect(page.headers.get('retry-after')).toBeTruthy();
    const html = await page.text();
    expect(html).toMatch(/try again shortly/i);
    expect(html).not.toMatch(/ECONNREFUSED|at .*\.ts:\d+/);

    // The same console page asked for JSON.
    const json = await admin.get('/admin/users', { accept: 'application/json' });
    expect(json.status).toBe(503);
    expect(await json.json()).toMatchObject({ error: 'temporarily_unavailable' });

    const scimRes = await scim();
    expect(scimRes.status).toBe(503);
    expect(scimRes.headers.get('retry-after')).toBeTruthy();
    expect(await scimRes.json()).toMatchObject({ schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'],
      status: '503' });

    // A burst of requests, as clients retrying would send, and background workers polling.
    const burst = await Promise.all(Array.from({ length: 40 }, (_, i) => (i % 2 ? token() : scim())));
    expect(burst.map((r) => r.status)).toEqual(burst.map(() => 503));
    await new Promise((r) => setTimeout(r, 2500));

    const during = logLines.slice(firstLogLine);
    expect(outageLines()).toHaveLength(1);
    expect(during.filter((l) => JSON.stringify(l).includes('"stack"'))).toEqual([]);
    expect(during.filter((l) => Number(l.level) >= 50)).toEqual([]);
  });

  it('serves again within moments of the database coming back, and says so once', async () => {
    await proxy.restore();
    await eventually(async () => (await token()).status === 200, 5000);
    expect((await scim()).status).toBe(200);
    expect((await admin.get('/admin/users')).status).toBe(200);
    await eventually(async () => backLines().length === 1, 5000);
    expect(outageLines()).toHaveLength(1);
  });

  it('logs a second outage again, once', async () => {
    await proxy.cut();
    expect((await token()).status).toBe(503);
    expect((await scim()).status).toBe(503);
    expect(outageLines()).toHaveLength(2);
    await proxy.restore();
    await eventually(async () => (await token()).status === 200, 5000);
    await eventually(async () => backLines().length === 2, 5000);
  });
});
