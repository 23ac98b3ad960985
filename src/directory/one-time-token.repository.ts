// One-time links: 256 random bits, only a SHA-256 of which is stored; single use,
// optionally expiring. Consuming is one atomic UPDATE, so two clicks cannot both win.
import { createHash, randomBytes } from 'node:crypto';
import type { DataSource, EntityManager } from 'typeorm';

export interface TokenRow {
  id: string;
  purpose: string;
  user_id: string | null;
}

const hash = (raw: string) => createHash('sha256').update(raw, 'utf8').digest('hex');

export function createOneTimeTokens(dataSource: DataSource) {
  const q = (manager?: EntityManager) => manager ?? dataSource.manager;
  return {
    async issue(purpose: string, opts: { userId?: string; ttlSeconds?: number } = {}, manager?: EntityManager): Promise<string> {
      const raw = randomBytes(32).toString('base64url');
      await q(manager).query(
        `INSERT INTO one_time_tokens (purpose, token_hash, user_id, expires_at)
         VALUES ($1, $2, $3, CASE WHEN $4::int IS NULL THEN NULL ELSE now() + make_interval(secs => $4::int) END)`,
        [purpose, hash(raw), opts.userId ?? null, opts.ttlSeconds ?? null],
      );
      return raw;
    },

    /** The token if it exists, is unused and unexpired; does not use it up. */
    async peek(purpose: string, raw: string): Promise<TokenRow | undefined> {
      const rows: TokenRow[] = await q().query(
        `SELECT id, purpose, user_id FROM one_time_tokens WHERE token_hash = $1 AND purpose = $2
           AND used_at IS NULL AND (expires_at IS NULL OR expires_at > now())`, [hash(raw), purpose]);
      return rows[0];
    },

    /** Uses the token up; undefined when it was not valid (or someone else just used it). */
    async consume(purpose: string, raw: string, manager?: EntityManager): Promise<TokenRow | undefined> {
      const [rows] = await q(manager).query(
        `UPDATE one_time_tokens SET used_at = now() WHERE token_hash = $1 AND purpose = $2
           AND used_at IS NULL AND (expires_at IS NULL OR expires_at > now())
         RETURNING id, purpose, user_id`, [hash(raw), purpose]) as [TokenRow[], number];
      return rows[0];
    },
  };
}

export type OneTimeTokens = ReturnType<typeof createOneTimeTokens>;
