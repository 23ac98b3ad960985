// Where messages go: an SMTP server through nodemailer, or — with no SMTP_URL — nowhere but
// the dev outbox (the outbox row keeps the rendered message) and the log.
import nodemailer from 'nodemailer';
import type { MailConfig } from '../config/config.js';

export interface RenderedMessage {
  to: string;
  subject: string;
  text: string;
  html: string;
}

export interface MailTransport {
  kind: 'smtp' | 'outbox';
  send(message: RenderedMessage): Promise<void>;
  close(): void;
}

export function createMailTransport(config: MailConfig): MailTransport {
  if (!config.smtpUrl) return { kind: 'outbox', send: async () => undefined, close: () => undefined };
  // Short timeouts: a dead server should fail an attempt quickly, and the outbox retries.
  const url = new URL(config.smtpUrl);
  for (const [key, value] of [['connectionTimeout', '10000'], ['greetingTimeout', '10000'],
    ['socketTimeout', '20000']]) {
    if (!url.searchParams.has(key)) url.searchParams.set(key, value);
  }
  const transporter = nodemailer.createTransport(url.toString(), { from: config.from });
  return {
    kind: 'smtp',
    async send(message) {
      await transporter.sendMail({ to: message.to, subject: message.subject, text: message.text, html: message.html });
    },
    close: () => transporter.close(),
  };
}
