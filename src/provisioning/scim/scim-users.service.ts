// SCIM Users over the directory: representation, list with filter/sort/paging, and saving a
// desired state (from POST, PUT or a patched resource) through the same services the console
// uses — validation, audit with the key's owner as actor, status effects (active: false
// blocks and ends sessions; the Foyer extension locks, unlocks or forces a password reset, and
// so do the WSO2 attributes). Every write is one transaction that holds the user's row, so a
// failing operation leaves the user as it was and concurrent writes never lose one another.
import { isLocked } from '../../settings/lockout-policy.js';
import type { Actor } from '../../audit/audit.service.js';
import { type Db } from '../../db/database.js';
import type { User } from '../../db/entities/user.entity.js';
import { inScope, type StaffScope } from '../../platform/access.js';
import { whereOf } from '../../users/user-directory.query.js';
import { compileFilter } from './filter-sql.js';
import { parseFilter } from './filter.js';
import { invalidFilter, invalidValue, mutability, notFound } from './scim-error.js';
import { asScimError, get, type Json } from './scim-json.js';
import { ATTRIBUTE_NAMES, ENTERPRISE_SCHEMA, FOYER_SCHEMA, SORTABLE, USER_MAPPING, USER_SCHEMA,
  WSO2_SCHEMA } from './scim-schemas.js';
import { USER_RESOURCE } from './scim-attributes.js';
import { applyPatch } from './scim-patch.js';
import { assertVersion, withVersion } from './scim-version.js';
import { createScimUserRepository } from './scim-users.repository.js';
import { createScimUserQuery, type ScimUserRow } from './scim-users.query.js';
import type { AuditLog } from '../../audit/audit.service.js';
import type { UserLifecycle } from '../../users/user-lifecycle.service.js';
import type { UserLinks } from '../../users/user-links.service.js';
import type { UserService } from '../../users/user.service.js';

/** The services this section uses, and no others. */
export interface ScimUserServices {
  audit: AuditLog;
  lifecycle: UserLifecycle;
  links: UserLinks;
  users: UserService;
}

export interface ScimCaller { actor: Actor; scope: StaffScope }

/** What a SCIM User asks the directory to be. Undefined means "not said": left as it is. */
interface DesiredUser {
  login?: string | null; email?: string | null; phone?: string | null; givenName?: string | null;
  familyName?: string | null;
  nickname?: string | null; externalId?: string | null; active?: boolean; locked?: boolean;
  forcePasswordReset?: boolean; password?: string;
}

const str = (v: unknown): string | null | undefined => (v === undefined ? undefined
  : v === null || v === '' ? null : typeof v === 'string' ? v : String(v));
const bool = (v: unknown, attr: string): boolean | undefined => {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'boolean') return v;
  if (typeof v === 'string' && /^(true|false)$/i.test(v)) return v.toLowerCase() === 'true';
  throw invalidValue(`${attr} must be true or false`);
};
const not = (v: boolean | undefined) => (v === undefined ? undefined : !v);
const firstValue = (v: unknown, attr: string): unknown => {
  if (v === undefined) return undefined;
  if (v === null) return null;
  if (!Array.isArray(v)) throw invalidValue(`${attr} must be a list`);
  const primary = v.find((e) => get(e, 'primary') === true) ?? v[0];
  if (primary === undefined) return null;
  const value = get(primary, 'value');
  if (value !== undefined && value !== null && typeof value !== 'string') throw invalidValue(`${attr}.value must be a `
    + 'string');
  return value ?? null;
};

/**
 * Attributes that say one thing twice (displayName and nickName; active and WSO2's
 * accountDisabled; the locked and forcePasswordReset flags of two extensions). After a PATCH
 * the one that changed decides; in a whole resource (POST, PUT) the first one given.
 */
function twin<T>(first: T | undefined, second: T | undefined, before?: { first: T | undefined;
  second: T | undefined; }): T | undefined {
  if (!before) return first !== undefined ? first : second;
  if (first !== before.first) return first;
  if (second !== before.second) return second;
  return first;
}

function readDesired(resource: Json, before?: Json): DesiredUser {
  const name = get(resource, 'name');
  const read = (r: Json) => ({
    display: str(get(r, 'displayName')), nick: str(get(r, 'nickName')),
    active: bool(get(r, 'active'), 'active'),
    disabled: not(bool(get(get(r, WSO2_SCHEMA), 'accountDisabled'), 'accountDisabled')),
    locked: bool(get(get(r, FOYER_SCHEMA), 'locked'), 'locked'),
    accountLocked: bool(get(get(r, WSO2_SCHEMA), 'accountLocked'), 'accountLocked'),
    reset: bool(get(get(r, FOYER_SCHEMA), 'forcePasswordReset'), 'forcePasswordReset'),
    enterpriseReset: bool(get(get(r, ENTERPRISE_SCHEMA), 'forcePasswordReset'), 'forcePasswordReset'),
  });
  const now = read(resource);
  const was = before && read(before);
  const pair = <T>(a: keyof typeof now, b: keyof typeof now) => twin(now[a] as T, now[b] as T,
    was && { first: was[a] as T, second: was[b] as T });
  return {
    login: str(get(resource, 'userName')), email: str(firstValue(get(resource, 'emails'), 'emails')),
    phone: str(firstValue(get(resource, 'phoneNumbers'), 'phoneNumbers')),
    givenName: str(get(name, 'givenName')), familyName: str(get(name, 'familyName')),
    nickname: pair<string | null>('display', 'nick'),
    externalId: str(get(resource, 'externalId')),
    active: pair<boolean>('active', 'disabled'), locked: pair<boolean>('locked', 'accountLocked'),
    forcePasswordReset: pair<boolean>('reset', 'enterpriseReset'),
    password: typeof get(resource, 'password') === 'string' ? (get(resource, 'password') as string) : undefined,
  };
}

/** A whole resource (PUT, or a patched one): what it leaves out is cleared; userName is required. */
function readWhole(resource: Json, before?: Json): DesiredUser {
  const desired = readDesired(resource, before);
  for (const k of ['login', 'email', 'phone', 'givenName', 'familyName', 'nickname', 'externalId'] as const) {
    desired[k] ??= null;
  }
  if (!desired.login) throw invalidValue('userName is required');
  return desired;
}

const isId = (id: string) => /^[0-9]{1,18}$/.test(id);

export function createScimUsers({ services, db, issuer }: { services: ScimUserServices; db: Db; issuer: string }) {
  const { users, lifecycle, links } = services;
  const repository = createScimUserRepository(db);
  const query = createScimUserQuery(db);
  const base = `${issuer}/scim/v2`;

  function represent({ user, organizationName, groups }: ScimUserRow): Json {
    const locked = isLocked(user);
    return withVersion({
      schemas: [USER_SCHEMA, ENTERPRISE_SCHEMA, FOYER_SCHEMA, WSO2_SCHEMA],
      id: user.id,
      ...(user.externalId ? { externalId: user.externalId } : {}),
      // Every user has a login, an email or a phone number; without a login, the one it signs in with.
      userName: user.login ?? user.email ?? user.phoneNumber ?? undefined,
      name: { givenName: user.givenName ?? undefined, familyName: user.familyName ?? undefined,
        formatted: [user.givenName, user.familyName].filter(Boolean).join(' ') || undefined },
      displayName: user.nickname ?? undefined,
      nickName: user.nickname ?? undefined,
      emails: user.email ? [{ value: user.email, type: 'work', primary: true }] : undefined,
      phoneNumbers: user.phoneNumber ? [{ value: user.phoneNumber, type: 'work' }] : undefined,
      active: !user.blocked,
      groups: groups.map((g) => ({ value: g.id, display: g.name, $ref: `${base}/Groups/${g.id}` })),
      [ENTERPRISE_SCHEMA]: { organization: organizationName ?? undefined,
        forcePasswordReset: user.passwordResetRequired },
      [FOYER_SCHEMA]: {
        locked, lockReason: locked ? user.lockedReason ?? undefined : undefined,
        forcePasswordReset: user.passwordResetRequired,
        pendingVerification: Boolean(user.email && !user.emailVerified), invited: Boolean(user.invitedAt),
        role: user.role,
      },
      [WSO2_SCHEMA]: { accountDisabled: user.blocked, accountLocked: locked },
      meta: { resourceType: 'User', created: user.createdAt.toISOString(), lastModified: user.updatedAt.toISOString(),
        location: `${base}/Users/${user.id}` },
    });
  }

  /** The user as this scope sees it; 404 when it does not exist or lies outside the scope. */
  async function load(id: string, scope: StaffScope, tx?: Db): Promise<ScimUserRow> {
    const [row] = isId(id) ? await query.load([id], scope, tx) : [];
    // Service accounts are the connectors themselves, not people to provision: SCIM never sees them.
    if (!row || !inScope(scope, row.user) || row.user.serviceAccount) throw notFound(`User ${id} not found`);
    return row;
  }

  /** Audited with the change it belongs to, inside `tx`. */
  async function setExternalId(tx: Db, userId: string, externalId: string | null, actor: Actor): Promise<void> {
    await repository.setExternalId(userId, externalId, tx);
    await services.audit.record({ actor, action: 'user.external_id_changed', targetUserId: userId,
      details: { externalId } }, tx);
  }

  /** Blocks or unblocks, locks or unlocks, forces a reset, as `desired` says, inside `tx`. */
  async function applyStatus(current: User, desired: DesiredUser, { actor, scope }: ScimCaller, tx: Db): Promise<void> {
    const locked = isLocked(current);
    if (desired.active === false && !current.blocked) await lifecycle.block(current.id, actor, scope, tx);
    if (desired.active === true && current.blocked) await lifecycle.unblock(current.id, actor, scope, tx);
    if (desired.locked === true && !locked) {
      await lifecycle.lock(current.id, { reason: 'Locked by a provisioning system (SCIM)' }, actor, scope, tx);
    }
    if (desired.locked === false && locked) await lifecycle.unlock(current.id, actor, scope, tx);
    if (desired.forcePasswordReset === true && !current.passwordResetRequired) {
      await links.forcePasswordReset(current.id, actor, scope, tx);
    }
  }

  /**
   * A new user with its externalId and status, in the transaction that creates it: a status
   * that cannot be set (a reset for a user without email) undoes the creation.
   */
  async function createUser(desired: DesiredUser, caller: ScimCaller): Promise<string> {
    const { actor, scope } = caller;
    if (!desired.login) throw invalidValue('userName is required');
    try {
      const user = await users.create({
        login: desired.login, email: desired.email ?? undefined, phoneNumber: desired.phone ?? undefined,
        givenName: desired.givenName ?? undefined, familyName: desired.familyName ?? undefined,
        nickname: desired.nickname ?? undefined,
        password: desired.password, organizationId: scope.kind === 'organization' ? scope.organizationId : null,
      }, actor, scope, async (tx, created) => {
        if (desired.externalId !== undefined && desired.externalId !== null) {
          await setExternalId(tx, created.id, desired.externalId, actor);
        }
        await applyStatus(created, desired, caller, tx);
      });
      return user.id;
    } catch (err) {
      return asScimError(err);
    }
  }

  /** Brings the user to `desired` inside `tx`, which holds its row. */
  async function save(existing: User, desired: DesiredUser, caller: ScimCaller, tx: Db): Promise<void> {
    const { actor, scope } = caller;
    const keep = (v: string | null | undefined, current: string | null) => (v === undefined ? current ?? undefined
      : v ?? undefined);
    // A user without a login is shown its email or phone as userName; sent back unchanged, it stays without one.
    const login = existing.login === null && desired.login === (existing.email ?? existing.phoneNumber)
      ? undefined : desired.login;
    try {
      await users.update(existing.id, {
        login: keep(login, existing.login), email: keep(desired.email, existing.email),
        phoneNumber: keep(desired.phone, existing.phoneNumber),
        givenName: keep(desired.givenName, existing.givenName),
        familyName: keep(desired.familyName, existing.familyName),
        nickname: keep(desired.nickname, existing.nickname),
        birthdate: existing.birthdate ?? undefined, picture: existing.picture ?? undefined,
      }, actor, scope, tx);
      if (desired.password !== undefined) {
        await links.setPassword(existing.id, desired.password, { mustChange: false }, actor, scope, tx);
      }
      if (desired.externalId !== undefined && desired.externalId !== (existing.externalId ?? null)) {
        await setExternalId(tx, existing.id, desired.externalId, actor);
      }
      await applyStatus(await users.getChangeable(existing.id, scope, tx), desired, caller, tx);
    } catch (err) {
      return asScimError(err);
    }
  }

  /** Runs `write` on the user in one transaction holding its row, after the caller's If-Match; the user as saved. */
  async function underLock(id: string, caller: ScimCaller, ifMatch: string | undefined,
    write: (row: ScimUserRow, current: Json, tx: Db) => Promise<void>): Promise<Json> {
    await db.transaction(async (tx) => {
      if (!isId(id) || !(await repository.lock(id, tx))) throw notFound(`User ${id} not found`);
      const row = await load(id, caller.scope, tx);
      const current = represent(row);
      assertVersion(current, ifMatch);
      await write(row, current, tx);
    });
    return represent(await load(id, caller.scope));
  }

  return {
    async get(id: string, scope: StaffScope): Promise<Json> {
      return represent(await load(id, scope));
    },

    async create(resource: Json, caller: ScimCaller): Promise<Json> {
      if (get(resource, 'id') !== undefined && get(resource, 'id') !== null) {
        throw mutability('id is assigned by the server');
      }
      return represent(await load(await createUser(readDesired(resource), caller), caller.scope));
    },

    /** PUT: the resource replaces what SCIM manages; attributes left out are cleared. */
    replace(id: string, resource: Json, caller: ScimCaller, ifMatch?: string): Promise<Json> {
      return underLock(id, caller, ifMatch, async ({ user }, _current, tx) => {
        const sentId = get(resource, 'id');
        if (sentId !== undefined && String(sentId) !== id) throw mutability('id cannot change');
        await save(user, readWhole(resource), caller, tx);
      });
    },

    /** PATCH: the operations applied to the user as it is now, then saved like a PUT of the result. */
    patch(id: string, body: unknown, caller: ScimCaller, ifMatch?: string): Promise<Json> {
      return underLock(id, caller, ifMatch, async ({ user }, current, tx) => {
        const patched = applyPatch(current, body, USER_RESOURCE);
        await save(user, readWhole(patched, current), caller, tx);
      });
    },

    async delete(id: string, caller: ScimCaller, ifMatch?: string): Promise<void> {
      await db.transaction(async (tx) => {
        if (!isId(id) || !(await repository.lock(id, tx))) throw notFound(`User ${id} not found`);
        assertVersion(represent(await load(id, caller.scope, tx)), ifMatch);
        await lifecycle.delete(id, caller.actor, caller.scope, tx);
      });
    },

    /** One page in a fixed number of statements, however large: the page's ids, then the users with what they show. */
    async list(request: { filter?: string; startIndex: number; count: number; sortBy?: string; sortOrder?: string },
      scope: StaffScope): Promise<{ total: number; resources: Json[] }> {
      const { conditions, values } = whereOf({ scope });
      conditions.push('NOT u.service_account');
      if (request.filter) {
        conditions.push(compileFilter(parseFilter(request.filter, { names: ATTRIBUTE_NAMES }), USER_MAPPING, values));
      }
      const sortKey = request.sortBy?.toLowerCase().replace(`${USER_SCHEMA.toLowerCase()}:`, '');
      if (sortKey && !SORTABLE[sortKey]) throw invalidFilter(`cannot sort by ${request.sortBy}`);
      const { total, ids } = await repository.page({
        conditions, values, sortColumn: sortKey ? SORTABLE[sortKey] : undefined,
        descending: request.sortOrder?.toLowerCase() === 'descending',
        startIndex: request.startIndex, count: request.count,
      });
      return { total, resources: (await query.load(ids, scope)).map(represent) };
    },
  };
}

export type ScimUsers = ReturnType<typeof createScimUsers>;
