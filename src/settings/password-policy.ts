// The password policy admins set in the console, and the check every new password passes
// (admin forms, setup link, CLI, later the reset and account pages).
/** bcrypt ignores everything past 72 bytes, so the policy refuses longer passwords. */
const PASSWORD_MAX_BYTES = 72;

export const CHARACTER_CLASSES = ['lower', 'upper', 'digit', 'symbol'] as const;
export type CharacterClass = (typeof CHARACTER_CLASSES)[number];

export const CLASS_LABELS: Record<CharacterClass, string> = {
  lower: 'a lower-case letter',
  upper: 'an upper-case letter',
  digit: 'a digit',
  symbol: 'a symbol or space',
};

export interface PasswordPolicy {
  minLength: number;
  requiredClasses: CharacterClass[];
  /** Refuse passwords that contain the login or the email's local part. */
  forbidIdentifiers: boolean;
}

export const DEFAULT_PASSWORD_POLICY: PasswordPolicy = { minLength: 8, requiredClasses: [], forbidIdentifiers: true };

/** Below this an identifier is too short to be worth refusing (e.g. a login "al"). */
const MIN_IDENTIFIER_CHECK = 3;
/**
 * The minimum length an admin may set: never below 8 (NIST SP 800-63B, 3.1.1.2), never above
 * what bcrypt reads.
 */
const POLICY_MIN_LENGTH_RANGE = { min: 8, max: 72 } as const;

const CLASS_TESTS: Record<CharacterClass, RegExp> = {
  lower: /\p{Ll}/u,
  upper: /\p{Lu}/u,
  digit: /\p{Nd}/u,
  symbol: /[^\p{L}\p{Nd}]/u,
};

export interface PasswordContext {
  login?: string | null;
  email?: string | null;
}

/** The first rule the password breaks, as a message for the form; undefined when it passes. */
export function checkPassword(password: string, policy: PasswordPolicy,
  context: PasswordContext = {}): string | undefined {
  if (Buffer.byteLength(password, 'utf8') > PASSWORD_MAX_BYTES) {
    return `Use at most ${PASSWORD_MAX_BYTES} bytes (bcrypt's limit); this one is longer and would be cut short`;
  }
  if ([...password].length < policy.minLength) return `Use at least ${policy.minLength} characters`;
  const missing = policy.requiredClasses.filter((c) => !CLASS_TESTS[c].test(password));
  if (missing.length) return `Include ${missing.map((c) => CLASS_LABELS[c]).join(', ')}`;
  if (policy.forbidIdentifiers) {
    const lower = password.toLowerCase();
    const identifiers = [context.login, context.email, context.email?.split('@')[0]]
      .filter((v): v is string => typeof v === 'string' && v.length >= MIN_IDENTIFIER_CHECK)
      .map((v) => v.toLowerCase());
    if (identifiers.some((id) => lower.includes(id))) return 'The password must not contain the login or email address';
  }
  return undefined;
}

/** Parses the settings form; throws nothing, returns the policy or the field errors. */
export function parsePasswordPolicy(input: { minLength?: unknown; requiredClasses?: unknown;
  forbidIdentifiers?: unknown; }):
  { policy: PasswordPolicy } | { errors: Record<string, string> } {
  const errors: Record<string, string> = {};
  const minLength = Number(input.minLength);
  if (!Number.isInteger(minLength) || minLength < POLICY_MIN_LENGTH_RANGE.min
    || minLength > POLICY_MIN_LENGTH_RANGE.max) {
    errors.minLength = `Enter a whole number from ${POLICY_MIN_LENGTH_RANGE.min} to ${POLICY_MIN_LENGTH_RANGE.max}: `
      + `fewer than ${POLICY_MIN_LENGTH_RANGE.min} characters is too weak (NIST SP 800-63B), and bcrypt reads at most `
      + `${PASSWORD_MAX_BYTES} bytes`;
  }
  const raw = input.requiredClasses === undefined ? []
    : Array.isArray(input.requiredClasses) ? input.requiredClasses : [input.requiredClasses];
  const requiredClasses = raw.filter((c): c is CharacterClass => (CHARACTER_CLASSES as readonly unknown[]).includes(c));
  if (requiredClasses.length !== raw.length) errors.requiredClasses = `Choose from ${CHARACTER_CLASSES.join(', ')}`;
  if (Object.keys(errors).length) return { errors };
  const forbidIdentifiers = input.forbidIdentifiers === true || input.forbidIdentifiers === 'on'
    || input.forbidIdentifiers === 'true';
  return { policy: { minLength, requiredClasses: [...new Set(requiredClasses)], forbidIdentifiers } };
}

/**
 * A stored policy read back, with anything missing or damaged replaced by the default. A minimum
 * below 8, saved before the floor existed, counts as 8 (the rest of the policy kept); saving the
 * form stores it so.
 */
export function policyFromStored(value: unknown): PasswordPolicy {
  if (!value || typeof value !== 'object') return DEFAULT_PASSWORD_POLICY;
  const stored = value as Record<string, unknown>;
  const length = Number(stored.minLength);
  const raised = Number.isInteger(length) && length >= 1 && length < POLICY_MIN_LENGTH_RANGE.min
    ? { ...stored, minLength: POLICY_MIN_LENGTH_RANGE.min } : stored;
  const parsed = parsePasswordPolicy(raised);
  return 'policy' in parsed ? parsed.policy : DEFAULT_PASSWORD_POLICY;
}

/** One line describing the policy, for forms that ask for a password. */
export function describePolicy(policy: PasswordPolicy): string {
  const parts = [`at least ${policy.minLength} characters`, `at most ${PASSWORD_MAX_BYTES} bytes`];
  if (policy.requiredClasses.length) {
    parts.push(`with ${policy.requiredClasses.map((c) => CLASS_LABELS[c]).join(', ')}`);
  }
  if (policy.forbidIdentifiers) parts.push('not containing the login or email');
  return `Use ${parts.join(', ')}.`;
}
