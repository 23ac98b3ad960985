// The messages Foyer sends: subject, the one-time link each carries (purpose and page), and
// rendering from views/mail/ (HTML and plain text) with links built from the issuer URL.
// A text message (channel sms) is plain text only and carries a one-time code instead.
import type { LinkPurpose } from '../config/config.js';
import type { Views } from '../platform/views.js';
import type { RenderedSms } from './sms-transport.js';
import type { RenderedMessage } from './transport.js';

/** The one-time codes sent by text message (purpose of their one_time_tokens rows). */
export const PHONE_VERIFICATION_PURPOSE = 'phone_verification';

export interface TemplateSpec {
  /** For mail, the subject; for a text message, the title the outbox shows (never sent). */
  subject: string;
  /** The one-time link's purpose and the page it opens (the token is appended); none for plain notices. */
  link?: { purpose: LinkPurpose; path: string };
  /** A text message to the user's phone instead of an email. */
  channel?: 'sms';
  /** The one-time code a text message carries (made when it goes out, like a link's token). */
  code?: { purpose: typeof PHONE_VERIFICATION_PURPOSE };
  action: string;
}

export const TEMPLATES = {
  invitation: { subject: 'You are invited to {{product}}', link: { purpose: 'invitation', path: '/invitation/' },
    action: 'Choose your password' },
  'password-reset': { subject: 'Choose a new {{product}} password',
    link: { purpose: 'password_reset', path: '/reset-password/' }, action: 'Choose a new password' },
  recovery: { subject: 'Your {{product}} recovery link', link: { purpose: 'recovery', path: '/reset-password/' },
    action: 'Choose a new password' },
  // After repeated failed sign-ins: until when, and a reset link in case it was not the user.
  'account-locked': { subject: 'Your {{product}} account was locked after repeated failed sign-ins',
    link: { purpose: 'password_reset', path: '/reset-password/' }, action: 'Choose a new password' },
  'email-verification': { subject: 'Confirm your email address for {{product}}',
    link: { purpose: 'email_verification', path: '/verify-email/' }, action: 'Confirm my address' },
  // A notice to a signed-in admin: its link is an ordinary console page, not a one-time link.
  'export-ready': { subject: 'Your {{product}} export is ready', action: 'Download the export' },
  'import-finished': { subject: 'Your {{product}} CSV import has finished', action: 'See the results' },
  'oauth-app-created': { subject: 'A {{product}} OAuth application was created for you',
    action: 'Open the application' },
  // A text message: the code that confirms the phone number it goes to.
  'phone-verification': { subject: 'Phone verification code', channel: 'sms',
    code: { purpose: PHONE_VERIFICATION_PURPOSE }, action: 'Type the code' },
} satisfies Record<string, TemplateSpec>;

export type TemplateName = keyof typeof TEMPLATES;

export function isTemplate(name: string): name is TemplateName {
  return Object.hasOwn(TEMPLATES, name);
}

export function renderMessage(views: Views, { template, to, link, expires, params, issuer, productName = 'Foyer' }:
  { template: TemplateName; to: string; link: string | null; expires: Date | null; params: Record<string, unknown>;
    issuer: string; productName?: string; }): RenderedMessage {
  const spec: TemplateSpec = TEMPLATES[template];
  const data = { ...params, link, issuer, action: spec.action,
    expires: expires ? `${expires.toISOString().slice(0, 16).replace('T', ' ')} UTC` : null };
  return {
    to,
    subject: spec.subject.replace('{{product}}', productName),
    text: views.render(`mail/${template}.txt.njk`, data),
    html: views.render(`mail/${template}.html.njk`, data),
  };
}

/** A text message from views/mail/<template>.sms.njk (plain text, kept short). */
export function renderSms(views: Views, { template, to, code, ttlMinutes }:
  { template: TemplateName; to: string; code: string; ttlMinutes: number }): RenderedSms {
  return { to, text: views.render(`mail/${template}.sms.njk`, { code, ttlMinutes }).trim() };
}
