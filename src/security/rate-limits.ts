// Brute-force limits, shared by every Foyer process: counters live in PostgreSQL (table
// rate_limits, made by a migration) and are written by rate-limiter-flexible's
// RateLimiterPostgres. Failures are counted (a wrong password, a bad client secret, a bad
// SCIM key): a request is checked before it runs and counted only if it failed, so ordinary
// traffic never fills a counter.
//
// Cost: a check is one primary-key read, and the checks of one event-loop turn share one
// statement (`batched`), so concurrent /token requests pay one round trip between them. A key
// found over its limit is remembered in this process until its window ends, so a flood from a
// refused address costs no database work at all. Counting a failure is one upsert.
import { createHash } from 'node:crypto';
import type pg from 'pg';
import { RateLimiterPostgres, RateLimiterRes } from 'rate-limiter-flexible';
import type { RateLimit, RateLimitsConfig } from '../config/config.js';
import { batched } from '../db/sql.js';
import { RATE_LIMIT_TABLE, READ_RATE_LIMITS } from './rate-limits.query.js';

export { RATE_LIMIT_TABLE };

/** Refused until `until`; `retryAfterSeconds` is for the Retry-After header. */
export interface Refusal {
  until: Date;
  retryAfterSeconds: number;
}

export type LimitCheck = { refused: false; failures: number } | ({ refused: true } & Refusal);

export interface FailureLimit {
  /** Whether `key` may try now (how many failures it has so far), without counting anything. */
  check(key: string): Promise<LimitCheck>;
  /** Counts one failure for `key`; says when it is refused from now on, if this one reached the limit. */
  fail(key: string): Promise<Refusal | undefined>;
  /** Counts one request (every request counts) and refuses it when over the limit. */
  hit(key: string): Promise<Refusal | undefined>;
  /** Forgets the failures of `key` (a success). */
  forget(key: string): Promise<void>;
}

/** "in 14 minutes", "in 30 seconds": for pages and error bodies. */
export function retryText(refusal: Refusal): string {
  const s = refusal.retryAfterSeconds;
  if (s < 60) return `in ${s} second${s === 1 ? '' : 's'}`;
  const m = Math.ceil(s / 60);
  if (m < 120) return `in ${m} minute${m === 1 ? '' : 's'}`;
  return `after ${refusal.until.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** Keys may hold what someone typed (an email address): stored hashed, case and spaces ignored. */
export function identifierKey(identifier: string): string {
  return createHash('sha256').update(identifier.trim().toLowerCase()).digest('base64url');
}

type Row = { key: string; points: number; expire: string | null };

function refusalAt(untilMs: number): Refusal {
  return { until: new Date(untilMs), retryAfterSeconds: Math.max(1, Math.ceil((untilMs - Date.now()) / 1000)) };
}

const MAX_REMEMBERED = 10_000;

function failureLimit(prefix: string, { limit, windowSeconds }: RateLimit, pool: pg.Pool,
  read: (rlKey: string) => Promise<Row | undefined>, sweep: boolean): FailureLimit {
  const limiter = new RateLimiterPostgres({
    storeClient: pool, storeType: 'pool', tableName: RATE_LIMIT_TABLE, tableCreated: true, keyPrefix: prefix,
    points: limit, duration: windowSeconds,
    // A key that reached its limit here is refused from memory until its window ends.
    inMemoryBlockOnConsumed: limit,
    // Every limiter shares the table: one of them deletes the expired rows.
    clearExpiredByTimeout: sweep,
  });
  // Keys seen over the limit (here or, through a read, by another process), until when.
  const refusedUntil = new Map<string, number>();
  const remember = (rlKey: string, untilMs: number) => {
    if (refusedUntil.size >= MAX_REMEMBERED) refusedUntil.clear();
    refusedUntil.set(rlKey, untilMs);
  };

  /** `over`: the library refused the point (over the limit, or refused from memory). */
  async function consume(key: string): Promise<{ res: RateLimiterRes; over: boolean }> {
    try {
      return { res: await limiter.consume(key), over: false };
    } catch (err) {
      if (err instanceof RateLimiterRes) return { res: err, over: true }; // an answer, not an error
      throw err;
    }
  }

  return {
    async check(key) {
      const rlKey = limiter.getKey(key);
      const known = refusedUntil.get(rlKey);
      if (known !== undefined) {
        if (known > Date.now()) return { refused: true, ...refusalAt(known) };
        refusedUntil.delete(rlKey);
      }
      const row = await read(rlKey);
      if (!row || row.points < limit) return { refused: false, failures: row?.points ?? 0 };
      const untilMs = row.expire === null ? Date.now() + windowSeconds * 1000 : Number(row.expire);
      remember(rlKey, untilMs);
      return { refused: true, ...refusalAt(untilMs) };
    },

    async fail(key) {
      const { res, over } = await consume(key);
      if (!over && res.consumedPoints < limit) return undefined;
      const untilMs = Date.now() + res.msBeforeNext;
      remember(limiter.getKey(key), untilMs);
      return refusalAt(untilMs);
    },

    async hit(key) {
      const { res, over } = await consume(key);
      return over ? refusalAt(Date.now() + res.msBeforeNext) : undefined;
    },

    async forget(key) {
      refusedUntil.delete(limiter.getKey(key));
      await limiter.delete(key);
    },
  };
}

/** The limits Foyer applies, all on one table and one pool. */
export function createRateLimits(pool: pg.Pool, config: RateLimitsConfig) {
  // The checks of one event-loop turn in one statement; rows past their expiry count as absent.
  const read = batched<string, Row | undefined>(async (keys) => {
    const { rows } = await pool.query<Row>({
      name: 'rate-limits-read',
      text: READ_RATE_LIMITS,
      values: [[...new Set(keys)], Date.now()],
    });
    const byKey = new Map(rows.map((r) => [r.key, r]));
    return keys.map((k) => byKey.get(k));
  });
  const make = (prefix: string, limit: RateLimit, sweep = false) => failureLimit(prefix, limit, pool, read, sweep);
  const signInPerIdentifier = make('signin-id', config.signInPerIdentifier, true);
  const signInPerIp = make('signin-ip', config.signInPerIp);
  return {
    /** The sign-in form: failures per typed identifier and per IP. */
    signIn: {
      async check(ip: string, identifier: string): Promise<{ refusal?: Refusal; identifierFailures: number }> {
        const [byIp, byIdentifier] = await Promise.all([signInPerIp.check(ip),
          signInPerIdentifier.check(identifierKey(identifier))]);
        const refused = [byIp, byIdentifier].filter((c): c is Extract<LimitCheck, { refused: true }> => c.refused);
        const refusal = refused.sort((a, b) => b.until.getTime() - a.until.getTime())[0];
        return { refusal: refusal && { until: refusal.until, retryAfterSeconds: refusal.retryAfterSeconds },
          identifierFailures: byIdentifier.refused ? 0 : byIdentifier.failures };
      },
      async failed(ip: string, identifier: string): Promise<void> {
        await Promise.all([signInPerIp.fail(ip), signInPerIdentifier.fail(identifierKey(identifier))]);
      },
      /**
       * A right password clears the identifier's count (not the address's: an attacker could sign
       * in to their own account between guesses).
       */
      succeeded: (identifier: string) => signInPerIdentifier.forget(identifierKey(identifier)),
    },
    /** invalid_client at /token, introspection and revocation, per IP. */
    clientAuthPerIp: make('client-auth-ip', config.clientAuthPerIp),
    /** SCIM requests without a valid API key, per IP. */
    scimAuthPerIp: make('scim-auth-ip', config.scimAuthPerIp),
    /** Forgotten-password requests: every request counts. */
    resetPerIdentifier: make('reset-id', config.resetPerIdentifier),
    resetPerIp: make('reset-ip', config.resetPerIp),
    /** Phone verification codes sent: every code counts, per account and per number (keyed by identifierKey). */
    phoneCodesPerUser: make('phone-code-user', config.phoneCodesPerUser),
    phoneCodesPerNumber: make('phone-code-number', config.phoneCodesPerNumber),
    /** Wrong phone verification codes typed, per account. */
    phoneCodeFailuresPerUser: make('phone-code-fail', config.phoneCodeFailuresPerUser),
    /** Public profile pages (/u/<login>), per IP: every request counts, so logins cannot be listed by guessing. */
    publicProfilePerIp: make('public-profile-ip', config.publicProfilePerIp),
    identifierKey,
  };
}

export type RateLimits = ReturnType<typeof createRateLimits>;
