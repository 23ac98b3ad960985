// SCIM Users over the directory: representation, list with filter/sort/paging, and saving a
// desired state (from POST, PUT or a patched resource) through the same services the console
// uses — validation, audit with the key's owner as actor, status effects (active: false
// blocks and ends sessions; the Foyer extension locks, unlocks or forces a password reset).
import { isLocked } from '../../settings/lockout-policy.js';
import type { Actor } from '../../audit/audit.service.js';
import { type Db } from '../../db/database.js';
import type { User } from '../../db/entities/user.entity.js';
import { NotFoundError } from '../../platform/errors.js';
import type { StaffScope } from '../../platform/access.js';
import { whereOf } from '../../users/user-directory.query.js';
import { compileFilter } from './filter-sql.js';
import { parseFilter } from './filter.js';
import { invalidFilter, invalidValue, mutability, notFound } from './scim-error.js';
import { asScimError, get, type Json } from './scim-json.js';
import { ATTRIBUTE_NAMES, ENTERPRISE_SCHEMA, FOYER_SCHEMA, SORTABLE, USER_MAPPING,
  USER_SCHEMA } from './scim-schemas.js';
import { createScimUserRepository } from './scim-users.repository.js';
import type { AuditLog } from '../../audit/audit.service.js';
import type { GroupService } from '../../groups/group.service.js';
import type { OrganizationService } from '../../organizations/organization.service.js';
import type { UserLifecycle } from '../../users/user-lifecycle.service.js';
import type { UserLinks } from '../../users/user-links.service.js';
import type { UserService } from '../../users/user.service.js';

/** The services this section uses, and no others. */
export interface ScimUserServices {
  audit: AuditLog;
  groups: GroupService;
  lifecycle: UserLifecycle;
  links: UserLinks;
  organizations: OrganizationService;
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
  if (v === undefined) return undefined;
  if (typeof v === 'boolean') return v;
  if (v === 'true' || v === 'True') return true;
  if (v === 'false' || v === 'False') return false;
  throw invalidValue(`${attr} must be true or false`);
};
const firstValue = (v: unknown): unknown => {
  if (v === undefined) return undefined;
  if (!Array.isArray(v)) return v === null ? null : undefined;
  const primary = v.find((e) => get(e, 'primary') === true) ?? v[0];
  return primary === undefined ? null : get(primary, 'value');
};

function readDesired(resource: Json): DesiredUser {
  const name = get(resource, 'name');
  const foyer = get(resource, FOYER_SCHEMA);
  return {
    login: str(get(resource, 'userName')), email: str(firstValue(get(resource, 'emails'))),
    phone: str(firstValue(get(resource, 'phoneNumbers'))),
    givenName: str(get(name, 'givenName')), familyName: str(get(name, 'familyName')),
    nickname: str(get(resource, 'displayName') ?? get(resource, 'nickName')),
    externalId: str(get(resource, 'externalId')),
    active: bool(get(resource, 'active'), 'active'), locked: bool(get(foyer, 'locked'), 'locked'),
    forcePasswordReset: bool(get(foyer, 'forcePasswordReset'), 'forcePasswordReset'),
    password: typeof get(resource, 'password') === 'string' ? (get(resource, 'password') as string) : undefined,
  };
}

/** A whole resource (PUT, or a patched one): what it leaves out is cleared. */
function readWhole(resource: Json): DesiredUser {
  const desired = readDesired(resource);
  for (const k of ['login', 'email', 'phone', 'givenName', 'familyName', 'nickname', 'externalId'] as const) {
    desired[k] ??= null;
  }
  return desired;
}

export function createScimUsers({ services, db, issuer }: { services: ScimUserServices; db: Db; issuer: string }) {
  const { users, lifecycle, links, groups } = services;
  const repository = createScimUserRepository(db);
  const base = `${issuer}/scim/v2`;

  async function represent(user: User): Promise<Json> {
    const [memberOf,
      org] = await Promise.all([groups.groupsOf(user.id),
      user.organizationId ? services.organizations.findById(user.organizationId) : undefined]);
    const locked = isLocked(user);
    return {
      schemas: [USER_SCHEMA, ENTERPRISE_SCHEMA, FOYER_SCHEMA],
      id: user.id,
      ...(user.externalId ? { externalId: user.externalId } : {}),
      userName: user.login ?? undefined,
      name: { givenName: user.givenName ?? undefined, familyName: user.familyName ?? undefined,
        formatted: [user.givenName, user.familyName].filter(Boolean).join(' ') || undefined },
      displayName: user.nickname ?? undefined,
      nickName: user.nickname ?? undefined,
      emails: user.email ? [{ value: user.email, type: 'work', primary: true }] : undefined,
      phoneNumbers: user.phoneNumber ? [{ value: user.phoneNumber, type: 'work' }] : undefined,
      active: !user.blocked,
      groups: memberOf.map((g) => ({ value: g.id, display: g.name, $ref: `${base}/Groups/${g.id}` })),
      [ENTERPRISE_SCHEMA]: { organization: org?.name },
      [FOYER_SCHEMA]: {
        locked, lockReason: locked ? user.lockedReason ?? undefined : undefined,
        forcePasswordReset: user.passwordResetRequired,
        pendingVerification: Boolean(user.email && !user.emailVerified), invited: Boolean(user.invitedAt),
        role: user.role,
      },
      meta: { resourceType: 'User', created: user.createdAt.toISOString(), lastModified: user.updatedAt.toISOString(),
        location: `${base}/Users/${user.id}` },
    };
  }

  /** Audited with the change it belongs to, inside `tx`. */
  async function setExternalId(tx: Db, userId: string, externalId: string | null, actor: Actor): Promise<void> {
    await repository.setExternalId(userId, externalId, tx);
    await services.audit.record({ actor, action: 'user.external_id_changed', targetUserId: userId,
      details: { externalId } }, tx);
  }

  /**
   * A new user with its externalId and status, in the transaction that creates it: a status
   * that cannot be set (a reset for a user without email) undoes the creation.
   */
  async function createUser(desired: DesiredUser, caller: ScimCaller): Promise<User> {
    const { actor, scope } = caller;
    try {
      const user = await users.create({
        login: desired.login ?? undefined, email: desired.email ?? undefined, phoneNumber: desired.phone ?? undefined,
        givenName: desired.givenName ?? undefined, familyName: desired.familyName ?? undefined,
        nickname: desired.nickname ?? undefined,
        password: desired.password, organizationId: scope.kind === 'organization' ? scope.organizationId : null,
      }, actor, scope, async (tx, created) => {
        if (desired.externalId !== undefined && desired.externalId !== null) {
          await setExternalId(tx, created.id, desired.externalId, actor);
        }
        await applyStatus(created, desired, caller, tx);
      });
      return (await users.findById(user.id))!;
    } catch (err) {
      return asScimError(err);
    }
  }

  async function save(existing: User, desired: DesiredUser, caller: ScimCaller): Promise<User> {
    const { actor, scope } = caller;
    const user = existing;
    try {
      const keep = (v: string | null | undefined,
        current: string | null) => (v === undefined ? current ?? undefined : v ?? undefined);
      await users.update(user.id, {
        login: keep(desired.login, user.login), email: keep(desired.email, user.email),
        phoneNumber: keep(desired.phone, user.phoneNumber),
        givenName: keep(desired.givenName, user.givenName), familyName: keep(desired.familyName, user.familyName),
        nickname: keep(desired.nickname, user.nickname),
        birthdate: user.birthdate ?? undefined, picture: user.picture ?? undefined,
      }, actor, scope);
      if (desired.password !== undefined) {
        await links.setPassword(user.id, desired.password, { mustChange: false }, actor, scope);
      }
    } catch (err) {
      return asScimError(err);
    }
    if (desired.externalId !== undefined && desired.externalId !== (existing.externalId ?? null)) {
      await db.transaction((tx) => setExternalId(tx, user.id, desired.externalId!, actor));
    }
    try {
      await applyStatus((await users.findById(user.id))!, desired, caller);
    } catch (err) {
      return asScimError(err);
    }
    return (await users.findById(user.id))!;
  }

  /** Blocks or unblocks, locks or unlocks, forces a reset, as `desired` says; inside `tx` when given. */
  async function applyStatus(current: User, desired: DesiredUser, { actor, scope }: ScimCaller,
    tx?: Db): Promise<void> {
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

  async function find(id: string, scope: StaffScope): Promise<User> {
    try {
      return await users.get(id, scope);
    } catch (err) {
      if (err instanceof NotFoundError) throw notFound(`User ${id} not found`);
      throw err;
    }
  }

  return {
    represent,
    find,

    async create(resource: Json, caller: ScimCaller): Promise<User> {
      if (get(resource, 'id') !== undefined && get(resource, 'id') !== null) {
        throw mutability('id is assigned by the server');
      }
      return createUser(readDesired(resource), caller);
    },

    /** PUT: the resource replaces what SCIM manages; attributes left out are cleared. */
    async replace(id: string, resource: Json, caller: ScimCaller): Promise<User> {
      const existing = await find(id, caller.scope);
      const sentId = get(resource, 'id');
      if (sentId !== undefined && String(sentId) !== id) throw mutability('id cannot change');
      return save(existing, readWhole(resource), caller);
    },

    /** A patched representation saved like a PUT of it. */
    async savePatched(existing: User, patched: Json, caller: ScimCaller): Promise<User> {
      if (String(get(patched, 'id')) !== existing.id) throw mutability('id cannot change');
      return save(existing, readWhole(patched), caller);
    },

    async delete(id: string, caller: ScimCaller): Promise<void> {
      await find(id, caller.scope);
      await lifecycle.delete(id, caller.actor, caller.scope);
    },

    async list(query: { filter?: string; startIndex: number; count: number; sortBy?: string; sortOrder?: string },
      scope: StaffScope): Promise<{ total: number; resources: User[] }> {
      const { conditions, values } = whereOf({ scope });
      if (query.filter) {
        conditions.push(compileFilter(parseFilter(query.filter, { names: ATTRIBUTE_NAMES }), USER_MAPPING, values));
      }
      const sortKey = query.sortBy?.toLowerCase().replace(`${USER_SCHEMA.toLowerCase()}:`, '');
      if (sortKey && !SORTABLE[sortKey]) throw invalidFilter(`cannot sort by ${query.sortBy}`);
      const { total, ids } = await repository.page({
        conditions, values, sortColumn: sortKey ? SORTABLE[sortKey] : undefined,
        descending: query.sortOrder?.toLowerCase() === 'descending',
        startIndex: query.startIndex, count: query.count,
      });
      const found = await Promise.all(ids.map((id) => users.findById(id)));
      return { total, resources: found.filter((u): u is User => Boolean(u)) };
    },
  };
}

export type ScimUsers = ReturnType<typeof createScimUsers>;
