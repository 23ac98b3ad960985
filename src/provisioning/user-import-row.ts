// Reading one CSV import row: which columns an import understands (those of the export), the
// checks on the header, and the cells of a row turned into typed values. No database here;
// whether a row creates or updates a user is decided in user-import.plan.ts.
import { ROLES, type Role } from '../db/entities/user.entity.js';
import type { CustomFieldDefinition } from '../settings/custom-fields.js';
import type { ProfileInput } from '../users/user-input.js';

export type PasswordMode = 'invite' | 'given' | 'hash';
export const PASSWORD_MODES: readonly PasswordMode[] = ['invite', 'given', 'hash'];

/** A problem with one cell (or with the row as a whole: column ''). */
export interface CellError { column: string; message: string }
export type Cells = Record<string, string>;

/** Where the dry run keeps a given password's bcrypt hash; never a CSV column (CSV names have no leading _). */
export const HASHED_PASSWORD_CELL = '_hashed_password';

const PROFILE_COLUMNS: Record<string, keyof ProfileInput> = {
  login: 'login', email: 'email', phone_number: 'phoneNumber', nickname: 'nickname',
  given_name: 'givenName', family_name: 'familyName', birthdate: 'birthdate', picture: 'picture',
};
const OTHER_COLUMNS = ['email_verified', 'phone_number_verified', 'status', 'role', 'organization', 'groups',
  'password', 'password_hash'];
/** Export columns an import reads past: the id and times are Foyer's own; the last two are the errors file's. */
const IGNORED_COLUMNS = ['id', 'created_at', 'last_sign_in_at', 'import_row', 'import_errors'];

/** What a status cell may say: the export's words. Only blocked and locked change anything. */
const STATUS_WORDS = ['active', 'blocked', 'locked', 'invited', 'reset_pending', 'email_unverified'] as const;
export type ImportStatus = 'active' | 'blocked' | 'locked' | undefined;

const BCRYPT_HASH = /^\$2[aby]\$(0[4-9]|[12][0-9]|3[01])\$[./A-Za-z0-9]{53}$/;

export function importColumns(customFields: CustomFieldDefinition[]): string[] {
  return [...Object.keys(PROFILE_COLUMNS), ...OTHER_COLUMNS, ...customFields.map((f) => `custom.${f.key}`)];
}

/** Problems with the header that make the whole file unusable, as sentences. */
export function checkHeader(header: string[], customFields: CustomFieldDefinition[], mode: PasswordMode): string[] {
  const problems: string[] = [];
  const known = new Set([...importColumns(customFields), ...IGNORED_COLUMNS]);
  if (header.length === 0 || header.every((h) => h === '')) {
    return ['The file is empty: the first line must name the columns'];
  }
  const seen = new Set<string>();
  const duplicates = header.filter((h) => (seen.has(h) ? true : (seen.add(h), false)));
  if (duplicates.length) problems.push(`Each column may appear once; repeated: ${[...new Set(duplicates)].join(', ')}`);
  const unknown = header.filter((h) => !known.has(h));
  if (unknown.length) {
    problems.push(`Unknown column${unknown.length > 1 ? 's' : ''}: ${unknown.map((u) => u || '(empty)').join(', ')}. `
      + `Columns are named as in the CSV export: ${importColumns(customFields).join(', ')}`);
  }
  if (!['login', 'email', 'phone_number'].some((c) => header.includes(c))) {
    problems.push('Give at least one of the columns login, email or phone_number');
  }
  if (mode === 'invite' && !header.includes('email')) {
    problems.push('Invitations go by email: the file needs an email column');
  }
  if (mode === 'given' && !header.includes('password')) {
    problems.push('To set the passwords given, the file needs a password column');
  }
  if (mode === 'hash' && !header.includes('password_hash')) {
    problems.push('To import password hashes, the file needs a password_hash column');
  }
  if (mode !== 'given' && header.includes('password')) {
    problems.push('The password column is only read when the import sets the passwords given; choose that option or '
      + 'remove the column');
  }
  if (mode !== 'hash' && header.includes('password_hash')) {
    problems.push('The password_hash column is only read when the import takes bcrypt hashes; choose that option or '
      + 'remove the column');
  }
  return problems;
}

/** The typed content of one row; a value is undefined when its column is absent from the file. */
export interface ImportRow {
  /** Profile fields of the columns present (an empty cell is an empty string: the field is cleared). */
  profile: ProfileInput;
  /** Custom field cells present, by `custom.<key>`. */
  custom: Record<string, string>;
  emailVerified: boolean;
  phoneNumberVerified: boolean;
  status: ImportStatus;
  role: Role | undefined;
  /** Organization name; '' for none. */
  organization: string | undefined;
  groups: string[] | undefined;
  password: string | undefined;
  passwordHash: string | undefined;
  errors: CellError[];
}

const has = (cells: Cells, column: string) => Object.hasOwn(cells, column);

function flag(cells: Cells, column: string, errors: CellError[]): boolean {
  const raw = (cells[column] ?? '').trim().toLowerCase();
  if (['', 'false', 'no', '0'].includes(raw)) return false;
  if (['true', 'yes', '1'].includes(raw)) return true;
  errors.push({ column, message: 'Use true or false' });
  return false;
}

function roleOf(raw: string, errors: CellError[]): Role | undefined {
  const word = raw.trim().toUpperCase();
  if (word === '') return 'MEMBER';
  const role = word === 'ADMINISTRATOR' ? 'ADMIN' : word;
  if ((ROLES as readonly string[]).includes(role)) return role as Role;
  errors.push({ column: 'role', message: 'Use Member, Manager or Administrator' });
  return undefined;
}

function statusOf(raw: string, errors: CellError[]): ImportStatus {
  const word = raw.trim().toLowerCase();
  if (word === '') return undefined;
  if (word === 'deletion_scheduled') {
    errors.push({ column: 'status', message: 'A deletion cannot be imported; remove the row or give another status' });
    return undefined;
  }
  if (!(STATUS_WORDS as readonly string[]).includes(word)) {
    errors.push({ column: 'status',
      message: 'Use active, blocked or locked (invited and reset_pending are read as no change)' });
    return undefined;
  }
  return word === 'blocked' || word === 'locked' || word === 'active' ? word : undefined;
}

/**
 * The group names of a groups cell: separated by `;`, a `\` before a `;` or a `\` inside a name
 * (`Ops, on-call\; EU` is one group, `R\\D` is R\D), as the export writes them. A backslash
 * before any other character is kept as it is, so hand-written names such as C:\Temp read as typed.
 */
function splitGroupsCell(cell: string): string[] {
  const names: string[] = [];
  let name = '';
  for (let i = 0; i < cell.length; i += 1) {
    const ch = cell[i];
    if (ch === '\\' && (cell[i + 1] === ';' || cell[i + 1] === '\\')) {
      name += cell[i + 1];
      i += 1;
    } else if (ch === ';') {
      names.push(name);
      name = '';
    } else name += ch;
  }
  names.push(name);
  return names;
}

export function readImportRow(cells: Cells): ImportRow {
  const errors: CellError[] = [];
  const profile: ProfileInput = {};
  for (const [column, field] of Object.entries(PROFILE_COLUMNS)) {
    if (has(cells, column)) (profile as Record<string, string>)[field] = cells[column];
  }
  const custom = Object.fromEntries(Object.entries(cells).filter(([c]) => c.startsWith('custom.')));
  const groups = has(cells, 'groups')
    ? [...new Map(splitGroupsCell(cells.groups).map((g) => g.trim().replace(/\s+/g,
      ' ')).filter(Boolean).map((g) => [g.toLowerCase(), g])).values()]
    : undefined;
  if (groups?.some((g) => g.length > 100)) {
    errors.push({ column: 'groups', message: 'A group name has at most 100 characters' });
  }
  const passwordHash = has(cells, 'password_hash') ? cells.password_hash.trim() : undefined;
  if (passwordHash && !BCRYPT_HASH.test(passwordHash)) {
    errors.push({ column: 'password_hash',
      message: 'This is not a bcrypt hash ($2a$, $2b$ or $2y$ followed by the cost and 53 characters)' });
  }
  const organization = has(cells, 'organization') ? cells.organization.trim().replace(/\s+/g, ' ') : undefined;
  return {
    profile, custom, groups, organization, errors, passwordHash,
    emailVerified: flag(cells, 'email_verified', errors),
    phoneNumberVerified: flag(cells, 'phone_number_verified', errors),
    status: statusOf(cells.status ?? '', errors),
    role: has(cells, 'role') ? roleOf(cells.role, errors) : undefined,
    password: has(cells, 'password') ? cells.password : undefined,
  };
}

/** Maps a directory ValidationError's field names to CSV columns. */
export function columnOfField(field: string): string {
  if (field === 'organizationId') return 'organization';
  if (field === 'identifier') return 'login';
  return field;
}
