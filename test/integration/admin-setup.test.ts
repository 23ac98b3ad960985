// The first Administrator: through the one-time setup link, or from FOYER_ADMIN_*.
import { csrfTokenIn, HttpSession } from '../support/http-session.js';
import { startTestServer, type TestServer } from '../support/server.js';

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer();
});

afterAll(async () => {
  await server?.close();
});

describe('setup link', () => {
  it('creates the first administrator once, keeping what was typed on errors', async () => {
    const { adminSetup } = server.foyer.services;
    const outcome = await adminSetup.bootstrap(undefined);
    if (outcome.kind !== 'setup_link') throw new Error(`expected a setup link, got ${outcome.kind}`);
    const path = new URL(outcome.url).pathname;
    const token = path.split('/').pop()!;

    // Only a hash of the token is stored.
    const stored = await server.db.dataSource.query('SELECT token_hash FROM one_time_tokens');
    expect(stored).toHaveLength(1);
    expect(stored[0].token_hash).not.toContain(token);

    const session = new HttpSession(server.issuer);
    const form = await session.get(path);
    expect(form.status).toBe(200);
    const csrf = csrfTokenIn(await form.text());

    const mismatch = await session.postForm(path,
      { _csrf: csrf, login: 'root', email: 'root@example.com', password: 'long enough 1',
        password_confirm: 'different 1' });
    expect(mismatch.status).toBe(400);
    const mismatchHtml = await mismatch.text();
    expect(mismatchHtml).toContain('The two passwords differ');
    expect(mismatchHtml).toContain('value="root@example.com"');

    const badEmail = await session.postForm(path,
      { _csrf: csrf, login: 'root', email: 'not-an-email', password: 'long enough 1',
        password_confirm: 'long enough 1' });
    expect(badEmail.status).toBe(400);
    expect(await badEmail.text()).toContain('Enter a valid email address');
    expect(await server.foyer.services.users.countAdmins()).toBe(0);

    const done = await session.postForm(path,
      { _csrf: csrf, login: 'root', email: 'root@example.com', password: 'long enough 1',
        password_confirm: 'long enough 1' });
    expect(done.status).toBe(200);
    expect(await done.text()).toContain('Administrator created');
    expect(await server.foyer.services.users.countAdmins()).toBe(1);
    const signIn = await server.foyer.services.users.signIn('root', 'long enough 1');
    expect(signIn.outcome).toBe('ok');

    // Used: the link is dead, and a second bootstrap knows an admin exists.
    const again = await session.get(path);
    expect(again.status).toBe(410);
    expect(await again.text()).toContain('This setup link is not valid');
    expect(await adminSetup.bootstrap(undefined)).toEqual({ kind: 'admin_exists' });
    const events = await server.db.dataSource.query('SELECT actor_type, action FROM audit_events WHERE action = '
      + "'user.created'");
    expect(events).toEqual([{ actor_type: 'setup', action: 'user.created' }]);
  });

  it('refuses an unknown link', async () => {
    const res = await new HttpSession(server.issuer).get('/setup/not-a-real-token');
    expect(res.status).toBe(410);
  });
});

describe('FOYER_ADMIN_* bootstrap', () => {
  it('creates the administrator without a link, once', async () => {
    const other = await startTestServer();
    try {
      const env = { login: 'ops', email: 'ops@example.com', password: 'automation pw 1' };
      const first = await other.foyer.services.adminSetup.bootstrap(env);
      expect(first.kind).toBe('admin_created');
      expect(await other.foyer.services.adminSetup.bootstrap(env)).toEqual({ kind: 'admin_exists' });
      const user = await other.foyer.services.users.findByLogin('ops');
      expect(user.role).toBe('ADMIN');
      expect(await other.db.dataSource.query('SELECT count(*)::int AS n FROM one_time_tokens')).toEqual([{ n: 0 }]);
    } finally {
      await other.close();
    }
  });
});
