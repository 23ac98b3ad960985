// Remembers where and when each provider session was used (IP address, user agent, last
// use), which the provider's Session record does not keep, for the profile's Sessions section.
import type { EventEmitter } from 'node:events';
import type Provider from 'oidc-provider';
import type { KoaContextWithOIDC } from 'oidc-provider';
import type { Logger } from '../platform/logger.js';
import type { AccountRecords } from '../sessions/account-records.repository.js';
import { safeError } from '../platform/logger.js';

export function recordSessionActivity(provider: Provider, records: AccountRecords, logger: Logger): void {
  (provider as unknown as EventEmitter).on('authorization.success', (ctx: KoaContextWithOIDC) => {
    const session = ctx.oidc.session;
    if (!session?.uid || !session.accountId) return;
    // Off the response path: a failure here costs only the Sessions list its details.
    records.recordActivity(session.uid, session.accountId, ctx.ip, ctx.get('user-agent') ?? '')
      .catch((err: unknown) => logger.warn({ err: safeError(err) }, 'could not record session activity'));
  });
}
