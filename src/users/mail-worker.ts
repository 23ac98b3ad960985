// Delivers the outbox. Every server process runs one; rows are claimed with SKIP LOCKED and a
// lease, so no message goes out twice at once and none is lost to a crash. A link's token is
// made at sending time (a resend's new link replaces the old one), so no usable link ever
// waits in the table. Failed attempts back off up to an hour; after the last, the message is
// marked failed and admins see it with its error in /admin/outbox.
import type { MailConfig } from '../config/config.js';
import type { OneTimeTokens } from './one-time-token.repository.js';
import type { UserService } from './user.service.js';
import { mayResetPassword } from './user-status.js';
import { isPerson } from './user.policy.js';
import type { Logger } from '../platform/logger.js';
import type { Views } from '../platform/views.js';
import type { OutboxRepository, OutboxRow } from '../mail/outbox.repository.js';
import { isTemplate, renderMessage, TEMPLATES, type TemplateSpec } from '../mail/templates.js';
import type { MailTransport } from '../mail/transport.js';
import { startPolledWorker, type PolledWorker } from '../jobs/polled-worker.js';
import { safeError } from '../platform/logger.js';

export interface MailWorkerDeps {
  outbox: OutboxRepository;
  tokens: OneTimeTokens;
  users: UserService;
  transport: MailTransport;
  views: Views;
  config: MailConfig;
  issuer: string;
  logger: Logger;
}

const MAX_BACKOFF_SECONDS = 3600;

export function createMailDelivery(deps: MailWorkerDeps) {
  const { outbox, tokens, users, transport, config, logger } = deps;

  /** Sends one claimed message; returns what happened, never throws for a delivery problem. */
  async function deliver(row: OutboxRow): Promise<'sent' | 'outbox' | 'dropped' | 'retry' | 'failed'> {
    if (!isTemplate(row.template)) {
      await outbox.markFailed(row.id, `unknown template "${row.template}"`);
      return 'failed';
    }
    // Who it is for, now: a forgotten-password request names an identifier, resolved here so the
    // request itself costs the same whether or not the account exists.
    const identifier = typeof row.params.identifier === 'string' ? row.params.identifier : undefined;
    const user = identifier ? await users.findBySignInIdentifier(identifier)
      : row.userId ? await users.findById(row.userId) : null;
    const to = identifier ? user?.email : row.to;
    // A service account gets no mail, whatever address its row may have been given.
    const reachable = user && !user.blocked && isPerson(user) && to && (!identifier || mayResetPassword(user));
    if (!reachable) {
      await outbox.markSent(row.id, 'dropped');
      return 'dropped';
    }
    const spec: TemplateSpec = TEMPLATES[row.template];
    let link: string | null = typeof row.params.path === 'string' ? `${deps.issuer}${row.params.path}` : null;
    let expires: Date | null = null;
    if (spec.link) {
      const ttlSeconds = config.linkTtlMinutes[spec.link.purpose] * 60;
      await tokens.revokeFor(user.id, spec.link.purpose);
      const token = await tokens.issue(spec.link.purpose,
        { userId: user.id, ttlSeconds, data: spec.link.purpose === 'email_verification' ? { email: to } : undefined });
      link = `${deps.issuer}${spec.link.path}${token}`;
      expires = new Date(Date.now() + ttlSeconds * 1000);
    }
    const message = renderMessage(deps.views,
      { template: row.template, to, link, expires, params: row.params, issuer: deps.issuer });
    try {
      await transport.send(message);
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      if (row.attempts >= config.maxAttempts) {
        await outbox.markFailed(row.id, reason);
        logger.error({ err: safeError(err), message: row.id, to }, 'email could not be delivered; giving up');
        return 'failed';
      }
      const delay = Math.min(config.pollSeconds * 2 ** (row.attempts - 1), MAX_BACKOFF_SECONDS);
      await outbox.markRetry(row.id, reason, delay);
      logger.warn({ err: safeError(err), message: row.id, attempt: row.attempts, retryInSeconds: delay },
        'email delivery failed; will retry');
      return 'retry';
    }
    if (transport.kind === 'outbox') {
      await outbox.markSent(row.id, 'outbox', message);
      logger.info({ message: row.id, to, subject: message.subject, link },
        'no SMTP_URL: message kept in the dev outbox (/admin/outbox)');
      return 'outbox';
    }
    await outbox.markSent(row.id, 'sent', { to, subject: message.subject });
    return 'sent';
  }

  return { deliver };
}

/** Polls the outbox; `wake()` delivers at once (after queuing a message). */
export function startMailWorker(deps: MailWorkerDeps): PolledWorker {
  const delivery = createMailDelivery(deps);
  const worker = startPolledWorker({
    name: 'mail worker', intervalMs: deps.config.pollSeconds * 1000, logger: deps.logger,
    async drainOnce() {
      return deps.outbox.queue.drain(10, async (due) => {
        for (const row of due) await delivery.deliver(row);
      });
    },
  });
  return {
    wake: worker.wake,
    async stop() {
      await worker.stop();
      deps.transport.close();
    },
  };
}
