// Structured request logs: one line per request with its request id, and no secrets.
import { csrfTokenIn, HttpSession } from '../support/http-session.js';
import { startTestServer, type TestServer } from '../support/server.js';

let server: TestServer;
const lines: Record<string, unknown>[] = [];
let raw = '';

beforeAll(async () => {
  server = await startTestServer({ LOG_LEVEL: 'info' }, {
    write(chunk: string) {
      raw += chunk;
      for (const line of chunk.split('\n').filter(Boolean)) lines.push(JSON.parse(line));
    },
  });
});

afterAll(async () => {
  await server?.close();
});

it('logs each request with its id and never the token of a one-time link or a password', async () => {
  const outcome = await server.foyer.services.adminSetup.bootstrap(undefined);
  if (outcome.kind !== 'setup_link') throw new Error('expected a setup link');
  const path = new URL(outcome.url).pathname;
  const token = path.split('/').pop()!;
  const session = new HttpSession(server.issuer);

  const form = await session.get(path);
  const requestId = form.headers.get('x-request-id');
  expect(requestId).toMatch(/^[0-9a-f-]{36}$/);
  await session.postForm(path, { _csrf: csrfTokenIn(await form.text()), login: 'root', email: 'root@example.com',
    password: 'secret password 1', password_confirm: 'secret password 1' });
  await session.get(`${path}/unknown-page`);
  await session.get('/healthz', { 'x-request-id': 'from-the-proxy-123' });

  const requests = lines.filter((l) => l.msg === 'request');
  expect(requests.find((l) => l.requestId === requestId)).toMatchObject({ method: 'GET', status: 200 });
  expect(requests.find((l) => l.requestId === 'from-the-proxy-123')).toMatchObject({ path: '/healthz', status: 200 });
  expect(requests.some((l) => String(l.path).startsWith('/setup/') && l.status === 404)).toBe(true);
  expect(raw).not.toContain(token);
  expect(raw).not.toContain('secret password 1');
});
