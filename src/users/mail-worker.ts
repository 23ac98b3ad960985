// Delivers the outbox. Every server process runs one; rows are claimed with SKIP LOCKED and a
// lease, so no message goes out twice at once and none is lost to a crash. A link's token is
// made at sending time (a resend's new link replaces the old one), so no usable link ever
// waits in the table. Failed attempts back off up to an hour; after the last, the message is
// marked failed and admins see it with its error in /admin/outbox.
// Text messages (a template of channel sms) go the same way to the SMS gateway; their code is
// made at sending time too (each attempt's code supersedes the previous one). A gateway that
// refuses a message (a 4xx but 408 and 429) fails it at once; an unreachable one, a 5xx, 408,
// 429 or a timeout is retried.
// The code is never logged.
import type { MailConfig } from '../config/config.js';
import type { OneTimeTokens } from './one-time-token.repository.js';
import type { UserService } from './user.service.js';
import { mayResetPassword } from './user-status.js';
import { isPerson } from './user.policy.js';
import type { Logger } from '../platform/logger.js';
import type { Views } from '../platform/views.js';
import type { OutboxRepository, OutboxRow } from '../mail/outbox.repository.js';
import { isTemplate, renderMessage, renderSms, TEMPLATES, type TemplateName,
  type TemplateSpec } from '../mail/templates.js';
import type { MailTransport } from '../mail/transport.js';
import { createSmsTransport, SmsRejectedError, type SmsTransport } from '../mail/sms-transport.js';
import { startPolledWorker, type PolledWorker } from '../jobs/polled-worker.js';
import { safeError } from '../platform/logger.js';

export interface MailWorkerDeps {
  outbox: OutboxRepository;
  tokens: OneTimeTokens;
  users: UserService;
  transport: MailTransport;
  /** Where text messages go; by default the gateway of `config.sms` (or the dev outbox). */
  sms?: SmsTransport;
  views: Views;
  config: MailConfig;
  issuer: string;
  logger: Logger;
}

const MAX_BACKOFF_SECONDS = 3600;
/** Links whose use proves the inbox they were sent to: they carry that address. */
const ADDRESS_BOUND = new Set(['email_verification', 'invitation']);

type Outcome = 'sent' | 'outbox' | 'dropped' | 'retry' | 'failed';

export function createMailDelivery(deps: MailWorkerDeps) {
  const { outbox, tokens, users, transport, config, logger } = deps;
  const sms = deps.sms ?? createSmsTransport(config.sms);

  /** A failed attempt: retried with a growing delay, or given up after the last attempt (or when `final`). */
  async function attemptFailed(row: OutboxRow, err: unknown, what: string, to: string,
    final = false): Promise<'retry' | 'failed'> {
    const reason = err instanceof Error ? err.message : String(err);
    if (final || row.attempts >= config.maxAttempts) {
      await outbox.markFailed(row.id, reason);
      logger.error({ err: safeError(err), message: row.id, to }, `${what} could not be delivered; giving up`);
      return 'failed';
    }
    const delay = Math.min(config.pollSeconds * 2 ** (row.attempts - 1), MAX_BACKOFF_SECONDS);
    await outbox.markRetry(row.id, reason, delay);
    logger.warn({ err: safeError(err), message: row.id, attempt: row.attempts, retryInSeconds: delay },
      `${what} delivery failed; will retry`);
    return 'retry';
  }

  /**
   * A text message to the user's phone, while that is still the user's unverified number; its
   * code is made now, superseding any earlier one.
   */
  async function deliverSms(row: OutboxRow, template: TemplateName, spec: TemplateSpec): Promise<Outcome> {
    const user = row.userId ? await users.findById(row.userId) : null;
    const to = row.to;
    const reachable = user && !user.blocked && isPerson(user) && to && user.phoneNumber === to
      && !(spec.code && user.phoneNumberVerified);
    if (!reachable) {
      await outbox.markSent(row.id, 'dropped');
      return 'dropped';
    }
    const ttlMinutes = config.phoneCodeTtlMinutes;
    const code = spec.code ? await tokens.issueCode(spec.code.purpose,
      { userId: user.id, ttlSeconds: ttlMinutes * 60, data: { phone: to } }) : '';
    const message = renderSms(deps.views, { template, to, code, ttlMinutes });
    try {
      await sms.send(message);
    } catch (err) {
      const outcome = await attemptFailed(row, err, 'text message', to, err instanceof SmsRejectedError);
      // A code nobody received must not stay usable.
      if (outcome === 'failed' && spec.code) await tokens.revokeFor(user.id, spec.code.purpose);
      return outcome;
    }
    if (sms.kind === 'outbox') {
      await outbox.markSent(row.id, 'outbox', { to, subject: spec.subject, text: message.text });
      logger.info({ message: row.id, template }, 'no SMS_WEBHOOK_URL: text message kept in the dev outbox '
        + '(/admin/outbox)');
      return 'outbox';
    }
    await outbox.markSent(row.id, 'sent', { to, subject: spec.subject });
    return 'sent';
  }

  /** Sends one claimed message; returns what happened, never throws for a delivery problem. */
  async function deliver(row: OutboxRow): Promise<Outcome> {
    if (!isTemplate(row.template)) {
      await outbox.markFailed(row.id, `unknown template "${row.template}"`);
      return 'failed';
    }
    if ((TEMPLATES[row.template] as TemplateSpec).channel === 'sms') {
      return deliverSms(row, row.template, TEMPLATES[row.template]);
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
        // A verification confirms the address it went to; so does accepting an invitation.
        { userId: user.id, ttlSeconds, data: ADDRESS_BOUND.has(spec.link.purpose) ? { email: to } : undefined });
      link = `${deps.issuer}${spec.link.path}${token}`;
      expires = new Date(Date.now() + ttlSeconds * 1000);
    }
    const message = renderMessage(deps.views,
      { template: row.template, to, link, expires, params: row.params, issuer: deps.issuer });
    try {
      await transport.send(message);
    } catch (err) {
      return attemptFailed(row, err, 'email', to);
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
