// The rules of a CSV import row, without a database: header checks, cell reading, and what
// a row plans to do against the users it names.
import { undefuse } from '../../src/provisioning/csv-reader.js';
import { DEFAULT_PASSWORD_POLICY } from '../../src/settings/password-policy.js';
import { checkHeader, readImportRow } from '../../src/provisioning/user-import-row.js';
import { planRow, type ExistingUser, type PlanContext } from '../../src/provisioning/user-import.plan.js';
import type { User } from '../../src/db/entities/user.entity.js';

const team = { key: 'team', label: 'Team', type: 'text' as const, required: false, pattern: null, options: [],
  defaultPrivacy: 'private' as const, position: 0 };

function existing(fields: Partial<User> & { id: string }, groupIds: string[] = []): ExistingUser {
  return {
    login: null, email: null, emailVerified: false, phoneNumber: null, phoneNumberVerified: false, nickname: null,
    givenName: null, familyName: null,
    birthdate: null, picture: null, passwordHash: null, passwordUpdatedAt: null, customFields: {}, role: 'MEMBER',
    organizationId: null, blocked: false,
    blockedAt: null, lockedAt: null, lockedReason: null, lockedUntil: null, deletionScheduledAt: null,
    claimPrivacy: {}, lastSignInAt: null,
    invitedAt: null, passwordResetRequired: false, passwordChangeRequired: false, externalId: null, failedSignIns: 0,
    failedSignInsSince: null, serviceAccount: false,
    createdAt: new Date(), updatedAt: new Date(), ...fields, groupIds,
  };
}

function context(users: ExistingUser[], extra: Partial<PlanContext> = {}): PlanContext {
  return {
    customFields: [team], passwordPolicy: DEFAULT_PASSWORD_POLICY, scope: { kind: 'all' }, mode: 'invite',
    defaultPhoneRegion: 'US',
    organizations: new Map([['acme', { id: 7, name: 'Acme' }]]),
    groups: new Map([['7:staff', { id: '70', name: 'Staff', organizationId: 7 }]]),
    users, mayCreateReferences: true, ...extra,
  };
}

describe('the header', () => {
  it('accepts the export columns and the ones it reads past', () => {
    expect(checkHeader(['id', 'login', 'email', 'custom.team', 'created_at', 'import_errors'], [team],
      'invite')).toEqual([]);
  });

  it('names unknown and repeated columns, and what the password option needs', () => {
    expect(checkHeader(['login', 'login', 'shoe'], [team], 'given').join(' ')).toMatch(/repeated: login.*Unknown column: shoe.*needs a password column/);
    expect(checkHeader(['login', 'password_hash'], [],
      'invite').join(' ')).toMatch(/password_hash column is only read/);
    expect(checkHeader(['nickname', 'email'], [], 'hash').join(' ')).toMatch(/needs a password_hash column/);
  });
});

describe('a row', () => {
  it('reads flags, roles, statuses and groups, and says which cell is wrong', () => {
    const row = readImportRow({ login: 'x', email_verified: 'TRUE', role: 'administrator', status: 'invited',
      groups: ' A ; b;a;; ', password_hash: 'nope' });
    expect(row).toMatchObject({ emailVerified: true, role: 'ADMIN', status: undefined, groups: ['a', 'b'] });
    expect(row.errors).toEqual([{ column: 'password_hash', message: expect.stringContaining('not a bcrypt hash') }]);
    expect(readImportRow({ login: 'x', email_verified: 'maybe', status: 'deletion_scheduled',
      role: 'King' }).errors.map((e) => e.column))
      .toEqual(['email_verified', 'status', 'role']);
  });

  it("takes off the export's formula guard, and only that", () => {
    expect(undefuse("'+14155550101")).toBe('+14155550101');
    expect(undefuse("'=SUM(A1)")).toBe('=SUM(A1)');
    expect(undefuse("'quoted'")).toBe("'quoted'");
  });
});

describe('the plan of a row', () => {
  const anna = existing({ id: '1', login: 'anna', email: 'anna@example.com', nickname: 'Anna', organizationId: 7,
    customFields: { team: 'Red' } }, ['70']);
  const bert = existing({ id: '2', login: 'bert', email: 'bert@example.com' });

  it('matches by login, then by email, and lists only what changes', () => {
    expect(planRow({ rowNo: 2, cells: { login: 'anna', nickname: 'Anna' }, errors: [] },
      context([anna]))).toMatchObject({ action: 'unchanged', userId: '1' });
    // Matching ignores case; the file's spelling is still what the login becomes.
    expect(planRow({ rowNo: 2, cells: { login: 'ANNA' }, errors: [] },
      context([anna]))).toMatchObject({ action: 'update', userId: '1', changes: ['login'] });
    expect(planRow({ rowNo: 2, cells: { email: 'anna@example.com', nickname: 'Ann', 'custom.team': 'Blue' },
      errors: [] }, context([anna])))
      .toMatchObject({ action: 'update', userId: '1', changes: ['nickname', 'custom.team'] });
    expect(planRow({ rowNo: 2, cells: { login: 'anna', groups: '', organization: '' }, errors: [] }, context([anna])))
      .toMatchObject({ action: 'update', changes: ['organization', 'groups'] });
  });

  it('creates the rest, with the organization and groups it names', () => {
    const plan = planRow({ rowNo: 3,
      cells: { login: 'cleo', email: 'cleo@example.com', organization: 'ACME', groups: 'Staff;New' }, errors: [] },
    context([anna]));
    expect(plan).toMatchObject({ action: 'create', create: { login: 'cleo', organization: { id: 7 }, invited: true } });
    expect(plan.action === 'create' && plan.create.groups).toEqual([{ id: '70', name: 'Staff', organizationId: 7 },
      { name: 'New', organizationId: 7 }]);
  });

  it('refuses identifiers of another user and of an earlier row', () => {
    const seen = new Map<string, number>();
    const ctx = context([anna, bert], { seen });
    expect(planRow({ rowNo: 2, cells: { login: 'anna', email: 'bert@example.com' }, errors: [] }, ctx).errors)
      .toEqual([{ column: 'email', message: 'This email is already in use by another user' }]);
    expect(planRow({ rowNo: 3, cells: { login: 'dora', email: 'dora@example.com' }, errors: [] },
      ctx).action).toBe('create');
    expect(planRow({ rowNo: 4, cells: { login: 'Dora', email: 'dora2@example.com' }, errors: [] }, ctx).errors)
      .toEqual([{ column: 'login', message: 'Row 3 has this login too; each user may appear once' }]);
  });

  it('keeps a Manager inside their organization and away from Administrators', () => {
    const boss = existing({ id: '3', login: 'boss', role: 'ADMIN', organizationId: 7 });
    const ctx = context([anna, bert, boss], { scope: { kind: 'organization', organizationId: 7 } });
    expect(planRow({ rowNo: 2, cells: { login: 'bert', nickname: 'B' }, errors: [] },
      ctx).errors[0].message).toBe('This user belongs to another organization');
    expect(planRow({ rowNo: 2, cells: { login: 'boss', nickname: 'B' }, errors: [] }, ctx).errors[0].message).toMatch(/Only an Administrator/);
    expect(planRow({ rowNo: 2, cells: { login: 'new', email: 'new@example.com', organization: 'Elsewhere' },
      errors: [] }, ctx).errors)
      .toEqual([{ column: 'organization', message: 'You can only manage users of your own organization' }]);
    expect(planRow({ rowNo: 2, cells: { login: 'new', email: 'new@example.com', role: 'Administrator' }, errors: [] },
      ctx).errors)
      .toEqual([{ column: 'role', message: 'Only an Administrator can grant the Administrator role' }]);
  });

  it('checks a given password against the policy and the row\'s own login', () => {
    const ctx = context([], { mode: 'given' });
    expect(planRow({ rowNo: 2, cells: { login: 'erika', email: 'e@example.com', password: 'erika-secret-1' },
      errors: [] }, ctx).errors)
      .toEqual([{ column: 'password', message: 'The password must not contain the login or email address' }]);
    expect(planRow({ rowNo: 2, cells: { login: 'erika', email: 'e@example.com', password: '' }, errors: [] },
      ctx).errors[0].column).toBe('password');
    expect(planRow({ rowNo: 2, cells: { login: 'erika', email: 'e@example.com', password: 'long enough words' },
      errors: [] }, ctx).action).toBe('create');
  });
});

describe('the groups cell', () => {
  it('reads a backslash before ; or \\ as that character, and keeps any other backslash', () => {
    expect(readImportRow({ login: 'x', groups: 'Ops, on-call\\; EU;R\\\\D;C:\\Temp' }).groups)
      .toEqual(['Ops, on-call; EU', 'R\\D', 'C:\\Temp']);
    expect(readImportRow({ login: 'x', groups: 'Ops, on-call; EU' }).groups).toEqual(['Ops, on-call', 'EU']);
    expect(readImportRow({ login: 'x', groups: 'trailing\\' }).groups).toEqual(['trailing\\']);
  });
});

describe('the Administrators a file leaves', () => {
  const root = existing({ id: '10', login: 'root', email: 'root@example.com', role: 'ADMIN' });
  const other = existing({ id: '11', login: 'other', role: 'ADMIN' });
  const member = existing({ id: '12', login: 'member' });
  const LAST = 'This is the last active Administrator. Make someone else an Administrator first.';

  it('are counted row by row: a demotion that would leave none is refused at the role cell', () => {
    const admins = { active: 2 };
    const ctx = context([root, other, member], { admins });
    expect(planRow({ rowNo: 2, cells: { login: 'other', role: 'Member' }, errors: [] }, ctx).action).toBe('update');
    expect(admins.active).toBe(1);
    expect(planRow({ rowNo: 3, cells: { login: 'root', role: 'Manager', organization: 'Acme' }, errors: [] },
      ctx).errors).toEqual([{ column: 'role', message: LAST }]);
    expect(admins.active).toBe(1);
  });

  it('count the promotions, blocks and unblocks of the rows before', () => {
    const admins = { active: 1 };
    const ctx = context([root, other, member], { admins });
    expect(planRow({ rowNo: 2, cells: { login: 'member', role: 'Administrator' }, errors: [] }, ctx).action)
      .toBe('update');
    expect(admins.active).toBe(2);
    expect(planRow({ rowNo: 3, cells: { login: 'root', role: 'Member' }, errors: [] }, ctx).action).toBe('update');
    expect(admins.active).toBe(1);
    // The one left is blocked: no one would be left to demote `other` after.
    const blocking = { active: 2 };
    const ctx2 = context([root, other], { admins: blocking });
    expect(planRow({ rowNo: 2, cells: { login: 'root', status: 'blocked' }, errors: [] }, ctx2).action)
      .toBe('update');
    expect(planRow({ rowNo: 3, cells: { login: 'other', role: 'Member' }, errors: [] }, ctx2).errors)
      .toEqual([{ column: 'role', message: LAST }]);
    // A blocked Administrator is no longer counted, so demoting one never is the last one's demotion.
    const blockedAdmin = existing({ id: '13', login: 'gone', role: 'ADMIN', blocked: true });
    expect(planRow({ rowNo: 2, cells: { login: 'gone', role: 'Member' }, errors: [] },
      context([blockedAdmin], { admins: { active: 1 } })).action).toBe('update');
  });

  it("refuse the importer's own account a new role, a block or a lock", () => {
    const ctx = context([root], { actor: { type: 'user', id: '10', label: 'root' }, admins: { active: 3 } });
    expect(planRow({ rowNo: 2, cells: { login: 'root', role: 'Member', status: 'locked' }, errors: [] }, ctx).errors)
      .toEqual([
        { column: 'role', message: expect.stringMatching(/^You cannot change your own role/) },
        { column: 'status', message: expect.stringMatching(/^You cannot lock your own account/) },
      ]);
    expect(planRow({ rowNo: 2, cells: { login: 'root', nickname: 'Me' }, errors: [] }, ctx).action).toBe('update');
  });
});

describe('a row matched by email', () => {
  const anna = existing({ id: '1', login: 'anna', email: 'anna@example.com' });
  const mail = existing({ id: '2', email: 'nologin@example.com' });

  it('naming another login is a conflict, not a rename; without a login the user gets one', () => {
    expect(planRow({ rowNo: 2, cells: { login: 'annabel', email: 'anna@example.com' }, errors: [] },
      context([anna])).errors).toEqual([{ column: 'login', message: expect.stringMatching(/^Conflict: this email address belongs to the user with login "anna", not "annabel"/) }]);
    expect(planRow({ rowNo: 2, cells: { login: 'given', email: 'nologin@example.com' }, errors: [] },
      context([mail]))).toMatchObject({ action: 'update', changes: ['login'] });
  });
});
