// Phone verification (issue 17, item 12): a 6-digit code by text message through the outbox
// and its worker, to a real HTTP server playing the SMS gateway (SMS_WEBHOOK_URL) or, without
// one, to the dev outbox; wrong, expired, superseded and reused codes; the limits on codes
// sent and on wrong codes; the account page's routes; and the console's "Mark verified"
// (audited, CSRF, a Manager only in their scope and never on an Administrator's account).
import type { Writable } from 'node:stream';
import { CLI_ACTOR, type Actor } from '../../src/audit/audit.service.js';
import { loadConfig } from '../../src/config/config.js';
import type { User } from '../../src/db/entities/user.entity.js';
import { createSmsTransport } from '../../src/mail/sms-transport.js';
import { ALL_USERS } from '../../src/platform/access.js';
import { ValidationError } from '../../src/platform/errors.js';
import { createLogger } from '../../src/platform/logger.js';
import { createViews } from '../../src/platform/views.js';
import { createServices, type Services } from '../../src/services.js';
import { createMailDelivery } from '../../src/users/mail-worker.js';
import { createMailTransport } from '../../src/mail/transport.js';
import { PhoneCodeLimitError } from '../../src/users/phone-verification.service.js';
import { consoleSession, formToken } from '../support/console-session.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { failAuditOf } from '../support/failing-audit.js';
import { csrfTokenIn, type HttpSession } from '../support/http-session.js';
import { startTestServer, testEnv, type TestServer } from '../support/server.js';
import { codeIn, startSmsGateway, type TestSmsGateway } from '../support/sms-gateway.js';

const PASSWORD = 'phone password 1';
let db: TestDatabase;
let services: Services;
let gateway: TestSmsGateway;
let phones = 0;
/** A fresh valid number per user (the column is unique). */
const nextPhone = () => `+1415555${String(1000 + (phones += 1)).slice(-4)}`;

beforeAll(async () => {
  [db, gateway] = await Promise.all([createTestDatabase(), startSmsGateway()]);
  services = createServices(loadConfig(testEnv({ DATABASE_URL: db.url })), db.database);
});

afterAll(async () => {
  await gateway?.close();
  await db?.drop();
});

/** The worker's delivery with this SMS configuration; what it logs goes to `logs`. */
function delivery(env: Record<string, string> = {}, logs: string[] = []) {
  const config = loadConfig(testEnv({ DATABASE_URL: db.url, FOYER_MAIL_MAX_ATTEMPTS: '3', ...env }));
  const sink = { write: (line: string) => void logs.push(line) } as unknown as Writable;
  return createMailDelivery({
    outbox: services.outbox, tokens: services.tokens, users: services.users,
    transport: createMailTransport(config.mail), sms: createSmsTransport(config.mail.sms),
    views: createViews(), config: config.mail, issuer: 'https://id.example.test', logger: createLogger('info', sink),
  });
}
const viaGateway = (env: Record<string, string> = {}, logs: string[] = []) =>
  delivery({ SMS_WEBHOOK_URL: gateway.url, ...env }, logs);

/** Delivers every due message (retries included once they are made due). */
async function deliverAll(d: ReturnType<typeof delivery>) {
  for (const row of await services.outbox.queue.claim(100)) await d.deliver(row);
}
const makeDue = () => db.dataSource.query("UPDATE mail_outbox SET next_attempt_at = now() WHERE status = 'queued'");

const smsRows = (to: string) => db.dataSource.query<{ status: string; attempts: number; last_error: string | null;
  text_body: string | null; template: string; }[]>(
  'SELECT status, attempts, last_error, text_body, template FROM mail_outbox WHERE to_address = $1 ORDER BY id', [to]);
const eventsOf = async (userId: string) => (await db.dataSource.query<{ action: string; actor_id: string | null;
  details: Record<string, unknown>; }[]>(
  'SELECT action, actor_id::text AS actor_id, details FROM audit_events WHERE target_user_id = $1 ORDER BY id',
  [userId]));

async function person(login: string, extra: Record<string, unknown> = {}): Promise<User> {
  return services.users.create({ login, phoneNumber: nextPhone(), password: PASSWORD, ...extra }, CLI_ACTOR,
    ALL_USERS);
}
const self = (user: User): Actor => ({ type: 'user', id: user.id, label: user.login });
const reload = async (user: User) => (await services.users.findById(user.id))!;

/** Sends a code and delivers it through the dev outbox; returns the code as the user would read it. */
async function codeFromOutbox(user: User): Promise<string> {
  await services.phoneVerification.sendCode(user.id, self(user));
  await deliverAll(delivery());
  const rows = await smsRows(user.phoneNumber!);
  return codeIn(rows[rows.length - 1].text_body!);
}

async function problemOf(promise: Promise<unknown>): Promise<string> {
  const err = await promise.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(ValidationError);
  return Object.values((err as ValidationError).fields)[0];
}

describe('configuration', () => {
  it('takes an http(s) SMS_WEBHOOK_URL, and SMS_WEBHOOK_TOKEN only with it', () => {
    expect(loadConfig({ SMS_WEBHOOK_URL: 'https://sms.example.test/send', SMS_WEBHOOK_TOKEN: 't0ken' }).mail.sms)
      .toEqual({ webhookUrl: 'https://sms.example.test/send', webhookToken: 't0ken', timeoutMs: 10_000 });
    expect(loadConfig({}).mail).toMatchObject({ sms: { webhookUrl: undefined }, phoneCodeTtlMinutes: 10 });
    expect(() => loadConfig({ SMS_WEBHOOK_URL: 'ftp://sms.example.test' })).toThrow(/SMS_WEBHOOK_URL must be an /);
    expect(() => loadConfig({ SMS_WEBHOOK_TOKEN: 'lonely' })).toThrow(/SMS_WEBHOOK_TOKEN is set but SMS_WEBHOOK_URL/);
  });
});

describe('the SMS gateway (SMS_WEBHOOK_URL)', () => {
  it('gets {to, text} as JSON with the bearer token; a 500 is retried and the message delivered once', async () => {
    const user = await person('gateway-500');
    await services.phoneVerification.sendCode(user.id, self(user));
    gateway.answerWith(500);
    const logs: string[] = [];
    const d = viaGateway({ SMS_WEBHOOK_TOKEN: 'gateway-secret-token' }, logs);
    const before = gateway.requests.length;

    await deliverAll(d);
    expect(await smsRows(user.phoneNumber!)).toEqual([expect.objectContaining({ status: 'queued', attempts: 1,
      last_error: 'the SMS gateway answered HTTP 500' })]);
    await makeDue();
    await deliverAll(d);
    await deliverAll(d);

    const seen = gateway.requests.slice(before);
    expect(seen.map((r) => [r.to, r.answered])).toEqual([[user.phoneNumber, 500], [user.phoneNumber, 200]]);
    expect(seen[1]).toMatchObject({ contentType: 'application/json', authorization: 'Bearer gateway-secret-token' });
    expect(seen[1].text).toMatch(/^\d{6} is your Foyer verification code\. It works for 10 minutes\./);
    expect(gateway.delivered().filter((r) => r.to === user.phoneNumber)).toHaveLength(1);
    // Sent, and the text (its code) is not kept.
    expect(await smsRows(user.phoneNumber!)).toEqual([expect.objectContaining({ status: 'sent', attempts: 2,
      last_error: null, text_body: null })]);

    // The code that went out works; the one of the failed attempt was superseded by it.
    const [failedCode, sentCode] = seen.map((r) => codeIn(r.text));
    if (failedCode !== sentCode) {
      expect(await problemOf(services.phoneVerification.verify(user.id, failedCode, self(user))))
        .toMatch(/^That is not the code we sent\. 4 tries left/);
    }
    await expect(services.phoneVerification.verify(user.id, sentCode, self(user))).resolves
      .toMatchObject({ phoneNumberVerified: true });
    expect(await reload(user)).toMatchObject({ phoneNumberVerified: true });
    expect((await eventsOf(user.id)).map((e) => e.action)).toEqual(['user.created', 'user.phone_verification_sent',
      'user.phone_verified']);

    // Never a code (nor the token) in the log.
    const logged = logs.join('\n');
    expect(logged).toContain('text message delivery failed; will retry');
    for (const secret of [failedCode, sentCode, 'gateway-secret-token']) expect(logged).not.toContain(secret);
  });

  it('a 4xx fails the message at once, and its code does not work', async () => {
    const user = await person('gateway-400');
    await services.phoneVerification.sendCode(user.id, self(user));
    gateway.answerWith(400);
    const before = gateway.requests.length;
    await deliverAll(viaGateway());
    expect(await smsRows(user.phoneNumber!)).toEqual([expect.objectContaining({ status: 'failed', attempts: 1,
      last_error: 'the SMS gateway refused the message (HTTP 400)' })]);
    const refused = codeIn(gateway.requests[before].text);
    expect(await problemOf(services.phoneVerification.verify(user.id, refused, self(user))))
      .toBe('This code no longer works. Send a new code.');
  });

  it('a gateway that does not answer in time is retried like SMTP', async () => {
    const user = await person('gateway-slow');
    await services.phoneVerification.sendCode(user.id, self(user));
    gateway.holdNext(3000);
    await deliverAll(viaGateway({ FOYER_SMS_TIMEOUT_SECONDS: '1' }));
    expect(await smsRows(user.phoneNumber!)).toEqual([expect.objectContaining({ status: 'queued', attempts: 1,
      last_error: 'the SMS gateway did not answer within 1 s' })]);
    await makeDue();
    await deliverAll(viaGateway({ FOYER_SMS_TIMEOUT_SECONDS: '1' }));
    expect(await smsRows(user.phoneNumber!)).toEqual([expect.objectContaining({ status: 'sent', attempts: 2 })]);
  });

  it('drops a message whose number is no longer the user’s', async () => {
    const user = await person('moved-away');
    await services.phoneVerification.sendCode(user.id, self(user));
    const old = user.phoneNumber!;
    await services.users.update(user.id, { login: user.login!, phoneNumber: nextPhone() }, self(user), ALL_USERS);
    const before = gateway.requests.length;
    await deliverAll(viaGateway());
    expect(await smsRows(old)).toEqual([expect.objectContaining({ status: 'dropped' })]);
    expect(gateway.requests.length).toBe(before);
  });
});

describe('without SMS_WEBHOOK_URL', () => {
  it('keeps the text message, code included, in the dev outbox; the code verifies the number', async () => {
    const user = await person('dev-outbox');
    const logs: string[] = [];
    await services.phoneVerification.sendCode(user.id, self(user));
    await deliverAll(delivery({}, logs));
    const [row] = await smsRows(user.phoneNumber!);
    expect(row).toMatchObject({ template: 'phone-verification', status: 'outbox', attempts: 1 });
    const code = codeIn(row.text_body!);
    expect(logs.join('\n')).toContain('no SMS_WEBHOOK_URL: text message kept in the dev outbox');
    expect(logs.join('\n')).not.toContain(code);
    // Stored salted and hashed only.
    const stored = await db.dataSource.query<{ token_hash: string }[]>(
      "SELECT token_hash FROM one_time_tokens WHERE user_id = $1 AND purpose = 'phone_verification'", [user.id]);
    expect(stored).toHaveLength(1);
    expect(stored[0].token_hash).not.toContain(code);
    await services.phoneVerification.verify(user.id, code, self(user));
    expect(await reload(user)).toMatchObject({ phoneNumberVerified: true });
  });
});

describe('codes', () => {
  it('a wrong code says how many tries are left; after 5 the code is dead, even for the right code', async () => {
    const user = await person('wrong-codes');
    const code = await codeFromOutbox(user);
    const wrong = code === '000000' ? '111111' : '000000';
    const problems: string[] = [];
    for (let i = 0; i < 5; i++) {
      problems.push(await problemOf(services.phoneVerification.verify(user.id, wrong, self(user))));
    }
    expect(problems).toEqual(['That is not the code we sent. 4 tries left for this code.',
      'That is not the code we sent. 3 tries left for this code.',
      'That is not the code we sent. 2 tries left for this code.',
      'That is not the code we sent. 1 try left for this code.',
      'Too many wrong codes: this code no longer works. Send a new code.']);
    expect(await problemOf(services.phoneVerification.verify(user.id, code, self(user))))
      .toBe('Too many wrong codes: this code no longer works. Send a new code.');
    expect(await reload(user)).toMatchObject({ phoneNumberVerified: false });
    // A new code works again.
    await services.phoneVerification.verify(user.id, await codeFromOutbox(user), self(user));
    expect(await reload(user)).toMatchObject({ phoneNumberVerified: true });
  });

  it('concurrent wrong guesses are each counted', async () => {
    const user = await person('parallel-guesses');
    const code = await codeFromOutbox(user);
    const guesses = ['000001', '000002', '000003', '000004', '000005', '000006', '000007'].filter((g) => g !== code)
      .slice(0, 6);
    await Promise.allSettled(guesses.map((g) => services.phoneVerification.verify(user.id, g, self(user))));
    expect(await problemOf(services.phoneVerification.verify(user.id, code, self(user))))
      .toBe('Too many wrong codes: this code no longer works. Send a new code.');
  });

  it('an expired code does not work', async () => {
    const user = await person('expired-code');
    const code = await codeFromOutbox(user);
    await db.dataSource.query("UPDATE one_time_tokens SET expires_at = now() - interval '1 second' WHERE user_id = $1",
      [user.id]);
    expect(await problemOf(services.phoneVerification.verify(user.id, code, self(user))))
      .toBe('This code has expired. Send a new code.');
    expect(await reload(user)).toMatchObject({ phoneNumberVerified: false });
  });

  it('works for about 10 minutes from when it is sent', async () => {
    const user = await person('ten-minutes');
    await codeFromOutbox(user);
    const pending = await services.phoneVerification.pending(user.id);
    const minutes = (pending!.expiresAt.getTime() - Date.now()) / 60_000;
    expect(minutes).toBeGreaterThan(9);
    expect(minutes).toBeLessThanOrEqual(10);
    expect(pending!.attemptsLeft).toBe(5);
  });

  it('a new code supersedes the old one', async () => {
    const user = await person('superseded');
    const first = await codeFromOutbox(user);
    const second = await codeFromOutbox(user);
    if (first !== second) {
      expect(await problemOf(services.phoneVerification.verify(user.id, first, self(user))))
        .toMatch(/^That is not the code we sent/);
    }
    await services.phoneVerification.verify(user.id, second, self(user));
    expect(await reload(user)).toMatchObject({ phoneNumberVerified: true });
  });

  it('is single use: once used it no longer works, after a phone change neither', async () => {
    const user = await person('reused');
    const code = await codeFromOutbox(user);
    await services.phoneVerification.verify(user.id, code, self(user));
    // Changing the number makes it unverified again; the old code does not verify the new number.
    await services.users.update(user.id, { login: user.login!, phoneNumber: nextPhone() }, self(user), ALL_USERS);
    expect(await reload(user)).toMatchObject({ phoneNumberVerified: false });
    expect(await problemOf(services.phoneVerification.verify(user.id, code, self(user))))
      .toBe('This code no longer works. Send a new code.');
  });

  it('a code sent to the old number does not verify a new one', async () => {
    const user = await person('old-number');
    const code = await codeFromOutbox(user);
    await services.users.update(user.id, { login: user.login!, phoneNumber: nextPhone() }, self(user), ALL_USERS);
    expect(await problemOf(services.phoneVerification.verify(user.id, code, self(user))))
      .toBe('This code was sent to another number. Send a new code.');
    expect(await reload(user)).toMatchObject({ phoneNumberVerified: false });
  });

  it('refuses to send to no number or a verified one', async () => {
    const none = await services.users.create({ login: 'no-phone', password: PASSWORD }, CLI_ACTOR, ALL_USERS);
    expect(await problemOf(services.phoneVerification.sendCode(none.id, self(none))))
      .toBe('There is no phone number on this account.');
    const verified = await person('already-verified');
    await services.phoneVerification.markVerified(verified.id, CLI_ACTOR, ALL_USERS);
    expect(await problemOf(services.phoneVerification.sendCode(verified.id, self(verified))))
      .toBe('This phone number is already verified.');
  });

  it('verifying is one unit with its audit event', async () => {
    const user = await person('atomic');
    const code = await codeFromOutbox(user);
    const undo = await failAuditOf(db.database, 'user.phone_verified');
    try {
      await expect(services.phoneVerification.verify(user.id, code, self(user))).rejects.toThrow();
    } finally {
      await undo();
    }
    expect(await reload(user)).toMatchObject({ phoneNumberVerified: false });
    await services.phoneVerification.verify(user.id, code, self(user));
    expect(await reload(user)).toMatchObject({ phoneNumberVerified: true });
  });

  it('sending and marking verified are each one unit with their audit event', async () => {
    const user = await person('atomic-admin');
    const undoSend = await failAuditOf(db.database, 'user.phone_verification_sent');
    try {
      await expect(services.phoneVerification.sendCode(user.id, self(user))).rejects.toThrow();
    } finally {
      await undoSend();
    }
    expect(await smsRows(user.phoneNumber!)).toEqual([]);
    const undoMark = await failAuditOf(db.database, 'user.phone_marked_verified');
    try {
      await expect(services.phoneVerification.markVerified(user.id, CLI_ACTOR, ALL_USERS)).rejects.toThrow();
    } finally {
      await undoMark();
    }
    expect(await reload(user)).toMatchObject({ phoneNumberVerified: false });
    await expect(services.phoneVerification.markVerified(user.id, CLI_ACTOR, ALL_USERS)).resolves.toBe(true);
    expect((await eventsOf(user.id)).map((e) => [e.action, e.details])).toEqual([['user.created', expect.anything()],
      ['user.phone_marked_verified', { phone: user.phoneNumber }]]);
  });
});

describe('limits', () => {
  it('at most 5 codes an hour per account: the sixth is refused with when to try again', async () => {
    const user = await person('many-codes');
    for (let i = 0; i < 5; i++) await services.phoneVerification.sendCode(user.id, self(user));
    const err = await services.phoneVerification.sendCode(user.id, self(user)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PhoneCodeLimitError);
    expect(err).toMatchObject({ status: 429, code: 'too_many_codes',
      message: expect.stringMatching(/^Too many codes were sent to this account or number\. Try again in \d+ minutes?\.$/) });
    expect((err as PhoneCodeLimitError).refusal.retryAfterSeconds).toBeGreaterThan(3000);
    expect(await smsRows(user.phoneNumber!)).toHaveLength(5);
  });

  it('per number too, whichever account has it', async () => {
    const strict = createServices(loadConfig(testEnv({ DATABASE_URL: db.url, FOYER_PHONE_CODES_PER_USER: '100',
      FOYER_PHONE_CODES_PER_NUMBER: '2' })), db.database);
    const first = await person('number-first');
    const number = first.phoneNumber!;
    await strict.phoneVerification.sendCode(first.id, self(first));
    await strict.phoneVerification.sendCode(first.id, self(first));
    await strict.users.removeIdentifier(first.id, 'phone_number', self(first), ALL_USERS);
    const second = await services.users.create({ login: 'number-second', phoneNumber: number, password: PASSWORD },
      CLI_ACTOR, ALL_USERS);
    await expect(strict.phoneVerification.sendCode(second.id, self(second))).rejects
      .toBeInstanceOf(PhoneCodeLimitError);
  });

  it('wrong codes are limited per account across codes', async () => {
    const strict = createServices(loadConfig(testEnv({ DATABASE_URL: db.url,
      FOYER_PHONE_CODE_FAILURES_PER_USER: '3' })), db.database);
    const user = await person('guesser');
    const code = await codeFromOutbox(user);
    const wrong = code === '000000' ? '111111' : '000000';
    for (let i = 0; i < 3; i++) await expect(strict.phoneVerification.verify(user.id, wrong, self(user))).rejects
      .toBeInstanceOf(ValidationError);
    const err = await strict.phoneVerification.verify(user.id, code, self(user)).catch((e: unknown) => e);
    expect(err).toMatchObject({ status: 429, code: 'too_many_wrong_codes',
      message: expect.stringMatching(/^Too many wrong codes were typed\. Try again in \d+ minutes?\.$/) });
    expect(await reload(user)).toMatchObject({ phoneNumberVerified: false });
  });
});

describe('over HTTP', () => {
  let server: TestServer;
  const orgs = {} as Record<'a' | 'b', number>;
  const people = {} as Record<'admin' | 'manager' | 'a1' | 'adminA' | 'b' | 'member', User>;
  let admin: HttpSession;
  let manager: HttpSession;
  const query = <T>(sql: string, params: unknown[] = []) => server.db.dataSource.query<T[]>(sql, params);
  const outboxCode = async (to: string) => {
    const start = Date.now();
    for (;;) {
      const [row] = await query<{ text_body: string | null }>('SELECT text_body FROM mail_outbox WHERE to_address = $1 '
        + "AND status = 'outbox' ORDER BY id DESC LIMIT 1", [to]);
      if (row?.text_body) return codeIn(row.text_body);
      if (Date.now() - start > 10_000) throw new Error(`no text message to ${to} in the dev outbox`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  const fresh = async (u: User) => (await server.foyer.services.users.findById(u.id))!;
  const eventsAbout = (id: string) => query<{ action: string; actor_id: string | null }>(
    'SELECT action, actor_id::text AS actor_id FROM audit_events WHERE target_user_id = $1 ORDER BY id', [id]);

  beforeAll(async () => {
    server = await startTestServer({ FOYER_MAIL_POLL_SECONDS: '1' });
    const { users, organizations } = server.foyer.services;
    orgs.a = (await organizations.create('Org A', CLI_ACTOR, ALL_USERS)).id;
    orgs.b = (await organizations.create('Org B', CLI_ACTOR, ALL_USERS)).id;
    const make = (login: string, role: User['role'], organizationId: number | null) => users.create({ login,
      phoneNumber: nextPhone(), password: PASSWORD, role, organizationId }, CLI_ACTOR, ALL_USERS);
    people.admin = await make('root', 'ADMIN', null);
    people.manager = await make('manager-a', 'MANAGER', orgs.a);
    people.a1 = await make('a1', 'MEMBER', orgs.a);
    people.adminA = await make('admin-a', 'ADMIN', orgs.a);
    people.b = await make('b-user', 'MEMBER', orgs.b);
    people.member = await make('member-self', 'MEMBER', orgs.a);
    admin = await consoleSession(server.issuer, 'root', PASSWORD);
    manager = await consoleSession(server.issuer, 'manager-a', PASSWORD);
  });
  afterAll(() => server?.close());

  it('the account page: Verify sends a code, the code page takes it, the number is verified', async () => {
    const me = await consoleSession(server.issuer, 'member-self', PASSWORD, '/account');
    const page = await (await me.get('/account')).text();
    expect(page).toContain('action="/account/phone/send"');
    const sent = await me.postForm('/account/phone/send', { _csrf: csrfTokenIn(page) });
    expect(sent.status).toBe(303);
    expect(sent.headers.get('location')).toBe('/account/phone?done=sent');
    const form = await (await me.get('/account/phone?done=sent')).text();
    expect(form).toContain(`A code is on its way to ${people.member.phoneNumber} by text message.`);
    const code = await outboxCode(people.member.phoneNumber!);

    const wrong = await me.postForm('/account/phone/verify', { _csrf: csrfTokenIn(form),
      code: code === '999999' ? '888888' : '999999' });
    expect(wrong.status).toBe(422);
    expect(await wrong.text()).toContain('<p class="field-error" id="code-error">That is not the code we sent. 4 tries '
      + 'left for this code.</p>');
    const malformed = await me.postForm('/account/phone/verify', { _csrf: csrfTokenIn(form), code: 'abc' });
    expect(malformed.status).toBe(422);
    const malformedPage = await malformed.text();
    expect(malformedPage).toContain('<p class="field-error" id="code-error">Type the 6-digit code from the text '
      + 'message.</p>');
    expect(malformedPage).toContain('value="abc"');

    const right = await me.postForm('/account/phone/verify', { _csrf: csrfTokenIn(form),
      code: `${code.slice(0, 3)} ${code.slice(3)}` });
    expect(right.status).toBe(303);
    expect(right.headers.get('location')).toBe('/account?done=phone-verified#identifiers');
    expect(await fresh(people.member)).toMatchObject({ phoneNumberVerified: true });
    const after = await (await me.get('/account?done=phone-verified')).text();
    expect(after).toContain('Phone verified: your phone number is confirmed.');
    expect(after).not.toContain('action="/account/phone/send"');
    // Submitting the same form again (a reload) repeats nothing.
    const again = await me.postForm('/account/phone/verify', { _csrf: csrfTokenIn(form), code });
    expect(again.status).toBe(303);
    expect((await eventsAbout(people.member.id)).filter((e) => e.action === 'user.phone_verified')).toHaveLength(1);
  });

  it('the account page refuses a send without the CSRF token, and over the limit says when to retry', async () => {
    const me = await consoleSession(server.issuer, 'a1', PASSWORD, '/account');
    const token = csrfTokenIn(await (await me.get('/account')).text());
    const forged = await me.postForm('/account/phone/send', {});
    expect(forged.status).toBe(403);
    for (let i = 0; i < 5; i++) expect((await me.postForm('/account/phone/send', { _csrf: token })).status).toBe(303);
    const refused = await me.postForm('/account/phone/send', { _csrf: token });
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await refused.text()).toMatch(/Too many codes were sent to this account or number\. Try again in \d+ minutes?/);
  });

  it('the dev outbox shows the text message and its code to an Administrator', async () => {
    const html = await (await admin.get('/admin/outbox')).text();
    expect(html).toContain('No SMS gateway is configured');
    const [{ id }] = await query<{ id: string }>('SELECT id::text AS id FROM mail_outbox WHERE to_address = $1 AND '
      + "template = 'phone-verification' ORDER BY id DESC LIMIT 1", [people.member.phoneNumber]);
    const row = new RegExp(`<tr data-message-id="${id}">[\\s\\S]*?</tr>`).exec(html)?.[0];
    expect(row).toContain(people.member.phoneNumber);
    expect(row).toContain('<span class="badge plain">SMS</span>');
    const message = await (await admin.get(`/admin/outbox/${id}`)).text();
    expect(message).toContain('(text message)');
    expect(message).toMatch(/\d{6} is your Foyer verification code/);
  });

  it('an Administrator marks a number verified: audited with the actor, CSRF required', async () => {
    const target = people.b;
    const profile = await (await admin.get(`/admin/users/${target.id}`)).text();
    expect(profile).toContain(`action="/admin/users/${target.id}/phone/mark-verified"`);
    expect((await admin.postForm(`/admin/users/${target.id}/phone/mark-verified`, {})).status).toBe(403);
    expect(await fresh(target)).toMatchObject({ phoneNumberVerified: false });

    const res = await admin.postForm(`/admin/users/${target.id}/phone/mark-verified`,
      { _csrf: csrfTokenIn(profile) });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe(`/admin/users/${target.id}?done=phone-marked-verified#identifiers`);
    expect(await fresh(target)).toMatchObject({ phoneNumberVerified: true });
    const marked = (await eventsAbout(target.id)).filter((e) => e.action === 'user.phone_marked_verified');
    expect(marked).toEqual([{ action: 'user.phone_marked_verified', actor_id: people.admin.id }]);
    const after = await (await admin.get(`/admin/users/${target.id}?done=phone-marked-verified`)).text();
    expect(after).toContain('The phone number is marked verified');
    expect(after).not.toContain('/phone/mark-verified"');
    // A second POST (a reload) records nothing more.
    await admin.postForm(`/admin/users/${target.id}/phone/mark-verified`, { _csrf: csrfTokenIn(profile) });
    expect((await eventsAbout(target.id)).filter((e) => e.action === 'user.phone_marked_verified')).toHaveLength(1);
  });

  it('a Manager marks a number in their organization, not outside it, never an Administrator’s', async () => {
    const token = await formToken(manager, `/admin/users/${people.a1.id}`);
    const inScope = await manager.postForm(`/admin/users/${people.a1.id}/phone/mark-verified`, { _csrf: token });
    expect(inScope.status).toBe(303);
    expect(await fresh(people.a1)).toMatchObject({ phoneNumberVerified: true });
    expect((await eventsAbout(people.a1.id)).filter((e) => e.action === 'user.phone_marked_verified'))
      .toEqual([{ action: 'user.phone_marked_verified', actor_id: people.manager.id }]);

    const administrator = await (await manager.get(`/admin/users/${people.adminA.id}`)).text();
    expect(administrator).not.toContain('/phone/mark-verified"');
    const protectedAdmin = await manager.postForm(`/admin/users/${people.adminA.id}/phone/mark-verified`,
      { _csrf: token });
    expect(protectedAdmin.status).toBe(403);
    expect(await fresh(people.adminA)).toMatchObject({ phoneNumberVerified: false });

    const outside = await manager.postForm(`/admin/users/${people.b.id}/phone/mark-verified`, { _csrf: token });
    expect(outside.status).toBe(404);
    for (const u of [people.adminA]) {
      expect((await eventsAbout(u.id)).some((e) => e.action === 'user.phone_marked_verified')).toBe(false);
    }
  });
});
