// One-time links: 256 random bits, only a SHA-256 of which is stored; single use,
// optionally expiring, optionally bound to data (the address a verification confirms).
// Consuming is one atomic UPDATE, so two clicks cannot both win.
import { createHash, randomBytes } from 'node:crypto';
import type { Db } from '../db/database.js';

export interface TokenRow {
  id: string;
  purpose: string;
  user_id: string | null;
  data: Record<string, unknown> | null;
}

/** What a link is, for a page that must say why it does not work. */
export type TokenState = { state: 'valid'; token: TokenRow } | { state: 'used' | 'expired' | 'unknown' };

const hash = (raw: string) => createHash('sha256').update(raw, 'utf8').digest('hex');
const WELL_FORMED = /^[A-Za-z0-9_-]{20,100}$/;

export function createOneTimeTokens(db: Db) {
  return {
    async issue(purpose: string, opts: { userId?: string; ttlSeconds?: number; data?: Record<string, unknown> } = {},
      tx?: Db): Promise<string> {
      const raw = randomBytes(32).toString('base64url');
      await (tx ?? db).query(
        `INSERT INTO one_time_tokens (purpose, token_hash, user_id, expires_at, data)
         VALUES ($1, $2, $3, CASE WHEN $4::int IS NULL THEN NULL ELSE now() + make_interval(secs => $4::int) END, $5)`,
        [purpose, hash(raw), opts.userId ?? null, opts.ttlSeconds ?? null,
          opts.data ? JSON.stringify(opts.data) : null],
      );
      return raw;
    },

    /** Makes every unused link of this purpose for the user stop working (a resend replaces them). */
    async revokeFor(userId: string, purpose: string, tx?: Db): Promise<void> {
      await (tx ?? db).query(
        'UPDATE one_time_tokens SET used_at = now() WHERE user_id = $1 AND purpose = $2 AND used_at IS NULL',
        [userId, purpose]);
    },

    /** The token if it exists, is unused and unexpired; does not use it up. */
    async peek(purpose: string, raw: string): Promise<TokenRow | undefined> {
      const found = await this.inspect(purpose, raw);
      return found.state === 'valid' ? found.token : undefined;
    },

    /** Whether a link works, and if not whether it was used, ran out, or never existed. */
    async inspect(purpose: string, raw: string): Promise<TokenState> {
      if (!WELL_FORMED.test(raw)) return { state: 'unknown' };
      const { rows } = await db.query<TokenRow & { used: boolean; expired: boolean }>(
        `SELECT id, purpose, user_id, data, used_at IS NOT NULL AS used, coalesce(expires_at <= now(), false) AS expired
         FROM one_time_tokens WHERE token_hash = $1 AND purpose = $2`, [hash(raw), purpose]);
      const row = rows[0];
      if (!row) return { state: 'unknown' };
      if (row.used) return { state: 'used' };
      if (row.expired) return { state: 'expired' };
      return { state: 'valid', token: { id: row.id, purpose: row.purpose, user_id: row.user_id, data: row.data } };
    },

    /** Uses the token up; undefined when it was not valid (or someone else just used it). */
    async consume(purpose: string, raw: string, tx?: Db): Promise<TokenRow | undefined> {
      if (!WELL_FORMED.test(raw)) return undefined;
      const { rows } = await (tx ?? db).query<TokenRow>(
        `UPDATE one_time_tokens SET used_at = now() WHERE token_hash = $1 AND purpose = $2
           AND used_at IS NULL AND (expires_at IS NULL OR expires_at > now())
         RETURNING id, purpose, user_id, data`, [hash(raw), purpose]);
      return rows[0];
    },

    /** When the user's newest unused link of this purpose stops working (for "expired" labels). */
    async expiryOf(userId: string, purpose: string): Promise<Date | null | undefined> {
      const { rows } = await db.query<{ expires_at: Date | null }>(
        `SELECT expires_at FROM one_time_tokens WHERE user_id = $1 AND purpose = $2 AND used_at IS NULL ORDER BY id `
          + `DESC LIMIT 1`, [userId, purpose]);
      return rows[0]?.expires_at;
    },
  };
}

export type OneTimeTokens = ReturnType<typeof createOneTimeTokens>;
