// Groups and API keys on a real PostgreSQL: names unique per organization, a Manager's
// organization scope, keys shown once and stored hashed, refused once the owner is blocked.
import { createHash } from 'node:crypto';
import { ALL_USERS } from '../../src/platform/access.js';
import { CLI_ACTOR } from '../../src/audit/audit.service.js';
import { loadConfig } from '../../src/config/config.js';
import { NotFoundError, ValidationError } from '../../src/platform/errors.js';
import { createServices, type Services } from '../../src/services.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { testEnv } from '../support/server.js';

const ALL = { kind: 'all' } as const;
let db: TestDatabase;
let services: Services;

beforeAll(async () => {
  db = await createTestDatabase();
  services = createServices(loadConfig(testEnv({ DATABASE_URL: db.url })), db.database);
});
afterAll(async () => {
  await db?.drop();
});

const user = (login: string,
  extra: Record<string, unknown> = {}) => services.users.create({ login, password: 'group pass 123', ...extra },
  CLI_ACTOR, ALL_USERS);

describe('groups', () => {
  it('keeps names unique per organization, adds and removes members, and records each change', async () => {
    const { groups, organizations } = services;
    const org = await organizations.create('Group org', CLI_ACTOR, { kind: 'all' });
    const [ann, ben] = [await user('g-ann'), await user('g-ben')];
    const g = await groups.create({ name: 'Editors' }, CLI_ACTOR, ALL);
    await expect(groups.create({ name: ' editors ' }, CLI_ACTOR, ALL)).rejects.toBeInstanceOf(ValidationError);
    await expect(groups.create({ name: 'Editors', organizationId: org.id }, CLI_ACTOR,
      ALL)).resolves.toMatchObject({ organizationName: 'Group org' });
    await expect(groups.addMembers(g.id, [ann.id, ben.id, ann.id], CLI_ACTOR, ALL)).resolves.toBe(2);
    await expect(groups.addMembers(g.id, [ann.id], CLI_ACTOR, ALL)).resolves.toBe(0);
    expect((await groups.members(g.id)).map((m) => m.login)).toEqual(['g-ann', 'g-ben']);
    await groups.removeMembers(g.id, [ben.id], CLI_ACTOR, ALL);
    expect(await groups.groupsOf(ann.id)).toEqual([{ id: g.id, name: 'Editors' }]);
    expect(await groups.groupsOf(ben.id)).toEqual([]);
    await groups.delete(g.id, CLI_ACTOR, ALL);
    expect(await services.users.findById(ann.id)).not.toBeNull();
    const actions: { action: string }[] = await db.dataSource.query('SELECT action FROM audit_events WHERE action '
      + "LIKE 'group.%' ORDER BY id");
    expect(actions.map((a) => a.action)).toEqual(['group.created', 'group.created', 'group.member_added',
      'group.member_added', 'group.member_removed', 'group.deleted']);
  });

  it("keeps a Manager to their organization's groups and users", async () => {
    const { groups, organizations } = services;
    const a = await organizations.create('Scope A', CLI_ACTOR, ALL);
    const b = await organizations.create('Scope B', CLI_ACTOR, ALL);
    const scope = { kind: 'organization', organizationId: a.id } as const;
    const mine = await groups.create({ name: 'Team', organizationId: b.id }, CLI_ACTOR, scope);
    expect(mine.organizationId).toBe(a.id);
    const theirs = await groups.create({ name: 'Team', organizationId: b.id }, CLI_ACTOR, ALL);
    await expect(groups.get(theirs.id, scope)).rejects.toBeInstanceOf(NotFoundError);
    const outsider = await user('g-outsider', { organizationId: b.id });
    await expect(groups.addMembers(mine.id, [outsider.id], CLI_ACTOR, scope)).rejects.toBeInstanceOf(NotFoundError);
    expect((await groups.list(scope)).map((g) => g.id)).toEqual([mine.id]);
  });
});

describe('API keys', () => {
  it('are shown once, stored hashed, replaced on regeneration, refused for blocked owners and after revocation',
    async () => {
      const { apiKeys, lifecycle } = services;
      const owner = await user('k-owner', { role: 'ADMIN' });
      const first = await apiKeys.generate(owner, CLI_ACTOR);
      expect(first).toMatch(/^foyer_[A-Za-z0-9_-]{43}$/);
      const stored: { key_hash: string;
        hint: string; }[] = await db.dataSource.query('SELECT key_hash, hint FROM api_keys WHERE user_id = $1',
        [owner.id]);
      expect(stored).toEqual([{ key_hash: createHash('sha256').update(first).digest('hex'),
        hint: `${first.slice(0, 10)}…` }]);
      await expect(apiKeys.authenticate(first)).resolves.toMatchObject({ id: owner.id });
      expect((await apiKeys.list(owner.id))[0].lastUsedAt).toBeInstanceOf(Date);

      const second = await apiKeys.generate(owner, CLI_ACTOR);
      await expect(apiKeys.authenticate(first)).resolves.toBeUndefined();
      await expect(apiKeys.authenticate(second)).resolves.toMatchObject({ id: owner.id });

      await lifecycle.block(owner.id, CLI_ACTOR, ALL_USERS);
      await expect(apiKeys.authenticate(second)).resolves.toBeUndefined();
      await lifecycle.unblock(owner.id, CLI_ACTOR, ALL_USERS);
      await expect(apiKeys.authenticate(second)).resolves.toMatchObject({ id: owner.id });

      const [key] = await apiKeys.list(owner.id);
      await apiKeys.revoke(owner.id, key.id, CLI_ACTOR, ALL);
      await expect(apiKeys.authenticate(second)).resolves.toBeUndefined();
      await expect(apiKeys.authenticate('foyer_not-a-real-key')).resolves.toBeUndefined();
    });
});
