// The only reader of process.env. Every variable is parsed and validated here; all
// problems are reported at once so an operator fixes them in one go.
import path from 'node:path';
import { PRIVACY_CLAIMS, PRIVACY_LEVELS, type PrivacyClaim, type PrivacyLevel } from './privacy-levels.js';

export interface AdminBootstrap {
  login: string;
  email: string;
  password: string;
}

export interface Config {
  port: number;
  issuer: string;
  /** Undefined means: start the embedded PostgreSQL in dataDir. */
  databaseUrl: string | undefined;
  dataDir: string;
  bcryptCost: number;
  logLevel: string;
  trustProxy: boolean;
  defaultPhoneRegion: string;
  privacyDefaults: Record<PrivacyClaim, PrivacyLevel>;
  adminBootstrap: AdminBootstrap | undefined;
  sweepIntervalSeconds: number;
  supportContact: string;
  mail: MailConfig;
  /** CSV exports of more users than this run as a job (progress page, emailed link). */
  exportJobThreshold: number;
  /** Days after which export files and imports' staged rows are deleted. */
  jobDataRetentionDays: number;
  /** The largest CSV file an import accepts. */
  importMaxBytes: number;
  /**
   * How long a claimed job item (mass action, import, export, email) stays claimed without a
   * heartbeat; a dead process's work is taken up after it.
   */
  jobLeaseSeconds: number;
  /**
   * Seals the secrets of client_secret_jwt applications (see oidc/client-secret.ts); unset, that
   * method is unavailable.
   */
  clientSecretKey: Buffer | undefined;
  /**
   * Key material (32+ bytes) sealing provider_secrets (signing keys, cookie keys, CSRF secret);
   * unset, they are stored in clear.
   */
  secretsKey: Buffer | undefined;
  /** Brute-force limits (src/security/rate-limits.ts); counters in PostgreSQL, shared by every process. */
  rateLimits: RateLimitsConfig;
}

/** At most `limit` counted events per key within `windowSeconds`. */
export interface RateLimit {
  limit: number;
  windowSeconds: number;
}

export interface RateLimitsConfig {
  /** Failed sign-ins for one typed identifier (known account or not). */
  signInPerIdentifier: RateLimit;
  /** Failed sign-ins from one IP address, whatever the identifier. */
  signInPerIp: RateLimit;
  /** Failed client authentications (invalid_client) at /token, introspection and revocation, per IP. */
  clientAuthPerIp: RateLimit;
  /** SCIM requests without a valid API key, per IP. */
  scimAuthPerIp: RateLimit;
  /** Forgotten-password requests (every request counts), per identifier and per IP. */
  resetPerIdentifier: RateLimit;
  resetPerIp: RateLimit;
  /** Phone verification codes sent (every one counts), per account and per phone number. */
  phoneCodesPerUser: RateLimit;
  phoneCodesPerNumber: RateLimit;
  /** Wrong phone verification codes typed, per account (whichever code they were typed against). */
  phoneCodeFailuresPerUser: RateLimit;
  /** Public profile pages (/u/<login>) requested, per IP (every request counts). */
  publicProfilePerIp: RateLimit;
}

/** Purposes of one-time links sent by email or shown to admins. */
export type LinkPurpose = 'invitation' | 'password_reset' | 'recovery' | 'email_verification';

/** Text messages (phone verification codes): a gateway that takes a JSON POST of {to, text}. */
export interface SmsConfig {
  /** Undefined: no gateway; text messages go to the dev outbox (/admin/outbox), like mail without SMTP. */
  webhookUrl: string | undefined;
  /** Sent as `Authorization: Bearer …` to the gateway, if set. */
  webhookToken: string | undefined;
  /** How long one delivery attempt may take before it counts as failed (and is retried). */
  timeoutMs: number;
}

export interface MailConfig {
  /** Undefined: no SMTP; messages go to the dev outbox (/admin/outbox) and the log. */
  smtpUrl: string | undefined;
  from: string;
  /** How long each kind of one-time link works, in minutes. */
  linkTtlMinutes: Record<LinkPurpose, number>;
  /** How long a phone verification code works, in minutes (from when it is sent). */
  phoneCodeTtlMinutes: number;
  /** The outbox delivers text messages too. */
  sms: SmsConfig;
  /** Delivery attempts before a message is given up as failed. */
  maxAttempts: number;
  /** Worker poll interval; retries back off from this up to an hour. */
  pollSeconds: number;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

export const DEFAULT_PRIVACY: Record<PrivacyClaim, PrivacyLevel> = {
  nickname: 'public',
  given_name: 'on_request',
  family_name: 'on_request',
  birthdate: 'private',
  picture: 'public',
  email: 'on_request',
  phone_number: 'private',
};

type Env = Record<string, string | undefined>;

export function loadConfig(env: Env = process.env): Config {
  const problems: string[] = [];
  const str = (name: string): string | undefined => {
    const value = env[name];
    return value === undefined || value.trim() === '' ? undefined : value.trim();
  };
  const int = (name: string, fallback: number, min: number, max: number): number => {
    const raw = str(name);
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min || value > max) {
      problems.push(`${name} must be a whole number from ${min} to ${max} (got "${raw}")`);
      return fallback;
    }
    return value;
  };
  const bool = (name: string, fallback: boolean): boolean => {
    const raw = str(name);
    if (raw === undefined) return fallback;
    if (/^(1|true|yes)$/i.test(raw)) return true;
    if (/^(0|false|no)$/i.test(raw)) return false;
    problems.push(`${name} must be true or false (got "${raw}")`);
    return fallback;
  };

  const port = int('PORT', 3000, 0, 65535);
  let issuer = str('ISSUER') ?? `http://localhost:${port}`;
  try {
    const url = new URL(issuer);
    if (!/^https?:$/.test(url.protocol) || url.search || url.hash) throw new Error('bad');
    issuer = issuer.replace(/\/+$/, '');
  } catch {
    problems.push(`ISSUER must be an http(s) URL without query or fragment (got "${issuer}")`);
  }

  const databaseUrl = str('DATABASE_URL');
  if (databaseUrl !== undefined && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    problems.push('DATABASE_URL must start with postgres:// or postgresql://');
  }

  const logLevel = str('LOG_LEVEL') ?? 'info';
  if (!['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].includes(logLevel)) {
    problems.push(`LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent (got "${logLevel}")`);
  }

  const region = (str('FOYER_DEFAULT_PHONE_REGION') ?? 'US').toUpperCase();
  if (!/^[A-Z]{2}$/.test(region)) problems.push('FOYER_DEFAULT_PHONE_REGION must be a two-letter country code');

  const privacyDefaults = parsePrivacyDefaults(str('FOYER_PRIVACY_DEFAULTS'), problems);

  const adminLogin = str('FOYER_ADMIN_LOGIN');
  const adminEmail = str('FOYER_ADMIN_EMAIL');
  const adminPassword = env.FOYER_ADMIN_PASSWORD || undefined;
  let adminBootstrap: AdminBootstrap | undefined;
  if (adminLogin || adminEmail || adminPassword) {
    if (!adminLogin || !adminEmail || !adminPassword) {
      problems.push('FOYER_ADMIN_LOGIN, FOYER_ADMIN_EMAIL and FOYER_ADMIN_PASSWORD go together: set all three or none');
    } else {
      adminBootstrap = { login: adminLogin, email: adminEmail, password: adminPassword };
    }
  }

  const smtpUrl = str('SMTP_URL');
  if (smtpUrl !== undefined && !/^smtps?:\/\/[^/]+/.test(smtpUrl)) {
    problems.push('SMTP_URL must look like smtp://user:pass@host:587 or smtps://host:465');
  }
  const from = str('MAIL_FROM')
    ?? `Foyer <no-reply@${(() => { try { return new URL(issuer).hostname; } catch { return 'localhost'; } })()}>`;
  if (!/@/.test(from)) problems.push(`MAIL_FROM must contain an email address (got "${from}")`);
  const smsWebhookUrl = str('SMS_WEBHOOK_URL');
  if (smsWebhookUrl !== undefined && !isHttpUrl(smsWebhookUrl)) {
    problems.push('SMS_WEBHOOK_URL must be an http(s) URL, e.g. https://sms-gateway.example.com/send');
  }
  const smsWebhookToken = str('SMS_WEBHOOK_TOKEN');
  if (smsWebhookToken !== undefined && smsWebhookUrl === undefined) {
    problems.push('SMS_WEBHOOK_TOKEN is set but SMS_WEBHOOK_URL is not: set the gateway URL too, or remove the token');
  }
  const mail: MailConfig = {
    smtpUrl,
    from,
    linkTtlMinutes: {
      invitation: int('FOYER_INVITATION_TTL_MINUTES', 7 * 24 * 60, 5, 90 * 24 * 60),
      password_reset: int('FOYER_PASSWORD_RESET_TTL_MINUTES', 60, 5, 7 * 24 * 60),
      recovery: int('FOYER_RECOVERY_TTL_MINUTES', 24 * 60, 5, 7 * 24 * 60),
      email_verification: int('FOYER_EMAIL_VERIFICATION_TTL_MINUTES', 3 * 24 * 60, 5, 30 * 24 * 60),
    },
    phoneCodeTtlMinutes: int('FOYER_PHONE_CODE_TTL_MINUTES', 10, 1, 60),
    sms: { webhookUrl: smsWebhookUrl, webhookToken: smsWebhookToken,
      timeoutMs: int('FOYER_SMS_TIMEOUT_SECONDS', 10, 1, 120) * 1000 },
    maxAttempts: int('FOYER_MAIL_MAX_ATTEMPTS', 10, 1, 100),
    pollSeconds: int('FOYER_MAIL_POLL_SECONDS', 2, 1, 3600),
  };

  const clientSecretKey = parseSecretKey(str('FOYER_CLIENT_SECRET_KEY'), problems);
  const secretsKey = parseKeyMaterial(str('FOYER_SECRETS_KEY'), problems);

  const config: Config = {
    port,
    issuer,
    databaseUrl,
    dataDir: path.resolve(str('FOYER_DATA_DIR') ?? 'data'),
    bcryptCost: int('BCRYPT_COST', 12, 4, 31),
    logLevel,
    trustProxy: bool('TRUST_PROXY', false),
    defaultPhoneRegion: region,
    privacyDefaults,
    adminBootstrap,
    sweepIntervalSeconds: int('FOYER_SWEEP_INTERVAL_SECONDS', 300, 1, 86400),
    supportContact: str('FOYER_SUPPORT_CONTACT') ?? 'your administrator',
    mail,
    exportJobThreshold: int('FOYER_EXPORT_JOB_THRESHOLD', 10_000, 0, 100_000_000),
    jobDataRetentionDays: int('FOYER_JOB_DATA_RETENTION_DAYS', 7, 1, 3650),
    importMaxBytes: int('FOYER_IMPORT_MAX_MB', 100, 1, 10_000) * 1024 * 1024,
    jobLeaseSeconds: int('FOYER_JOB_LEASE_SECONDS', 45, 3, 3600),
    clientSecretKey,
    secretsKey,
    rateLimits: parseRateLimits(int),
  };
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}

function isHttpUrl(raw: string): boolean {
  try {
    return /^https?:$/.test(new URL(raw).protocol);
  } catch {
    return false;
  }
}

/** At least 32 random bytes, as base64, base64url or hex (a key is derived from it, so longer is fine). */
function parseKeyMaterial(raw: string | undefined, problems: string[]): Buffer | undefined {
  if (raw === undefined) return undefined;
  const key = /^(?:[0-9a-f]{2})+$/i.test(raw) && raw.length >= 64 ? Buffer.from(raw, 'hex')
    : /^[A-Za-z0-9+/_-]+={0,2}$/.test(raw) ? Buffer.from(raw, /[-_]/.test(raw) ? 'base64url' : 'base64')
    : Buffer.alloc(0);
  if (key.length < 32) {
    problems.push('FOYER_SECRETS_KEY must be at least 32 random bytes as base64 or hex (for example: openssl rand '
      + '-base64 32)');
    return undefined;
  }
  return key;
}

function parseRateLimits(int: (name: string, fallback: number, min: number, max: number) => number): RateLimitsConfig {
  const window = (name: string, minutes: number) => int(name, minutes, 1, 24 * 60) * 60;
  const signIn = window('FOYER_SIGN_IN_LIMIT_WINDOW_MINUTES', 15);
  const clientAuth = window('FOYER_CLIENT_AUTH_LIMIT_WINDOW_MINUTES', 15);
  const scim = window('FOYER_SCIM_AUTH_LIMIT_WINDOW_MINUTES', 15);
  const reset = window('FOYER_PASSWORD_RESET_LIMIT_WINDOW_MINUTES', 60);
  const phone = window('FOYER_PHONE_CODE_LIMIT_WINDOW_MINUTES', 60);
  const count = (name: string, fallback: number) => int(name, fallback, 1, 1_000_000);
  return {
    signInPerIdentifier: { limit: count('FOYER_SIGN_IN_FAILURES_PER_IDENTIFIER', 10), windowSeconds: signIn },
    signInPerIp: { limit: count('FOYER_SIGN_IN_FAILURES_PER_IP', 100), windowSeconds: signIn },
    clientAuthPerIp: { limit: count('FOYER_CLIENT_AUTH_FAILURES_PER_IP', 50), windowSeconds: clientAuth },
    scimAuthPerIp: { limit: count('FOYER_SCIM_AUTH_FAILURES_PER_IP', 20), windowSeconds: scim },
    resetPerIdentifier: { limit: count('FOYER_PASSWORD_RESET_REQUESTS_PER_IDENTIFIER', 5), windowSeconds: reset },
    resetPerIp: { limit: count('FOYER_PASSWORD_RESET_REQUESTS_PER_IP', 20), windowSeconds: reset },
    phoneCodesPerUser: { limit: count('FOYER_PHONE_CODES_PER_USER', 5), windowSeconds: phone },
    phoneCodesPerNumber: { limit: count('FOYER_PHONE_CODES_PER_NUMBER', 5), windowSeconds: phone },
    phoneCodeFailuresPerUser: { limit: count('FOYER_PHONE_CODE_FAILURES_PER_USER', 10), windowSeconds: phone },
    publicProfilePerIp: { limit: count('FOYER_PUBLIC_PROFILE_REQUESTS_PER_IP', 60),
      windowSeconds: window('FOYER_PUBLIC_PROFILE_LIMIT_WINDOW_MINUTES', 1) },
  };
}

/** 32 bytes, written as 64 hex digits or 43-44 characters of base64 / base64url. */
function parseSecretKey(raw: string | undefined, problems: string[]): Buffer | undefined {
  if (raw === undefined) return undefined;
  const key = /^[0-9a-f]{64}$/i.test(raw) ? Buffer.from(raw, 'hex') : Buffer.from(raw,
    /[-_]/.test(raw) ? 'base64url' : 'base64');
  if (key.length !== 32) {
    problems.push('FOYER_CLIENT_SECRET_KEY must be 32 random bytes as 64 hex digits or base64 (for example: openssl '
      + 'rand -hex 32)');
    return undefined;
  }
  return key;
}

function parsePrivacyDefaults(raw: string | undefined, problems: string[]): Record<PrivacyClaim, PrivacyLevel> {
  const result = { ...DEFAULT_PRIVACY };
  if (raw === undefined) return result;
  for (const pair of raw.split(',').map((p) => p.trim()).filter(Boolean)) {
    const [claim, level] = pair.split('=').map((p) => p.trim());
    if (!(PRIVACY_CLAIMS as readonly string[]).includes(claim)) {
      problems.push(`FOYER_PRIVACY_DEFAULTS: unknown claim "${claim}" (known: ${PRIVACY_CLAIMS.join(', ')})`);
    } else if (!(PRIVACY_LEVELS as readonly string[]).includes(level)) {
      problems.push(`FOYER_PRIVACY_DEFAULTS: level for ${claim} must be one of ${PRIVACY_LEVELS.join(', ')}`);
    } else {
      result[claim as PrivacyClaim] = level as PrivacyLevel;
    }
  }
  return result;
}
