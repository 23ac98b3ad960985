// What one import row will do: create a user, update the user it matches (by login, then by
// email), change nothing, or fail with its errors by column. The same rules run for the dry
// run and again, against the directory as it is then, when the import is applied, so the dry
// run refuses whatever applying would: identifiers another user holds (logins and email
// addresses across each other too), a row matched by email that names another login (an import
// never renames), the last active Administrator's demotion, counted row by row through the file,
// and the importer's own account blocked, locked or given another role (the users policy).
// Pure: the caller looks up the users, organizations and groups a batch of rows names.
import type { Actor } from '../audit/audit.service.js';
import type { Role, User } from '../db/entities/user.entity.js';
import type { CustomFieldDefinition } from '../settings/custom-fields.js';
import { slugOf } from '../organizations/organization.service.js';
import { checkPassword, type PasswordPolicy } from '../settings/password-policy.js';
import { inScope, type StaffScope } from '../platform/access.js';
import { grantableRoles, isOwnAccount, isPerson, ownAccountRefusal,
  protectsAdministrator } from '../users/user.policy.js';
import { LastAdministratorError } from '../users/user.service.js';
import { parseProfile, type ProfileData, type ProfileInput } from '../users/user-input.js';
import { signInStatus } from '../users/user-status.js';
import { HASHED_PASSWORD_CELL, readImportRow, type CellError, type Cells, type ImportRow, type ImportStatus,
  type PasswordMode } from './user-import-row.js';

export interface StagedRow { rowNo: number; cells: Cells; errors: CellError[] }

export interface KnownGroup { id: string; name: string; organizationId: number | null }
/** An existing group, or one the import makes (in the organization, or a new organization by name). */
export type GroupRef = { id: string; name: string } | { id?: undefined; name: string; organizationId: number | null;
  newOrganization?: string; };
export type OrgRef = { id: number | null } | { newName: string };

export type ExistingUser = User & { groupIds: string[] };

/**
 * The active Administrators (people, neither blocked nor being deleted) as applying the file
 * will find them when it reaches a row: the rows before it demote, block or unblock some.
 */
export interface AdminTally { active: number }

export interface PlanContext {
  customFields: CustomFieldDefinition[];
  passwordPolicy: PasswordPolicy;
  scope: StaffScope;
  mode: PasswordMode;
  defaultPhoneRegion: string;
  /** By slug (organization names are unique by slug). */
  organizations: Map<string, { id: number; name: string }>;
  /** By `${organizationId ?? 0}:${lower-case name}`. */
  groups: Map<string, KnownGroup>;
  /** The users the batch names, by id. */
  users: ExistingUser[];
  /** Who imports: their own account is never blocked, locked or given another role by it. */
  actor?: Actor;
  /** The dry run: organizations and groups not there yet will be made. When applying they were made before planning. */
  mayCreateReferences: boolean;
  /** Identifiers met earlier in the file (`login:x`, `email:x`, `phone:x`) and their row: a user once per file. */
  seen?: Map<string, number>;
  /** Counted on by each row that will be applied; without it, the last Administrator is left to the service. */
  admins?: AdminTally;
}

export interface NewImportedUser extends ProfileData {
  role: Role; organization: OrgRef; emailVerified: boolean; phoneNumberVerified: boolean;
  status: ImportStatus; invited: boolean; passwordHash: string | null; groups: GroupRef[];
}

export interface UserUpdate {
  /** The full profile form (the user's values with the file's on top), for the user service. */
  profile: ProfileInput & { custom: Record<string, string> };
  profileChanged: boolean;
  permissions?: { role: Role; organization: OrgRef };
  groups?: { add: GroupRef[]; remove: string[] };
  status?: 'active' | 'blocked' | 'locked';
}

export type RowPlan = { rowNo: number; errors: CellError[]; changes: string[]; userId?: string }
  & ({ action: 'error' } | { action: 'unchanged' } | { action: 'create'; create: NewImportedUser } | { action: 'update';
    update: UserUpdate; });

const PROFILE_FIELDS = { login: 'login', email: 'email', phoneNumber: 'phone_number', nickname: 'nickname',
  givenName: 'given_name',
  familyName: 'family_name', birthdate: 'birthdate', picture: 'picture' } as const;

export const groupKey = (organizationId: number | null, name: string) => `${organizationId ?? 0}:${name.toLowerCase()}`;

function resolveOrganization(row: ImportRow, existing: ExistingUser | undefined, ctx: PlanContext,
  errors: CellError[]): OrgRef {
  if (ctx.scope.kind === 'organization') {
    const own = ctx.scope.organizationId;
    const ownName = [...ctx.organizations.values()].find((o) => o.id === own)?.name;
    if (row.organization && slugOf(row.organization) !== (ownName && slugOf(ownName))) {
      errors.push({ column: 'organization', message: 'You can only manage users of your own organization' });
    }
    return { id: own };
  }
  if (row.organization === undefined) return { id: existing?.organizationId ?? null };
  if (row.organization === '') return { id: null };
  const known = ctx.organizations.get(slugOf(row.organization));
  if (known) return { id: known.id };
  if (row.organization.length > 100) errors.push({ column: 'organization',
    message: 'An organization name has at most 100 characters' });
  else if (!ctx.mayCreateReferences) {
    errors.push({ column: 'organization', message: `There is no organization named "${row.organization}"` });
  }
  return { newName: row.organization };
}

function resolveGroups(names: string[], organization: OrgRef, ctx: PlanContext, errors: CellError[]): GroupRef[] {
  const orgId = 'id' in organization ? organization.id : null;
  return names.map((name): GroupRef => {
    if ('id' in organization) {
      const own = ctx.groups.get(groupKey(orgId, name));
      if (own) return own;
    }
    const directoryWide = ctx.scope.kind === 'all' ? ctx.groups.get(groupKey(null, name)) : undefined;
    if (directoryWide) return directoryWide;
    if (!ctx.mayCreateReferences) errors.push({ column: 'groups', message: `There is no group named "${name}"` });
    return 'id' in organization ? { name, organizationId: orgId } : { name, organizationId: null,
      newOrganization: organization.newName };
  });
}

function checkRole(role: Role, organization: OrgRef, ctx: PlanContext, errors: CellError[]): void {
  if (!grantableRoles(ctx.scope).includes(role)) {
    errors.push({ column: 'role', message: 'Only an Administrator can grant the Administrator role' });
  }
  if (role === 'MANAGER' && 'id' in organization && organization.id === null) {
    errors.push({ column: 'organization', message: 'A Manager needs an organization to manage' });
  }
}

function noteDuplicates(row: ImportRow, rowNo: number, ctx: PlanContext, errors: CellError[]): void {
  if (!ctx.seen) return;
  const keys = [['login', row.profile.login], ['email', row.profile.email],
    ['phone_number', row.profile.phoneNumber]] as const;
  for (const [column, value] of keys) {
    const key = value?.trim() ? `${column}:${value.trim().toLowerCase()}` : undefined;
    if (!key) continue;
    const first = ctx.seen.get(key);
    if (first !== undefined
      && first !== rowNo) errors.push({ column,
      message: `Row ${first} has this ${column.replace('_', ' ')} too; each user may appear once` });
    else ctx.seen.set(key, rowNo);
    // A login may not be another user's email address, nor an email address another user's login.
    const across = column === 'login' ? 'email' : column === 'email' ? 'login' : undefined;
    const other = across && ctx.seen.get(`${across}:${value!.trim().toLowerCase()}`);
    if (other && other !== rowNo) {
      errors.push({ column, message: column === 'login'
        ? `Row ${other} has this as its email address; a login may not be another user's email address`
        : `Row ${other} has this as its login; an email address may not be another user's login` });
    }
  }
}

const lower = (v: string | null | undefined) => v?.toLowerCase();

/** The user this row matches: by login, then by email. */
function matchOf(data: ProfileData, ctx: PlanContext): { user: ExistingUser; by: 'login' | 'email' } | undefined {
  const byLogin = data.login ? ctx.users.find((u) => lower(u.login) === lower(data.login)) : undefined;
  if (byLogin) return { user: byLogin, by: 'login' };
  const byEmail = data.email ? ctx.users.find((u) => lower(u.email) === lower(data.email)) : undefined;
  return byEmail && { user: byEmail, by: 'email' };
}

/** Identifiers of the row that another user than `self` holds, as the same identifier or across login and email. */
function takenIdentifiers(data: ProfileData, self: ExistingUser | undefined, ctx: PlanContext,
  errors: CellError[]): void {
  const others = ctx.users.filter((u) => u.id !== self?.id);
  for (const [field, column] of [['login', 'login'], ['email', 'email'], ['phoneNumber', 'phone_number']] as const) {
    const value = data[field];
    if (value && others.some((u) => lower(u[field]) === lower(value))) {
      errors.push({ column, message: `This ${column.replace('_', ' ')} is already in use by another user` });
    }
  }
  if (data.login && others.some((u) => lower(u.email) === lower(data.login))) {
    errors.push({ column: 'login', message: "This login is another user's email address; logins and email addresses "
      + 'are unique across each other' });
  }
  if (data.email && others.some((u) => lower(u.login) === lower(data.email))) {
    errors.push({ column: 'email', message: "This email address is another user's login; logins and email addresses "
      + 'are unique across each other' });
  }
}

/** Whether the user counts among the active Administrators (LastAdministratorError's rule). */
const countsAsAdmin = (user: Pick<User, 'serviceAccount' | 'deletionScheduledAt'>, role: Role,
  blocked: boolean) => role === 'ADMIN' && !blocked && user.deletionScheduledAt === null && isPerson(user);

function errorsOf(fieldErrors: Record<string, string>): CellError[] {
  return Object.entries(fieldErrors).map(([column, message]) => ({ column, message }));
}

function passwordFor(row: ImportRow, cells: Cells, data: ProfileData, ctx: PlanContext,
  errors: CellError[]): string | null {
  if (ctx.mode === 'hash') {
    if (!row.passwordHash) errors.push({ column: 'password_hash', message: 'Give the bcrypt hash of the password' });
    return row.passwordHash || null;
  }
  if (ctx.mode !== 'given') return null;
  if (cells[HASHED_PASSWORD_CELL]) return cells[HASHED_PASSWORD_CELL];
  if (!row.password) {
    errors.push({ column: 'password', message: 'Give a password: this import sets the passwords given' });
    return null;
  }
  const problem = checkPassword(row.password, ctx.passwordPolicy, data);
  if (problem) errors.push({ column: 'password', message: problem });
  return null;
}

function planCreate(row: ImportRow, staged: StagedRow, ctx: PlanContext, errors: CellError[]): RowPlan {
  const { data, errors: fieldErrors } = parseProfile({ ...row.profile, custom: row.custom },
    { defaultPhoneRegion: ctx.defaultPhoneRegion, customFields: ctx.customFields });
  errors.push(...errorsOf(fieldErrors));
  takenIdentifiers(data, undefined, ctx, errors);
  const organization = resolveOrganization(row, undefined, ctx, errors);
  const role = row.role ?? 'MEMBER';
  checkRole(role, organization, ctx, errors);
  const groups = resolveGroups(row.groups ?? [], organization, ctx, errors);
  if (ctx.mode === 'invite' && !data.email) {
    errors.push({ column: 'email', message: 'An invitation needs an email address to go to' });
  }
  const passwordHash = passwordFor(row, staged.cells, data, ctx, errors);
  if (errors.length) return { rowNo: staged.rowNo, action: 'error', errors, changes: [] };
  return {
    rowNo: staged.rowNo, action: 'create', errors, changes: [],
    create: {
      ...data, role, organization, groups, status: row.status, passwordHash, invited: ctx.mode === 'invite',
      emailVerified: Boolean(data.email) && row.emailVerified,
      phoneNumberVerified: Boolean(data.phoneNumber) && row.phoneNumberVerified,
    },
  };
}

function planUpdate(row: ImportRow, staged: StagedRow, user: ExistingUser, matchedBy: 'login' | 'email',
  ctx: PlanContext, errors: CellError[]): RowPlan {
  const base = { userId: user.id, rowNo: staged.rowNo };
  if (!inScope(ctx.scope, user)) {
    return { ...base, userId: undefined, action: 'error', changes: [],
      errors: [...errors,
        { column: user.login && row.profile.login ? 'login' : 'email',
          message: 'This user belongs to another organization' }] };
  }
  if (protectsAdministrator(ctx.scope, user)) {
    return { ...base, action: 'error', changes: [],
      errors: [...errors, { column: '', message: "Only an Administrator can change an Administrator's account" }] };
  }
  const named = row.profile.login?.trim();
  if (matchedBy === 'email' && user.login && named && lower(named) !== lower(user.login)) {
    errors.push({ column: 'login', message: `Conflict: this email address belongs to the user with login `
      + `"${user.login}", not "${named}". An import never renames a user: correct the login or the email address `
      + 'in this row, or change the login on the user\'s page first' });
  }
  const current: ProfileInput = Object.fromEntries(Object.keys(PROFILE_FIELDS).map((f) => [f,
    user[f as keyof typeof PROFILE_FIELDS] ?? '']));
  const custom = { ...Object.fromEntries(Object.entries(user.customFields).map(([k, v]) => [`custom.${k}`, String(v)])),
    ...row.custom };
  const profile = { ...current, ...row.profile, custom };
  const { data, errors: fieldErrors } = parseProfile(profile,
    { defaultPhoneRegion: ctx.defaultPhoneRegion, customFields: ctx.customFields, previousCustom: user.customFields,
      previousPicture: user.picture });
  errors.push(...errorsOf(fieldErrors));
  takenIdentifiers(data, user, ctx, errors);
  const changes = (Object.entries(PROFILE_FIELDS) as [keyof typeof PROFILE_FIELDS,
    string][]).filter(([f]) => data[f] !== user[f]).map(([, column]) => column);
  for (const key of new Set([...Object.keys(user.customFields), ...Object.keys(data.customFields ?? {})])) {
    if (JSON.stringify(user.customFields[key]) !== JSON.stringify(data.customFields?.[key])) {
      changes.push(`custom.${key}`);
    }
  }
  const update: UserUpdate = { profile, profileChanged: changes.length > 0 };
  const organization = resolveOrganization(row, user, ctx, errors);
  const role = row.role ?? user.role;
  const organizationChanged = !('id' in organization) || organization.id !== user.organizationId;
  if (role !== user.role || organizationChanged) {
    checkRole(role, organization, ctx, errors);
    // As changePermissions refuses it when the row is applied, with the rows before it applied.
    if (ctx.admins && role !== 'ADMIN' && countsAsAdmin(user, user.role, user.blocked) && ctx.admins.active <= 1) {
      errors.push({ column: 'role', message: new LastAdministratorError().message });
    }
    update.permissions = { role, organization };
    if (role !== user.role) changes.push('role');
    if (organizationChanged) changes.push('organization');
  }
  if (row.groups) {
    const targets = resolveGroups(row.groups, organization, ctx, errors);
    const visible = (id: string) => ctx.scope.kind === 'all' || [...ctx.groups.values()].some((g) => g.id === id);
    const add = targets.filter((g) => !g.id || !user.groupIds.includes(g.id));
    const remove = user.groupIds.filter((id) => visible(id) && !targets.some((g) => g.id === id));
    if (add.length || remove.length) {
      update.groups = { add, remove };
      changes.push('groups');
    }
  }
  const status = signInStatus(user).kind;
  if ((row.status === 'blocked' && !user.blocked) || (row.status === 'locked' && status !== 'locked' && !user.blocked)
    || (row.status === 'active' && (user.blocked || status === 'locked'))) {
    update.status = row.status;
    changes.push('status');
  }
  // As the services refuse them when the row is applied.
  if (ctx.actor && isOwnAccount(ctx.actor, user)) {
    if (update.permissions && role !== user.role) {
      errors.push({ column: 'role', message: ownAccountRefusal('change-role', ctx.scope) });
    }
    if (update.status === 'blocked' || update.status === 'locked') {
      errors.push({ column: 'status', message: ownAccountRefusal(update.status === 'blocked' ? 'block' : 'lock',
        ctx.scope) });
    }
  }
  if (errors.length) return { ...base, action: 'error', errors, changes };
  if (changes.length === 0) return { ...base, action: 'unchanged', errors, changes };
  if (ctx.admins) {
    const blocked = update.status === 'blocked' || (update.status !== 'active' && user.blocked);
    ctx.admins.active += Number(countsAsAdmin(user, role, blocked)) - Number(countsAsAdmin(user, user.role,
      user.blocked));
  }
  return { ...base, action: 'update', errors, changes, update };
}

export function planRow(staged: StagedRow, ctx: PlanContext): RowPlan {
  const row = readImportRow(staged.cells);
  const errors = [...staged.errors, ...row.errors];
  noteDuplicates(row, staged.rowNo, ctx, errors);
  const { data } = parseProfile(row.profile, { defaultPhoneRegion: ctx.defaultPhoneRegion, customFields: [] });
  const match = matchOf(data, ctx);
  return match ? planUpdate(row, staged, match.user, match.by, ctx, errors) : planCreate(row, staged, ctx, errors);
}

/** Identifiers a batch of rows names, for looking the users up in one query. */
export function identifiersOf(rows: StagedRow[],
  defaultPhoneRegion: string): { logins: string[]; emails: string[]; phones: string[] } {
  const logins = new Set<string>(), emails = new Set<string>(), phones = new Set<string>();
  for (const staged of rows) {
    const { data } = parseProfile(readImportRow(staged.cells).profile, { defaultPhoneRegion, customFields: [] });
    if (data.login) logins.add(data.login.toLowerCase());
    if (data.email) emails.add(data.email.toLowerCase());
    if (data.phoneNumber) phones.add(data.phoneNumber);
  }
  return { logins: [...logins], emails: [...emails], phones: [...phones] };
}
