// Confirming a phone number: a 6-digit code goes out by text message through the outbox (made
// when it is sent, valid for FOYER_PHONE_CODE_TTL_MINUTES, single use, a new one supersedes the
// old), the user types it back, and the number is verified. Wrong codes count against the code
// (dead after MAX_WRONG_CODES) and against the account (the shared limiter); codes sent are
// limited per account and per number. Administrators and Managers (in their scope, never an
// Administrator's account) can mark a number verified instead.
//
// Nothing here knows about pages: the account page uses it, and so can any flow that has a user
// with a number to confirm (self-registration).
import type { Actor, AuditLog } from '../audit/audit.service.js';
import type { Db } from '../db/database.js';
import type { User } from '../db/entities/user.entity.js';
import type { QueuedMessage } from '../mail/outbox.repository.js';
import { PHONE_VERIFICATION_PURPOSE } from '../mail/templates.js';
import type { StaffScope } from '../platform/access.js';
import { DomainError, NotFoundError, ValidationError } from '../platform/errors.js';
import { identifierKey, retryText, type FailureLimit, type Refusal } from '../security/rate-limits.js';
import type { CodeAttempt, OneTimeTokens } from './one-time-token.repository.js';
import { assertPerson } from './user.policy.js';
import type { UserRepository } from './user.repository.js';
import { describeUser, type UserService } from './user.service.js';

/** Wrong codes a code survives; the next wrong one kills it. */
export const MAX_WRONG_CODES = 5;

export interface PhoneVerificationLimits {
  codesPerUser: FailureLimit;
  codesPerNumber: FailureLimit;
  wrongCodesPerUser: FailureLimit;
}

export interface PhoneVerificationDeps {
  db: Db;
  users: UserService;
  repository: UserRepository;
  tokens: OneTimeTokens;
  audit: AuditLog;
  enqueue: (message: QueuedMessage, tx?: Db) => Promise<string>;
  /** Tells the mail worker there is something to send. */
  wakeMail: () => void;
  limits: PhoneVerificationLimits;
  /** How long a code works, in minutes (for the words of the page; the worker sets the expiry). */
  codeTtlMinutes: number;
}

/** Over a limit: too many codes sent, or too many wrong codes typed. 429 with Retry-After. */
export class PhoneCodeLimitError extends DomainError {
  constructor(readonly refusal: Refusal, what: 'sent' | 'wrong') {
    super(what === 'sent' ? 'too_many_codes' : 'too_many_wrong_codes',
      what === 'sent' ? `Too many codes were sent to this account or number. Try again ${retryText(refusal)}.`
      : `Too many wrong codes were typed. Try again ${retryText(refusal)}.`, 429);
  }
}

type Problem = Exclude<CodeAttempt, { state: 'valid' }> | { state: 'other_number' };

/** The words for a code that did not confirm the number, by the form's code field. */
function codeProblem(attempt: Problem): string {
  switch (attempt.state) {
    case 'wrong':
      return `That is not the code we sent. ${attempt.attemptsLeft} ${attempt.attemptsLeft === 1 ? 'try' : 'tries'} `
        + 'left for this code.';
    case 'exhausted': return 'Too many wrong codes: this code no longer works. Send a new code.';
    case 'expired': return 'This code has expired. Send a new code.';
    case 'used': return 'This code no longer works. Send a new code.';
    case 'other_number': return 'This code was sent to another number. Send a new code.';
    case 'none': return 'No code has been sent to this number yet. Send a code first.';
  }
}

/** A code sent, or about to be: where it goes and how long it works. */
export interface CodeSent {
  phone: string;
  ttlMinutes: number;
}

export function createPhoneVerification(deps: PhoneVerificationDeps) {
  const { db, users, repository, tokens, audit, limits } = deps;

  /** The user the code is for: a person with a number still to confirm. */
  function numberToConfirm(user: User | null | undefined): { user: User; phone: string } {
    if (!user) throw new NotFoundError('User');
    assertPerson(user);
    if (!user.phoneNumber) throw new ValidationError({ phone_number: 'There is no phone number on this account.' });
    if (user.phoneNumberVerified) {
      throw new ValidationError({ phone_number: 'This phone number is already verified.' });
    }
    return { user, phone: user.phoneNumber };
  }

  return {
    codeTtlMinutes: deps.codeTtlMinutes,

    /**
     * Queues a text message with a new code to the user's number (the earlier code stops working
     * when it goes out). `actor`: who asked (the user, on the account page).
     */
    async sendCode(userId: string, actor: Actor): Promise<CodeSent> {
      const { phone } = numberToConfirm(await users.findById(userId));
      const refusals = (await Promise.all([limits.codesPerUser.hit(userId),
        limits.codesPerNumber.hit(identifierKey(phone))])).filter((r): r is Refusal => r !== undefined);
      if (refusals.length) {
        throw new PhoneCodeLimitError(refusals.sort((a, b) => b.retryAfterSeconds - a.retryAfterSeconds)[0], 'sent');
      }
      await db.transaction(async (tx) => {
        const { user } = numberToConfirm(await users.findById(userId, tx));
        await deps.enqueue({ template: 'phone-verification', to: phone, userId }, tx);
        await audit.record({ actor, action: 'user.phone_verification_sent', targetUserId: userId,
          targetLabel: describeUser(user), details: { phone } }, tx);
        await tx.afterCommit(deps.wakeMail);
      });
      return { phone, ttlMinutes: deps.codeTtlMinutes };
    },

    /** The user's open code for their current number: until when it works and the tries it has left. */
    async pending(userId: string): Promise<{ expiresAt: Date; attemptsLeft: number } | undefined> {
      const user = await users.findById(userId);
      const code = await tokens.pendingCode(PHONE_VERIFICATION_PURPOSE, userId, MAX_WRONG_CODES);
      if (!user?.phoneNumber || !code || code.data?.phone !== user.phoneNumber) return undefined;
      return { expiresAt: code.expiresAt, attemptsLeft: code.attemptsLeft };
    },

    /**
     * The user typed a code: the number is verified if it is the code last sent to it. Anything
     * else is a ValidationError on `code` saying why (and counts when it was a wrong guess).
     */
    async verify(userId: string, typed: string, actor: Actor): Promise<User> {
      const check = await limits.wrongCodesPerUser.check(userId);
      if (check.refused) throw new PhoneCodeLimitError(check, 'wrong');
      const result = await db.transaction(async (tx): Promise<{ user: User } | { problem: Problem }> => {
        const current = await users.findById(userId, tx);
        // A second submit of the form that already verified the number: nothing more to do.
        if (current && current.phoneNumber && current.phoneNumberVerified) return { user: current };
        const { user, phone } = numberToConfirm(current);
        const attempt = await tokens.attemptCode(PHONE_VERIFICATION_PURPOSE, userId, typed, MAX_WRONG_CODES, tx);
        if (attempt.state !== 'valid') return { problem: attempt };
        if (attempt.token.data?.phone !== phone) return { problem: { state: 'other_number' as const } };
        await repository.update(userId, { phoneNumberVerified: true }, tx);
        await audit.record({ actor, action: 'user.phone_verified', targetUserId: userId,
          targetLabel: describeUser(user), details: { phone } }, tx);
        return { user: { ...user, phoneNumberVerified: true } };
      });
      if ('user' in result) return result.user;
      const { problem } = result;
      // A guess counts against the account too (the next check refuses once over the limit).
      if (problem.state === 'wrong' || problem.state === 'exhausted') await limits.wrongCodesPerUser.fail(userId);
      throw new ValidationError({ code: codeProblem(problem) });
    },

    /**
     * An admin vouches for the number (no code). `false` when it was verified already (nothing
     * is recorded twice). Any open code stops working.
     */
    async markVerified(id: string, actor: Actor, scope: StaffScope): Promise<boolean> {
      return db.transaction(async (tx) => {
        const user = await users.getChangeable(id, scope, tx);
        if (!user.phoneNumber) throw new ValidationError({ phone_number: 'This user has no phone number.' });
        if (user.phoneNumberVerified) return false;
        await tokens.revokeFor(id, PHONE_VERIFICATION_PURPOSE, tx);
        await repository.update(id, { phoneNumberVerified: true }, tx);
        await audit.record({ actor, action: 'user.phone_marked_verified', targetUserId: id,
          targetLabel: describeUser(user), details: { phone: user.phoneNumber } }, tx);
        return true;
      });
    },
  };
}

export type PhoneVerification = ReturnType<typeof createPhoneVerification>;
