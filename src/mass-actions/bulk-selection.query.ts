// Read model of a mass action's selection before it starts: how many users it reaches as
// resolved now (ticked ids inside the scope, or every user matching the filter), how many of
// them are Administrators, whether the staff member's own account is among them, and the
// first few, for a confirmation that names who is affected. It resolves the selection as
// bulk-job.repository.ts does when the job is made, so the page and the job agree.
import { type Db } from '../db/database.js';
import type { Role } from '../db/entities/user.entity.js';
import type { StaffScope } from '../platform/access.js';
import { whereOf, type UserFilter } from '../users/user-directory.query.js';

export type Selection = { ids: string[] } | { filter: UserFilter };

export interface SelectedUser {
  id: string;
  nickname: string | null;
  givenName: string | null;
  familyName: string | null;
  login: string | null;
  email: string | null;
  phoneNumber: string | null;
  role: Role;
}

export interface SelectionPreview {
  total: number;
  administrators: number;
  /** The staff member's own account is selected (a mass action leaves it out). */
  includesActor: boolean;
  /** The first users, by id (the order of the job's result page). */
  first: SelectedUser[];
}

export function createBulkSelectionQuery(db: Db) {
  return {
    /** `ids` must already be distinct, well-formed and bounded (bulk-actions.ts checks them). */
    async preview(selection: Selection, scope: StaffScope, actorId: string | null,
      limit: number): Promise<SelectionPreview> {
      const { conditions, values } = whereOf('ids' in selection ? { scope } : { ...selection.filter, scope });
      if ('ids' in selection) conditions.push(`u.id = ANY($${values.push(selection.ids)}::bigint[])`);
      const where = conditions.join(' AND ');
      const actor = `$${values.length + 1}::bigint`;
      const [{ rows: [counts] }, { rows: first }] = await Promise.all([
        db.query<Omit<SelectionPreview, 'first'>>(
          `SELECT count(*)::int AS total, count(*) FILTER (WHERE u.role = 'ADMIN')::int AS administrators,
             coalesce(bool_or(u.id = ${actor}), false) AS "includesActor"
           FROM users u WHERE ${where}`, [...values, actorId]),
        db.query<SelectedUser>(
          `SELECT u.id::text AS id, u.nickname, u.given_name AS "givenName", u.family_name AS "familyName", u.login,
             u.email, u.phone_number AS "phoneNumber", u.role
           FROM users u WHERE ${where} ORDER BY u.id LIMIT $${values.length + 1}`, [...values, limit]),
      ]);
      return { ...counts, first };
    },
  };
}

export type BulkSelectionQuery = ReturnType<typeof createBulkSelectionQuery>;
