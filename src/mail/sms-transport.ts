// Where text messages go: any SMS gateway that takes a JSON POST of {to, text} at
// SMS_WEBHOOK_URL (with SMS_WEBHOOK_TOKEN as a bearer token, if set), or — with no URL —
// nowhere but the dev outbox, like mail without SMTP_URL. Errors never carry the message
// (it holds a code), the gateway's answer body or the URL (it may hold a key).
import type { SmsConfig } from '../config/config.js';

export interface RenderedSms {
  to: string;
  text: string;
}

/** The gateway refused the message (a 4xx but 408 and 429): sending it again would not help. */
export class SmsRejectedError extends Error {
  constructor(readonly status: number) {
    super(`the SMS gateway refused the message (HTTP ${status})`);
    this.name = 'SmsRejectedError';
  }
}

export interface SmsTransport {
  kind: 'webhook' | 'outbox';
  /** Resolves once the gateway accepted the message; throws SmsRejectedError for a refusal, Error otherwise. */
  send(message: RenderedSms): Promise<void>;
}

/** What went wrong with the connection, without the URL or anything the gateway said. */
function reasonOf(err: unknown, timeoutMs: number): string {
  const error = err as { name?: string; cause?: { code?: string; message?: string } };
  if (error.name === 'TimeoutError' || error.name === 'AbortError') {
    return `the SMS gateway did not answer within ${timeoutMs / 1000} s`;
  }
  const cause = error.cause?.code ?? error.cause?.message ?? (err instanceof Error ? err.message : String(err));
  return `the SMS gateway could not be reached (${cause})`;
}

export function createSmsTransport(config: SmsConfig): SmsTransport {
  const { webhookUrl, webhookToken, timeoutMs } = config;
  if (!webhookUrl) return { kind: 'outbox', send: async () => undefined };
  return {
    kind: 'webhook',
    async send(message) {
      let res: Response;
      try {
        res = await fetch(webhookUrl, {
          method: 'POST',
          headers: { 'content-type': 'application/json', accept: 'application/json',
            ...(webhookToken ? { authorization: `Bearer ${webhookToken}` } : {}) },
          body: JSON.stringify({ to: message.to, text: message.text }),
          redirect: 'error',
          signal: AbortSignal.timeout(timeoutMs),
        });
        // The body is not read for its content (it may echo the message); draining frees the connection.
        await res.arrayBuffer();
      } catch (err) {
        throw new Error(reasonOf(err, timeoutMs), { cause: err });
      }
      // 408 and 429 say "not now" rather than "never": they are retried like a 5xx.
      if (res.status >= 400 && res.status < 500 && res.status !== 408 && res.status !== 429) {
        throw new SmsRejectedError(res.status);
      }
      if (!res.ok) throw new Error(`the SMS gateway answered HTTP ${res.status}`);
    },
  };
}
