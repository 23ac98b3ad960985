// Lists ordered by id are ordered as numbers (issue 17 item 4): a column selected as
// `id::text AS id` and ordered by `id` sorted as text (9, 8, …, 2, 12, 11, 10, 1), and keyset
// paging on it skipped and repeated rows. The dev outbox and its pages, the recent imports,
// API keys and the order the job queue hands claimed mail to the worker.
import { CLI_ACTOR } from '../../src/audit/audit.service.js';
import { ALL_USERS } from '../../src/platform/access.js';
import { loadConfig } from '../../src/config/config.js';
import { createApiKeyRepository } from '../../src/api-keys/api-key.repository.js';
import { createImportJobRepository } from '../../src/provisioning/import-job.repository.js';
import { createServices, type Services } from '../../src/services.js';
import { consoleSession } from '../support/console-session.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { startTestServer, testEnv, type TestServer } from '../support/server.js';

const numericDesc = (ids: string[]) => [...ids].sort((a, b) => Number(b) - Number(a));
const numericAsc = (ids: string[]) => [...ids].sort((a, b) => Number(a) - Number(b));

describe('repositories and queries', () => {
  let db: TestDatabase;
  let services: Services;

  beforeAll(async () => {
    db = await createTestDatabase();
    services = createServices(loadConfig(testEnv({ DATABASE_URL: db.url })), db.database);
  });
  afterAll(async () => {
    await db?.drop();
  });

  const enqueue = async (n: number): Promise<string[]> => {
    const ids: string[] = [];
    for (let i = 0; i < n; i += 1) {
      ids.push(await services.outbox.enqueue({ template: 'invitation', to: `order${i}@example.com` }));
    }
    return ids;
  };

  it('lists 12 outbox messages newest first, 12 before 9', async () => {
    const ids = await enqueue(12);
    expect(ids[0]).toBe('1');
    expect(ids[11]).toBe('12');
    const listed = (await services.outbox.list({ limit: 50 })).map((m) => m.id);
    expect(listed).toEqual(numericDesc(ids));
  });

  it('pages through 65 outbox messages without skipping or repeating one', async () => {
    await enqueue(53);
    const all = (await db.dataSource.query('SELECT id::text AS id FROM mail_outbox')).map((r: { id: string }) => r.id);
    expect(all).toHaveLength(65);
    const seen: string[] = [];
    let before: string | undefined;
    for (let pages = 0; pages < 10; pages += 1) {
      const rows = await services.outbox.list({ before, limit: 51 });
      const page = rows.slice(0, 50).map((m) => m.id);
      seen.push(...page);
      if (rows.length <= 50) break;
      before = page[page.length - 1];
    }
    expect(seen).toEqual(numericDesc(all));
  });

  it('hands claimed mail of the same moment to the worker in id order', async () => {
    await db.dataSource.query("UPDATE mail_outbox SET next_attempt_at = now() - interval '1 minute'");
    const claimed = (await services.outbox.queue.claim(12)).map((m) => m.id);
    expect(claimed).toEqual(numericAsc(claimed));
    expect(claimed[0]).toBe('1');
    expect(claimed).toContain('10');
  });

  it('shows the 10 most recent of 12 imports, newest first', async () => {
    const root = await services.users.create({ login: 'order-root', password: 'console password 1', role: 'ADMIN' },
      CLI_ACTOR, ALL_USERS);
    const repository = createImportJobRepository(db.database);
    const ids: string[] = [];
    for (let i = 0; i < 12; i += 1) {
      ids.push(await repository.insert({ actorId: root.id, actorLabel: 'order-root', actorEmail: null,
        scope: { kind: 'all' }, fileName: `file${i}.csv`, passwordMode: 'invite' }));
    }
    expect(ids[0]).toBe('1');
    const recent = await services.imports.recent({ actor: { type: 'user', id: root.id, label: 'order-root' },
      isAdmin: true });
    expect(recent.map((j) => j.id)).toEqual(numericDesc(ids).slice(0, 10));
  });

  it("lists a user's 12 API keys in the order they were made", async () => {
    const owner = await services.users.create({ login: 'order-keys', password: 'console password 1', role: 'ADMIN' },
      CLI_ACTOR, ALL_USERS);
    const keys = createApiKeyRepository(db.database);
    for (let i = 0; i < 12; i += 1) {
      const org = await services.organizations.create(`Key org ${i}`, CLI_ACTOR, { kind: 'all' });
      await keys.insert(owner.id, org.id, `hash-${i}`, `hint-${i}`, null);
    }
    const listed = await services.apiKeys.list(owner.id);
    expect(listed.map((k) => k.hint)).toEqual(Array.from({ length: 12 }, (_, i) => `hint-${i}`));
    expect(listed.map((k) => k.id)).toEqual(numericAsc(listed.map((k) => k.id)));
    expect(listed.map((k) => k.id)).toContain('10');
  });
});

describe('the outbox page', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer();
    await server.foyer.services.users.create({ login: 'root', password: 'console password 1', role: 'ADMIN' },
      CLI_ACTOR, ALL_USERS);
    // Already delivered, so the mail worker leaves them as they are.
    await server.db.dataSource.query(`INSERT INTO mail_outbox (template, to_address, params, status, subject, sent_at)
      SELECT 'invitation', 'page' || g || '@example.com', '{}', 'outbox', 'Message ' || g, now()
      FROM generate_series(1, 65) g`);
  });
  afterAll(async () => {
    await server?.close();
  });

  it('shows the newest message on top and pages past 50 without skipping or repeating one', async () => {
    const admin = await consoleSession(server.issuer, 'root', 'console password 1');
    const all: string[] = (await server.db.dataSource.query('SELECT id::text AS id FROM mail_outbox'))
      .map((r: { id: string }) => r.id);
    const idsOn = (html: string) => [...html.matchAll(/data-message-id="(\d+)"/g)].map((m) => m[1]);
    const first = await (await admin.get('/admin/outbox')).text();
    expect(idsOn(first)).toEqual(numericDesc(all).slice(0, 50));
    const older = /<a href="([^"]+)">Older ›<\/a>/.exec(first)?.[1].replace(/&amp;/g, '&');
    expect(older).toBeDefined();
    const second = await (await admin.get(older!)).text();
    expect(idsOn(second)).toEqual(numericDesc(all).slice(50));
    expect(second).not.toContain('Older ›');
  });
});
