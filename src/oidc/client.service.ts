// Application (client) management: the repository plus the audit trail every admin action
// leaves. Whoever creates an application through the console becomes its first owner.
import type { Actor, AuditLog } from '../audit/audit.service.js';
import { NotFoundError } from '../directory/errors.js';
import type { ClientMemberRole, ClientRepository, CreatedClient, NewClientInput } from './client.repository.js';

export function createClientService({ clients, audit }: { clients: ClientRepository; audit: AuditLog }) {
  return {
    async create(input: NewClientInput, actor: Actor, owner?: string): Promise<CreatedClient> {
      const created = await clients.create(input);
      if (owner) await clients.addMember(created.client_id, owner, 'owner');
      await audit.record({
        actor, action: 'client.created', targetLabel: input.name.trim(),
        details: { client_id: created.client_id, public: input.isPublic, grant_types: input.grantTypes, owner: owner ?? null },
      });
      return created;
    },

    /** The new secret, to be shown once; the old one stops working now. */
    async regenerateSecret(clientId: string, actor: Actor): Promise<string> {
      const secret = await clients.regenerateSecret(clientId);
      if (!secret) throw new NotFoundError('Confidential application');
      await audit.record({ actor, action: 'client.secret_regenerated', details: { client_id: clientId } });
      return secret;
    },

    async setMember(clientId: string, userId: string, role: ClientMemberRole, actor: Actor): Promise<void> {
      await clients.addMember(clientId, userId, role);
      await audit.record({ actor, action: 'client.member_set', targetUserId: userId, details: { client_id: clientId, role } });
    },

    members: (clientId: string) => clients.members(clientId),
    ownedSolelyBy: (userId: string) => clients.ownedSolelyBy(userId),
  };
}

export type ClientService = ReturnType<typeof createClientService>;
