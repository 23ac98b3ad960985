// `npm start` with nothing configured: the embedded PostgreSQL in a data folder, the
// one-time setup link, the CLI sharing the running database, a full sign-in, a clean
// shutdown on SIGTERM and Ctrl-C, and everything still there after a restart.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { launchBrowser, submitLogin } from '../support/browser.js';
import { csrfTokenIn, HttpSession } from '../support/http-session.js';
import { freePort, runCli, startFoyerProcess, type FoyerProcess } from '../support/processes.js';
import { authorizationRequest, discover, finishAtCallback, oidc, startCallbackServer,
  type CallbackServer } from '../support/relying-party.js';

let dataDir: string;
let browser: Browser;
let rp: CallbackServer;
let foyer: FoyerProcess | undefined;

async function jwksKid(issuer: string): Promise<string> {
  const jwks = (await (await fetch(`${issuer}/jwks`)).json()) as { keys: { kid: string }[] };
  return jwks.keys[0].kid;
}

const pidFile = () => path.join(dataDir, 'postgres', 'postmaster.pid');
const exists = (file: string) => fs.access(file).then(() => true, () => false);

beforeAll(async () => {
  dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'foyer-two-commands-'));
  [browser, rp] = await Promise.all([launchBrowser(), startCallbackServer()]);
});

afterAll(async () => {
  await foyer?.stop('SIGKILL');
  await browser?.close();
  await rp?.close();
  await fs.rm(dataDir, { recursive: true, force: true });
});

it('serves a working provider on the embedded database, shuts down cleanly and keeps its data', async () => {
  const port = await freePort();
  const env = { PORT: String(port), FOYER_DATA_DIR: dataDir, DATABASE_URL: undefined };
  foyer = await startFoyerProcess(env);
  expect(foyer.issuer).toBe(`http://localhost:${port}`);

  // The first administrator through the printed one-time link.
  const setupUrl = /(http:\/\/localhost:\d+\/setup\/\S+)/.exec(foyer.output())?.[1];
  expect(setupUrl).toBeDefined();
  const session = new HttpSession(foyer.issuer);
  const form = await session.get(new URL(setupUrl!).pathname);
  const done = await session.postForm(new URL(setupUrl!).pathname, {
    _csrf: csrfTokenIn(await form.text()), login: 'admin', email: 'admin@example.com', password: 'first keeper 1',
    password_confirm: 'first keeper 1',
  });
  expect(done.status).toBe(200);

  // The CLI uses the running embedded server.
  const user = await runCli(['user', 'create', '--login', 'hana', '--email', 'hana@example.com', '--password',
    'tea at four 1', '--nickname', 'Hana'], env);
  expect(user.code).toBe(0);
  const app = await runCli(['client', 'create', '--name', 'Embedded App', '--redirect-uri', `${rp.url}/cb`], env);
  const { client_id: clientId, client_secret: clientSecret } = app.json<{ client_id: string; client_secret: string }>();

  const client = await discover(foyer.issuer, clientId, clientSecret);
  const page = await browser.newPage();
  const request = await authorizationRequest(client, `${rp.url}/cb`, 'openid profile');
  await page.goto(request.url.href);
  await submitLogin(page, 'hana', 'tea at four 1');
  const tokens = await finishAtCallback(page, client, `${rp.url}/cb`, request);
  expect(tokens.claims()?.nickname).toBe('Hana');
  const kid = await jwksKid(foyer.issuer);

  await foyer.stop('SIGTERM');
  expect(foyer.output()).toContain('stopped cleanly');
  expect(await exists(pidFile())).toBe(false);

  // With the server down, the CLI starts the embedded database itself and stops it again.
  const privacy = await runCli(['user', 'privacy', 'hana', 'nickname', 'private'], env);
  expect(privacy.code).toBe(0);
  expect(await exists(pidFile())).toBe(false);

  // Restarted (with a slow bcrypt cost, to have a request in flight at shutdown): same keys,
  // no setup link, the earlier access token still valid, the change applied.
  foyer = await startFoyerProcess({ ...env, BCRYPT_COST: '13' });
  expect(foyer.output()).not.toContain('/setup/');
  expect(await jwksKid(foyer.issuer)).toBe(kid);
  const userinfo = await oidc.fetchUserInfo(client, tokens.access_token, tokens.claims()!.sub);
  expect(userinfo.sub).toBe(tokens.claims()!.sub);
  expect(userinfo).not.toHaveProperty('nickname');

  // Ctrl-C while a sign-in is being checked: that request still gets its answer.
  const browserSession = new HttpSession(foyer.issuer);
  const auth = await authorizationRequest(client, `${rp.url}/cb`, 'openid');
  const interaction = (await browserSession.get(auth.url.pathname + auth.url.search)).headers.get('location')!;
  const csrf = csrfTokenIn(await (await browserSession.get(interaction)).text());
  const inFlight = browserSession.postForm(`${interaction}/login`,
    { _csrf: csrf, identifier: 'nobody', password: 'wrong password' });
  await new Promise((r) => setTimeout(r, 150));
  const stopped = foyer.stop('SIGINT');
  const answer = await inFlight;
  expect(answer.status).toBe(401);
  expect(await answer.text()).toContain('Wrong login, email, phone number or password.');
  await stopped;
  expect(foyer.output()).toContain('stopped cleanly');
  foyer = undefined;
  expect(await exists(pidFile())).toBe(false);
});
