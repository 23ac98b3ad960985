// Password hashing and the checks every password passes wherever it is set.
import bcrypt from 'bcrypt';

export const PASSWORD_MAX_BYTES = 72; // bcrypt ignores everything past 72 bytes
export const PASSWORD_MIN_LENGTH = 8;

export function checkPasswordRules(password: string): string | undefined {
  if (password.length < PASSWORD_MIN_LENGTH) return `Use at least ${PASSWORD_MIN_LENGTH} characters`;
  if (Buffer.byteLength(password, 'utf8') > PASSWORD_MAX_BYTES) {
    return `Use at most ${PASSWORD_MAX_BYTES} bytes (bcrypt's limit); this one is longer and would be cut short`;
  }
  return undefined;
}

export interface PasswordHasher {
  hash(password: string): Promise<string>;
  /** Compares against the hash, or against a dummy hash of the same cost when there is none. */
  verify(password: string, hash: string | null | undefined): Promise<boolean>;
}

export function createPasswordHasher({ cost }: { cost: number }): PasswordHasher {
  // Made once per process so unknown accounts cost exactly one bcrypt compare, like known ones.
  const dummy = bcrypt.hash('foyer-dummy-password', cost);
  return {
    hash: (password) => bcrypt.hash(password, cost),
    async verify(password, hash) {
      const target = hash ?? (await dummy);
      const ok = await bcrypt.compare(password, target);
      return ok && Boolean(hash);
    },
  };
}
