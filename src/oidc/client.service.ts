// Application (client) management: the repository plus the audit trail every admin action leaves.
import type { Actor, AuditLog } from '../audit/audit.service.js';
import type { ClientRepository, CreatedClient, NewClientInput } from './client.repository.js';

export function createClientService({ clients, audit }: { clients: ClientRepository; audit: AuditLog }) {
  return {
    async create(input: NewClientInput, actor: Actor): Promise<CreatedClient> {
      const created = await clients.create(input);
      await audit.record({
        actor, action: 'client.created', targetLabel: input.name.trim(),
        details: { client_id: created.client_id, public: input.isPublic, grant_types: input.grantTypes },
      });
      return created;
    },
  };
}

export type ClientService = ReturnType<typeof createClientService>;
