// SQL of the SCIM Groups endpoint beyond what the group service does: the externalId a
// provisioning system keeps on a group, and the filtered, sorted page of group ids a list asks for.
import { type Db } from '../../db/database.js';
import { scimPage, type ScimPageQuery } from './scim-page.query.js';
import type { StaffScope } from '../../platform/access.js';

/** The conditions (over alias `g`) limiting groups to a scope, with their parameters; a filter's are added after. */
export function groupScopeConditions(scope: StaffScope): { conditions: string[]; values: unknown[] } {
  const conditions: string[] = [];
  const values: unknown[] = [];
  if (scope.kind === 'organization') {
    conditions.push(scope.organizationId === null ? 'false'
      : `g.organization_id = $${values.push(scope.organizationId)}`);
  }
  return { conditions, values };
}

export function createScimGroupRepository(db: Db) {
  return {
    /** `externalId` as the provisioning system sent it (null clears it). */
    async setExternalId(groupId: string, externalId: unknown, tx?: Db): Promise<void> {
      await (tx ?? db).query('UPDATE groups SET external_id = $2, updated_at = now() WHERE id = $1',
        [groupId, externalId]);
    },

    /** Holds the group's row until `tx` ends: concurrent member changes take turns and none is lost. */
    async lock(groupId: string, tx: Db): Promise<boolean> {
      const { rows } = await tx.query('SELECT 1 FROM groups WHERE id = $1 FOR UPDATE', [groupId]);
      return rows.length > 0;
    },

    /** How many groups match and the ids of one page (sortColumn from GROUP_SORTABLE). */
    page: (query: ScimPageQuery, tx?: Db) => scimPage(tx ?? db, 'groups g', query),
  };
}

export type ScimGroupRepository = ReturnType<typeof createScimGroupRepository>;
