// SQL of the SCIM Groups endpoint beyond what the group service does: the externalId a
// provisioning system keeps on a group, and the filtered, sorted page of group ids a list asks for.
import { type Db } from '../../db/database.js';
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

    /**
     * The number of groups matching `conditions` (over alias `g`, with `values` as their
     * parameters) and the ids of one page of them, ordered by `sortColumn` (an expression of
     * GROUP_SORTABLE; the id when none), ties by id.
     */
    async page(
      { conditions, values, sortColumn, descending, startIndex, count }:
      { conditions: string[]; values: unknown[]; sortColumn?: string; descending: boolean; startIndex: number;
        count: number; },
      tx?: Db,
    ): Promise<{ total: number; ids: string[] }> {
      const where = conditions.length ? `WHERE ${conditions.join(' AND ')}` : '';
      const order = `${sortColumn ?? 'g.id'} ${descending ? 'DESC' : 'ASC'}, g.id`;
      const [{ rows: total }, { rows: ids }] = await Promise.all([
        (tx ?? db).query<{ n: number }>(`SELECT count(*)::int AS n FROM groups g ${where}`, values),
        (tx
          ?? db).query<{ id: string }>(`SELECT g.id::text AS id FROM groups g ${where} ORDER BY ${order} OFFSET `
            + `${startIndex - 1} LIMIT ${count}`, values),
      ]);
      return { total: total[0].n, ids: ids.map((r) => r.id) };
    },
  };
}

export type ScimGroupRepository = ReturnType<typeof createScimGroupRepository>;
