// The messages Foyer sends: subject, the one-time link each carries (purpose and page), and
// rendering from views/mail/ (HTML and plain text) with links built from the issuer URL.
import type { LinkPurpose } from '../config/config.js';
import type { Views } from '../platform/views.js';
import type { RenderedMessage } from './transport.js';

export interface TemplateSpec {
  subject: string;
  /** The one-time link's purpose and the page it opens (the token is appended); none for plain notices. */
  link?: { purpose: LinkPurpose; path: string };
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
