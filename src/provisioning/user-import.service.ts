// The CSV import's work on the directory, one batch of rows at a time: plan the rows (the dry
// run), and apply them. New users go in with one set of statements per batch; updates go
// through the same services as the console's forms (profile, permissions, groups, status),
// so every rule and audit event of the console applies to them.
import type { Actor } from '../audit/audit.service.js';
import { type Db } from '../db/database.js';
import { DomainError, ValidationError } from '../platform/errors.js';
import type { GroupService } from '../groups/group.service.js';
import type { OrganizationService } from '../organizations/organization.service.js';
import { slugOf } from '../organizations/organization.service.js';
import type { SettingsService } from '../settings/settings.service.js';
import type { StaffScope } from '../platform/access.js';
import type { UserLifecycle } from '../users/user-lifecycle.service.js';
import type { UserService } from '../users/user.service.js';
import { columnOfField, type CellError, type PasswordMode } from './user-import-row.js';
import { groupKey, identifiersOf, planRow, type AdminTally, type GroupRef, type OrgRef, type PlanContext,
  type RowPlan, type StagedRow, type UserUpdate } from './user-import.plan.js';
import { IMPORT_LOCK_REASON, type ResolvedNewUser, type UserImportRepository } from './user-import.repository.js';
import { uniqueViolationField } from '../users/user.repository.js';

export interface RowOutcome { rowNo: number; outcome: 'created' | 'updated' | 'unchanged' | 'failed';
  errors: CellError[]; userId?: string; }

/** Organizations and groups the import will make, for the dry run's summary. */
export interface NewReferences { organizations: string[]; groups: string[] }

export interface UserImporterDeps {
  db: Db;
  repository: UserImportRepository;
  users: UserService;
  lifecycle: UserLifecycle;
  groups: GroupService;
  organizations: OrganizationService;
  settings: SettingsService;
  defaultPhoneRegion: string;
}

export type PlanBase = Omit<PlanContext, 'users' | 'seen' | 'admins'>;

/** What the dry run carries from one batch of a file to the next. */
export interface FileTally {
  /** Identifiers met so far, for duplicates within the file. */
  seen: Map<string, number>;
  /** Read from the directory at the first batch, then counted on row by row. */
  admins?: AdminTally;
}

function errorsOfFailure(err: unknown): CellError[] {
  if (err instanceof ValidationError) {
    return Object.entries(err.fields).map(([field, message]) => ({ column: columnOfField(field), message }));
  }
  if (err instanceof DomainError) return [{ column: '', message: err.message }];
  const field = uniqueViolationField(err);
  if (field) return [{ column: field, message: `This ${field.replace('_', ' ')} is already in use by another user` }];
  throw err;
}

export function createUserImporter(deps: UserImporterDeps) {
  const { repository } = deps;

  async function base(scope: StaffScope, mode: PasswordMode, mayCreateReferences: boolean,
    actor: Actor): Promise<PlanBase> {
    const snapshot = await deps.settings.current();
    return {
      customFields: snapshot.customFields, passwordPolicy: snapshot.passwordPolicy, scope, mode, mayCreateReferences,
      actor,
      defaultPhoneRegion: deps.defaultPhoneRegion, organizations: await repository.organizations(),
      groups: await repository.groups(scope.kind === 'all' ? undefined : scope.organizationId),
    };
  }

  /** `admins`: the count to go on from (the dry run's, across batches); otherwise read now. */
  async function plan(rows: StagedRow[], ctx: PlanBase, file?: FileTally): Promise<RowPlan[]> {
    const users = await repository.usersNamed(identifiersOf(rows, deps.defaultPhoneRegion));
    const admins = file?.admins ?? { active: await repository.countActiveAdmins() };
    const plans = rows.map((row) => planRow(row, { ...ctx, users, seen: file?.seen, admins }));
    // Applying inserts a batch's new users after its updates: Administrators it creates count from the next batch on.
    admins.active += plans.filter((p) => p.action === 'create' && p.create.role === 'ADMIN'
      && p.create.status !== 'blocked').length;
    if (file) file.admins = admins;
    return plans;
  }

  /** Every new organization and group the plans need (none for rows with errors). */
  function referencesOf(plans: RowPlan[]): { organizations: Set<string>;
    groups: Map<string, { name: string; organization: OrgRef }>; } {
    const organizations = new Set<string>();
    const groups = new Map<string, { name: string; organization: OrgRef }>();
    const noteOrg = (org: OrgRef | undefined) => org && 'newName' in org && organizations.add(org.newName);
    const noteGroups = (refs: GroupRef[] = []) => {
      for (const g of refs) {
        if (g.id !== undefined) continue;
        const organization: OrgRef = g.newOrganization ? { newName: g.newOrganization } : { id: g.organizationId };
        groups.set(`${'newName' in organization ? organization.newName : organization.id ?? ''}:`
          + `${g.name.toLowerCase()}`, { name: g.name, organization });
      }
    };
    for (const p of plans) {
      if (p.action === 'create') {
        noteOrg(p.create.organization);
        noteGroups(p.create.groups);
      } else if (p.action === 'update') {
        noteOrg(p.update.permissions?.organization);
        noteGroups(p.update.groups?.add);
      }
    }
    return { organizations, groups };
  }

  function orgId(ref: OrgRef, ctx: PlanBase): number | null {
    if ('id' in ref) return ref.id;
    const org = ctx.organizations.get(slugOf(ref.newName));
    if (!org) throw new ValidationError({ organization: `There is no organization named "${ref.newName}"` });
    return org.id;
  }

  function groupIdOf(ref: GroupRef, ctx: PlanBase): string {
    if (ref.id !== undefined) return ref.id;
    const organizationId = ref.newOrganization ? orgId({ newName: ref.newOrganization }, ctx) : ref.organizationId;
    const group = ctx.groups.get(groupKey(organizationId, ref.name));
    if (!group) throw new ValidationError({ groups: `There is no group named "${ref.name}"` });
    return group.id;
  }

  /** Makes the organizations and groups the plans name; one made meanwhile by someone else is fine. */
  async function makeReferences(wanted: ReturnType<typeof referencesOf>, actor: Actor, scope: StaffScope,
    mode: PasswordMode): Promise<PlanBase> {
    for (const name of wanted.organizations) {
      await deps.organizations.create(name, actor,
        scope).catch((err) => (err instanceof ValidationError ? undefined : Promise.reject(err)));
    }
    let ctx = await base(scope, mode, false, actor);
    for (const { name, organization } of wanted.groups.values()) {
      await deps.groups.create({ name, organizationId: orgId(organization, ctx) }, actor,
        scope).catch((err) => (err instanceof ValidationError ? undefined : Promise.reject(err)));
    }
    if (wanted.groups.size) ctx = await base(scope, mode, false, actor);
    return ctx;
  }

  async function applyUpdate(userId: string, update: UserUpdate, ctx: PlanBase, actor: Actor,
    scope: StaffScope): Promise<void> {
    if (update.profileChanged) await deps.users.update(userId, update.profile, actor, scope);
    if (update.permissions) {
      await deps.users.changePermissions(userId,
        { role: update.permissions.role, organizationId: orgId(update.permissions.organization, ctx) }, actor, scope);
    }
    for (const ref of update.groups?.add ?? []) {
      await deps.groups.addMembers(groupIdOf(ref, ctx), [userId], actor, scope);
    }
    for (const id of update.groups?.remove ?? []) await deps.groups.removeMembers(id, [userId], actor, scope);
    if (update.status === 'blocked') await deps.lifecycle.block(userId, actor, scope);
    else if (update.status === 'locked') await deps.lifecycle.lock(userId, { reason: IMPORT_LOCK_REASON }, actor,
      scope);
    else if (update.status === 'active') {
      const user = await deps.users.get(userId, scope);
      if (user.blocked) await deps.lifecycle.unblock(userId, actor, scope);
      if (user.lockedAt) await deps.lifecycle.unlock(userId, actor, scope);
    }
  }

  async function insertCreated(creates: ResolvedNewUser[], actor: Actor, jobId: string): Promise<RowOutcome[]> {
    const insert = (batch: ResolvedNewUser[]) => deps.db.transaction((tx) => repository.insertUsers(tx, batch, actor,
      jobId));
    try {
      const ids = await insert(creates);
      return creates.map((c) => ({ rowNo: c.rowNo, outcome: 'created', errors: [], userId: ids.get(c.rowNo) }));
    } catch (err) {
      if (creates.length === 1 || !uniqueViolationField(err)) {
        return creates.map((c) => ({ rowNo: c.rowNo, outcome: 'failed', errors: errorsOfFailure(err) }));
      }
    }
    // Someone took an identifier since the plan: find which rows, one by one.
    const outcomes: RowOutcome[] = [];
    for (const c of creates) outcomes.push(...(await insertCreated([c], actor, jobId)));
    return outcomes;
  }

  return {
    /**
     * What a batch of rows would do when `actor` applies it; `file` carries what earlier batches
     * of the file found (their identifiers, for duplicates; the Administrators they leave active).
     */
    async dryRun(rows: StagedRow[], scope: StaffScope, mode: PasswordMode, file: FileTally,
      actor: Actor): Promise<{ plans: RowPlan[]; references: NewReferences }> {
      const ctx = await base(scope, mode, true, actor);
      const plans = await plan(rows, ctx, file);
      const refs = referencesOf(plans);
      const orgName = (ref: OrgRef) => ('newName' in ref ? ref.newName
        : [...ctx.organizations.values()].find((o) => o.id === ref.id)?.name);
      return {
        plans,
        references: {
          organizations: [...refs.organizations],
          groups: [...refs.groups.values()].map((g) => {
            const org = orgName(g.organization); return org
              ? `${g.name} (${org})` : g.name;
          }),
        },
      };
    },

    /** Applies a batch: plans it again against the directory as it is now, then writes. */
    async apply(rows: StagedRow[], scope: StaffScope, mode: PasswordMode, actor: Actor,
      jobId: string): Promise<RowOutcome[]> {
      let ctx = await base(scope, mode, true, actor);
      let plans = await plan(rows, ctx);
      const wanted = referencesOf(plans);
      // Plans that name no new organization or group are already final; otherwise make those and plan again.
      if (wanted.organizations.size || wanted.groups.size) {
        ctx = await makeReferences(wanted, actor, scope, mode);
        plans = await plan(rows, ctx);
      }
      const outcomes: RowOutcome[] = [];
      const creates: ResolvedNewUser[] = [];
      for (const p of plans) {
        if (p.action === 'error') outcomes.push({ rowNo: p.rowNo, outcome: 'failed', errors: p.errors,
          userId: p.userId });
        else if (p.action === 'unchanged') outcomes.push({ rowNo: p.rowNo, outcome: 'unchanged', errors: [],
          userId: p.userId });
        else if (p.action === 'create') {
          const { organization, groups, ...user } = p.create;
          creates.push({ ...user, rowNo: p.rowNo, organizationId: orgId(organization, ctx),
            groupIds: groups.map((g) => groupIdOf(g, ctx)), groupNames: groups.map((g) => g.name) });
        } else {
          try {
            await applyUpdate(p.userId!, p.update, ctx, actor, scope);
            outcomes.push({ rowNo: p.rowNo, outcome: 'updated', errors: [], userId: p.userId });
          } catch (err) {
            outcomes.push({ rowNo: p.rowNo, outcome: 'failed', errors: errorsOfFailure(err), userId: p.userId });
          }
        }
      }
      if (creates.length) outcomes.push(...(await insertCreated(creates, actor, jobId)));
      return outcomes.sort((a, b) => a.rowNo - b.rowNo);
    },
  };
}

export type UserImporter = ReturnType<typeof createUserImporter>;
