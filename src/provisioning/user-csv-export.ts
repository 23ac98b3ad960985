// CSV export of the users matching a filter, with the columns an admin chooses. Rows are
// read in keyset batches and written as they come, so memory stays flat whatever the size.
// Password hashes are never a column. Cells that a spreadsheet would run as a formula are
// prefixed with ' (CSV injection). The file starts with a UTF-8 byte-order mark unless the admin
// asks for plain UTF-8: without it, spreadsheets read the bytes in the locale's old code page
// and garble Петр and Seán.
import { type Db } from '../db/database.js';
import type { CustomFieldDefinition } from '../settings/custom-fields.js';
import { ORGANIZATION_NAME_SQL, type UserFilter } from '../users/user-directory.query.js';
import { exportBatch, GROUPS_CELL_SQL } from './user-csv-export.query.js';
import { LOCKED_SQL } from '../users/user.repository.js';

export interface ExportColumn { key: string; label: string; sql: string }

const STATUS = `CASE WHEN u.deletion_scheduled_at IS NOT NULL THEN 'deletion_scheduled' WHEN u.blocked THEN 'blocked'
  WHEN ${LOCKED_SQL} THEN 'locked'
  WHEN u.invited_at IS NOT NULL THEN 'invited' WHEN u.password_reset_required THEN 'reset_pending' ELSE 'active' END`;

export const BUILT_IN_COLUMNS: ExportColumn[] = [
  { key: 'id', label: 'id', sql: 'u.id::text' },
  { key: 'login', label: 'login', sql: 'u.login' },
  { key: 'email', label: 'email', sql: 'u.email' },
  { key: 'email_verified', label: 'email_verified', sql: 'u.email_verified::text' },
  { key: 'phone_number', label: 'phone_number', sql: 'u.phone_number' },
  { key: 'phone_number_verified', label: 'phone_number_verified', sql: 'u.phone_number_verified::text' },
  { key: 'nickname', label: 'nickname', sql: 'u.nickname' },
  { key: 'given_name', label: 'given_name', sql: 'u.given_name' },
  { key: 'family_name', label: 'family_name', sql: 'u.family_name' },
  { key: 'birthdate', label: 'birthdate', sql: 'u.birthdate::text' },
  { key: 'picture', label: 'picture', sql: 'u.picture' },
  { key: 'status', label: 'status', sql: STATUS },
  { key: 'role', label: 'role', sql: 'u.role' },
  { key: 'organization', label: 'organization',
    sql: ORGANIZATION_NAME_SQL },
  { key: 'groups', label: 'groups', sql: GROUPS_CELL_SQL },
  { key: 'created_at', label: 'created_at',
    sql: `to_char(u.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')` },
  { key: 'last_sign_in_at', label: 'last_sign_in_at',
    sql: `to_char(u.last_sign_in_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')` },
];

export const DEFAULT_COLUMNS = ['id', 'login', 'email', 'phone_number', 'nickname', 'given_name', 'family_name',
  'status', 'role', 'organization', 'created_at'];

/** Every column an export may have: the built-in ones and one per custom field (`custom.<key>`). */
export function exportColumns(customFields: CustomFieldDefinition[]): ExportColumn[] {
  return [...BUILT_IN_COLUMNS, ...customFields.map((f) => ({
    key: `custom.${f.key}`, label: `custom.${f.key}`, sql: `u.custom_fields ->> '${f.key.replace(/'/g, "''")}'`,
  }))];
}

/** The UTF-8 byte-order mark, as the first character of a file for spreadsheets. */
export const UTF8_BOM = '\uFEFF';

/** The file's text with the byte-order mark first, or as it is. */
export async function* withBom(csv: AsyncIterable<string>, bom: boolean): AsyncGenerator<string> {
  if (bom) yield UTF8_BOM;
  yield* csv;
}

export function csvCell(value: string | null | undefined): string {
  if (value === null || value === undefined) return '';
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

const BATCH = 5000;

/** The CSV text, header first, in chunks of one batch of rows each. */
export async function* exportUsersCsv(db: Db, filter: UserFilter, columns: ExportColumn[],
  onProgress?: (rows: number) => void): AsyncGenerator<string> {
  yield `${columns.map((c) => csvCell(c.label)).join(',')}\r\n`;
  let after = '0';
  let total = 0;
  for (;;) {
    const rows = await exportBatch(db, filter, columns, after, BATCH);
    if (rows.length === 0) return;
    let chunk = '';
    for (const row of rows) chunk += `${columns.map((_, i) => csvCell(row[`c${i}`])).join(',')}\r\n`;
    total += rows.length;
    onProgress?.(total);
    yield chunk;
    after = rows[rows.length - 1]._id;
    if (rows.length < BATCH) return;
  }
}
