// Brute-force defence (issue 14, findings 4 and 5): the automatic lock answers the same
// whatever the password and emails the user once; failures are limited per identifier and
// per IP on the sign-in form, per IP at /token client authentication and on SCIM bad keys,
// with counters in PostgreSQL that every Foyer process shares.
import http from 'node:http';
import { ALL_USERS } from '../../src/platform/access.js';
import type { AddressInfo } from 'node:net';
import { CLI_ACTOR } from '../../src/audit/audit.service.js';
import { createFoyer, type Foyer } from '../../src/app.js';
import { loadConfig } from '../../src/config/config.js';
import { openDatabase } from '../../src/db/data-source.js';
import { createLogger } from '../../src/platform/logger.js';
import { csrfTokenIn, HttpSession } from '../support/http-session.js';
import { startTestServer, testEnv, type TestServer } from '../support/server.js';
import { linksIn, startSmtpServer, type TestSmtp } from '../support/smtp.js';

const PASSWORD = 'correct horse battery';
const LIMITS = {
  FOYER_SIGN_IN_FAILURES_PER_IDENTIFIER: '6',
  FOYER_SIGN_IN_FAILURES_PER_IP: '15',
  FOYER_CLIENT_AUTH_FAILURES_PER_IP: '3',
  FOYER_SCIM_AUTH_FAILURES_PER_IP: '3',
};

let server: TestServer;
let smtp: TestSmtp;
let other: { issuer: string; foyer: Foyer; close(): Promise<void> } | undefined;

beforeAll(async () => {
  smtp = await startSmtpServer();
  server = await startTestServer({ ...LIMITS, SMTP_URL: smtp.url, MAIL_FROM: 'Foyer <foyer@example.test>',
    FOYER_MAIL_POLL_SECONDS: '1' });
  // Two failures lock an account, well below the per-identifier limit.
  await server.foyer.services.settings.updateLockout({ maxFailures: 2, windowMinutes: 15, lockMinutes: 30 }, CLI_ACTOR);
});
afterAll(async () => {
  await other?.close();
  await server?.close();
  await smtp?.stop();
});

/** A second Foyer on the same database, with its own pool, port and memory: another process as far as state goes. */
async function startSecondFoyer() {
  const { database } = await openDatabase({ url: server.db.url, poolSize: 4 });
  const listener = http.createServer();
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(listener.address() as AddressInfo).port}`;
  const config = loadConfig(testEnv({ ...LIMITS, ISSUER: issuer, DATABASE_URL: server.db.url }));
  const foyer = await createFoyer({ config, database, logger: createLogger('silent') });
  listener.on('request', foyer.app.callback());
  return {
    issuer, foyer,
    async close() {
      await foyer.stop();
      listener.closeAllConnections();
      await new Promise<void>((resolve) => listener.close(() => resolve()));
      await database.close();
    },
  };
}

/** A sign-in form of a fresh interaction (the account pages' own sign-in), ready to post to again and again. */
async function signInForm(issuer = server.issuer) {
  const session = new HttpSession(issuer);
  let res = await session.get('/account/login');
  for (let hops = 0; hops < 10 && res.status >= 300 && res.status < 400; hops += 1) {
    res = await session.get(res.headers.get('location')!);
  }
  const html = await res.text();
  const action = /action="(\/interaction\/[^"]+\/login)"/.exec(html)![1];
  const csrf = csrfTokenIn(html);
  return {
    async attempt(identifier: string, password: string) {
      const answer = await session.postForm(action, { identifier, password, _csrf: csrf });
      const body = await answer.text();
      const alert = /role="alert">([^<]*)</.exec(body)?.[1];
      const heading = /<h1>([^<]*)<\/h1>/.exec(body)?.[1];
      return { status: answer.status, alert, heading, body, retryAfter: answer.headers.get('retry-after') };
    },
  };
}

const GENERIC = 'Wrong login, email, phone number or password.';

async function clearCounters() {
  await server.db.dataSource.query('DELETE FROM rate_limits');
}

describe('the automatic lock', () => {
  beforeEach(clearCounters);

  it('answers the right password as it answers a wrong one, and emails the user once with until when and a reset link',
    async () => {
      const before = smtp.messages.length;
      await server.foyer.services.users.create({ login: 'lena', email: 'lena@example.com', password: PASSWORD,
        emailVerified: true }, CLI_ACTOR, ALL_USERS);
      const form = await signInForm();
      for (let i = 1; i <= 2; i += 1) {
        expect(await form.attempt('lena', `wrong password ${i}`)).toMatchObject({ status: 401, alert: GENERIC });
      }
      const [{ locked_until: lockedUntil }] = await server.db.dataSource.query('SELECT locked_until FROM users WHERE '
      + "login = 'lena'");
      expect(lockedUntil).toBeInstanceOf(Date);

      const right = await form.attempt('lena', PASSWORD);
      const wrong = await form.attempt('lena', 'wrong password 3');
      expect(right).toMatchObject({ status: 401, alert: GENERIC, heading: 'Sign in' });
      expect({ status: wrong.status, alert: wrong.alert, heading: wrong.heading }).toEqual({ status: right.status,
        alert: right.alert, heading: right.heading });
      expect(right.body).not.toMatch(/locked/i);

      // Failures while locked extend nothing: the lock ends when it was going to.
      for (let i = 4; i <= 5; i += 1) await form.attempt('lena', `wrong password ${i}`);
      const [{ locked_until: after }] = await server.db.dataSource.query('SELECT locked_until FROM users WHERE login = '
      + "'lena'");
      expect(after).toEqual(lockedUntil);

      const mail = await smtp.waitFor('lena@example.com', /locked/i, { after: before });
      expect(mail.text).toMatch(/repeated failed sign-in/i);
      expect(mail.text).toContain(lockedUntil.toISOString().slice(0, 16).replace('T', ' '));
      const reset = linksIn(mail.text).find((l) => l.includes('/reset-password/'));
      expect(reset).toBeDefined();
      expect((await fetch(reset!)).status).toBe(200);
      await new Promise((r) => setTimeout(r, 2500));
      expect(smtp.messages.slice(before).filter((m) => m.to.includes('lena@example.com'))).toHaveLength(1);
    });

  it('keeps the locked page for a lock set by an administrator', async () => {
    const mona = await server.foyer.services.users.create({ login: 'mona', password: PASSWORD }, CLI_ACTOR, ALL_USERS);
    const until = new Date(Date.now() + 3600_000);
    await server.foyer.services.lifecycle.lock(mona.id, { reason: 'On leave', until: until.toISOString().slice(0, 16) },
      CLI_ACTOR, { kind: 'all' });
    const form = await signInForm();
    expect(await form.attempt('mona', 'wrong password')).toMatchObject({ status: 401, alert: GENERIC });
    expect(await form.attempt('mona', PASSWORD)).toMatchObject({ status: 403, heading: 'Your account is locked' });
  });
});

describe('sign-in limits', () => {
  beforeEach(clearCounters);

  it('answers 429 with when to try again after too many failures for one identifier, right password or not',
    async () => {
      await server.foyer.services.settings.updateLockout({ maxFailures: 100, windowMinutes: 15, lockMinutes: 30 },
        CLI_ACTOR);
      await server.foyer.services.users.create({ login: 'nina', password: PASSWORD }, CLI_ACTOR, ALL_USERS);
      const form = await signInForm();
      for (let i = 1; i <= 6; i += 1) expect((await form.attempt('nina', `wrong ${i}`)).status).toBe(401);
      for (const password of ['wrong 7', PASSWORD]) {
        const refused = await form.attempt('nina', password);
        expect(refused.status).toBe(429);
        expect(Number(refused.retryAfter)).toBeGreaterThan(0);
        expect(Number(refused.retryAfter)).toBeLessThanOrEqual(15 * 60);
        expect(refused.body).toMatch(/Too many failed sign-in attempts/);
        expect(refused.body).toMatch(/Try again (in|after)/);
      }
      // Another identifier from the same address is not refused.
      expect((await form.attempt('someone-else', 'wrong')).status).toBe(401);
    });

  it('shares the counters between two Foyer processes on one database', async () => {
    other = await startSecondFoyer();
    const here = await signInForm();
    const there = await signInForm(other.issuer);
    for (let i = 1; i <= 3; i += 1) expect((await here.attempt('olga@example.com', `wrong ${i}`)).status).toBe(401);
    for (let i = 4; i <= 6; i += 1) expect((await there.attempt('olga@example.com', `wrong ${i}`)).status).toBe(401);
    expect((await there.attempt('olga@example.com', 'wrong 7')).status).toBe(429);
    expect((await here.attempt('olga@example.com', 'wrong 8')).status).toBe(429);
  });

  // Last of the sign-in tests: the address stays refused for the rest of the window.
  it('answers 429 after too many failures from one IP, across identifiers', async () => {
    const form = await signInForm();
    for (let i = 1; i <= 15; i += 1) expect((await form.attempt(`unknown${i}@example.com`, 'wrong')).status).toBe(401);
    const refused = await form.attempt('unknown16@example.com', 'wrong');
    expect(refused.status).toBe(429);
    expect(Number(refused.retryAfter)).toBeGreaterThan(0);
    expect(refused.body).toMatch(/Try again (in|after)/);
  });
});

describe('client authentication at /token', () => {
  it('answers 429 with an OAuth error body after too many invalid_client failures from one IP', async () => {
    const created = await server.foyer.services.applications.create({
      name: 'Nightly', redirectUris: [], postLogoutRedirectUris: [], grantTypes: ['client_credentials'],
      isPublic: false,
    }, CLI_ACTOR);
    const token = (secret: string, path = '/token') => fetch(`${server.issuer}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(`${created.client_id}:${secret}`).toString('base64')}` },
      body: path === '/token' ? 'grant_type=client_credentials' : 'token=abc',
    });
    expect((await token(created.client_secret!)).status).toBe(200);
    for (const path of ['/token', '/token/introspection', '/token/revocation']) {
      const res = await token('wrong secret', path);
      expect([path, res.status, ((await res.json()) as { error?: string }).error]).toEqual([path, 401,
        'invalid_client']);
    }
    for (const secret of ['wrong secret', created.client_secret!]) {
      const res = await token(secret);
      expect(res.status).toBe(429);
      expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
      const body = await res.json();
      expect(body).toMatchObject({ error: expect.any(String), error_description: expect.stringMatching(/try again/i) });
    }
  });
});

describe('SCIM', () => {
  it('answers 429 with a SCIM error body after too many bad API keys from one IP', async () => {
    const scim = (key: string) => fetch(`${server.issuer}/scim/v2/Users`,
      { headers: { authorization: `Bearer ${key}` } });
    for (let i = 1; i <= 3; i += 1) expect((await scim(`bad-key-${i}`)).status).toBe(401);
    const res = await scim('bad-key-4');
    expect(res.status).toBe(429);
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await res.json()).toMatchObject({
      schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'], status: '429', detail: expect.stringMatching(/try again/i),
    });
  });
});
