// SQL of the CSV import: the users, organizations and groups a batch of rows names, read in a
// few set-based queries, and the batch insert of new users with their audit events, emails
// and group memberships (one statement each per batch, not per row: 100,000 rows must take
// seconds, not minutes).
import type { Actor } from '../audit/audit.service.js';
import { type Db } from '../db/database.js';
import { slugOf } from '../organizations/organization.service.js';
import { USER_COLUMNS } from '../users/user.repository.js';
import type { ExistingUser, KnownGroup, NewImportedUser } from './user-import.plan.js';
import { groupKey } from './user-import.plan.js';

/** A new user with its organization and groups resolved to ids, ready to insert. */
export interface ResolvedNewUser extends Omit<NewImportedUser, 'organization' | 'groups'> {
  rowNo: number; organizationId: number | null; groupIds: string[]; groupNames: string[];
}

export const IMPORT_LOCK_REASON = 'Locked by a CSV import';

export function createUserImportRepository(db: Db) {
  return {
    /**
     * Users holding any of these identifiers (lower-case login and email, E.164 phone), with their
     * group ids. Logins and email addresses are one namespace (no login is another user's email
     * address), so each of them is looked up as both.
     */
    async usersNamed(ids: { logins: string[]; emails: string[]; phones: string[] }, tx?: Db): Promise<ExistingUser[]> {
      if (!ids.logins.length && !ids.emails.length && !ids.phones.length) return [];
      const names = [...new Set([...ids.logins, ...ids.emails])];
      // Three lookups, one per unique index (whose `IS NOT NULL` the planner must see to use
      // them): one OR over the three made PostgreSQL scan the whole table.
      const { rows } = await (tx ?? db).query<ExistingUser>(
        `SELECT ${USER_COLUMNS},
                ARRAY(SELECT m.group_id::text FROM group_members m WHERE m.user_id = users.id) AS "groupIds"
         FROM users WHERE id IN (
           SELECT id FROM users WHERE login IS NOT NULL AND lower(login) = ANY($1::text[])
           UNION SELECT id FROM users WHERE email IS NOT NULL AND lower(email) = ANY($1::text[])
           UNION SELECT id FROM users WHERE phone_number IS NOT NULL AND phone_number = ANY($2::text[]))`,
        [names, ids.phones]);
      return rows;
    },

    /** Administrators who count as the one who can get back in: people, neither blocked nor being deleted. */
    async countActiveAdmins(tx?: Db): Promise<number> {
      const { rows } = await (tx ?? db).query<{ n: number }>(
        `SELECT count(*)::int AS n FROM users WHERE role = 'ADMIN' AND NOT blocked AND deletion_scheduled_at IS NULL `
          + 'AND NOT service_account');
      return rows[0].n;
    },

    /** By slug, as organization names are unique. */
    async organizations(tx?: Db): Promise<Map<string, { id: number; name: string }>> {
      const { rows } = await (tx ?? db).query<{ id: number; name: string }>('SELECT id, name FROM organizations');
      return new Map(rows.map((o) => [slugOf(o.name), o]));
    },

    /** Groups a scope may use: all, or one organization's. */
    async groups(organizationId?: number | null, tx?: Db): Promise<Map<string, KnownGroup>> {
      const { rows } = organizationId === undefined
        ? await (tx
          ?? db).query<KnownGroup>('SELECT id::text AS id, name, organization_id AS "organizationId" FROM groups')
        : await (tx
          ?? db).query<KnownGroup>('SELECT id::text AS id, name, organization_id AS "organizationId" FROM groups '
            + 'WHERE organization_id = $1', [organizationId ?? -1]);
      return new Map(rows.map((g) => [groupKey(g.organizationId, g.name), g]));
    },

    /**
     * Inserts the users with what creating one in the console also does: the audit event, the
     * invitation or the address confirmation email, the group memberships. Returns the new ids
     * by row number. A unique violation fails the whole batch (the caller retries row by row).
     */
    async insertUsers(tx: Db, users: ResolvedNewUser[], actor: Actor, jobId: string): Promise<Map<number, string>> {
      const input = users.map((u) => ({
        row_no: u.rowNo, login: u.login, email: u.email, email_verified: u.emailVerified, phone_number: u.phoneNumber,
        phone_number_verified: u.phoneNumberVerified, nickname: u.nickname, given_name: u.givenName,
        family_name: u.familyName,
        birthdate: u.birthdate, picture: u.picture, password_hash: u.passwordHash, custom_fields: u.customFields ?? {},
        role: u.role,
        organization_id: u.organizationId, blocked: u.status === 'blocked', locked: u.status === 'locked',
        invited: u.invited,
      }));
      // The row number rides along in a CTE so each new id is tied to its row, whatever order RETURNING uses.
      const { rows: inserted } = await tx.query<{ id: string; row_no: number }>(
        `WITH input AS (
           SELECT r.*, nextval(pg_get_serial_sequence('users', 'id')) AS new_id
           FROM jsonb_to_recordset($1::jsonb) AS r(row_no int, login text, email text, email_verified boolean,
             phone_number text, phone_number_verified boolean, nickname text, given_name text, family_name text,
             birthdate date, picture text, password_hash text, custom_fields jsonb, role text, organization_id int,
             blocked boolean, locked boolean, invited boolean)
         ), ins AS (
           INSERT INTO users (id, login, email, email_verified, phone_number, phone_number_verified, nickname,
             given_name, family_name, birthdate, picture, password_hash, password_updated_at, custom_fields, role,
             organization_id, blocked, blocked_at, locked_at, locked_reason, invited_at)
           SELECT new_id, login, email, email_verified, phone_number, phone_number_verified, nickname, given_name,
             family_name, birthdate, picture, password_hash, CASE WHEN password_hash IS NOT NULL THEN now() END,
             custom_fields, role, organization_id,
             blocked, CASE WHEN blocked THEN now() END, CASE WHEN locked THEN now() END, CASE WHEN locked THEN $2 END,
             CASE WHEN invited THEN now() END
           FROM input RETURNING id
         )
         SELECT input.new_id::text AS id, input.row_no FROM input JOIN ins ON ins.id = input.new_id`,
        [JSON.stringify(input), IMPORT_LOCK_REASON]);
      const idOf = new Map(inserted.map((r) => [r.row_no, r.id]));

      const events: { action: string; target: string; label: string; details: Record<string, unknown> }[] = [];
      const mail: { template: string; to: string | null; user_id: string; params: Record<string, unknown> }[] = [];
      const members: { group_id: string; user_id: string }[] = [];
      for (const u of users) {
        const id = idOf.get(u.rowNo)!;
        const label = u.login ?? u.email ?? u.phoneNumber ?? `#${id}`;
        events.push({
          action: 'user.created', target: id, label,
          details: { import: jobId, row: u.rowNo, role: u.role, organizationId: u.organizationId, groups: u.groupNames,
            status: u.status ?? 'active' },
        });
        if (u.invited) {
          events.push({ action: 'user.invited', target: id, label, details: { import: jobId } });
          mail.push({ template: 'invitation', to: u.email, user_id: id, params: { inviter: actor.label } });
        } else if (u.email && !u.emailVerified) {
          mail.push({ template: 'email-verification', to: u.email, user_id: id, params: {} });
        }
        for (const groupId of u.groupIds) members.push({ group_id: groupId, user_id: id });
      }
      await tx.query(
        `INSERT INTO audit_events (actor_type, actor_id, actor_label, action, target_user_id, target_label, details)
         SELECT $1, $2, $3, e.action, e.target::bigint, e.label, e.details
         FROM jsonb_to_recordset($4::jsonb) AS e(action text, target text, label text, details jsonb)`,
        [actor.type, actor.id ?? null, actor.label ?? null, JSON.stringify(events)]);
      if (mail.length) {
        await tx.query(
          `INSERT INTO mail_outbox (template, to_address, user_id, params)
           SELECT m.template, m.to, m.user_id::bigint, m.params
           FROM jsonb_to_recordset($1::jsonb) AS m(template text, "to" text, user_id text, params jsonb)`,
          [JSON.stringify(mail)]);
      }
      if (members.length) {
        await tx.query(
          `INSERT INTO group_members (group_id, user_id) SELECT m.group_id::bigint, m.user_id::bigint
           FROM jsonb_to_recordset($1::jsonb) AS m(group_id text, user_id text) ON CONFLICT DO NOTHING`,
          [JSON.stringify(members)]);
      }
      return idOf;
    },
  };
}

export type UserImportRepository = ReturnType<typeof createUserImportRepository>;
