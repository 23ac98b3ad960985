// Organizations: the unit a Manager administers. Administrators create, rename and delete
// them; one with users cannot be deleted (its users would lose their manager's scope).
import type { Actor, AuditLog } from '../audit/audit.service.js';
import { type Db } from '../db/database.js';
import type { Organization } from '../db/entities/organization.entity.js';
import { DomainError, NotFoundError, ValidationError } from '../platform/errors.js';
import type { OrganizationRepository } from './organization.repository.js';
import type { StaffScope } from '../platform/access.js';
import { assertMayManageOrganizations } from './organization.policy.js';

const NAME_MAX = 100;

export class OrganizationNotEmptyError extends DomainError {
  constructor(count: number) {
    super('organization_not_empty',
      `This organization still has ${count} user${count === 1 ? '' : 's'}. Move or delete them first.`, 409);
  }
}

function cleanName(raw: unknown): string {
  const name = typeof raw === 'string' ? raw.trim().replace(/\s+/g, ' ') : '';
  if (!name) throw new ValidationError({ name: 'Give the organization a name' });
  if (name.length > NAME_MAX) throw new ValidationError({ name: `Use at most ${NAME_MAX} characters` });
  return name;
}

/** Names that differ only in case, accents or punctuation have one slug, and slugs are unique. */
export function slugOf(name: string): string {
  return name.normalize('NFKD').replace(/[\u0300-\u036f]/g, '').toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '') || 'organization';
}

// pg's errors carry the PostgreSQL error code.
const isUniqueViolation = (err: unknown) => (err as { code?: unknown }).code === '23505';

export function createOrganizationService({ db, organizations, audit }: { db: Db; organizations: OrganizationRepository;
  audit: AuditLog; }) {
  async function require(id: number): Promise<Organization> {
    const org = await organizations.findById(id);
    if (!org) throw new NotFoundError('Organization');
    return org;
  }

  return {
    /** With user counts: for the organizations page only (one count per organization). */
    list: () => organizations.list(),
    names: () => organizations.names(),
    userCount: (id: number) => organizations.countUsers(id),
    findById: (id: number) => organizations.findById(id),
    require,

    async create(rawName: unknown, actor: Actor, scope: StaffScope): Promise<Organization> {
      assertMayManageOrganizations(scope);
      const name = cleanName(rawName);
      try {
        return await db.transaction(async (tx) => {
          const org = await organizations.insert(name, slugOf(name), tx);
          await audit.record({ actor, action: 'organization.created', details: { organizationId: org.id, name } }, tx);
          return org;
        });
      } catch (err) {
        if (isUniqueViolation(err)) {
          throw new ValidationError({ name: 'An organization with this name exists already' });
        }
        throw err;
      }
    },

    async rename(id: number, rawName: unknown, actor: Actor, scope: StaffScope): Promise<Organization> {
      assertMayManageOrganizations(scope);
      const org = await require(id);
      const name = cleanName(rawName);
      if (name === org.name) return org;
      try {
        await db.transaction(async (tx) => {
          // The slug follows the name, so the unique slug index refuses a name another organization has.
          await organizations.rename(id, name, slugOf(name), tx);
          await audit.record({ actor, action: 'organization.renamed',
            details: { organizationId: id, from: org.name, to: name } }, tx);
        });
      } catch (err) {
        if (isUniqueViolation(err)) {
          throw new ValidationError({ name: 'An organization with this name exists already' });
        }
        throw err;
      }
      return { ...org, name };
    },

    async delete(id: number, actor: Actor, scope: StaffScope): Promise<void> {
      assertMayManageOrganizations(scope);
      const org = await require(id);
      await db.transaction(async (tx) => {
        // Counted inside the transaction; the foreign key refuses a user added meanwhile.
        const count = await organizations.countUsers(id, tx);
        if (count > 0) throw new OrganizationNotEmptyError(count);
        await organizations.delete(id, tx);
        await audit.record({ actor, action: 'organization.deleted', details: { organizationId: id, name: org.name } },
          tx);
      });
    },
  };
}

export type OrganizationService = ReturnType<typeof createOrganizationService>;
