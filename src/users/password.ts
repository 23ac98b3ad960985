// Password hashing. The rules a new password must meet are in src/settings/password-policy.ts.
import bcrypt from 'bcrypt';

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
