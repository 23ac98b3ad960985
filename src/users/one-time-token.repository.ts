// One-time links: 256 random bits, only a SHA-256 of which is stored; single use,
// optionally expiring, optionally bound to data (the address a verification confirms).
// Consuming is one atomic UPDATE, so two clicks cannot both win.
//
// One-time codes (a phone verification code typed from a text message): 6 digits, stored as a
// salted SHA-256, at most one open per user and purpose (a new one supersedes the old), and
// each wrong code typed against one counts; after the allowed number it is dead. A check locks
// the code's row, so concurrent guesses take turns and none goes uncounted.
import { createHash, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';
import type { Db } from '../db/database.js';

export interface TokenRow {
  id: string;
  purpose: string;
  user_id: string | null;
  data: Record<string, unknown> | null;
}

/**
 * What a link is, for a page that must say why it does not work: used, expired, unknown, or
 * ended before use — `superseded` by a newer link of its kind, or its invitation `cancelled`.
 */
export type TokenState = { state: 'valid'; token: TokenRow }
  | { state: 'used' | 'expired' | 'unknown' | 'superseded' | 'cancelled' };

/**
 * What typing a code did. `valid`: it was right and is now used up. `wrong`: counted, with the
 * tries the code has left. `exhausted`: too many wrong codes (this one included, maybe); it is
 * dead. `none`: no code was ever issued.
 */
export type CodeAttempt = { state: 'valid'; token: TokenRow } | { state: 'wrong'; attemptsLeft: number }
  | { state: 'exhausted' | 'used' | 'expired' | 'none' };

/** The open code of a user, for a page that says where it went and until when it works. */
export interface PendingCode {
  expiresAt: Date;
  attemptsLeft: number;
  data: Record<string, unknown> | null;
}

const hash = (raw: string) => createHash('sha256').update(raw, 'utf8').digest('hex');
const WELL_FORMED = /^[A-Za-z0-9_-]{20,100}$/;
/** A code's stored form: `code$<salt>$<sha256(salt:code)>`. The salt keeps equal codes apart (the hash is unique). */
const STORED_CODE = /^code\$([A-Za-z0-9_-]{22})\$([0-9a-f]{64})$/;
const CODE = /^[0-9]{6}$/;
const codeHash = (salt: string, code: string) => createHash('sha256').update(`${salt}:${code}`, 'utf8').digest('hex');

function codeMatches(stored: string, typed: string): boolean {
  const parts = STORED_CODE.exec(stored);
  if (!parts || !CODE.test(typed)) return false;
  return timingSafeEqual(Buffer.from(codeHash(parts[1], typed), 'hex'), Buffer.from(parts[2], 'hex'));
}

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

    /** Makes every unused link of this purpose for the user stop working (a resend replaces them): superseded. */
    async revokeFor(userId: string, purpose: string, tx?: Db): Promise<void> {
      await (tx ?? db).query(
        `UPDATE one_time_tokens SET used_at = now(), ended_reason = 'superseded'
         WHERE user_id = $1 AND purpose = $2 AND used_at IS NULL`,
        [userId, purpose]);
    },

    /**
     * The invitation was cancelled: its links stop working and outlive the account (detached
     * from it, holding only their hash), so that opening one says it was cancelled.
     */
    async cancelFor(userId: string, purpose: string, tx?: Db): Promise<void> {
      await (tx ?? db).query(
        `UPDATE one_time_tokens SET used_at = coalesce(used_at, now()), ended_reason = 'cancelled', user_id = NULL
         WHERE user_id = $1 AND purpose = $2`,
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
      const { rows } = await db.query<TokenRow & { used: boolean; expired: boolean;
        ended_reason: 'superseded' | 'cancelled' | null; }>(
        `SELECT id, purpose, user_id, data, used_at IS NOT NULL AS used,
           coalesce(expires_at <= now(), false) AS expired, ended_reason
         FROM one_time_tokens WHERE token_hash = $1 AND purpose = $2`, [hash(raw), purpose]);
      const row = rows[0];
      if (!row) return { state: 'unknown' };
      // Why it ended before use says more than that it is spent or that its time ran out.
      if (row.ended_reason) return { state: row.ended_reason };
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

    /**
     * A new 6-digit code for the user; every open code of this purpose stops working. Returns
     * the code, which is stored only salted and hashed.
     */
    async issueCode(purpose: string, opts: { userId: string; ttlSeconds: number; data?: Record<string, unknown> },
      tx?: Db): Promise<string> {
      const code = String(randomInt(0, 1_000_000)).padStart(6, '0');
      const salt = randomBytes(16).toString('base64url');
      await (tx ?? db).transaction(async (t) => {
        await this.revokeFor(opts.userId, purpose, t);
        await t.query(
          `INSERT INTO one_time_tokens (purpose, token_hash, user_id, expires_at, data)
           VALUES ($1, $2, $3, now() + make_interval(secs => $4::int), $5)`,
          [purpose, `code$${salt}$${codeHash(salt, code)}`, opts.userId, opts.ttlSeconds,
            opts.data ? JSON.stringify(opts.data) : null]);
      });
      return code;
    },

    /**
     * Checks a typed code against the user's newest code of this purpose, in `tx` (its row stays
     * locked until `tx` ends). A right code is used up; a wrong one is counted, and the code dies
     * at `maxFailures`.
     */
    async attemptCode(purpose: string, userId: string, typed: string, maxFailures: number,
      tx: Db): Promise<CodeAttempt> {
      const { rows } = await tx.query<TokenRow & { token_hash: string; failed_attempts: number; used: boolean;
        expired: boolean; }>(
        `SELECT id, purpose, user_id, data, token_hash, failed_attempts, used_at IS NOT NULL AS used,
           coalesce(expires_at <= now(), false) AS expired
         FROM one_time_tokens WHERE user_id = $1 AND purpose = $2 ORDER BY id DESC LIMIT 1 FOR UPDATE`,
        [userId, purpose]);
      const row = rows[0];
      if (!row) return { state: 'none' };
      if (row.failed_attempts >= maxFailures) return { state: 'exhausted' };
      if (row.used) return { state: 'used' };
      if (row.expired) return { state: 'expired' };
      if (!codeMatches(row.token_hash, typed)) {
        const failures = row.failed_attempts + 1;
        await tx.query(
          `UPDATE one_time_tokens SET failed_attempts = $2::int, used_at = CASE WHEN $2::int >= $3::int THEN now() END
           WHERE id = $1`, [row.id, failures, maxFailures]);
        if (failures >= maxFailures) return { state: 'exhausted' };
        return { state: 'wrong', attemptsLeft: maxFailures - failures };
      }
      await tx.query('UPDATE one_time_tokens SET used_at = now() WHERE id = $1', [row.id]);
      return { state: 'valid', token: { id: row.id, purpose: row.purpose, user_id: row.user_id, data: row.data } };
    },

    /** The user's open code of this purpose (unused, unexpired), if any. */
    async pendingCode(purpose: string, userId: string, maxFailures: number): Promise<PendingCode | undefined> {
      const { rows } = await db.query<{ expires_at: Date; failed_attempts: number;
        data: Record<string, unknown> | null; }>(
        `SELECT expires_at, failed_attempts, data FROM one_time_tokens WHERE user_id = $1 AND purpose = $2
           AND used_at IS NULL AND expires_at > now() ORDER BY id DESC LIMIT 1`, [userId, purpose]);
      const row = rows[0];
      return row && { expiresAt: row.expires_at, attemptsLeft: Math.max(0, maxFailures - row.failed_attempts),
        data: row.data };
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
