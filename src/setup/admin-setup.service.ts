// The first Administrator: created from FOYER_ADMIN_* for automation, or by whoever opens
// the one-time setup link printed at start-up.
import type { AdminBootstrap } from '../config/config.js';
import { ALL_USERS } from '../platform/access.js';
import { DomainError } from '../platform/errors.js';
import type { OneTimeTokens } from '../users/one-time-token.repository.js';
import { describePolicy } from '../settings/password-policy.js';
import type { SettingsService } from '../settings/settings.service.js';
import type { CreateUserInput, UserService } from '../users/user.service.js';
import type { User } from '../db/entities/user.entity.js';

const PURPOSE = 'admin_setup';

export class SetupLinkInvalidError extends DomainError {
  constructor() {
    super('setup_link_invalid',
      'This setup link has already been used or is not valid. If an administrator exists, sign in instead; otherwise '
        + 'restart Foyer for a new link.', 410);
  }
}

export type BootstrapOutcome =
  | { kind: 'admin_exists' }
  | { kind: 'admin_created'; user: User }
  | { kind: 'setup_link'; url: string };

export function createAdminSetup({ users, tokens, issuer, settings }: { users: UserService; tokens: OneTimeTokens;
  issuer: string; settings: SettingsService; }) {
  return {
    /** The password policy in words, for the form. */
    async passwordHint(): Promise<string> {
      return describePolicy((await settings.current()).passwordPolicy);
    },

    async bootstrap(fromEnv: AdminBootstrap | undefined): Promise<BootstrapOutcome> {
      if ((await users.countAdmins()) > 0) return { kind: 'admin_exists' };
      if (fromEnv) {
        const user = await users.create({ ...fromEnv, role: 'ADMIN', emailVerified: true },
          { type: 'setup', label: 'FOYER_ADMIN_* variables' }, ALL_USERS);
        return { kind: 'admin_created', user };
      }
      const token = await tokens.issue(PURPOSE);
      return { kind: 'setup_link', url: `${issuer}/setup/${token}` };
    },

    /** Whether the link can still be used: valid token and still no Administrator. */
    async isUsable(token: string): Promise<boolean> {
      return (await users.countAdmins()) === 0 && Boolean(await tokens.peek(PURPOSE, token));
    },

    async complete(token: string, input: Pick<CreateUserInput, 'login' | 'email' | 'password'>): Promise<User> {
      if (!(await this.isUsable(token))) throw new SetupLinkInvalidError();
      return users.create({ ...input, role: 'ADMIN' }, { type: 'setup', label: 'setup link' }, ALL_USERS,
        async (manager) => {
          if (!(await tokens.consume(PURPOSE, token, manager))) throw new SetupLinkInvalidError();
        });
    },
  };
}

export type AdminSetup = ReturnType<typeof createAdminSetup>;
