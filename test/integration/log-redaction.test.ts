// One redaction point for errors in the log: a failed INSERT that carried a plain password and
// a bcrypt hash is logged with its error name, SQLSTATE code, constraint and JavaScript stack,
// but never with the query's parameters, the SQL text or PostgreSQL's error context (its
// `detail` "Failing row contains (...)" quotes every value of the row).
import { CLI_ACTOR } from '../../src/audit/audit.service.js';
import { ALL_USERS } from '../../src/platform/access.js';
import { createLogger } from '../../src/platform/logger.js';
import { consoleSession, formToken } from '../support/console-session.js';
import { uploadCsv } from '../support/csv-import.js';
import type { HttpSession } from '../support/http-session.js';
import { startTestServer, type TestServer } from '../support/server.js';

let server: TestServer;
let admin: HttpSession;
let raw = '';
const lines: Record<string, unknown>[] = [];
const sink = {
  write(chunk: string) {
    raw += chunk;
    for (const line of chunk.split('\n').filter(Boolean)) lines.push(JSON.parse(line));
  },
};

const PLAIN = 'plain imported secret 42';
const HASH_PREFIX = /\$2[aby]\$\d\d\$/;

beforeAll(async () => {
  server = await startTestServer({ LOG_LEVEL: 'info' }, sink);
  await server.foyer.services.users.create({ login: 'log-root', email: 'log-root@example.com',
    password: 'log admin pass 1', role: 'ADMIN' }, CLI_ACTOR, ALL_USERS);
  admin = await consoleSession(server.issuer, 'log-root', 'log admin pass 1');
  // Real constraint violations the directory does not foresee: a server error, as a bug or a
  // schema drift would cause one.
  await server.db.dataSource.query(`ALTER TABLE users ADD CONSTRAINT test_refuses_victim CHECK (login IS DISTINCT FROM `
    + `'log-victim') NOT VALID`);
  await server.db.dataSource.query('ALTER TABLE import_rows ADD CONSTRAINT test_refuses_rows CHECK (row_no < 0) NOT '
    + 'VALID');
});
afterAll(() => server?.close());

/** What was logged with level error since `from`. */
const errorLinesSince = (from: number) => lines.slice(from).filter((l) => Number(l.level) >= 50);

function expectNothingSecret(text: string): void {
  expect(text).not.toContain(PLAIN);
  expect(text).not.toContain('plain imported');
  expect(text).not.toMatch(HASH_PREFIX);
  expect(text).not.toMatch(/Failing row contains/);
  expect(text).not.toMatch(/INSERT INTO/i);
  expect(text).not.toMatch(/"parameters"|"detail"|"where"|"query"|"driverError"/);
}

it('a failed INSERT through TypeORM (the console creating a user) logs no hash, parameters or row', async () => {
  const from = lines.length;
  const res = await admin.postForm('/admin/users', {
    _csrf: await formToken(admin, '/admin/users/new'), login: 'log-victim', email: 'log-victim@example.com',
    password: PLAIN, role: 'MEMBER',
  });
  expect(res.status).toBe(500);
  const logged = errorLinesSince(from);
  expect(logged.length).toBeGreaterThan(0);
  const err = logged[0].err as Record<string, unknown>;
  // Enough to find the cause: the kind of error, the SQLSTATE code, the constraint, where in the code.
  expect(err).toMatchObject({ code: '23514', constraint: 'test_refuses_victim' });
  expect(String(err.stack)).toMatch(/\n\s+at /);
  expectNothingSecret(JSON.stringify(logged));
  expectNothingSecret(raw.slice(0));
});

it('a failed INSERT through raw SQL (staging a CSV import with plain passwords) logs no value of the file',
  async () => {
    const from = lines.length;
    const csv = `login,email,password\r\nlog-imported,log-imported@example.com,${PLAIN}\r\n`;
    const res = await uploadCsv(admin, csv, 'given');
    expect(res.status).toBe(500);
    const logged = errorLinesSince(from);
    expect(logged.length).toBeGreaterThan(0);
    expect(logged[0].err).toMatchObject({ code: '23514', constraint: 'test_refuses_rows' });
    expectNothingSecret(raw);
  });

it('every logger made by createLogger redacts a database error the same way, whatever key or nesting', async () => {
  let out = '';
  const logger = createLogger('info', { write: (s: string) => void (out += s) });
  const hash = '$2b$04$abcdefghijklmnopqrstuuvwxyzABCDEFGHIJKLMNOPQRSTUVWXY';
  let failure: unknown;
  try {
    await server.db.dataSource.query(`INSERT INTO users (login, password_hash) VALUES ('log-victim', $1) RETURNING '`
      + `${PLAIN}'`, [hash]);
  } catch (err) {
    failure = err;
  }
  expect(failure).toBeDefined();
  logger.error({ err: failure }, 'as the error handler logs');
  logger.child({ requestId: 'r1' }).warn({ err: new Error('wrapped', { cause: failure }) }, 'with a cause');
  logger.error(failure as Error);
  expect(out.split('\n').filter(Boolean)).toHaveLength(3);
  expect(out).toContain('23514');
  expect(out).not.toContain(hash);
  expectNothingSecret(out);
});
