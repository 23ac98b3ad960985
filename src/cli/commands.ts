// The operator commands. Each returns a JSON-able result; bad input throws CliUsageError
// or a domain error, which main.ts turns into a message and a non-zero exit.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { ALL_USERS } from '../platform/access.js';
import type { Database } from '../db/database.js';
import type { Services } from '../services.js';
import { CLI_ACTOR } from '../audit/audit.service.js';
import type { Config } from '../config/config.js';
import { ROLES } from '../db/entities/user.entity.js';

import { hasControlCharacters, serialId } from '../platform/http/input.js';
import { seedUsers } from './seed-users.js';

export class CliUsageError extends Error {}

export const USAGE = `Usage: npm run cli -- <command>

  user create --login L --email E --password P [--phone P] [--given-name G]
              [--family-name F] [--nickname N] [--role ${ROLES.join('|')}]
              [--organization ID]  (a Manager needs one)
  user block <login>
  user unblock <login>
  user unlock <login>      lifts a lock (by an admin or by failed sign-ins)
  user role <login> ${ROLES.join('|')} [--organization ID]
              a Manager needs an organization; without --organization the
              user keeps theirs
  user set-password <login>
              asks twice without echo in a terminal, or reads the first line
              of stdin (printf '%s\\n' "$PW" | npm run cli -- user set-password L);
              the password policy applies; clears a lock
  user privacy <login> <claim> <private|on_request|public>
  service-account create --name N [--role ADMIN|MANAGER] [--organization ID]
              [--expires YYYY-MM-DD]
              a non-human account for a provisioning integration (default role
              ADMIN; a MANAGER needs an organization); prints its SCIM API key,
              shown only this once (with --expires it stops at 00:00 UTC that day)
  application create --name N --redirect-uri U [--redirect-uri U2 ...]   (also: client create)
              [--post-logout-redirect-uri U] [--grant-type authorization_code|refresh_token|client_credentials ...]
              [--scope openid --scope email ...]
              [--auth-method client_secret_basic|client_secret_post|client_secret_jwt]
              [--logo-uri U] [--first-party] [--public]
  dev seed-users N [--organizations K]
              adds N made-up users (and K new organizations, default 20) for
              development and benchmarks; prints the password they all share`;

/** Text no column takes (PostgreSQL refuses NUL; no field is multi-line) is a usage error, named by its option. */
function refuseControlCharacters(name: string, value: unknown): void {
  for (const v of Array.isArray(value) ? value : [value]) {
    if (typeof v === 'string' && hasControlCharacters(v)) {
      throw new CliUsageError(`${name} must not contain control characters`);
    }
  }
}

function parse(args: string[], options: NonNullable<ParseArgsConfig['options']>) {
  let parsed: ReturnType<typeof parseArgs<{ args: string[]; options: typeof options; allowPositionals: true;
    strict: true; }>>;
  try {
    parsed = parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (err) {
    throw new CliUsageError((err as Error).message);
  }
  for (const [name, value] of Object.entries(parsed.values)) refuseControlCharacters(`--${name}`, value);
  return parsed;
}

function positionals(args: string[], count: number, names: string): string[] {
  const { positionals: found } = parse(args, {});
  if (found.length !== count) throw new CliUsageError(`expected ${names}`);
  const labels = names.split(' ');
  found.forEach((v, i) => refuseControlCharacters(labels[i] ?? 'an argument', v));
  return found;
}

/** An optional organization id, as its serial column holds it. */
function organizationId(raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  const parsed = serialId.safeParse(raw);
  if (!parsed.success) {
    throw new CliUsageError('--organization must be an organization id (a whole number from 1 to 2147483647)');
  }
  return String(parsed.data);
}

/** What a command works with: the directory services, and for dev commands the database itself. */
export interface CommandContext extends Services {
  database: Database;
  config: Config;
  /** Progress for the operator, on stderr: stdout carries only the JSON result. */
  log: (message: string) => void;
  /** A new password from the operator: prompted without echo, or the first line of stdin (password-input.ts). */
  readPassword: () => Promise<string>;
}

type Command = (context: CommandContext, args: string[]) => Promise<unknown>;

function wholeNumber(raw: string | undefined, name: string, min: number, max: number): number {
  const value = Number(raw);
  if (raw === undefined || !/^\d+$/.test(raw) || value < min || value > max) {
    throw new CliUsageError(`${name} must be a whole number from ${min} to ${max.toLocaleString('en-US')}`);
  }
  return value;
}

const commands: Record<string, Command> = {
  async 'user create'({ users }, args) {
    const { values, positionals: extra } = parse(args, {
      login: { type: 'string' }, email: { type: 'string' }, password: { type: 'string' }, phone: { type: 'string' },
      'given-name': { type: 'string' }, 'family-name': { type: 'string' }, nickname: { type: 'string' },
      role: { type: 'string' },
      organization: { type: 'string' },
    });
    if (extra.length) throw new CliUsageError(`unexpected argument "${extra[0]}"`);
    const v = values as Record<string, string | undefined>;
    if (v.password === undefined) throw new CliUsageError('--password is required');
    const user = await users.create({
      login: v.login, email: v.email, password: v.password, phoneNumber: v.phone,
      givenName: v['given-name'], familyName: v['family-name'], nickname: v.nickname, role: v.role,
      organizationId: organizationId(v.organization),
    }, CLI_ACTOR, ALL_USERS);
    return { id: Number(user.id), sub: user.id };
  },

  async 'user block'({ users, lifecycle }, args) {
    const [login] = positionals(args, 1, '<login>');
    const user = await users.findByLogin(login);
    const { revoked } = await lifecycle.block(user.id, CLI_ACTOR, ALL_USERS);
    return { id: Number(user.id), login: user.login, blocked: true, revoked_records: revoked };
  },

  async 'user unblock'({ users, lifecycle }, args) {
    const [login] = positionals(args, 1, '<login>');
    const user = await users.findByLogin(login);
    await lifecycle.unblock(user.id, CLI_ACTOR, ALL_USERS);
    return { id: Number(user.id), login: user.login, blocked: false };
  },

  // The way back for an Administrator locked out of the console (the console refuses these on
  // one's own account): the CLI is nobody's own account, and audits as the CLI.
  async 'user unlock'({ users, lifecycle }, args) {
    const [login] = positionals(args, 1, '<login>');
    const user = await users.findByLogin(login);
    await lifecycle.unlock(user.id, CLI_ACTOR, ALL_USERS);
    return { id: Number(user.id), login: user.login, locked: false };
  },

  async 'user role'({ users }, args) {
    const { values, positionals: found } = parse(args, { organization: { type: 'string' } });
    if (found.length !== 2) throw new CliUsageError(`expected <login> ${ROLES.join('|')}`);
    found.forEach((v, i) => refuseControlCharacters(i === 0 ? '<login>' : 'the role', v));
    const [login, role] = found;
    if (!(ROLES as readonly string[]).includes(role)) {
      throw new CliUsageError(`the role must be ${ROLES.slice(0, -1).join(', ')} or ${ROLES[ROLES.length - 1]}`);
    }
    const user = await users.findByLogin(login);
    const organization = organizationId(values.organization as string | undefined) ?? user.organizationId;
    const changed = await users.changePermissions(user.id, { role, organizationId: organization }, CLI_ACTOR,
      ALL_USERS);
    return { id: Number(changed.id), login: changed.login, role: changed.role,
      organization_id: changed.organizationId };
  },

  async 'user set-password'({ users, links, readPassword }, args) {
    const [login] = positionals(args, 1, '<login>');
    const user = await users.findByLogin(login);
    await links.setPassword(user.id, await readPassword(), { mustChange: false }, CLI_ACTOR, ALL_USERS);
    return { id: Number(user.id), login: user.login, password_set: true };
  },

  async 'user privacy'({ users }, args) {
    const [login, claim, level] = positionals(args, 3, '<login> <claim> <private|on_request|public>');
    const user = await users.findByLogin(login);
    const levels = await users.setPrivacy(user.id, claim, level, CLI_ACTOR, ALL_USERS);
    return { id: Number(user.id), login: user.login, privacy: levels };
  },

  async 'service-account create'({ serviceAccounts }, args) {
    const { values, positionals: extra } = parse(args, {
      name: { type: 'string' }, role: { type: 'string' }, organization: { type: 'string' }, expires: { type: 'string' },
    });
    if (extra.length) throw new CliUsageError(`unexpected argument "${extra[0]}"`);
    const v = values as Record<string, string | undefined>;
    if (v.name === undefined) throw new CliUsageError('--name is required');
    if (v.expires !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(v.expires)) {
      throw new CliUsageError('--expires must be a day as YYYY-MM-DD');
    }
    const { account, key } = await serviceAccounts.create({ name: v.name, role: v.role,
      organizationId: organizationId(v.organization), expires: v.expires }, CLI_ACTOR, ALL_USERS);
    return { id: Number(account.id), name: account.name, role: account.role, organization_id: account.organizationId,
      api_key: key, key_hint: account.key?.hint, key_expires_at: account.key?.expiresAt?.toISOString() ?? null };
  },

  async 'application create'({ applications }, args) {
    const { values, positionals: extra } = parse(args, {
      name: { type: 'string' },
      'redirect-uri': { type: 'string', multiple: true },
      'post-logout-redirect-uri': { type: 'string', multiple: true },
      'grant-type': { type: 'string', multiple: true },
      scope: { type: 'string', multiple: true },
      'auth-method': { type: 'string' },
      'logo-uri': { type: 'string' },
      'first-party': { type: 'boolean' },
      public: { type: 'boolean' },
    });
    if (extra.length) throw new CliUsageError(`unexpected argument "${extra[0]}"`);
    const v = values as Record<string, string | string[] | boolean | undefined>;
    if (typeof v.name !== 'string') throw new CliUsageError('--name is required');
    const list = (key: string) => (v[key] as string[] | undefined) ?? [];
    return applications.create({
      name: v.name,
      redirectUris: list('redirect-uri'),
      postLogoutRedirectUris: list('post-logout-redirect-uri'),
      grantTypes: list('grant-type'),
      scopes: list('scope'),
      authMethod: v['auth-method'] as string | undefined,
      logoUri: v['logo-uri'] as string | undefined,
      isPublic: v.public === true,
    }, CLI_ACTOR, undefined, { firstParty: v['first-party'] === true });
  },

  async 'dev seed-users'({ database, config, log }, args) {
    const { values, positionals: found } = parse(args, { organizations: { type: 'string' } });
    if (found.length !== 1) throw new CliUsageError('expected N, the number of users to add');
    const count = wholeNumber(found[0], 'N', 1, 10_000_000);
    const organizations = wholeNumber((values.organizations as string | undefined) ?? '20', '--organizations', 0,
      10_000);
    return seedUsers({ pool: database.pool, count, organizations, bcryptCost: config.bcryptCost, log });
  },
};

/** Earlier names still accepted, so scripts written for them keep working. */
const ALIASES: Record<string, string> = { 'client create': 'application create' };

/** Finds the command named by the first two words; throws a usage error for anything else. */
export function resolveCommand(argv: string[]): { run: Command; args: string[] } {
  const name = argv.slice(0, 2).join(' ');
  const run = commands[ALIASES[name] ?? name];
  if (!run) throw new CliUsageError(argv.length ? `unknown command "${name}"` : 'no command given');
  return { run, args: argv.slice(2) };
}

export async function runCommand(context: CommandContext, argv: string[]): Promise<unknown> {
  const { run, args } = resolveCommand(argv);
  return run(context, args);
}
