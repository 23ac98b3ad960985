// Applications' owners and secrets (issue 8, first part): the creator owns the app, a new
// secret replaces the old one (in every process, within moments) for a real client library, and the apps a user alone
// owns are known before that user is deleted.
import { CLI_ACTOR } from '../../src/audit/audit.service.js';
import { operatorViewer } from '../../src/applications/application.policy.js';
import { ALL_USERS } from '../../src/platform/access.js';
import { NotFoundError } from '../../src/platform/errors.js';
import { eventually } from '../support/eventually.js';
import { discover, oidc } from '../support/relying-party.js';
import { startTestServer, type TestServer } from '../support/server.js';

let server: TestServer;
const machine = { redirectUris: [], postLogoutRedirectUris: [], grantTypes: ['client_credentials'], isPublic: false };

beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server?.close());

it('regenerating a secret makes the old one fail and the new one work', async () => {
  const { applications } = server.foyer.services;
  const created = await applications.create({ name: 'Reporting', ...machine }, CLI_ACTOR);
  const old = await discover(server.issuer, created.client_id, created.client_secret);
  await expect(oidc.clientCredentialsGrant(old, {})).resolves.toHaveProperty('access_token');

  const secret = await applications.regenerateSecret(created.client_id, operatorViewer(CLI_ACTOR));
  expect(secret).not.toBe(created.client_secret);
  // Every process hears of the change through NOTIFY, within moments.
  await eventually(async () => oidc.clientCredentialsGrant(old, {}).then(() => false,
    (err) => err.error === 'invalid_client'));
  await expect(oidc.clientCredentialsGrant(await discover(server.issuer, created.client_id, secret),
    {})).resolves.toHaveProperty('access_token');

  const [event] = await server.db.dataSource.query('SELECT details::text AS text FROM audit_events WHERE action = '
    + "'application.secret_regenerated'");
  expect(event.text).toContain(created.client_id);
  expect(event.text).not.toContain(secret);
  const [stored] = await server.db.dataSource.query('SELECT client_secret_hash FROM clients WHERE client_id = $1',
    [created.client_id]);
  expect(stored.client_secret_hash).not.toContain(secret);
});

it('a public client has no secret to regenerate', async () => {
  const { applications } = server.foyer.services;
  const spa = await applications.create({ name: 'SPA', redirectUris: ['http://localhost:5173/cb'], postLogoutRedirectUris: [], grantTypes: [], isPublic: true }, CLI_ACTOR);
  await expect(applications.regenerateSecret(spa.client_id,
    operatorViewer(CLI_ACTOR))).rejects.toBeInstanceOf(NotFoundError);
  await expect(applications.regenerateSecret('no-such-client',
    operatorViewer(CLI_ACTOR))).rejects.toBeInstanceOf(NotFoundError);
});

it('knows the applications a user alone owns', async () => {
  const { applications, users } = server.foyer.services;
  const ann = await users.create({ login: 'app-ann' }, CLI_ACTOR, ALL_USERS);
  const bob = await users.create({ login: 'app-bob' }, CLI_ACTOR, ALL_USERS);
  const solo = await applications.create({ name: 'Solo', ...machine }, CLI_ACTOR, ann.id);
  const shared = await applications.create({ name: 'Shared', ...machine }, CLI_ACTOR, ann.id);
  await applications.setMember(shared.client_id, bob.id, 'owner', operatorViewer(CLI_ACTOR));
  const helped = await applications.create({ name: 'Helped', ...machine }, CLI_ACTOR, ann.id);
  await applications.setMember(helped.client_id, bob.id, 'admin', operatorViewer(CLI_ACTOR));

  expect(await applications.ownedSolelyBy(ann.id)).toEqual([{ clientId: helped.client_id, name: 'Helped' },
    { clientId: solo.client_id, name: 'Solo' }]);
  expect(await applications.ownedSolelyBy(bob.id)).toEqual([]);
  expect(await applications.members(helped.client_id)).toEqual([
    { userId: ann.id, role: 'owner', label: 'app-ann' }, { userId: bob.id, role: 'admin', label: 'app-bob' },
  ]);
});
