// The directory services without HTTP or the provider: shared by the server and the CLI.
import type { DataSource } from 'typeorm';
import { createAuditLog } from './audit/audit.service.js';
import type { Config } from './config/config.js';
import { sqlOf } from './db/sql.js';
import { createOneTimeTokens } from './directory/one-time-token.repository.js';
import { createPasswordHasher } from './directory/password.js';
import { createUserRepository } from './directory/user.repository.js';
import { createUserService, type UserService } from './directory/user.service.js';
import { createClientRepository } from './oidc/client.repository.js';
import { createClientService, type ClientService } from './oidc/client.service.js';
import { revokeAccountTokens } from './oidc/payload.repository.js';
import { createAdminSetup, type AdminSetup } from './setup/admin-setup.service.js';

export interface Services {
  users: UserService;
  clients: ClientService;
  adminSetup: AdminSetup;
}

export function createServices(config: Config, dataSource: DataSource): Services {
  const sql = sqlOf(dataSource);
  const audit = createAuditLog(dataSource);
  const users = createUserService({
    dataSource,
    users: createUserRepository(dataSource),
    hasher: createPasswordHasher({ cost: config.bcryptCost }),
    audit,
    revokeAccountTokens,
    privacyDefaults: config.privacyDefaults,
    defaultPhoneRegion: config.defaultPhoneRegion,
  });
  return {
    users,
    clients: createClientService({ clients: createClientRepository(sql), audit }),
    adminSetup: createAdminSetup({ users, tokens: createOneTimeTokens(dataSource), issuer: config.issuer }),
  };
}

