// OIDC Back-Channel Logout for sessions ended outside the provider's own logout: the
// console's End sessions, Block, Lock and Delete. Each app used in an ended session that
// registered a backchannel_logout_uri receives a logout token with that session's sid.
import type Provider from 'oidc-provider';
import type { SessionsEndedListener } from '../sessions/ended-sessions.js';
import type { Logger } from '../platform/logger.js';
import { safeError } from '../platform/logger.js';

export function backchannelLogoutNotifier(provider: Provider, logger: Logger): SessionsEndedListener {
  return async function notifyBackchannelLogout(accountId, sessions) {
    const deliveries = sessions.flatMap((session) => session.clients.map(async ({ clientId, sid }) => {
      const client = await provider.Client.find(clientId);
      if (!client?.backchannelLogoutUri) return;
      try {
        await (client as unknown as { backchannelLogout(sub: string,
          sid: string): Promise<void>; }).backchannelLogout(accountId, sid);
      } catch (err) {
        // The account's tokens are already gone; a deaf app only keeps its own session a while longer.
        logger.warn({ err: safeError(err), clientId }, 'back-channel logout was not delivered');
      }
    }));
    await Promise.allSettled(deliveries);
  };
}
