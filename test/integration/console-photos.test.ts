// Profile photos on the console's create and edit forms over HTTP (issue 17, item 6): the
// multipart forms carry their CSRF token in the action URL and are refused without it; a
// Manager reaches only the users of their organization; a refused photo or profile leaves
// nothing behind and shows every message at once; and every other way a profile is saved
// (SCIM) still works once the user has an uploaded photo, whose path is no http(s) URL.
import { CLI_ACTOR } from '../../src/audit/audit.service.js';
import { ALL_USERS } from '../../src/platform/access.js';
import type { User } from '../../src/db/entities/user.entity.js';
import { consoleSession, formToken } from '../support/console-session.js';
import { confirmImport, dryRun, jobState } from '../support/csv-import.js';
import { failAuditOf } from '../support/failing-audit.js';
import type { HttpSession } from '../support/http-session.js';
import { startTestServer, type TestServer } from '../support/server.js';

const PASSWORD = 'console password 1';
let server: TestServer;
let admin: HttpSession;
let manager: HttpSession;
let inA: User;
let inB: User;
let managerUser: User;

const query = <T = Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<T[]> =>
  server.db.dataSource.query(sql, params);
const photosOf = async (id: string) => (await query<{ n: number }>(
  'SELECT count(*)::int AS n FROM profile_photos WHERE user_id = $1', [id]))[0].n;
const pictureOf = async (id: string) => (await server.foyer.services.users.findById(id))!.picture;
const tinyPng = () => Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000'
  + '1f15c4890000000d4944415478da63f8cfc0f01f0005000201cbb2c0e70000000049454e44ae426082', 'hex');

function multipart(fields: Record<string, string>, photo?: Buffer): FormData {
  const form = new FormData();
  for (const [k, v] of Object.entries(fields)) form.append(k, v);
  form.append('photo', new Blob(photo ? [new Uint8Array(photo)] : [], { type: 'image/png' }), photo ? 'me.png' : '');
  return form;
}

/** Posts the form as the browser does: multipart, with the token in the action URL (unless `token` is ''). */
async function postMultipart(session: HttpSession, path: string, form: FormData, tokenFrom: string, token?: string) {
  const csrf = token ?? await formToken(session, tokenFrom);
  return session.post(csrf ? `${path}?_csrf=${encodeURIComponent(csrf)}` : path, form);
}

beforeAll(async () => {
  server = await startTestServer();
  const { users, organizations } = server.foyer.services;
  const a = await organizations.create('Org A', CLI_ACTOR, ALL_USERS);
  const b = await organizations.create('Org B', CLI_ACTOR, ALL_USERS);
  await users.create({ login: 'root', password: PASSWORD, role: 'ADMIN' }, CLI_ACTOR, ALL_USERS);
  managerUser = await users.create({ login: 'manager-a', password: PASSWORD, role: 'MANAGER', organizationId: a.id },
    CLI_ACTOR, ALL_USERS);
  inA = await users.create({ login: 'in-a', organizationId: a.id }, CLI_ACTOR, ALL_USERS);
  inB = await users.create({ login: 'in-b', organizationId: b.id }, CLI_ACTOR, ALL_USERS);
  admin = await consoleSession(server.issuer, 'root', PASSWORD);
  manager = await consoleSession(server.issuer, 'manager-a', PASSWORD);
});
afterAll(() => server?.close());

describe('the edit form with a photo', () => {
  it('is refused without the token in its action URL, and nothing changes', async () => {
    const res = await postMultipart(admin, `/admin/users/${inA.id}`, multipart({ login: 'in-a', nickname: 'X' },
      tinyPng()), '', '');
    expect(res.status).toBe(403);
    expect(await photosOf(inA.id)).toBe(0);
    expect((await server.foyer.services.users.findById(inA.id))!.nickname).toBeNull();
  });

  it('a Manager changes the photo of a user of their organization, audited as theirs', async () => {
    const res = await postMultipart(manager, `/admin/users/${inA.id}`, multipart({ login: 'in-a' }, tinyPng()),
      `/admin/users/${inA.id}/edit`);
    expect(res.status).toBe(303);
    expect(await photosOf(inA.id)).toBe(1);
    const [event] = await query<{ actor: string }>('SELECT actor_id::text AS actor FROM audit_events WHERE action = '
      + "'user.photo_uploaded' AND target_user_id = $1", [inA.id]);
    expect(event.actor).toBe(managerUser.id);
  });

  it('a Manager cannot reach a user of another organization: 404, no photo', async () => {
    const token = await formToken(manager, `/admin/users/${inA.id}/edit`);
    const res = await postMultipart(manager, `/admin/users/${inB.id}`, multipart({ login: 'in-b' }, tinyPng()), '',
      token);
    expect(res.status).toBe(404);
    expect(await photosOf(inB.id)).toBe(0);
    expect(await pictureOf(inB.id)).toBeNull();
  });

  it('a refused profile and a refused photo: both messages at once, nothing saved', async () => {
    const before = await pictureOf(inA.id);
    const res = await postMultipart(admin, `/admin/users/${inA.id}`,
      multipart({ login: 'in-a', birthdate: '2999-01-01', nickname: 'Never saved' }, Buffer.from('no image here!')),
      `/admin/users/${inA.id}/edit`);
    expect(res.status).toBe(422);
    const html = await res.text();
    expect(html).toContain('<p class="field-error" id="birthdate-error">');
    expect(html).toContain('<p class="field-error" id="photo-error">Choose a PNG, JPEG or WebP image</p>');
    expect(html).toContain('value="Never saved"');
    expect(await pictureOf(inA.id)).toBe(before);
    expect((await server.foyer.services.users.findById(inA.id))!.nickname).toBeNull();
  });

  it('a photo over 2 MB is refused by its field; the rest of the form is kept', async () => {
    const big = Buffer.concat([tinyPng(), Buffer.alloc(2 * 1024 * 1024)]);
    const res = await postMultipart(admin, `/admin/users/${inA.id}`, multipart({ login: 'in-a', nickname: 'Kept' },
      big), `/admin/users/${inA.id}/edit`);
    expect(res.status).toBe(422);
    const html = await res.text();
    expect(html).toContain('<p class="field-error" id="photo-error">Choose an image of at most 2 MB</p>');
    expect(html).toContain('value="Kept"');
  });

  it('an empty file part is no photo: the profile saves and the photo stays', async () => {
    const before = await pictureOf(inA.id);
    const res = await postMultipart(admin, `/admin/users/${inA.id}`, multipart({ login: 'in-a', nickname: 'Anna' }),
      `/admin/users/${inA.id}/edit`);
    expect(res.status).toBe(303);
    expect(await server.foyer.services.users.findById(inA.id)).toMatchObject({ nickname: 'Anna', picture: before });
  });
});

describe('the create form with a photo', () => {
  it('a refused photo makes no user', async () => {
    const res = await postMultipart(admin, '/admin/users', multipart({ login: 'no-such-user', role: 'MEMBER' },
      Buffer.from('GIF89a not accepted')), '/admin/users/new');
    expect(res.status).toBe(422);
    expect(await res.text()).toContain('id="photo-error"');
    expect(await query("SELECT 1 FROM users WHERE login = 'no-such-user'")).toEqual([]);
  });
});

describe('one unit of work', () => {
  it('a refused photo event undoes the whole form: no user made, no profile change kept', async () => {
    const { photos, users } = server.foyer.services;
    const undo = await failAuditOf(server.db.database, 'user.photo_uploaded');
    try {
      await expect(photos.createWithPhoto({ login: 'uow-photo' }, { upload: tinyPng() }, CLI_ACTOR, ALL_USERS))
        .rejects.toThrow();
      const before = await users.findById(inB.id);
      await expect(photos.updateWithPhoto(inB.id, { login: 'in-b', nickname: 'Half done' }, { upload: tinyPng() },
        CLI_ACTOR, ALL_USERS)).rejects.toThrow();
      expect(await users.findById(inB.id)).toEqual(before);
    } finally {
      await undo();
    }
    expect(await query("SELECT 1 FROM users WHERE login = 'uow-photo'")).toEqual([]);
    expect(await photosOf(inB.id)).toBe(0);
  });
});

describe('a user with an uploaded photo', () => {
  it('is still saved over SCIM (the photo path is sent back unchanged)', async () => {
    const { users, photos, apiKeys } = server.foyer.services;
    const root = await users.findByLogin('root');
    const key = await apiKeys.generate(root, CLI_ACTOR);
    const user = await users.create({ login: 'scim-photo' }, CLI_ACTOR, ALL_USERS);
    const path = await photos.upload(user.id, tinyPng(), CLI_ACTOR, ALL_USERS);
    const res = await fetch(`${server.issuer}/scim/v2/Users/${user.id}`, {
      method: 'PATCH', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/scim+json' },
      body: JSON.stringify({ schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
        Operations: [{ op: 'replace', path: 'name.givenName', value: 'Scim' }] }),
    });
    expect(res.status).toBe(200);
    expect(await users.findById(user.id)).toMatchObject({ givenName: 'Scim', picture: path });
  });

  it('is still updated by a CSV import that sends the photo path back in its picture column', async () => {
    const { users, photos } = server.foyer.services;
    const user = await users.create({ login: 'csv-photo', email: 'csv-photo@example.com' }, CLI_ACTOR, ALL_USERS);
    const path = await photos.upload(user.id, tinyPng(), CLI_ACTOR, ALL_USERS);
    const csv = `login,email,nickname,picture\r\ncsv-photo,csv-photo@example.com,Imported,${path}\r\n`;
    const { id } = await dryRun(server, admin, csv, 'invite');
    expect((await jobState(server, id)).summary).toMatchObject({ update: 1, error: 0 });
    await confirmImport(server, admin, id);
    expect(await users.findById(user.id)).toMatchObject({ nickname: 'Imported', picture: path });
  });

  it('a profile that sends a different non-URL picture is still refused', async () => {
    const { users } = server.foyer.services;
    const user = await users.findByLogin('scim-photo');
    await expect(users.update(user.id, { login: 'scim-photo', picture: 'public/images/profile/other.png' }, CLI_ACTOR,
      ALL_USERS)).rejects.toMatchObject({ fields: { picture: 'Enter an http(s) URL' } });
  });
});

describe('shown once', () => {
  it("a staff member's API key page of someone else is not found, and shows no key", async () => {
    const res = await admin.get(`/admin/users/${inA.id}/api-key/new`);
    expect(res.status).toBe(404);
  });
});
